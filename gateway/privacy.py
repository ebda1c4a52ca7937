"""Data-subject requests about a worker: export everything, or forget them.

Forgetting deletes what exists only because of the worker (binding, codes,
texts from and to their numbers, rate-limit counts) and blanks their name,
number and notes wherever else they were written, such as alert texts sent
to contacts. Ids, times and states stay, so the organisation's history and
figures stay whole. The request itself is audited without personal data.
"""

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from gateway import audit
from gateway.directory import DirectoryError
from gateway.gsm7 import to_gsm7
from gateway.models import (
    Alert,
    AuditEvent,
    Base,
    Binding,
    Inbound,
    Journey,
    OptOut,
    Outbox,
    RateEvent,
    SecurityCode,
    Worker,
)

log = logging.getLogger(__name__)

REDACTED = "[forgotten]"
# Shorter fragments would match unrelated words in other people's messages.
MIN_TERM = 3


def _worker(session: Session, worker_id: int) -> Worker:
    worker = session.get(Worker, worker_id)
    if worker is None:
        raise DirectoryError(f"No worker with id {worker_id}")
    return worker


def phones_of(session: Session, worker: Worker) -> set[str]:
    """Every number known to be the worker's, entered, bound or used for a code."""
    found: set[str | None] = {worker.phone}
    found.update(
        session.scalars(select(Binding.phone).where(Binding.worker_id == worker.id))
    )
    for phone, claimed in session.execute(
        select(SecurityCode.phone, SecurityCode.claimed_by).where(
            SecurityCode.worker_id == worker.id
        )
    ):
        found.update((phone, claimed))
    return {phone for phone in found if phone}


def export_worker(session: Session, worker_id: int, actor: str) -> dict[str, Any]:
    """Everything stored about the worker, as JSON-ready data; the export is audited."""
    worker = _worker(session, worker_id)
    phones = sorted(phones_of(session, worker))
    journeys = select(Journey.id).where(Journey.worker_id == worker.id)
    data = {
        "worker": _row(worker),
        "binding": _rows(
            session, select(Binding).where(Binding.worker_id == worker.id)
        ),
        "security_codes": [
            {k: v for k, v in row.items() if k != "code_hash"}
            for row in _rows(
                session, select(SecurityCode).where(SecurityCode.worker_id == worker.id)
            )
        ],
        "journeys": _rows(
            session, select(Journey).where(Journey.worker_id == worker.id)
        ),
        "alerts": _rows(session, select(Alert).where(Alert.worker_id == worker.id)),
        "texts_received": _rows(
            session, select(Inbound).where(Inbound.from_phone.in_(phones))
        ),
        "texts_sent": _rows(
            session,
            select(Outbox).where(
                or_(Outbox.worker_id == worker.id, Outbox.to_phone.in_(phones))
            ),
        ),
        "opt_outs": _rows(session, select(OptOut).where(OptOut.phone.in_(phones))),
        "audit": _rows(
            session,
            select(AuditEvent).where(
                or_(
                    (AuditEvent.subject_type == "worker")
                    & (AuditEvent.subject_id == worker.id),
                    (AuditEvent.subject_type == "journey")
                    & AuditEvent.subject_id.in_(journeys),
                )
            ),
        ),
    }
    audit.record(
        session,
        "worker.exported",
        actor=actor,
        org_id=worker.org_id,
        subject=("worker", worker.id),
    )
    log.info("worker %s: exported", worker.id)
    return data


def _rows(session: Session, query: Any) -> list[dict[str, Any]]:
    return [_row(row) for row in session.scalars(query)]


def _row(row: Base) -> dict[str, Any]:
    return {
        column.key: _plain(getattr(row, column.key))
        for column in row.__mapper__.column_attrs
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def forget_worker(session: Session, worker_id: int, actor: str) -> dict[str, int]:
    """Remove or blank the worker's personal data; returns counts by table.

    Raises DirectoryError while the worker has an active journey or an open
    alert: forgetting them then could silence an escalation.
    """
    worker = _worker(session, worker_id)
    _refuse_if_busy(session, worker)
    phones = phones_of(session, worker)
    terms = _terms(worker, phones)
    counts = _delete_owned(session, worker, phones)
    counts.update(_blank_mentions(session, worker, terms))
    worker.first_name, worker.last_name = REDACTED, REDACTED
    worker.phone = None
    worker.active = False
    audit.record(
        session,
        "worker.forgotten",
        actor=actor,
        org_id=worker.org_id,
        subject=("worker", worker.id),
        removed=counts,
    )
    log.info("worker %s: forgotten", worker.id)
    return counts


def _refuse_if_busy(session: Session, worker: Worker) -> None:
    busy = session.scalar(
        select(func.count())
        .select_from(Journey)
        .where(Journey.worker_id == worker.id, Journey.state == "active")
    ) or session.scalar(
        select(func.count())
        .select_from(Alert)
        .where(Alert.worker_id == worker.id, Alert.state != "closed")
    )
    if busy:
        raise DirectoryError(
            f"Worker {worker.id} has an active journey or open alert; close it first"
        )


def _terms(worker: Worker, phones: set[str]) -> set[str]:
    names = {worker.first_name, worker.last_name, worker.full_name}
    names |= {to_gsm7(name) for name in names}
    terms = {name.strip().lower() for name in names}
    terms |= {phone.lower() for phone in phones}
    terms |= {phone.lstrip("+") for phone in phones}
    return {term for term in terms if len(term) >= MIN_TERM}


def _delete_owned(session: Session, worker: Worker, phones: set[str]) -> dict[str, int]:
    def gone(model: type, *where: Any) -> int:
        result = session.execute(
            delete(model).where(*where).execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    return {
        "binding": gone(Binding, Binding.worker_id == worker.id),
        "security_code": gone(SecurityCode, SecurityCode.worker_id == worker.id),
        "inbound": gone(Inbound, Inbound.from_phone.in_(phones)),
        "outbox": gone(Outbox, Outbox.to_phone.in_(phones)),
        "rate_event": gone(RateEvent, RateEvent.subject.in_(phones)),
        "opt_out": gone(OptOut, OptOut.phone.in_(phones)),
    }


def _blank_mentions(
    session: Session, worker: Worker, terms: set[str]
) -> dict[str, int]:
    """Blank every stored text that names the worker or one of their numbers."""
    counts = {
        "journey_notes": _blank(
            session, Journey.note, Journey.worker_id == worker.id, value=""
        ),
        "outbox_about": _blank(session, Outbox.body, Outbox.worker_id == worker.id),
    }
    for column in (Outbox.body, Inbound.body, Inbound.reply, AuditEvent.detail):
        mentions = or_(
            *(func.lower(column).contains(term, autoescape=True) for term in terms)
        )
        value = json.dumps({"forgotten": True}) if column is AuditEvent.detail else None
        counts[f"{column.class_.__tablename__}_{column.key}"] = _blank(
            session, column, mentions, value=value
        )
    return counts


def _blank(session: Session, column: Any, where: Any, value: str | None = None) -> int:
    result = session.execute(
        update(column.class_)
        .where(where)
        .values({column.key: REDACTED if value is None else value})
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
