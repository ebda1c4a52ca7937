"""Races between the worker's replies, job runners and sweepers."""

import os
import subprocess
import threading
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from gateway import jobs
from gateway import runner as job_runner
from gateway.escalation import steps, sweeper
from gateway.models import Alert, Journey, Outbox
from tests.escalation.fixtures import add_worker, claims, due_journey, pages
from tests.escalation.test_chain import kinds_to, only_alert
from tests.helpers import ALEX, SAM, T0, WORKER_PHONE, make_org, run_jobs


def journey_id(rt):
    with rt.db.session() as session:
        return session.scalars(select(Journey.id)).one()


def test_arrived_committed_before_the_job_means_no_alert(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        clock.move_to(T0 + timedelta(minutes=75))
        jane.text("ARRIVED")
        run_jobs(rt)
        sweeper.sweep(rt)

    assert kinds_to(rt, SAM) == []
    with rt.db.session() as session:
        assert session.scalars(select(Alert)).all() == []


def test_arrived_after_pages_were_queued_cancels_them(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        clock.move_to(T0 + timedelta(minutes=75))
        with rt.db.session() as session:
            steps.run_journey(session, journey_id(rt), None, by="test")
        jane.text("ARRIVED")
        run_jobs(rt)
        sweeper.sweep(rt)

    with rt.db.session() as session:
        statuses = list(
            session.scalars(select(Outbox.status).where(Outbox.to_phone == SAM))
        )
    assert statuses == ["cancelled"]
    assert only_alert(rt).state == "closed"


def test_arrived_after_the_alert_left_sends_the_all_clear(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        clock.move_to(T0 + timedelta(minutes=75))
        run_jobs(rt)
        jane.text("ARRIVED")
        clock.move_to(T0 + timedelta(minutes=200))
        run_jobs(rt)

    assert kinds_to(rt, SAM) == ["alert", "all_clear"]
    assert kinds_to(rt, ALEX) == []


def test_extend_during_an_alert_stands_it_down_and_replans(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        clock.move_to(T0 + timedelta(minutes=75))
        run_jobs(rt)
        reply = jane.text("EXTEND 1h")
        clock.move_to(T0 + timedelta(minutes=90))
        run_jobs(rt)
        stood_down = kinds_to(rt, ALEX)
        clock.move_to(T0 + timedelta(minutes=75 + 60 + 15))
        run_jobs(rt)

    assert "Alert stood down" in reply
    assert stood_down == []
    assert kinds_to(rt, SAM) == ["alert", "all_clear", "alert"]
    with rt.db.session() as session:
        states = list(session.scalars(select(Alert.state).order_by(Alert.id)))
    assert states == ["closed", "open"]


def test_a_wake_up_for_an_old_version_does_nothing(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        jane.text("EXTEND 2h")
        clock.move_to(T0 + timedelta(minutes=75))
        with rt.db.session() as session:
            done = steps.run_journey(session, journey_id(rt), 1, by="stale-job")

    assert done is None
    assert claims(rt) == []


def _runner(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A real ``rq worker`` process with its scheduler, in burst mode."""
    return subprocess.Popen(
        job_runner.command(env["REDIS_URL"], "--burst"),
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_two_runners_and_two_sweepers_at_once_page_each_step_once(rt, env):
    org = make_org(rt)
    workers = [org.worker_id] + [add_worker(rt, org.org_id, n) for n in range(7)]
    journeys = [due_journey(rt, org.org_id, w, timedelta(minutes=-20)) for w in workers]
    for journey in journeys:
        # A second scheduler's copy of every wake-up, under another id.
        rt.enqueue(jobs.wake_journey, f"dup-{journey}", journey, 1)

    runners = [_runner(env) for _ in range(2)]
    threads = [threading.Thread(target=sweeper.sweep, args=(rt,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for process in runners:
        assert process.wait(timeout=60) == 0
    sweeper.sweep(rt)

    keys = claims(rt)
    assert len(keys) == len(set(keys)) == 2 * len(journeys)
    counted = pages(rt)
    assert set(counted.values()) == {1}
    assert {phone for _, phone in counted} == {SAM}
    assert len(counted) == len(journeys)
    with rt.db.session() as session:
        sent = session.scalars(
            select(Outbox.status).where(Outbox.to_phone == SAM)
        ).all()
    assert set(sent) == {"stored"}
