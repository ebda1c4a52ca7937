"""Escalation timings as people type them ("15m", "1h30m") and their limits."""

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway import audit
from gateway.directory import FieldError
from gateway.models import Policy

_PART = re.compile(r"(\d+)\s*([hms])")
_UNITS = {"h": 3600, "m": 60, "s": 1}
MINUTE, HOUR, DAY = 60, 3600, 86400


@dataclass(frozen=True)
class Setting:
    column: str
    label: str
    hint: str
    lowest: int
    highest: int


SETTINGS = (
    Setting("reminder_s", "Reminder before due", "0m for none", 0, 2 * HOUR),
    Setting(
        "reminder_min_journey_s",
        "Remind only journeys of at least",
        "shorter journeys get no reminder",
        0,
        DAY,
    ),
    Setting("grace_s", "Grace after due", "before level 1 is alerted", 0, 4 * HOUR),
    Setting("level_delay_s", "Delay between levels", "", 30, 4 * HOUR),
    Setting("min_journey_s", "Shortest journey", "", MINUTE, DAY),
    Setting("max_journey_s", "Longest journey", "", 5 * MINUTE, 3 * DAY),
    Setting("default_extend_s", "EXTEND without a time", "", MINUTE, DAY),
)


def parse_duration(text: str) -> int:
    """Seconds in "15m", "2h", "1h 30m", "45s" or a bare number of minutes."""
    cleaned = text.strip().lower()
    if cleaned.isdigit():
        return int(cleaned) * MINUTE
    parts = _PART.findall(cleaned)
    if not parts or _PART.sub("", cleaned).strip():
        raise ValueError(f"{text.strip()!r} is not a duration like 15m, 2h or 1h30m.")
    return sum(int(amount) * _UNITS[unit] for amount, unit in parts)


def format_duration(seconds: int) -> str:
    """The shortest spelling that reads back the same: 5400 -> "1h30m"."""
    if seconds == 0:
        return "0m"
    hours, rest = divmod(seconds, HOUR)
    minutes, secs = divmod(rest, MINUTE)
    parts = [(hours, "h"), (minutes, "m"), (secs, "s")]
    return "".join(f"{amount}{unit}" for amount, unit in parts if amount)


def read(form: dict[str, str]) -> tuple[dict[str, int], dict[str, str]]:
    """Parse every setting from ``form``; returns (values, errors by column)."""
    values: dict[str, int] = {}
    errors: dict[str, str] = {}
    for setting in SETTINGS:
        try:
            seconds = parse_duration(form.get(setting.column, ""))
        except ValueError as exc:
            errors[setting.column] = str(exc)
            continue
        if not setting.lowest <= seconds <= setting.highest:
            errors[setting.column] = (
                f"Between {format_duration(setting.lowest)} "
                f"and {format_duration(setting.highest)}."
            )
            continue
        values[setting.column] = seconds
    return values, errors


def update(
    session: Session, policy: Policy, values: dict[str, int], actor: str
) -> None:
    """Store checked timings; raises FieldError when they contradict each other."""
    if values["min_journey_s"] > values["max_journey_s"]:
        raise FieldError("min_journey_s", "Must not be longer than the longest.")
    if values["default_extend_s"] > values["max_journey_s"]:
        raise FieldError("default_extend_s", "Must not be longer than the longest.")
    changed = {
        column: value
        for column, value in values.items()
        if getattr(policy, column) != value
    }
    for column, value in changed.items():
        setattr(policy, column, value)
    audit.record(
        session, "policy.changed", actor=actor, org_id=policy.org_id, changed=changed
    )
