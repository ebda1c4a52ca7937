"""Delivery reports from Twilio's status callbacks, applied to outbox rows.

A report moves a row forward only, so duplicates and reports arriving out
of order change nothing. A page that failed, was undelivered or was refused
because the contact opted out pages the next level at once.
"""

import logging

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from gateway import audit, clock, db, metrics, outbox, runtime
from gateway.escalation import claims, engine, paging
from gateway.models import Alert, Contact, OptOut, Outbox
from gateway.phones import mask

log = logging.getLogger(__name__)

FAILED = frozenset({"failed", "undelivered"})
# Twilio's code for a recipient who texted STOP to our number.
OPTED_OUT = 21610


def record_status(
    rt: runtime.Runtime, sid: str, status: str, code: int | None, to: str = ""
) -> None:
    """Move the message's status forward; a failed alert page pages the next level."""
    now = clock.now()
    with rt.db.session() as session:
        primary = _by_sid(session, sid) or _adopt(session, sid, to)
        if primary is None:
            log.info("delivery: no message %s; report ignored", sid)
            return
        for row in outbox.carried(session, primary.id):
            if not outbox.advance(row, status, now):
                continue
            metrics.count_on_commit(session, metrics.OUTBOUND, row.kind, status)
            if status not in FAILED:
                continue
            row.error_code = code
            log.warning(
                "outbox %s: %s to %s (%s)", row.id, status, mask(row.to_phone), code
            )
            on_failure(session, row, code)


def _by_sid(session: Session, sid: str) -> Outbox | None:
    return session.scalars(select(Outbox).where(Outbox.provider_sid == sid)).first()


def _adopt(session: Session, sid: str, to: str) -> Outbox | None:
    """The one send in doubt to ``to`` takes the reported sid.

    Twilio's report can overtake its answer to the create request, and a
    create whose answer timed out is known only from its reports; naming
    the row stops the at-least-once retry from sending it again.
    """
    if not to:
        return None
    in_doubt = or_(
        Outbox.status == "sending",
        and_(
            Outbox.status == "pending",
            Outbox.error_message.like(outbox.MAYBE_SENT + "%"),
        ),
    )
    rows = session.scalars(
        select(Outbox)
        .where(Outbox.to_phone == to, in_doubt)
        .where(Outbox.provider_sid.is_(None), Outbox.merged_into.is_(None))
        .with_for_update()
    ).all()
    if len(rows) != 1:
        return None
    rows[0].provider_sid = sid
    # A retry waiting after a timeout is no longer needed: Twilio has it.
    rows[0].next_attempt_at = None
    log.info("outbox %s: adopted %s from its status report", rows[0].id, sid)
    return rows[0]


def on_failure(session: Session, row: Outbox, code: int | None) -> None:
    """Record that a message reached nobody; a failed alert page moves on at once."""
    if code == OPTED_OUT:
        _record_opt_out(session, row.to_phone)
    if row.contact_id is not None:
        _contact_unreachable(session, row, code)
    if row.kind == "alert" and row.alert_id is not None:
        _page_on(session, row)


def _record_opt_out(session: Session, phone: str) -> None:
    session.execute(
        db.insert(session, OptOut)
        .values(phone=phone, opted_out_at=clock.now())
        .on_conflict_do_nothing()
    )


def _contact_unreachable(session: Session, row: Outbox, code: int | None) -> None:
    contact = session.get(Contact, row.contact_id)
    if contact is None:
        return
    why = "opted out (STOP)" if code == OPTED_OUT else f"error {code or 'unknown'}"
    contact.last_error = f"{row.kind} not delivered: {why}"
    # Administrators have no SMS number yet: the audit log and the contact's
    # last error are where they see it.
    audit.record(
        session,
        "contact.unreachable",
        actor="delivery",
        org_id=contact.org_id,
        subject=("contact", contact.id),
        message=row.id,
        kind=row.kind,
        code=code,
    )
    log.warning("contact %s: unreachable (%s)", contact.id, why)


def _page_on(session: Session, row: Outbox) -> None:
    """Page the next level now if ``row`` belongs to the alert's current round.

    A failure from an earlier round changes nothing: the round after it has
    been paged already. Repeat rounds already page every level, so a failure
    there only counts towards the worker being unreached.
    """
    assert row.alert_id is not None
    alert = claims.lock(session, Alert, row.alert_id)
    if alert is None or alert.state != "open":
        return
    started = claims.claimed_at(session, engine.round_key(alert.id, alert.level))
    if started is None or row.created_at < started:
        return
    if alert.level >= paging.level_count(session, alert.org_id):
        if _round_all_failed(session, alert.id, started):
            paging.log_unreached(alert)
        return
    log.info("alert %s: page %s failed; next level now", alert.id, row.id)
    paging.page_next_round(session, alert, "delivery-failure", clock.now())


def _round_all_failed(session: Session, alert_id: int, started: object) -> bool:
    statuses = session.scalars(
        select(Outbox.status).where(
            Outbox.alert_id == alert_id,
            Outbox.kind == "alert",
            Outbox.created_at >= started,
        )
    ).all()
    return bool(statuses) and all(status in FAILED for status in statuses)
