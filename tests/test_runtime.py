"""Scheduling wake-ups in RQ."""

from datetime import UTC, datetime

from rq.registry import ScheduledJobRegistry

from gateway import jobs, runtime


def test_a_wake_up_is_never_scheduled_before_its_instant(rt, redis):
    at = datetime(2030, 1, 1, 0, 0, 0, 999_000, tzinfo=UTC)

    rt.schedule(jobs.wake_journey, at, "journey-1-1", 1, 1)

    registry = ScheduledJobRegistry(runtime.QUEUE, connection=redis)
    score = redis.zscore(registry.key, "journey-1-1")
    assert score == at.replace(microsecond=0).timestamp() + 1


def test_a_naive_instant_is_refused(rt):
    naive = datetime(2030, 1, 1, 0, 0)

    try:
        rt.schedule(jobs.wake_journey, naive, "journey-1-2", 1, 2)
    except ValueError as error:
        refused = str(error)
    else:
        refused = ""

    assert "naive" in refused


def test_a_job_woken_early_sleeps_again_under_an_id_of_its_own(rt, redis, phone):
    from datetime import timedelta

    from freezegun import freeze_time
    from sqlalchemy import select

    from gateway.models import Journey
    from tests.helpers import T0, WORKER_PHONE, make_org

    make_org(rt)
    with freeze_time(T0) as clock:
        phone(WORKER_PHONE).text("START 1h")
        with rt.db.session() as session:
            journey = session.scalars(select(Journey)).one()
        clock.tick(timedelta(minutes=5))
        jobs.wake_journey(journey.id, journey.version)

    registry = ScheduledJobRegistry(runtime.QUEUE, connection=redis)
    ids = registry.get_job_ids()
    assert f"journey-{journey.id}-{journey.version}-again" in ids
