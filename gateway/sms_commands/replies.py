"""Reply texts to workers. Each fits one GSM-7 segment (160 characters)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.sms_commands.when import format_local, format_span

EXAMPLE = "START 2h Newman"


def _due(due_at: datetime, tz: ZoneInfo, now: datetime) -> str:
    return f"{format_local(due_at, tz, now)} (in {format_span(due_at - now)})"


def started(due_at: datetime, tz: ZoneInfo, now: datetime) -> str:
    return (
        f"Journey started. Due {_due(due_at, tz, now)}. "
        "Reply ARRIVED when safe or EXTEND 30m for more time."
    )


def already_active(due_at: datetime, tz: ZoneInfo, now: datetime) -> str:
    return (
        f"You already have a journey due {_due(due_at, tz, now)}. "
        "Reply ARRIVED to close it or EXTEND 30m for more time."
    )


def arrived(at: datetime, tz: ZoneInfo, told: int) -> str:
    closed = f"Journey closed at {format_local(at, tz)}."
    if told:
        return f"Welcome back. {closed} Your contacts are being told you are safe."
    return f"Welcome back. {closed}"


def already_closed(at: datetime, tz: ZoneInfo, now: datetime) -> str:
    return (
        f"Already closed at {format_local(at, tz, now)}. "
        f"Text {EXAMPLE} to start a new journey."
    )


def no_journey() -> str:
    return f"You have no active journey. Text {EXAMPLE} to start one."


def extended(due_at: datetime, tz: ZoneInfo, now: datetime, told: int) -> str:
    text = f"Extended. Now due {_due(due_at, tz, now)}. Reply ARRIVED when safe."
    if told:
        text += " Alert stood down."
    return text


def status(due_at: datetime, tz: ZoneInfo, now: datetime) -> str:
    if due_at <= now:
        return (
            f"Your journey was due {format_local(due_at, tz, now)}, "
            f"{format_span(now - due_at)} ago. Reply ARRIVED or EXTEND 30m now."
        )
    return (
        f"Journey due {_due(due_at, tz, now)}. Reply ARRIVED when safe or EXTEND 30m."
    )


def need_time() -> str:
    return "How long? e.g. START 2h Newman, START 90 or START 17:30 site 4."


def out_of_range(minimum: str, maximum: str) -> str:
    return f"A journey must last {minimum} to {maximum}. e.g. {EXAMPLE} or START 17:30."


def help_text() -> str:
    return (
        "START 2h note | ARRIVED | EXTEND 30m | STATUS | SOS for help now. "
        "Times: 90, 2h30, 17:30, 5pm, tomorrow 7am."
    )


def opt_in() -> str:
    return f"Texts are back on. To start a journey text e.g. {EXAMPLE} (2h = 2 hours)."


def how_to_start() -> str:
    return f"To start a journey, text START and a time, e.g. {EXAMPLE} or START 17:30."


def sos_sent(reached: int) -> str:
    if reached:
        return (
            "SOS sent to all your contacts. Stay where you are if you can. "
            "Text again with details."
        )
    return "SOS received but no contact could be paged. Call emergency services now."


def not_understood() -> str:
    return "Sorry, I did not understand that. Text HELP for commands."
