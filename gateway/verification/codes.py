"""Security codes: four digits from a secure source, kept only as a keyed hash."""

import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway import audit, clock
from gateway.models import SecurityCode, Worker

VALID_FOR = timedelta(days=7)
LIVE_STATES = ("pending", "claimed")
SPACE = 10_000
# Random draws before listing the free codes outright; a draw only collides
# when thousands of codes are outstanding at once.
DRAWS = 20

# "1234", "12 34", "1234.", "code: 1234"; full-width digits fold in NFKC.
_CODE_RE = re.compile(r"(?:(?:security\s*)?code\s*:?\s*)?(\d(?:[\s.\-]?\d){3})", re.I)
# Runs of digits long enough to be a code or a phone number, for debug logs.
_DIGITS_RE = re.compile(r"\d(?:[\s.\-]?\d){3,}")


class NoFreeCode(RuntimeError):
    """All 10,000 codes are pending somewhere in the gateway."""


def code_hash(secret_key: str, code: str) -> str:
    """HMAC-SHA256 of the code under the gateway's secret key."""
    digest = hmac.new(secret_key.encode(), f"code:{code}".encode(), hashlib.sha256)
    return digest.hexdigest()


def read_code(text: str) -> str | None:
    """The four digits of a text that is a security code, else None."""
    folded = unicodedata.normalize("NFKC", text).strip(" \t\r\n.,;:!#'\"()")
    match = _CODE_RE.fullmatch(folded)
    return re.sub(r"\D", "", match.group(1)) if match else None


def redact(text: str) -> str:
    """The text with codes and phone numbers hidden, for debug logs."""
    return _DIGITS_RE.sub("####", text)


def for_storage(text: str) -> str:
    """The text to keep in the message log: a security code is never stored."""
    return "[security code]" if read_code(text) is not None else text


def issue(session: Session, worker: Worker, secret_key: str, *, actor: str) -> str:
    """Revoke the worker's live codes and issue a new one; returns it, to show once.

    Raises NoFreeCode when every code is pending somewhere in the gateway.
    """
    now = clock.now()
    expire_stale(session, now)
    revoked = session.execute(
        update(SecurityCode)
        .where(SecurityCode.worker_id == worker.id)
        .where(SecurityCode.state.in_(LIVE_STATES))
        .values(state="revoked")
    ).rowcount  # type: ignore[attr-defined]
    code = _store_new(session, worker, secret_key, now)
    subject = ("worker", worker.id)
    audit.record(
        session,
        "code.issued",
        actor=actor,
        org_id=worker.org_id,
        subject=subject,
        revoked=revoked,
        phone_restricted=worker.phone is not None,
    )
    return code


def _store_new(session: Session, worker: Worker, secret: str, now: datetime) -> str:
    for code in _candidates(session, secret):
        row = SecurityCode(
            org_id=worker.org_id,
            worker_id=worker.id,
            code_hash=code_hash(secret, code),
            phone=worker.phone,
            state="pending",
            failures=0,
            expires_at=now + VALID_FOR,
            created_at=now,
        )
        try:
            # The partial unique index settles a race for the same code.
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue
        return code
    raise NoFreeCode("no free security code; revoke unused codes and try again")


def _candidates(session: Session, secret: str) -> list[str]:
    drawn = [f"{secrets.randbelow(SPACE):04d}" for _ in range(DRAWS)]
    taken = set(
        session.scalars(
            select(SecurityCode.code_hash).where(SecurityCode.state.in_(LIVE_STATES))
        )
    )
    free = [code for code in drawn if code_hash(secret, code) not in taken]
    if free:
        return free
    every = [f"{n:04d}" for n in range(SPACE)]
    rest = [code for code in every if code_hash(secret, code) not in taken]
    return [secrets.choice(rest)] if rest else []


def expire_stale(session: Session, now: datetime) -> None:
    """Mark live codes past their date expired, freeing their digits for reuse."""
    session.execute(
        update(SecurityCode)
        .where(SecurityCode.state.in_(LIVE_STATES))
        .where(SecurityCode.expires_at <= now)
        .values(state="expired")
    )


def find(session: Session, secret: str, code: str) -> SecurityCode | None:
    """The newest live or expired code with these digits, locked for update."""
    return session.scalars(
        select(SecurityCode)
        .where(SecurityCode.code_hash == code_hash(secret, code))
        .where(SecurityCode.state.in_((*LIVE_STATES, "expired")))
        .order_by(SecurityCode.id.desc())
        .limit(1)
        .with_for_update()
    ).first()


def claimed_by(session: Session, phone: str) -> SecurityCode | None:
    """The code this phone texted and must now confirm with a last name."""
    return session.scalars(
        select(SecurityCode)
        .where(SecurityCode.claimed_by == phone, SecurityCode.state == "claimed")
        .with_for_update()
    ).first()


def newest(session: Session, worker_id: int) -> SecurityCode | None:
    """The worker's most recent code, whatever its state, or None."""
    return session.scalars(
        select(SecurityCode)
        .where(SecurityCode.worker_id == worker_id)
        .order_by(SecurityCode.id.desc())
        .limit(1)
    ).first()
