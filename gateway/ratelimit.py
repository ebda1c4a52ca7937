"""Counted events in a sliding window, kept in the database so every process agrees."""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.models import RateEvent


def count(
    session: Session, kind: str, subject: str, now: datetime, window: timedelta
) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(RateEvent)
            .where(RateEvent.kind == kind, RateEvent.subject == subject)
            .where(RateEvent.at > now - window)
        )
        or 0
    )


def hit(session: Session, kind: str, subject: str, now: datetime) -> None:
    session.add(RateEvent(kind=kind, subject=subject, at=now))


def allow(
    session: Session,
    kind: str,
    subject: str,
    now: datetime,
    limit: int,
    window: timedelta,
) -> bool:
    """Record one event and say whether it is within ``limit`` per ``window``."""
    if count(session, kind, subject, now, window) >= limit:
        return False
    hit(session, kind, subject, now)
    return True
