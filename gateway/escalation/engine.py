"""Escalation decisions as pure functions of a journey, its policy and the time.

A journey has up to three steps: a reminder before it is due (for journeys
long enough to need one), an overdue notice at the due time, and the alert
once the grace period has passed. An alert pages one level per round, a
level delay apart; after the last level every round pages all levels again,
a repeat interval apart. An SOS pages every level in its first round.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

REMINDER = "reminder"
OVERDUE = "overdue"
ALERT = "alert"


@dataclass(frozen=True)
class Timing:
    reminder: timedelta
    reminder_min_journey: timedelta
    grace: timedelta
    level_delay: timedelta
    repeat: timedelta


@dataclass(frozen=True)
class Step:
    name: str
    at: datetime


def journey_plan(started_at: datetime, due_at: datetime, timing: Timing) -> list[Step]:
    """The journey's steps in time order."""
    steps = []
    remind_at = due_at - timing.reminder
    long_enough = due_at - started_at >= timing.reminder_min_journey
    if timing.reminder > timedelta(0) and long_enough and remind_at > started_at:
        steps.append(Step(REMINDER, remind_at))
    steps.append(Step(OVERDUE, due_at))
    steps.append(Step(ALERT, due_at + timing.grace))
    return steps


def due_step(plan: list[Step], now: datetime) -> Step | None:
    """The latest step whose time has come.

    Earlier steps still unclaimed are stale (a runner was down): a reminder
    after the due time, or an overdue notice after the alert, helps nobody.
    """
    due = [step for step in plan if step.at <= now]
    return due[-1] if due else None


def next_step(plan: list[Step], now: datetime) -> Step | None:
    """The step the engine must wake for next, or None when done."""
    later = [step for step in plan if step.at > now]
    return later[0] if later else None


def step_key(journey_id: int, step: Step) -> str:
    """Unique per journey, step and deadline, so an extended journey starts afresh."""
    return f"journey:{journey_id}:{step.name}:{int(step.at.timestamp())}"


def round_levels(round_number: int, levels: list[int]) -> list[int]:
    """Levels paged in a round: one level per round, then all levels again."""
    if not levels:
        return []
    if round_number <= len(levels):
        return [levels[round_number - 1]]
    return list(levels)


def round_delay(round_number: int, level_count: int, timing: Timing) -> timedelta:
    """Wait after paging ``round_number`` before the next round.

    The level delay separates single levels; once every level has been
    paged, the repeat interval separates the repeats to all levels.
    """
    return timing.level_delay if round_number < level_count else timing.repeat


def round_key(alert_id: int, round_number: int) -> str:
    return f"alert:{alert_id}:round:{round_number}"
