"""An inbound SMS, from the webhook's form to the reply text.

The MessageSid is claimed by inserting it: a Twilio retry of the same
message finds the row, changes nothing and gets the reply stored the first
time.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway import audit, clock, directory, metrics, outbox, ratelimit, runtime
from gateway.escalation import replies as contact_replies
from gateway.models import Binding, Contact, Inbound, OptOut, Organisation, Worker
from gateway.phones import mask
from gateway.sms_commands import replies
from gateway.sms_commands.handlers import HANDLERS, Context
from gateway.sms_commands.parse import Command, Verb, parse
from gateway.verification import flow as verification

log = logging.getLogger(__name__)

UNKNOWN_LIMIT = 5
STRANGER_REPLY = (
    "This number only serves registered safety check-ins. "
    "If you were given a security code, text it here."
)


def process(
    rt: runtime.Runtime, *, sid: str, from_: str, to: str, body: str
) -> str | None:
    """Handle one inbound SMS once; returns the reply text, or None for silence."""
    for attempt in range(3):
        try:
            return _process_once(rt, sid=sid, from_=from_, to=to, body=body)
        except IntegrityError:
            # Either this MessageSid is being handled by a concurrent retry
            # (answered from its row below), or two texts raced for the same
            # unique row (one active journey); going again sees the winner.
            stored = _stored_reply(rt, sid)
            if stored is not None:
                return stored or None
            log.info("inbound %s: conflict, retrying (%s)", sid, attempt + 1)
    raise RuntimeError(f"inbound {sid}: could not be applied")


def _stored_reply(rt: runtime.Runtime, sid: str) -> str | None:
    with rt.db.session() as session:
        row = session.scalar(select(Inbound).where(Inbound.message_sid == sid))
        return None if row is None else (row.reply or "")


def _process_once(
    rt: runtime.Runtime, *, sid: str, from_: str, to: str, body: str
) -> str | None:
    now = clock.now()
    with rt.db.session() as session:
        existing = session.scalar(select(Inbound).where(Inbound.message_sid == sid))
        if existing is not None:
            return existing.reply or None
        row = Inbound(
            message_sid=sid,
            from_phone=from_,
            to_phone=to,
            body=body[:1600],
            received_at=now,
        )
        session.add(row)
        session.flush()
        command = parse(body)
        row.verb = command.verb.name
        reply = _route(session, rt, row, command, now)
        row.reply = reply or ""
        if reply:
            outbox.record_reply(
                session, to=from_, body=reply, org_id=row.org_id, worker_id=None
            )
        log.info("inbound %s: %s from %s", sid, command.verb.name, mask(from_))
        metrics.count_on_commit(session, metrics.INBOUND, command.verb.name)
        if reply:
            metrics.count_on_commit(session, metrics.REPLIES)
        log.debug("inbound %s: body %r", sid, body)
        return reply or None


def _route(
    session: Session, rt: runtime.Runtime, row: Inbound, command: Command, now: datetime
) -> str | None:
    phone = row.from_phone
    if command.verb is Verb.OPT_OUT:
        _opt_out(session, phone, now)
        return None
    if command.verb is Verb.OPT_IN or (command.verb is Verb.START and command.bare):
        _opt_in(session, phone)
    binding = session.scalars(
        select(Binding).where(Binding.phone == phone, Binding.state == "bound")
    ).first()
    if binding is not None:
        row.org_id = binding.org_id
        return _from_worker(session, rt, binding, row, command, now)
    contact = session.scalars(select(Contact).where(Contact.phone == phone)).first()
    if command.verb in contact_replies.CONTACT_VERBS and contact is not None:
        row.org_id = contact.org_id
        return contact_replies.handle(session, phone, command, now)
    answer = verification.handle(session, phone, row.body, now, rt.settings.secret_key)
    if answer is not None:
        return answer or None
    if contact is not None:
        row.org_id = contact.org_id
        return _not_understood(session, phone, now)
    if command.verb is Verb.OPT_IN:
        return None
    return (
        STRANGER_REPLY
        if ratelimit.allow(session, "stranger", phone, now, 1, timedelta(days=1))
        else None
    )


def _from_worker(
    session: Session,
    rt: runtime.Runtime,
    binding: Binding,
    row: Inbound,
    command: Command,
    now: datetime,
) -> str | None:
    worker = session.get(Worker, binding.worker_id)
    org = session.get(Organisation, binding.org_id)
    assert worker is not None and org is not None
    handler = HANDLERS.get(command.verb)
    if handler is not None:
        ctx = Context(
            session=session,
            worker=worker,
            org=org,
            policy=directory.policy_for(session, org.id),
            tz=directory.worker_zone(worker, org),
            phone=binding.phone,
            now=now,
        )
        return handler(ctx, command)
    if command.verb in contact_replies.CONTACT_VERBS:
        return contact_replies.handle(session, binding.phone, command, now)
    if command.verb is Verb.OPT_IN:
        return replies.opt_in()
    answer = verification.handle(
        session, binding.phone, row.body, now, rt.settings.secret_key
    )
    if answer is not None:
        return answer or None
    if command.verb is Verb.EMPTY and not row.body.strip():
        return None
    return _not_understood(session, binding.phone, now)


def _not_understood(session: Session, phone: str, now: datetime) -> str | None:
    # Auto-responders answer every text; five replies an hour breaks the loop.
    if ratelimit.allow(
        session, "unknown", phone, now, UNKNOWN_LIMIT, timedelta(hours=1)
    ):
        return replies.not_understood()
    return None


def _opt_out(session: Session, phone: str, now: datetime) -> None:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(OptOut).values(phone=phone, opted_out_at=now).on_conflict_do_nothing()
    )
    audit.record(session, "sms.opted_out", actor=f"sms:{mask(phone)}", org_id=None)
    log.warning("inbound: %s opted out; Twilio will refuse texts to it", mask(phone))


def _opt_in(session: Session, phone: str) -> None:
    if session.execute(delete(OptOut).where(OptOut.phone == phone)).rowcount:  # type: ignore[attr-defined]
        audit.record(session, "sms.opted_in", actor=f"sms:{mask(phone)}", org_id=None)
