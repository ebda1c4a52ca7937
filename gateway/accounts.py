"""Administrator accounts: roles, sign-in with throttling, and user management."""

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from gateway import audit, clock, ratelimit
from gateway.directory import DirectoryError, FieldError
from gateway.models import User

log = logging.getLogger(__name__)

ROLES = ("viewer", "supervisor", "admin", "owner")
PASSWORD_MIN = 10
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Failures per email and per address in the window before sign-in is refused.
EMAIL_LIMIT = 5
ADDRESS_LIMIT = 30
WINDOW = timedelta(minutes=15)
# Checked when the email is unknown, so a wrong email costs as long as a
# wrong password and does not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not-a-password")


def allows(role: str, needed: str) -> bool:
    """Whether ``role`` includes ``needed``: each role includes the ones before."""
    return ROLES.index(role) >= ROLES.index(needed)


@dataclass(frozen=True)
class SignIn:
    user: User | None
    error: str | None


def sign_in(
    session: Session, email: str, password: str, address: str, now: datetime
) -> SignIn:
    """Check a password; failures are counted, throttled and audited."""
    email = email.strip().lower()
    if _throttled(session, email, address, now):
        audit.record(session, "signin.throttled", actor=f"web:{address}", org_id=None)
        log.warning("signin: throttled for %s", address)
        return SignIn(None, "Too many failed attempts. Wait 15 minutes and try again.")
    user = session.scalar(select(User).where(User.email == email))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid or not user.active:
        ratelimit.hit(session, "signin", f"email:{email}", now)
        ratelimit.hit(session, "signin", f"ip:{address}", now)
        audit.record(
            session,
            "signin.failed",
            actor=f"web:{address}",
            org_id=user.org_id if user else None,
            subject=("user", user.id) if user else None,
            email=email[:200],
        )
        return SignIn(None, "That email and password do not match an account.")
    audit.record(session, "signin", actor=f"user:{user.id}", org_id=user.org_id)
    return SignIn(user, None)


def _throttled(session: Session, email: str, address: str, now: datetime) -> bool:
    by_email = ratelimit.count(session, "signin", f"email:{email}", now, WINDOW)
    by_address = ratelimit.count(session, "signin", f"ip:{address}", now, WINDOW)
    return by_email >= EMAIL_LIMIT or by_address >= ADDRESS_LIMIT


def clean_email(raw: str) -> str:
    email = raw.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 200:
        raise FieldError("email", "Enter an email address like ops@example.org.")
    return email


def clean_role(raw: str) -> str:
    if raw not in ROLES:
        raise FieldError("role", "Choose one of the roles.")
    return raw


def create_user(
    session: Session, org_id: int, *, email: str, password: str, role: str, actor: str
) -> User:
    """Add a user to the organisation; raises FieldError for bad or taken input."""
    email, role = clean_email(email), clean_role(role)
    if len(password) < PASSWORD_MIN:
        raise FieldError("password", f"Use at least {PASSWORD_MIN} characters.")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise FieldError("email", "That email already has an account.")
    user = User(
        org_id=org_id,
        email=email,
        password_hash=generate_password_hash(password),
        role=role,
        active=True,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.created",
        actor=actor,
        org_id=org_id,
        subject=("user", user.id),
        role=role,
    )
    return user


def set_role(session: Session, user: User, role: str, active: bool, actor: str) -> None:
    """Change a user's role or access; the last active owner cannot be removed."""
    role = clean_role(role)
    losing_owner = (
        user.role == "owner" and user.active and (role != "owner" or not active)
    )
    if losing_owner and _active_owners(session, user.org_id) <= 1:
        raise DirectoryError("The organisation needs at least one active owner.")
    user.role, user.active = role, active
    audit.record(
        session,
        "user.changed",
        actor=actor,
        org_id=user.org_id,
        subject=("user", user.id),
        role=role,
        active=active,
    )


def _active_owners(session: Session, org_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.org_id == org_id, User.role == "owner", User.active)
        )
        or 0
    )
