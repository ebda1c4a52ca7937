"""An inbound SMS, from the webhook's form to the reply text.

The MessageSid is claimed by inserting it: a Twilio retry of the same
message finds the row, changes nothing and gets the reply stored the first
time.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway import clock, directory, metrics, optouts, outbox, ratelimit, runtime
from gateway.escalation import replies as contact_replies
from gateway.models import Binding, Contact, Inbound, Organisation, Worker
from gateway.phones import mask
from gateway.sms_commands import contacts, replies, sos
from gateway.sms_commands.context import Context
from gateway.sms_commands.handlers import HANDLERS
from gateway.sms_commands.parse import Command, Verb, parse
from gateway.verification import flow as verification
from gateway.verification.codes import for_storage, redact
from gateway.verification.names import matches

log = logging.getLogger(__name__)

UNKNOWN_LIMIT = 5
# Commands a worker sends; from a phone part way through binding they get
# the binding prompt instead of counting as a wrong last name.
WORKER_VERBS = frozenset(
    {Verb.START, Verb.ARRIVED, Verb.EXTEND, Verb.STATUS, Verb.HELP, Verb.SOS}
)
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
    # PostgreSQL text cannot hold NUL; nothing a person types contains one.
    body = body.replace("\x00", "")
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
        row.body = for_storage(row.body)
        reply = replies.fit(reply) if reply else None
        row.reply = reply or ""
        if reply:
            outbox.record_reply(
                session, to=from_, body=reply, org_id=row.org_id, worker_id=None
            )
        log.info("inbound %s: %s from %s", sid, command.verb.name, mask(from_))
        metrics.count_on_commit(session, metrics.INBOUND, command.verb.name)
        if reply:
            metrics.count_on_commit(session, metrics.REPLIES)
        # Bodies carry security codes and phone numbers: never log those.
        log.debug("inbound %s: body %r", sid, redact(body))
        return reply or None


def _route(
    session: Session, rt: runtime.Runtime, row: Inbound, command: Command, now: datetime
) -> str | None:
    phone = row.from_phone
    if command.verb is Verb.OPT_OUT:
        optouts.record(session, phone, now)
        return None
    if command.verb is Verb.OPT_IN or (command.verb is Verb.START and command.bare):
        optouts.reopen(session, phone)
    binding = _binding(session, phone)
    if binding is not None:
        row.org_id = binding.org_id
        return _from_worker(session, rt, binding, row, command, now)
    contact = session.scalars(select(Contact).where(Contact.phone == phone)).first()
    if command.verb in contact_replies.CONTACT_VERBS and contact is not None:
        row.org_id = contact.org_id
        return contact_replies.handle(session, phone, command, now)
    answer = _binding_step(session, rt, row, command, now)
    if answer is not None:
        return answer or None
    if contact is not None:
        row.org_id = contact.org_id
        return contacts.answer(session, phone, command, now)
    return _from_stranger(session, row, command, now)


def _binding(session: Session, phone: str) -> Binding | None:
    return session.scalars(
        select(Binding)
        .join(Worker, Worker.id == Binding.worker_id)
        .where(Binding.phone == phone, Binding.state == "bound", Worker.active)
    ).first()


def _binding_step(
    session: Session, rt: runtime.Runtime, row: Inbound, command: Command, now: datetime
) -> str | None:
    """The answer when this phone is part way through binding, else None."""
    phone = row.from_phone
    waiting = verification.awaiting_name(session, phone, now)
    if waiting is not None:
        row.org_id = waiting.org_id
    # A command before the last name is a worker in a hurry, not a wrong
    # name: it must not count towards burning the code.
    is_name = waiting is not None and matches(
        row.body, waiting.first_name, waiting.last_name
    )
    if waiting is not None and command.verb in WORKER_VERBS and not is_name:
        return replies.confirm_first()
    return verification.handle(session, phone, row.body, now, rt.settings.secret_key)


def _from_stranger(
    session: Session, row: Inbound, command: Command, now: datetime
) -> str | None:
    phone = row.from_phone
    registered = session.scalars(
        select(Worker).where(Worker.phone == phone, Worker.active)
    ).first()
    if registered is not None:
        # The administrator entered this number: tell them how to bind it.
        row.org_id = registered.org_id
        return replies.text_your_code() if _allow_unknown(session, phone, now) else None
    if command.verb is Verb.OPT_IN:
        return None
    day = timedelta(days=1)
    if ratelimit.allow(session, "stranger", phone, now, 1, day):
        return STRANGER_REPLY
    return None


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
    ctx = Context(
        session=session,
        worker=worker,
        org=org,
        policy=directory.policy_for(session, org.id),
        tz=directory.worker_zone(worker, org),
        phone=binding.phone,
        now=now,
    )
    handler = HANDLERS.get(command.verb)
    if handler is not None:
        return handler(ctx, command)
    if command.verb in contact_replies.CONTACT_VERBS:
        return contact_replies.handle(session, binding.phone, command, now)
    if command.verb is Verb.OPT_IN:
        return replies.opt_in(ctx.example)
    answer = verification.handle(
        session, binding.phone, row.body, now, rt.settings.secret_key
    )
    if answer is not None:
        return answer or None
    if command.verb is Verb.EMPTY and not row.body.strip():
        return None
    if command.verb is Verb.UNKNOWN:
        relayed = sos.relay(ctx, row.body)
        if relayed is not None:
            return relayed or None
    return (
        replies.not_understood()
        if _allow_unknown(session, binding.phone, now)
        else None
    )


def _allow_unknown(session: Session, phone: str, now: datetime) -> bool:
    # Auto-responders answer every text; five replies an hour breaks the loop.
    return ratelimit.allow(
        session, "unknown", phone, now, UNKNOWN_LIMIT, timedelta(hours=1)
    )
