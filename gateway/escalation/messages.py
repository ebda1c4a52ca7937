"""Texts the escalation sends: reminders, overdue notices, alerts, all-clears.

Worker messages fit one SMS segment; alerts may take two. Names and notes
are transliterated to GSM-7 so one accented letter cannot switch a whole
message to UCS-2 and triple its cost.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.gsm7 import segments, to_gsm7
from gateway.sms_commands.when import format_local, format_span

ALERT_SEGMENTS = 2


def reminder(due_at: datetime, tz: ZoneInfo, now: datetime) -> str:
    return (
        f"Reminder: your journey is due {format_local(due_at, tz, now)} "
        f"(in {format_span(due_at - now)}). Reply ARRIVED when safe or EXTEND 30m."
    )


def overdue(alert_at: datetime, tz: ZoneInfo, now: datetime) -> str:
    return (
        "You are overdue. Your contacts will be alerted at "
        f"{format_local(alert_at, tz, now)} unless you reply ARRIVED or EXTEND 30m."
    )


def alert(
    *,
    ref: int,
    kind: str,
    name: str,
    phone: str | None,
    since: datetime,
    note: str,
    tz: ZoneInfo,
    now: datetime,
) -> str:
    """The page to a contact; only the note is cut to fit two segments."""
    who = to_gsm7(f"{name} {phone or '(no phone)'}")
    when = f"{format_local(since, tz, now)} ({format_span(now - since)})"
    if kind == "sos":
        head = f"SOS {ref}: {who} asked for help at {when}."
    else:
        head = f"ALERT {ref}: {who} overdue since {when}."
    tail = f"Reply ACK {ref} to take it, PASS {ref} to escalate now."
    return _fit(head, to_gsm7(note), tail, ALERT_SEGMENTS)


def taken(*, ref: int, worker: str, contact: str) -> str:
    return to_gsm7(f"ALERT {ref}: {contact} has taken charge of {worker}.")[:160]


def all_clear(*, ref: int, worker: str, reason: str, note: str = "") -> str:
    """The stand-down; the worker's own words, if any, replace "No action needed"
    so a contact can judge "arrived, leg broken" for themselves."""
    head = to_gsm7(f"ALL CLEAR {ref}: {worker} {reason}")
    if not note:
        return _fit(head + ".", "", "No action needed.", ALERT_SEGMENTS)
    words = to_gsm7(" ".join(note.split()))
    text = f"{head} and says: {words}"
    while segments(text) > ALERT_SEGMENTS:
        words = words[:-8].rstrip()
        text = f"{head} and says: {words}..."
    return text


def unreached(*, ref: int, worker: str) -> str:
    return to_gsm7(
        f"ALERT {ref}: no contact could be reached for {worker}. "
        "Check the contacts list now."
    )[:160]


def _fit(head: str, note: str, tail: str, budget: int) -> str:
    text = f"{head} Note: {note}. {tail}" if note else f"{head} {tail}"
    while note and segments(text) > budget:
        note = note[: max(len(note) - 8, 0)].rstrip()
        text = f"{head} Note: {note}... {tail}" if note else f"{head} {tail}"
    return text


def digest_line(
    *, ref: int, kind: str, name: str, phone: str | None, since: datetime, tz: ZoneInfo
) -> str:
    """One worker's part of a page that names several workers."""
    who = to_gsm7(f"{name} {phone or '(no phone)'}")
    what = "SOS at" if kind == "sos" else "overdue since"
    return f"{ref} {who} {what} {format_local(since, tz)}"


def digest(lines: list[str]) -> str:
    """Several alerts to one contact in one page: references, who and since when."""
    refs = ", ".join(line.split(" ", 1)[0] for line in lines)
    first = lines[0].split(" ", 1)[0]
    return (
        f"ALERTS {refs}: " + "; ".join(lines) + f". Reply ACK {first} to take one, "
        f"PASS {first} to escalate it now."
    )


def digest_fits(lines: list[str]) -> bool:
    return segments(digest(lines)) <= ALERT_SEGMENTS
