"""Security codes: four digits from a secure source, kept only as a keyed hash."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway import audit, clock
from gateway.models import SecurityCode, Worker

VALID_FOR = timedelta(days=7)
LIVE_STATES = ("pending", "claimed")
# Four digits give 10,000 codes; a few draws find a free one unless the
# gateway has thousands of codes outstanding at once.
DRAWS = 50


class NoFreeCode(RuntimeError):
    """Every draw collided with a pending code."""


def code_hash(secret_key: str, code: str) -> str:
    """HMAC-SHA256 of the code under the gateway's secret key."""
    digest = hmac.new(secret_key.encode(), f"code:{code}".encode(), hashlib.sha256)
    return digest.hexdigest()


def issue(session: Session, worker: Worker, secret_key: str, *, actor: str) -> str:
    """Revoke the worker's live codes and issue a new one; returns it, to show once."""
    now = clock.now()
    session.execute(
        update(SecurityCode)
        .where(SecurityCode.worker_id == worker.id)
        .where(SecurityCode.state.in_(LIVE_STATES))
        .values(state="revoked")
    )
    for _ in range(DRAWS):
        code = f"{secrets.randbelow(10_000):04d}"
        row = SecurityCode(
            org_id=worker.org_id,
            worker_id=worker.id,
            code_hash=code_hash(secret_key, code),
            phone=worker.phone,
            state="pending",
            failures=0,
            expires_at=now + VALID_FOR,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue
        audit.record(
            session,
            "code.issued",
            actor=actor,
            org_id=worker.org_id,
            subject=("worker", worker.id),
        )
        return code
    raise NoFreeCode("no free security code; expire old ones and try again")
