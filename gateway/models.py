"""SQLAlchemy models mirroring ``schema.sql``; a test keeps the two in step."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from gateway.clock import as_utc

Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in Python, whatever the database keeps.

    SQLite has no time zones, so values are stored as naive UTC there and
    given their zone back on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use clock.now()")
        instant = as_utc(value)
        return instant.replace(tzinfo=None) if dialect.name == "sqlite" else instant

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), int: BigInteger(), str: Text()}


def _pk() -> Mapped[int]:
    return mapped_column(Id, primary_key=True)


def _fk(target: str, nullable: bool = False) -> Any:
    return mapped_column(Id, ForeignKey(target), nullable=nullable)


class Organisation(Base):
    __tablename__ = "organisation"
    id: Mapped[int] = _pk()
    name: Mapped[str] = mapped_column(unique=True)
    timezone: Mapped[str]
    region: Mapped[str]
    created_at: Mapped[datetime]


class Policy(Base):
    __tablename__ = "policy"
    org_id: Mapped[int] = mapped_column(
        Id, ForeignKey("organisation.id"), primary_key=True
    )
    reminder_s: Mapped[int] = mapped_column(Integer)
    reminder_min_journey_s: Mapped[int] = mapped_column(Integer)
    grace_s: Mapped[int] = mapped_column(Integer)
    level_delay_s: Mapped[int] = mapped_column(Integer)
    min_journey_s: Mapped[int] = mapped_column(Integer)
    max_journey_s: Mapped[int] = mapped_column(Integer)
    default_extend_s: Mapped[int] = mapped_column(Integer)
    repeat_s: Mapped[int] = mapped_column(Integer)
    retention_days: Mapped[int | None] = mapped_column(Integer, default=None)


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = _pk()
    org_id: Mapped[int] = _fk("organisation.id")
    email: Mapped[str] = mapped_column(unique=True)
    password_hash: Mapped[str]
    role: Mapped[str]
    active: Mapped[bool]
    created_at: Mapped[datetime]


class Worker(Base):
    __tablename__ = "worker"
    id: Mapped[int] = _pk()
    org_id: Mapped[int] = _fk("organisation.id")
    first_name: Mapped[str]
    last_name: Mapped[str]
    phone: Mapped[str | None]
    timezone: Mapped[str | None]
    active: Mapped[bool]
    created_at: Mapped[datetime]

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Binding(Base):
    __tablename__ = "binding"
    id: Mapped[int] = _pk()
    org_id: Mapped[int] = _fk("organisation.id")
    worker_id: Mapped[int] = mapped_column(Id, ForeignKey("worker.id"), unique=True)
    phone: Mapped[str] = mapped_column(unique=True)
    state: Mapped[str]
    updated_at: Mapped[datetime]
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SecurityCode(Base):
    __tablename__ = "security_code"
    id: Mapped[int] = _pk()
    org_id: Mapped[int] = _fk("organisation.id")
    worker_id: Mapped[int] = _fk("worker.id")
    code_hash: Mapped[str]
    phone: Mapped[str | None]
    claimed_by: Mapped[str | None]
    state: Mapped[str]
    failures: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]


class Contact(Base):
    __tablename__ = "contact"
    id: Mapped[int] = _pk()
    org_id: Mapped[int] = _fk("organisation.id")
    name: Mapped[str]
    phone: Mapped[str]
    level: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool]
    last_error: Mapped[str | None]
    created_at: Mapped[datetime]


class Journey(Base):
    __tablename__ = "journey"
    id: Mapped[int] = _pk()
    org_id: Mapped[int] = _fk("organisation.id")
    worker_id: Mapped[int] = _fk("worker.id")
    state: Mapped[str]
    note: Mapped[str]
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    next_action_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None]


class Alert(Base):
    __tablename__ = "alert"
    id: Mapped[int] = _pk()
    org_id: Mapped[int] = _fk("organisation.id")
    worker_id: Mapped[int] = _fk("worker.id")
    journey_id: Mapped[int | None] = _fk("journey.id", nullable=True)
    kind: Mapped[str]
    state: Mapped[str]
    level: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime]
    next_action_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer)
    acked_by: Mapped[int | None] = _fk("contact.id", nullable=True)
    acked_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None]
    acked_by_user: Mapped[int | None] = _fk("app_user.id", nullable=True)


class StepClaim(Base):
    __tablename__ = "step_claim"
    id: Mapped[int] = _pk()
    step_key: Mapped[str] = mapped_column(unique=True)
    journey_id: Mapped[int | None] = _fk("journey.id", nullable=True)
    alert_id: Mapped[int | None] = _fk("alert.id", nullable=True)
    due_at: Mapped[datetime]
    claimed_at: Mapped[datetime]
    claimed_by: Mapped[str]


class Outbox(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = _pk()
    org_id: Mapped[int | None] = _fk("organisation.id", nullable=True)
    to_phone: Mapped[str]
    body: Mapped[str]
    kind: Mapped[str]
    status: Mapped[str]
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None]
    provider_sid: Mapped[str | None] = mapped_column(unique=True)
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None]
    journey_id: Mapped[int | None] = _fk("journey.id", nullable=True)
    alert_id: Mapped[int | None] = _fk("alert.id", nullable=True)
    contact_id: Mapped[int | None] = _fk("contact.id", nullable=True)
    worker_id: Mapped[int | None] = _fk("worker.id", nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    merged_into: Mapped[int | None] = _fk("outbox.id", nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(default=None)


class Inbound(Base):
    __tablename__ = "inbound"
    id: Mapped[int] = _pk()
    message_sid: Mapped[str] = mapped_column(unique=True)
    org_id: Mapped[int | None] = _fk("organisation.id", nullable=True)
    from_phone: Mapped[str]
    to_phone: Mapped[str]
    body: Mapped[str]
    verb: Mapped[str | None]
    reply: Mapped[str | None]
    received_at: Mapped[datetime]


class OptOut(Base):
    __tablename__ = "opt_out"
    phone: Mapped[str] = mapped_column(primary_key=True)
    opted_out_at: Mapped[datetime]


class RateEvent(Base):
    __tablename__ = "rate_event"
    id: Mapped[int] = _pk()
    kind: Mapped[str]
    subject: Mapped[str]
    at: Mapped[datetime]


class AuditEvent(Base):
    __tablename__ = "audit_event"
    id: Mapped[int] = _pk()
    org_id: Mapped[int | None] = _fk("organisation.id", nullable=True)
    actor: Mapped[str]
    action: Mapped[str]
    subject_type: Mapped[str | None]
    subject_id: Mapped[int | None]
    detail: Mapped[str]
    at: Mapped[datetime]


class Heartbeat(Base):
    __tablename__ = "heartbeat"
    name: Mapped[str] = mapped_column(primary_key=True)
    beat_at: Mapped[datetime]
