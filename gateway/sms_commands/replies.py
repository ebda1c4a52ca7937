"""Reply texts to workers. Each fits one GSM-7 segment (160 characters).

Examples in replies are built from the organisation's limits, so a worker
who copies one is never told off again by a stricter policy.
"""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from gateway.gsm7 import segments, to_gsm7
from gateway.sms_commands.when import format_local, format_span

log = logging.getLogger(__name__)

EXAMPLE = "START 2h Newman"
# A two-hour journey is the example unless the policy does not allow it.
EXAMPLE_SPAN = timedelta(hours=2)
EXAMPLE_EXTEND = timedelta(minutes=30)


def fit(text: str) -> str:
    """Text as GSM-7 in one segment; a template that overflows is cut, not split."""
    text = to_gsm7(text)
    if segments(text) > 1:
        log.warning("reply: %s characters cut to one segment", len(text))
        while segments(text + "...") > 1:
            text = text[:-1]
        text += "..."
    return text


def as_input(span: timedelta) -> str:
    """A span as a worker would type it: "2h", "45m", "1h30"."""
    minutes = max(round(span.total_seconds() / 60), 1)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"


def example_span(shortest: timedelta, longest: timedelta) -> str:
    return as_input(min(max(EXAMPLE_SPAN, shortest), longest))


def _local(at: datetime, tz: ZoneInfo, now: datetime) -> str:
    # The weekday also when the time lies on an earlier day than today.
    shown = format_local(at, tz, now)
    if at.astimezone(tz).date() < now.astimezone(tz).date():
        return f"{at.astimezone(tz):%a} {shown}"
    return shown


def _contacts(count: int) -> str:
    return f"{count} contact" if count == 1 else f"{count} contacts"


def _due(due_at: datetime, tz: ZoneInfo, now: datetime) -> str:
    return f"{format_local(due_at, tz, now)} (in {format_span(due_at - now)})"


def started(due_at: datetime, tz: ZoneInfo, now: datetime, cut: bool = False) -> str:
    text = f"Journey started. Due {_due(due_at, tz, now)}. "
    if cut:
        text += "Note cut to 200 chars. "
    return text + "Reply ARRIVED when safe or EXTEND 30m for more time."


def already_active(due_at: datetime, tz: ZoneInfo, now: datetime) -> str:
    if due_at <= now:
        when = f"was due {_local(due_at, tz, now)}, {format_span(now - due_at)} ago"
    else:
        when = f"is due {_due(due_at, tz, now)}"
    return (
        f"Not started: your journey {when}. "
        "Reply ARRIVED to close it or EXTEND 30m for more time."
    )


def arrived(at: datetime, tz: ZoneInfo, told: int) -> str:
    closed = f"Journey closed at {format_local(at, tz)}."
    if told:
        return f"Welcome back. {closed} Your contacts are being told you are safe."
    return f"Welcome back. {closed}"


def stood_down(told: int) -> str:
    if not told:
        return "Glad you are safe. Alert stood down before anyone was paged."
    return f"Glad you are safe. Alert stood down; {_contacts(told)} are being told."


def already_closed(at: datetime, tz: ZoneInfo, now: datetime, example: str) -> str:
    return (
        f"Already closed at {_local(at, tz, now)}. "
        f"Text START {example} Newman to start a new journey."
    )


def no_journey(example: str) -> str:
    return f"You have no active journey. Text START {example} Newman to start one."


def extended(due_at: datetime, tz: ZoneInfo, now: datetime, told: int) -> str:
    text = f"Extended. Now due {_due(due_at, tz, now)}. Reply ARRIVED when safe."
    if told:
        text += " Alert stood down; your contacts are told."
    return text


def status(due_at: datetime, tz: ZoneInfo, now: datetime, alerted: bool) -> str:
    if due_at > now:
        return (
            f"Journey due {_due(due_at, tz, now)}. "
            "Reply ARRIVED when safe or EXTEND 30m."
        )
    text = (
        f"Your journey was due {_local(due_at, tz, now)}, "
        f"{format_span(now - due_at)} ago."
    )
    if alerted:
        return f"{text} Your contacts have been alerted. Reply ARRIVED if safe."
    return f"{text} Reply ARRIVED or EXTEND 30m now."


def alert_open(ref: int, reached: int) -> str:
    return (
        f"No journey, but your alert {ref} is open and {_contacts(reached)} "
        "have it. "
        "Reply ARRIVED when safe."
    )


def need_time(example: str) -> str:
    return f"How long? e.g. START {example} Newman, or a clock time like START 5pm."


def extend_how(example: str) -> str:
    return f"How much longer? e.g. EXTEND {example}, or a clock time like EXTEND 5pm."


def too_short(shortest: timedelta, verb: str, example: str) -> str:
    return (
        f"Too short: a journey must last at least {format_span(shortest)}. "
        f"e.g. {verb} {example}"
    )


def too_long(longest: timedelta, latest: str, verb: str, example: str) -> str:
    return (
        f"Too long: a journey can last at most {format_span(longest)} from now "
        f"(until {latest}). e.g. {verb} {example}"
    )


def at_longest(due_at: datetime, tz: ZoneInfo, now: datetime) -> str:
    return (
        f"Not extended: your journey is due {_due(due_at, tz, now)}, the longest "
        "allowed. Reply ARRIVED when safe."
    )


def help_text() -> str:
    return (
        "START 2h note | ARRIVED | EXTEND 30m | STATUS | SOS for help now. "
        "Times: 90, 2h30, 17:30, 5pm, tomorrow 7am."
    )


def opt_in(example: str) -> str:
    return f"Texts are back on. To start a journey text e.g. START {example} Newman."


def how_to_start(example: str) -> str:
    return f"To start a journey, text START and a time, e.g. START {example} Newman."


def sos_sent(reached: int) -> str:
    if reached:
        return (
            "SOS sent to all your contacts. Stay where you are if you can. "
            "Text again with details."
        )
    return "SOS received but no contact could be paged. Call emergency services now."


def sos_open(ref: int, reached: int) -> str:
    return (
        f"Your SOS {ref} is open and {_contacts(reached)} have it. Text details "
        "and they are passed on. Reply ARRIVED when safe."
    )


def relayed(reached: int) -> str:
    if reached:
        return f"Sent to the {_contacts(reached)} alerted. Reply ARRIVED when safe."
    return "No contact has been reached yet. Call emergency services if you can."


def not_understood() -> str:
    return "Sorry, I did not understand that. Text HELP for commands."


def confirm_first() -> str:
    return (
        "This number is not confirmed yet. Reply with your last name first, "
        "then send your command again."
    )


def text_your_code() -> str:
    return (
        "This number is not confirmed yet. Text the 4-digit security code "
        "your administrator gave you."
    )
