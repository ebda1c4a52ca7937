"""Organisations, workers and contacts: the registry the admin page and CLI share."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import audit, clock
from gateway.models import Binding, Contact, Organisation, Policy, Worker
from gateway.phones import parse_phone

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


class DirectoryError(ValueError):
    """Input the registry cannot accept; the message is for the person typing."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DirectoryError(
            f"Unknown time zone {name!r}, e.g. Australia/Perth"
        ) from None


def create_org(session: Session, name: str, timezone: str, region: str) -> Organisation:
    zone(timezone)
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
