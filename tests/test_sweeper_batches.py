"""One sweeper pass catches everything due, however many batches that takes."""

import threading
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from gateway import directory
from gateway.escalation import claims, steps, sweeper
from gateway.models import Alert, Journey, Organisation, StepClaim
from gateway.verification.flow import bind
from tests.helpers import T0, make_org


def start_journeys(rt, org_id, count):
    with rt.db.session() as session:
        org = session.get(Organisation, org_id)
        for index in range(count):
            worker = directory.add_worker(
                session, org, first="Field", last=f"Worker{index}"
            )
            bind(session, worker, f"+6149157{index:04d}", T0, actor="test")
            journey = Journey(
                org_id=org_id,
                worker_id=worker.id,
                state="active",
                note="",
                started_at=T0,
                due_at=T0 + timedelta(hours=1),
                version=0,
            )
            session.add(journey)
            session.flush()
            steps.plan_journey(session, journey, T0)


def test_a_flushed_backlog_larger_than_a_batch_is_caught_in_one_pass(
    rt, redis, monkeypatch
):
    org = make_org(rt, bound=False, grace_s=600)
    monkeypatch.setattr(sweeper, "BATCH", 2)
    with freeze_time(T0):
        start_journeys(rt, org.org_id, 5)
    redis.flushdb()

    with freeze_time(T0 + timedelta(minutes=71)):
        result = sweeper.sweep(rt)

    with rt.db.session() as session:
        alerts = session.scalar(select(func.count()).select_from(Alert))
    assert alerts == 5
    assert result.journeys == 5
    assert result.messages == 5


def test_a_step_taken_just_after_its_due_time_is_not_reported_as_caught(rt, redis):
    org = make_org(rt, bound=False, grace_s=600)
    with freeze_time(T0):
        start_journeys(rt, org.org_id, 1)

    # The reminder is due ten minutes before the deadline.
    with freeze_time(T0 + timedelta(minutes=50, seconds=1)):
        result = sweeper.sweep(rt)

    with rt.db.session() as session:
        claims = session.scalar(select(func.count()).select_from(StepClaim))
    assert claims == 1
    assert result.journeys == 0


def test_a_backlog_is_worked_alerts_first(rt, redis, monkeypatch):
    org = make_org(rt, bound=False, grace_s=300, reminder_s=0)
    monkeypatch.setattr(sweeper, "BATCH", 1)
    with freeze_time(T0):
        start_journeys(rt, org.org_id, 2)
    with rt.db.session() as session:
        early, late = session.scalars(select(Journey).order_by(Journey.id)).all()
        early.due_at = T0 + timedelta(minutes=50)
        late.due_at = T0 + timedelta(minutes=54)
        steps.plan_journey(session, early, T0)
        steps.plan_journey(session, late, T0)
    with freeze_time(T0 + timedelta(minutes=51)):
        sweeper.sweep(rt)  # the first journey's overdue notice
    redis.flushdb()

    # Now the first journey's alert (due at 55) and the second's overdue
    # notice (due at 54) are both waiting.
    with freeze_time(T0 + timedelta(minutes=56)):
        sweeper.sweep(rt)

    with rt.db.session() as session:
        keys = session.scalars(
            select(StepClaim.step_key)
            .where(StepClaim.journey_id.is_not(None))
            .order_by(StepClaim.id)
        )
        order = [key.split(":")[2] for key in keys]
    assert order == ["overdue", "alert", "overdue"]


def test_a_sweeper_passes_over_a_journey_another_is_working_on(rt, redis, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: there is no lock to skip")
    org = make_org(rt, bound=False, grace_s=600, reminder_s=0)
    with freeze_time(T0):
        start_journeys(rt, org.org_id, 2)
    redis.flushdb()
    with rt.db.session() as session:
        busy, free = session.scalars(select(Journey.id).order_by(Journey.id)).all()
    holder = rt.db.sessions()
    holder.begin()
    claims.lock(holder, Journey, busy)  # another runner mid-step
    results = []
    try:
        with freeze_time(T0 + timedelta(minutes=71)):
            sweeping = threading.Thread(
                target=lambda: results.append(sweeper.sweep(rt))
            )
            sweeping.start()
            sweeping.join(20)
            assert not sweeping.is_alive(), "the sweeper waited for the lock"
    finally:
        holder.rollback()
        holder.close()

    with rt.db.session() as session:
        claimed = session.scalars(
            select(StepClaim.journey_id)
            .where(StepClaim.journey_id.is_not(None))
            .distinct()
        ).all()
    assert claimed == [free]
    assert results[0].journeys == 1
