"""A contact's texts that are not ACK, PASS or RESOLVED.

Contacts answer alerts in their own words ("ok", "on it", "help?"). None of
that may pass for taking an alert, so each answer says nothing changed and
names the exact reply that would.
"""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import ratelimit
from gateway.models import Alert, Outbox
from gateway.sms_commands.parse import Command, Verb

UNKNOWN_LIMIT = 5
UNKNOWN_WINDOW = timedelta(hours=1)

BACK_ON = "Alerts to this number are back on."


def answer(session: Session, phone: str, command: Command, now: datetime) -> str | None:
    """The reply to a contact's text, or None for silence."""
    if command.verb is Verb.OPT_IN or (command.verb is Verb.START and command.bare):
        return BACK_ON
    if command.verb is Verb.EMPTY and not command.text.strip():
        return None
    # Auto-responders answer alerts; five replies an hour breaks the loop.
    if not ratelimit.allow(
        session, "unknown", phone, now, UNKNOWN_LIMIT, UNKNOWN_WINDOW
    ):
        return None
    if command.verb in (Verb.UNKNOWN, Verb.EMPTY):
        return "Sorry, I did not understand that. Text HELP for commands."
    refs = live_refs(session, phone)
    if command.verb is Verb.HELP:
        return help_text(refs)
    return hint(refs, command.verb)


def live_refs(session: Session, phone: str) -> list[int]:
    """Alerts paged to this number that are not closed yet, oldest first."""
    paged = select(Outbox.alert_id).where(
        Outbox.to_phone == phone, Outbox.kind == "alert", Outbox.status != "cancelled"
    )
    return list(
        session.scalars(
            select(Alert.id)
            .where(Alert.id.in_(paged), Alert.state != "closed")
            .order_by(Alert.id)
        )
    )


def help_text(refs: list[int]) -> str:
    ref = str(refs[-1]) if refs else "<ref>"
    return (
        f"Alert replies: ACK {ref} to take it, PASS {ref} to page the next level "
        f"now, RESOLVED {ref} when they are safe."
    )


def hint(refs: list[int], verb: Verb) -> str:
    danger = (
        " If you are in danger, call emergency services." if verb is Verb.SOS else ""
    )
    if not refs:
        return f"You have no open alerts. Nothing was changed.{danger}"
    if len(refs) > 1:
        listed = " or ".join(str(ref) for ref in refs[-3:])
        return f"Nothing was changed. Reply ACK and the alert number: {listed}."
    ref = refs[0]
    return (
        f"Nothing was changed. To take alert {ref} reply ACK {ref}; PASS {ref} pages "
        f"the next level, RESOLVED {ref} closes it."
    )
