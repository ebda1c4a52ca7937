"""Organisations, workers and contacts: the registry the admin page and CLI share."""

import functools
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from gateway import audit, clock
from gateway.models import (
    Binding,
    Contact,
    Journey,
    OptOut,
    Organisation,
    Policy,
    SecurityCode,
    Worker,
)
from gateway.phones import InvalidPhone, parse_phone

DEFAULT_POLICY = {
    "reminder_s": 10 * 60,
    "reminder_min_journey_s": 30 * 60,
    "grace_s": 15 * 60,
    "level_delay_s": 15 * 60,
    "min_journey_s": 5 * 60,
    "max_journey_s": 24 * 3600,
    "default_extend_s": 30 * 60,
    "repeat_s": 15 * 60,
}

# Longest names and notes accepted; every SMS template is tested with them,
# so a worker reply stays one segment and an alert two.
NAME_MAX = 40
ORG_NAME_MAX = 40
CONTACT_NAME_MAX = 60
NOTE_MAX = 200


class DirectoryError(ValueError):
    """Input the registry cannot accept; the message is for the person typing."""


@functools.cache
def zone_names() -> frozenset[str]:
    """The time zones a worker or organisation may have: the IANA names, not
    this host's "localtime" (whatever the server is set to) or "Factory".

    Checking names against this list, rather than asking ZoneInfo to load
    them, also refuses folders ("Australia"), paths and files that exist
    only on this machine ("posixrules", "right/UTC").
    """
    return frozenset(available_timezones() - {"localtime", "Factory"})


def zone(name: str) -> ZoneInfo:
    if name not in zone_names():
        raise DirectoryError(f"Unknown time zone {name[:40]!r}, e.g. Australia/Perth")
    return ZoneInfo(name)


def create_org(session: Session, name: str, timezone: str, region: str) -> Organisation:
    zone(timezone)
    name = name.strip()
    if not name or len(name) > ORG_NAME_MAX:
        raise DirectoryError(f"A name of 1 to {ORG_NAME_MAX} characters is needed")
    if len(region) != 2 or not region.isalpha():
        raise DirectoryError("Region is a two-letter country code, e.g. AU")
    if session.scalar(select(Organisation).where(Organisation.name == name)):
        raise DirectoryError(f"An organisation named {name!r} exists already")
    org = Organisation(
        name=name, timezone=timezone, region=region.upper(), created_at=clock.now()
    )
    session.add(org)
    session.flush()
    session.add(Policy(org_id=org.id, **DEFAULT_POLICY))
    audit.record(session, "org.created", actor="cli", org_id=org.id)
    return org


def org_by_name(session: Session, name: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        raise DirectoryError(f"No organisation named {name!r}")
    return org


def policy_for(session: Session, org_id: int) -> Policy:
    policy = session.get(Policy, org_id)
    if policy is None:
        raise DirectoryError(f"Organisation {org_id} has no policy")
    return policy


def add_worker(
    session: Session,
    org: Organisation,
    *,
    first: str,
    last: str,
    phone: str | None = None,
    timezone: str | None = None,
    actor: str = "cli",
) -> Worker:
    """Register a worker; the caller issues their security code."""
    first, last = first.strip(), last.strip()
    if not first or not last:
        raise DirectoryError("First and last name are both needed")
    if max(len(first), len(last)) > NAME_MAX:
        raise DirectoryError(f"Names are at most {NAME_MAX} characters each")
    if timezone:
        zone(timezone)
    worker = Worker(
        org_id=org.id,
        first_name=first,
        last_name=last,
        phone=parse_phone(phone, org.region) if phone else None,
        timezone=timezone or None,
        active=True,
        created_at=clock.now(),
    )
    session.add(worker)
    session.flush()
    audit.record(
        session,
        "worker.added",
        actor=actor,
        org_id=org.id,
        subject=("worker", worker.id),
    )
    return worker


def add_contact(
    session: Session,
    org: Organisation,
    *,
    name: str,
    phone: str,
    level: int,
    actor: str = "cli",
) -> Contact:
    if not name.strip():
        raise DirectoryError("A contact needs a name")
    if len(name.strip()) > CONTACT_NAME_MAX:
        raise DirectoryError(f"A name is at most {CONTACT_NAME_MAX} characters")
    if level < 1:
        raise DirectoryError("Levels start at 1")
    contact = Contact(
        org_id=org.id,
        name=name.strip(),
        phone=parse_phone(phone, org.region),
        level=level,
        active=True,
        created_at=clock.now(),
    )
    session.add(contact)
    session.flush()
    audit.record(
        session,
        "contact.added",
        actor=actor,
        org_id=org.id,
        subject=("contact", contact.id),
    )
    return contact


def worker_zone(worker: Worker, org: Organisation) -> ZoneInfo:
    return ZoneInfo(worker.timezone or org.timezone)


def bound_phone(session: Session, worker_id: int) -> str | None:
    """The worker's verified number, or None while it is unbound or confirming."""
    return session.scalar(
        select(Binding.phone).where(
            Binding.worker_id == worker_id, Binding.state == "bound"
        )
    )


def worker_by_id(session: Session, worker_id: int) -> Worker:
    """An active worker, or DirectoryError naming the id that is not one."""
    worker = session.get(Worker, worker_id)
    if worker is None or not worker.active:
        raise DirectoryError(f"No active worker with id {worker_id}")
    return worker


def is_opted_out(session: Session, phone: str) -> bool:
    """True when the number sent a carrier opt-out word and has not opted back in:
    Twilio refuses every text to it, so the person is unreachable by SMS."""
    return session.get(OptOut, phone) is not None


# Edits from the administrator page. Each refuses bad input with a FieldError
# naming the form field, before anything is changed.


class FieldError(DirectoryError):
    """Input refused for one field of a form; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def clean_name(field: str, raw: str, label: str, limit: int = NAME_MAX) -> str:
    name = " ".join(raw.split())
    if not name:
        raise FieldError(field, f"Enter the {label}.")
    if len(name) > limit:
        raise FieldError(field, f"Keep the {label} to {limit} characters.")
    return name


def clean_phone(field: str, raw: str, region: str) -> str:
    try:
        return parse_phone(raw, region)
    except InvalidPhone as exc:
        raise FieldError(field, str(exc)) from None


def clean_zone(field: str, raw: str) -> str | None:
    name = raw.strip()
    if not name:
        return None
    try:
        zone(name)
    except DirectoryError as exc:
        raise FieldError(field, str(exc)) from None
    return name


def check_worker_phone_free(
    session: Session, org_id: int, phone: str, worker_id: int | None = None
) -> None:
    other = session.scalars(
        select(Worker).where(
            Worker.org_id == org_id,
            Worker.phone == phone,
            Worker.active,
            Worker.id != (worker_id or 0),
        )
    ).first()
    if other is not None:
        raise FieldError("phone", f"{other.full_name} already has this number.")


def check_contact_phone_free(
    session: Session, org_id: int, phone: str, contact_id: int | None = None
) -> None:
    other = session.scalars(
        select(Contact).where(
            Contact.org_id == org_id,
            Contact.phone == phone,
            Contact.active,
            Contact.id != (contact_id or 0),
        )
    ).first()
    if other is not None:
        raise FieldError("phone", f"{other.name} already has this number.")


def update_worker(
    session: Session,
    worker: Worker,
    *,
    first: str,
    last: str,
    timezone: str | None,
    actor: str,
) -> None:
    """Rename a worker or change their zone; the caller has cleaned the values."""
    worker.first_name, worker.last_name, worker.timezone = first, last, timezone
    audit.record(
        session,
        "worker.changed",
        actor=actor,
        org_id=worker.org_id,
        subject=("worker", worker.id),
    )


def change_phone(session: Session, worker: Worker, raw_phone: str, actor: str) -> bool:
    """Set the worker's number from the admin form; False when it is unchanged.

    A bound worker must confirm the new number by last name (see
    verification.number_change). Raises FieldError for a number that cannot
    be read or belongs to someone else.
    """
    from gateway.verification.number_change import change_phone as change

    org = session.get(Organisation, worker.org_id)
    assert org is not None
    phone = clean_phone("phone", raw_phone, org.region)
    if phone == worker.phone:
        return False
    check_worker_phone_free(session, org.id, phone, worker.id)
    try:
        change(session, worker, phone, actor)
    except DirectoryError as exc:
        raise FieldError("phone", str(exc)) from None
    return True


def deactivate_worker(session: Session, worker: Worker, actor: str) -> None:
    """Stop a worker texting commands: codes revoked, binding removed.

    Refused while a journey is running, so no safety timer is dropped quietly.
    """
    running = session.scalar(
        select(Journey.id).where(
            Journey.worker_id == worker.id, Journey.state == "active"
        )
    )
    if running is not None:
        raise DirectoryError("Close this worker's active journey first.")
    worker.active = False
    session.execute(
        update(SecurityCode)
        .where(SecurityCode.worker_id == worker.id)
        .where(SecurityCode.state.in_(("pending", "claimed")))
        .values(state="revoked")
    )
    session.execute(delete(Binding).where(Binding.worker_id == worker.id))
    audit.record(
        session,
        "worker.deactivated",
        actor=actor,
        org_id=worker.org_id,
        subject=("worker", worker.id),
    )


def update_contact(
    session: Session, contact: Contact, *, name: str, phone: str, level: int, actor: str
) -> None:
    """Change a contact; the caller has cleaned the values."""
    check_contact_phone_free(session, contact.org_id, phone, contact.id)
    changed = {
        "name": contact.name != name,
        "phone": contact.phone != phone,
        "level": contact.level != level,
    }
    if changed["phone"]:
        contact.last_error = None
    contact.name, contact.phone, contact.level = name, phone, level
    audit.record(
        session,
        "contact.changed",
        actor=actor,
        org_id=contact.org_id,
        subject=("contact", contact.id),
        fields=sorted(key for key, value in changed.items() if value),
    )


def set_contact_active(
    session: Session, contact: Contact, active: bool, actor: str
) -> None:
    if active:
        check_contact_phone_free(session, contact.org_id, contact.phone, contact.id)
    contact.active = active
    audit.record(
        session,
        "contact.activated" if active else "contact.deactivated",
        actor=actor,
        org_id=contact.org_id,
        subject=("contact", contact.id),
    )


def contact_problems(session: Session, org_id: int) -> dict[int, str]:
    """Why each unreachable active contact cannot be paged, by contact id."""
    contacts = session.scalars(
        select(Contact).where(Contact.org_id == org_id, Contact.active)
    ).all()
    opted_out = set(
        session.scalars(
            select(OptOut.phone).where(OptOut.phone.in_([c.phone for c in contacts]))
        )
    )
    problems = {}
    for contact in contacts:
        if contact.phone in opted_out:
            problems[contact.id] = "opted out (texted STOP); ask them to text START"
        elif contact.last_error:
            problems[contact.id] = f"last message failed: {contact.last_error}"
    return problems


def binding_state(session: Session, worker: Worker) -> str:
    """The worker's binding in words, e.g. "bound" or "confirming new number"."""
    from gateway.verification.binding import binding_state as state

    return state(session, worker.id)
