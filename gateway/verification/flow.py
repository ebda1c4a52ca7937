"""The binding conversation, as seen from the phone being bound.

Per phone: a code received (awaiting the last name), then bound; three
wrong names burn the code; an expired code is refused. A number changed by
an administrator is asked for the last name only, and locks after three
wrong names. A number that sends five wrong codes in an hour is ignored
for an hour.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import audit, ratelimit
from gateway.models import Binding, SecurityCode, Worker
from gateway.phones import mask
from gateway.sms_commands.parse import Verb, parse
from gateway.verification import codes, replies
from gateway.verification.binding import bind
from gateway.verification.names import matches

__all__ = ["bind", "handle"]

log = logging.getLogger(__name__)

MAX_NAME_FAILURES = 3
MAX_BAD_CODES = 5
BAD_CODE_WINDOW = timedelta(hours=1)
SILENCE = timedelta(hours=1)


def handle(
    session: Session, phone: str, text: str, now: datetime, secret: str
) -> str | None:
    """Answer a verification text from ``phone``.

    Returns None if the text is not part of a binding, and "" when it is but
    gets no reply (a number silenced for sending too many wrong codes).
    """
    if ratelimit.count(session, "code_silence", phone, now, SILENCE):
        return ""
    code = codes.read_code(text)
    if code is not None:
        return _try_code(session, phone, code, now, secret)
    claimed = codes.claimed_by(session, phone)
    if claimed is not None:
        return _check_name(session, claimed, phone, text, now)
    confirming = session.scalars(
        select(Binding)
        .where(Binding.phone == phone, Binding.state == "confirming")
        .with_for_update()
    ).first()
    if confirming is not None:
        return _confirm_number(session, confirming, text, now)
    return None


def _try_code(
    session: Session, phone: str, code: str, now: datetime, secret: str
) -> str:
    row = codes.find(session, secret, code)
    worker = session.get(Worker, row.worker_id) if row is not None else None
    if row is None or worker is None or not worker.active:
        return _bad_code(session, phone, now, row, "unknown")
    if row.phone not in (None, phone):
        return _bad_code(session, phone, now, row, "other phone")
    if row.state == "expired" or row.expires_at <= now:
        _expire(session, row, phone)
        _bad_code(session, phone, now, row, "expired")
        return replies.EXPIRED
    for other in session.scalars(
        select(SecurityCode).where(
            SecurityCode.claimed_by == phone, SecurityCode.state == "claimed"
        )
    ):
        other.state, other.claimed_by = "pending", None
    row.state, row.claimed_by = "claimed", phone
    audit.record(
        session,
        "code.tried",
        actor=f"sms:{mask(phone)}",
        org_id=row.org_id,
        subject=("worker", row.worker_id),
    )
    return replies.ASK_NAME


def _bad_code(
    session: Session,
    phone: str,
    now: datetime,
    row: SecurityCode | None,
    reason: str,
) -> str:
    """Count a wrong code against the number; the fifth in an hour silences it."""
    actor = f"sms:{mask(phone)}"
    org_id = row.org_id if row is not None else None
    subject = ("worker", row.worker_id) if row is not None else None
    ratelimit.hit(session, "bad_code", phone, now)
    audit.record(
        session,
        "code.failed",
        actor=actor,
        org_id=org_id,
        subject=subject,
        reason=reason,
    )
    recent = ratelimit.count(session, "bad_code", phone, now, BAD_CODE_WINDOW)
    if recent >= MAX_BAD_CODES:
        ratelimit.hit(session, "code_silence", phone, now)
        audit.record(session, "number.locked", actor=actor, org_id=org_id)
        log.warning(
            "verification %s: too many wrong codes, ignored for an hour", mask(phone)
        )
    return replies.BAD_CODE


def _expire(session: Session, row: SecurityCode, phone: str) -> None:
    row.state, row.claimed_by = "expired", None
    audit.record(
        session,
        "code.expired",
        actor=f"sms:{mask(phone)}",
        org_id=row.org_id,
        subject=("worker", row.worker_id),
    )


def _check_name(
    session: Session, code: SecurityCode, phone: str, text: str, now: datetime
) -> str:
    if code.expires_at <= now:
        _expire(session, code, phone)
        return replies.EXPIRED
    worker = session.get(Worker, code.worker_id)
    assert worker is not None
    actor = f"sms:{mask(phone)}"
    if matches(text, worker.first_name, worker.last_name):
        code.state = "used"
        return bind(session, worker, phone, now, actor=actor)
    answer = _wrong_name(session, worker, code, actor, text)
    if answer is not None:
        return answer
    code.state = "burned"
    _locked(session, worker, actor, "code.burned", "code burned after wrong names")
    return replies.BURNED


def _confirm_number(
    session: Session, binding: Binding, text: str, now: datetime
) -> str:
    worker = session.get(Worker, binding.worker_id)
    assert worker is not None
    actor = f"sms:{mask(binding.phone)}"
    if matches(text, worker.first_name, worker.last_name):
        return bind(session, worker, binding.phone, now, actor=actor)
    answer = _wrong_name(session, worker, binding, actor, text)
    if answer is not None:
        return answer
    binding.state = "locked"
    _locked(session, worker, actor, "binding.locked", "new number not confirmed")
    return replies.CONFIRM_LOCKED


def _wrong_name(
    session: Session,
    worker: Worker,
    attempt: SecurityCode | Binding,
    actor: str,
    text: str,
) -> str | None:
    """The reply to a name that does not match, or None once it was the last try."""
    if _is_command(text):
        return replies.ASK_NAME  # confused, not guessing: no attempt spent
    attempt.failures += 1
    _name_failed(session, worker, actor, attempt.failures)
    return replies.NAME_RETRY if attempt.failures < MAX_NAME_FAILURES else None


def _locked(
    session: Session, worker: Worker, actor: str, action: str, why: str
) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        org_id=worker.org_id,
        subject=("worker", worker.id),
    )
    log.warning("worker %s: %s, locked", worker.id, why)


def _name_failed(session: Session, worker: Worker, actor: str, failures: int) -> None:
    audit.record(
        session,
        "name.failed",
        actor=actor,
        org_id=worker.org_id,
        subject=("worker", worker.id),
        failures=failures,
    )


def _is_command(text: str) -> bool:
    """A command word such as HELP, or nothing: a plea for guidance, not a guess."""
    return parse(text).verb is not Verb.UNKNOWN


def awaiting_name(session: Session, phone: str, now: datetime) -> Worker | None:
    """The worker whose last name this phone is being asked for, if any."""
    claimed = codes.claimed_by(session, phone)
    if claimed is not None and claimed.expires_at > now:
        return session.get(Worker, claimed.worker_id)
    confirming = session.scalars(
        select(Binding).where(Binding.phone == phone, Binding.state == "confirming")
    ).first()
    return None if confirming is None else session.get(Worker, confirming.worker_id)
