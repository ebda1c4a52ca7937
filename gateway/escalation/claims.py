"""Row locks, step claims and timings shared by the escalation's entry points."""

from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import clock, db, directory
from gateway.escalation import engine
from gateway.models import Alert, Journey, StepClaim

Row = TypeVar("Row", Journey, Alert)


def lock(
    session: Session, model: type[Row], row_id: int, *, skip_locked: bool = False
) -> Row | None:
    """The row locked for update and re-read from the database.

    ``populate_existing`` matters: a row already loaded in this session
    would otherwise keep the values read before the lock was granted, and a
    decision taken on them could undo a concurrent ACK or ARRIVED. With
    ``skip_locked`` a row another transaction holds is None, not a wait
    (PostgreSQL; SQLite has one writer at a time anyway).
    """
    return session.scalars(
        select(model)
        .where(model.id == row_id)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    ).one_or_none()


def timing_for(session: Session, org_id: int) -> engine.Timing:
    policy = directory.policy_for(session, org_id)
    # The session's identity map holds rows weakly; keeping the policy here
    # saves reading it again for each step in the same transaction.
    session.info.setdefault("policies", {})[org_id] = policy
    return engine.Timing(
        reminder=timedelta(seconds=policy.reminder_s),
        reminder_min_journey=timedelta(seconds=policy.reminder_min_journey_s),
        grace=timedelta(seconds=policy.grace_s),
        level_delay=timedelta(seconds=policy.level_delay_s),
        repeat=timedelta(seconds=policy.repeat_s),
    )


def claim(session: Session, key: str, due_at: datetime, by: str, **links: int) -> bool:
    """Insert the step's unique row; False if someone else already has it.

    A concurrent claim of the same key waits for ours to commit or roll
    back; RETURNING says which of the two inserted the row.
    """
    claimed = session.execute(
        db.insert(session, StepClaim)
        .values(
            step_key=key, due_at=due_at, claimed_at=clock.now(), claimed_by=by, **links
        )
        .on_conflict_do_nothing(index_elements=["step_key"])
        .returning(StepClaim.id)
    ).first()
    return claimed is not None


def claimed_at(session: Session, key: str) -> datetime | None:
    return session.scalar(select(StepClaim.claimed_at).where(StepClaim.step_key == key))
