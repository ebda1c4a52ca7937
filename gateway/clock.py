"""The one place that reads the clock.

Every module asks ``clock.now()`` so tests can move time with freezegun and
so no naive datetime ever reaches the database or RQ's scheduler.
"""

from datetime import UTC, datetime


def now() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return ``value`` as aware UTC; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
