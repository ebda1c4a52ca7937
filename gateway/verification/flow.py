"""The binding conversation, as seen from the phone being bound.

A phone texts a code, the gateway asks for the last name, the phone texts
it, and the number is bound. An administrator's number change asks the new
number for the last name only.
"""

import logging
import re
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway import audit, ratelimit
from gateway.models import Binding, Organisation, SecurityCode, Worker
from gateway.phones import mask
from gateway.verification.codes import LIVE_STATES, code_hash
from gateway.verification.names import matches

log = logging.getLogger(__name__)

MAX_NAME_FAILURES = 3
MAX_BAD_CODES = 5
BAD_CODE_WINDOW = timedelta(hours=1)
CODE_RE = re.compile(r"^\s*(\d\s*){4}$")

ASK_NAME = "Reply with your last name to confirm this number."
BAD_CODE = "That code is not valid. Check it with your administrator and try again."
NAME_RETRY = "That name does not match. Reply with your last name as registered."
BURNED = "That name does not match. This code is now cancelled; ask for a new one."


def looks_like_code(text: str) -> bool:
    return bool(CODE_RE.match(text))


def handle(
    session: Session, phone: str, text: str, now: datetime, secret: str
) -> str | None:
    """Answer a verification text from ``phone``.

    Returns None if the text is not part of a binding, and "" when it is but
    gets no reply (a number silenced for sending too many wrong codes).
    """
    claimed = _claimed_code(session, phone, now)
    if claimed is not None and not looks_like_code(text):
        return _check_name(session, claimed, phone, text, now)
    confirming = session.scalars(
        select(Binding).where(Binding.phone == phone, Binding.state == "confirming")
    ).first()
    if confirming is not None and not looks_like_code(text):
        return _confirm_number(session, confirming, text, now)
    if looks_like_code(text):
        return _try_code(session, phone, re.sub(r"\s", "", text), now, secret)
    return None


def awaiting_name(session: Session, phone: str, now: datetime) -> Worker | None:
    """The worker whose last name this phone is being asked for, if any."""
    claimed = _claimed_code(session, phone, now)
    if claimed is not None:
        return session.get(Worker, claimed.worker_id)
    confirming = session.scalars(
        select(Binding).where(Binding.phone == phone, Binding.state == "confirming")
    ).first()
    return None if confirming is None else session.get(Worker, confirming.worker_id)


def _claimed_code(session: Session, phone: str, now: datetime) -> SecurityCode | None:
    return session.scalars(
        select(SecurityCode)
        .where(SecurityCode.claimed_by == phone, SecurityCode.state == "claimed")
        .where(SecurityCode.expires_at > now)
        .with_for_update()
    ).first()


def _try_code(
    session: Session, phone: str, code: str, now: datetime, secret: str
) -> str:
    if (
        ratelimit.count(session, "bad_code", phone, now, BAD_CODE_WINDOW)
        >= MAX_BAD_CODES
    ):
        return ""  # silenced for an hour: a guesser learns nothing more
    row = session.scalars(
        select(SecurityCode)
        .where(SecurityCode.code_hash == code_hash(secret, code))
        .where(SecurityCode.state.in_(LIVE_STATES))
        .with_for_update()
    ).first()
    usable = row is not None and row.expires_at > now and row.phone in (None, phone)
    if row is None or not usable:
        ratelimit.hit(session, "bad_code", phone, now)
        org_id = row.org_id if row is not None else None
        audit.record(session, "code.failed", actor=f"sms:{mask(phone)}", org_id=org_id)
        if (
            ratelimit.count(session, "bad_code", phone, now, BAD_CODE_WINDOW)
            >= MAX_BAD_CODES
        ):
            audit.record(
                session, "code.locked", actor=f"sms:{mask(phone)}", org_id=org_id
            )
            log.warning(
                "verification %s: too many wrong codes, ignored for an hour",
                mask(phone),
            )
        return BAD_CODE
    row.state = "claimed"
    row.claimed_by = phone
    audit.record(
        session,
        "code.tried",
        actor=f"sms:{mask(phone)}",
        org_id=row.org_id,
        subject=("worker", row.worker_id),
    )
    return ASK_NAME


def _check_name(
    session: Session, code: SecurityCode, phone: str, text: str, now: datetime
) -> str:
    worker = session.get(Worker, code.worker_id)
    assert worker is not None
    if matches(text, worker.first_name, worker.last_name):
        code.state = "used"
        return bind(session, worker, phone, now, actor=f"sms:{mask(phone)}")
    code.failures += 1
    subject = ("worker", worker.id)
    audit.record(
        session,
        "name.failed",
        actor=f"sms:{mask(phone)}",
        org_id=worker.org_id,
        subject=subject,
    )
    if code.failures >= MAX_NAME_FAILURES:
        code.state = "burned"
        audit.record(
            session,
            "code.burned",
            actor="system",
            org_id=worker.org_id,
            subject=subject,
        )
        return BURNED
    return NAME_RETRY


def _confirm_number(
    session: Session, binding: Binding, text: str, now: datetime
) -> str:
    worker = session.get(Worker, binding.worker_id)
    assert worker is not None
    if not matches(text, worker.first_name, worker.last_name):
        audit.record(
            session,
            "name.failed",
            actor=f"sms:{mask(binding.phone)}",
            org_id=worker.org_id,
            subject=("worker", worker.id),
        )
        return NAME_RETRY
    return bind(session, worker, binding.phone, now, actor=f"sms:{mask(binding.phone)}")


def bind(
    session: Session, worker: Worker, phone: str, now: datetime, *, actor: str
) -> str:
    """Bind ``phone`` to ``worker``, unbinding it from any other profile."""
    previous = session.scalars(select(Binding).where(Binding.phone == phone)).first()
    if previous is not None and previous.worker_id != worker.id:
        audit.record(
            session,
            "binding.moved",
            actor=actor,
            org_id=previous.org_id,
            subject=("worker", previous.worker_id),
            to_worker=worker.id,
        )
    session.execute(
        delete(Binding).where(
            (Binding.phone == phone) | (Binding.worker_id == worker.id)
        )
    )
    session.add(
        Binding(
            org_id=worker.org_id,
            worker_id=worker.id,
            phone=phone,
            state="bound",
            updated_at=now,
        )
    )
    audit.record(
        session,
        "binding.bound",
        actor=actor,
        org_id=worker.org_id,
        subject=("worker", worker.id),
    )
    org = session.get(Organisation, worker.org_id)
    assert org is not None
    log.info("worker %s: bound to %s", worker.id, mask(phone))
    return (
        f"Thanks {worker.first_name}, this number is confirmed for {org.name}. "
        "Now text e.g. START 2h Newman."
    )[:160]
