"""Scheduling wake-ups and sends in RQ, and the job runner's timer."""

import time
from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler
from sqlalchemy import select

from gateway import directory, jobs, runtime
from gateway.escalation import steps
from gateway.models import Journey
from gateway.timers import Timer
from tests.helpers import T0, WORKER_PHONE, make_org


def test_a_send_is_never_scheduled_before_its_instant(rt, redis):
    at = datetime(2030, 1, 1, 0, 0, 0, 999_000, tzinfo=UTC)

    rt.schedule(jobs.send_message, at, "send-1-1", 1, "alert")

    registry = ScheduledJobRegistry(runtime.QUEUE, connection=redis)
    score = redis.zscore(registry.key, "send-1-1")
    assert score == at.replace(microsecond=0).timestamp() + 1


def test_a_wake_up_may_come_early_but_its_second_call_never_does(rt, redis):
    at = datetime(2030, 1, 1, 0, 0, 0, 999_000, tzinfo=UTC)

    rt.wake(jobs.wake_journey, at, "journey-1-1", 1, 1)
    rt.wake(jobs.wake_journey, at, "journey-1-1-again", 1, 1, again=True)

    registry = ScheduledJobRegistry(runtime.QUEUE, connection=redis)
    first = redis.zscore(registry.key, "journey-1-1")
    again = redis.zscore(registry.key, "journey-1-1-again")
    assert first == at.replace(microsecond=0).timestamp()
    assert again == first + 1


def test_a_naive_instant_is_refused(rt):
    naive = datetime(2030, 1, 1, 0, 0)

    try:
        rt.schedule(jobs.wake_journey, naive, "journey-1-2", 1, 2)
    except ValueError as error:
        refused = str(error)
    else:
        refused = ""

    assert "naive" in refused


def wake_early(rt, phone) -> Journey:
    """Start a one-hour journey and run its wake-up job five minutes in."""
    make_org(rt)
    with freeze_time(T0) as clock:
        phone(WORKER_PHONE).text("START 1h")
        with rt.db.session() as session:
            journey = session.scalars(select(Journey)).one()
        clock.tick(timedelta(minutes=5))
        jobs.wake_journey(journey.id, journey.version)
    return journey


def test_a_job_woken_early_sleeps_again_under_an_id_of_its_own(rt, redis, phone):
    journey = wake_early(rt, phone)

    registry = ScheduledJobRegistry(runtime.QUEUE, connection=redis)
    ids = registry.get_job_ids()
    assert [
        i for i in ids if i.startswith(f"journey-{journey.id}-{journey.version}-again-")
    ]


def test_a_job_runner_holds_an_early_job_and_queues_it_at_its_instant(rt, redis):
    queue = Queue(runtime.QUEUE, connection=redis)
    timer = Timer(rt).start()
    at = datetime.now(UTC) + timedelta(seconds=0.4)
    try:
        timer.call_at(at, jobs.wake_journey, "journey-9-9-again", 9, 9)
        assert queue.job_ids == []
        deadline = time.monotonic() + 5
        while not queue.job_ids and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        timer.stop()

    assert queue.job_ids == ["journey-9-9-again"]
    job = Job.fetch("journey-9-9-again", connection=redis)
    assert job.enqueued_at is not None
    assert job.enqueued_at.replace(tzinfo=UTC) >= at
    assert tuple(job.args) == (9, 9)


def test_a_stopping_timer_gives_what_it_holds_back_to_rq(rt, redis):
    timer = Timer(rt).start()
    at = datetime.now(UTC).replace(microsecond=500_000) + timedelta(seconds=30)
    timer.call_at(at, jobs.wake_journey, "journey-9-9-again", 9, 9)

    timer.stop()

    registry = ScheduledJobRegistry(runtime.QUEUE, connection=redis)
    score = redis.zscore(registry.key, "journey-9-9-again")
    assert score == at.replace(microsecond=0).timestamp() + 1
    assert timer.held() == 0


def test_a_runners_timer_holds_only_what_is_due_within_seconds(rt, redis, phone):
    timer = rt.timer = Timer(rt)  # not started: it only holds
    try:
        wake_early(rt, phone)  # 55 minutes before its instant
    finally:
        rt.timer = None

    registry = ScheduledJobRegistry(runtime.QUEUE, connection=redis)
    assert timer.held() == 0
    assert [i for i in registry.get_job_ids() if "-again-" in i]


def test_alert_wake_ups_are_moved_to_the_front_of_the_queue(rt, redis):
    past = datetime.now(UTC) - timedelta(seconds=5)
    rt.wake(jobs.wake_journey, past, "journey-1-1", 1, 1)
    rt.wake(jobs.wake_journey, past, "journey-2-1", 2, 1, urgent=True)
    rt.wake(jobs.wake_journey, past, "journey-3-1", 3, 1)

    queue = Queue(runtime.QUEUE, connection=redis)
    scheduler = RQScheduler([queue], connection=redis)
    scheduler.acquire_locks()
    scheduler.enqueue_scheduled_jobs()
    scheduler.release_locks()

    assert queue.job_ids[0] == "journey-2-1"
    assert sorted(queue.job_ids[1:]) == ["journey-1-1", "journey-3-1"]


def test_only_the_wake_up_that_opens_the_alert_is_urgent(rt, redis, phone):
    make_org(rt)
    with freeze_time(T0) as clock:
        phone(WORKER_PHONE).text("START 1h")
        with rt.db.session() as session:
            journey = session.scalars(select(Journey)).one()
        before_due = Job.fetch(f"journey-{journey.id}-{journey.version}", redis)
        clock.tick(timedelta(hours=1))
        jobs.wake_journey(journey.id, journey.version)  # the overdue notice
        with rt.db.session() as session:
            journey = session.scalars(select(Journey)).one()
        alert_due = Job.fetch(f"journey-{journey.id}-{journey.version}", redis)

    assert not before_due.enqueue_at_front
    assert alert_due.enqueue_at_front


def overdue_then(rt, phone, after_overdue: timedelta, by: str = "job") -> Journey:
    """START 1h, the overdue notice at the due time, then a wake-up for the
    alert ``after_overdue`` later, by a job or the sweeper."""
    org = make_org(rt)
    with rt.db.session() as session:
        grace = timedelta(seconds=directory.policy_for(session, org.org_id).grace_s)
    with freeze_time(T0) as clock:
        phone(WORKER_PHONE).text("START 1h")
        clock.tick(timedelta(hours=1))
        journey = journey_row(rt)
        jobs.wake_journey(journey.id, journey.version)  # the overdue notice
        journey = journey_row(rt)
        clock.tick(grace + after_overdue)
        with rt.db.session() as session:
            version = journey.version if by == "job" else None
            steps.run_journey(session, journey.id, version, by=by)
    return journey


def journey_row(rt) -> Journey:
    with rt.db.session() as session:
        return session.scalars(select(Journey)).one()


def test_an_alert_wake_up_that_came_early_keeps_its_place_at_the_front(
    rt, redis, phone
):
    timer = rt.timer = Timer(rt)  # not started: it only holds
    try:
        overdue_then(rt, phone, timedelta(seconds=-0.5))
    finally:
        rt.timer = None
    assert timer.held() == 1

    timer.stop()  # gives it back to RQ, flags and all

    registry = ScheduledJobRegistry(runtime.QUEUE, connection=redis)
    again = [i for i in registry.get_job_ids() if "-again-" in i]
    assert len(again) == 1
    assert Job.fetch(again[0], connection=redis).enqueue_at_front


def test_a_sweeper_that_finds_a_row_moved_on_schedules_nothing(rt, redis, phone):
    timer = rt.timer = Timer(rt)
    try:
        overdue_then(rt, phone, timedelta(seconds=-0.5), by="sweeper")
    finally:
        rt.timer = None

    registry = ScheduledJobRegistry(runtime.QUEUE, connection=redis)
    assert timer.held() == 0
    assert not [i for i in registry.get_job_ids() if "-again" in i]
