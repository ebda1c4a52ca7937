"""Faults against real parts: a real Redis, real ``rq worker`` processes, the
real twilio client talking HTTP to a local Twilio-compatible server whose
status callbacks reach the app over HTTP. In each case the right people are
reached and nobody gets the same step twice."""

import os
import signal
import subprocess
import time
from collections import Counter
from datetime import timedelta

from freezegun import freeze_time
from rq import Queue
from rq.registry import StartedJobRegistry
from sqlalchemy import select

from gateway import clock, jobs, runtime
from gateway import runner as job_runner
from gateway.escalation import claims, sweeper
from gateway.models import AuditEvent, Contact, Journey, OptOut, Outbox
from tests.escalation.fixtures import claims as step_keys
from tests.escalation.fixtures import due_journey
from tests.helpers import ALEX, SAM, WORKER_PHONE, make_org
from tests.support.fake_twilio import FakeTwilio


def runner(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A real job runner process: rq worker, scheduler and sweeper."""
    return subprocess.Popen(
        job_runner.command(env["REDIS_URL"]),
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    with open(path) as listing:
        return [int(child) for child in listing.read().split()]


def accepted(twilio: FakeTwilio) -> Counter[str]:
    return Counter(message.to for message in twilio.messages)


def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_twilio_500_and_429_are_retried_with_backoff(live, twilio):
    rt, _ = live
    org = make_org(rt)
    due_journey(rt, org.org_id, org.worker_id, timedelta(minutes=-20))
    twilio.fail_next(1, 500)
    twilio.fail_next(1, 429)

    with freeze_time(clock.now()) as frozen:
        sweeper.sweep(rt)
        frozen.tick(timedelta(seconds=6))
        sweeper.sweep(rt)
        first_retry = accepted(twilio)
        frozen.tick(timedelta(seconds=16))
        sweeper.sweep(rt)
        frozen.tick(timedelta(minutes=5))
        sweeper.sweep(rt)

    assert first_retry[SAM] == 0
    assert accepted(twilio) == Counter({SAM: 1})
    assert [a["To"] for a in twilio.attempts] == [SAM, SAM, SAM]
    with rt.db.session() as session:
        row = session.scalars(select(Outbox).where(Outbox.to_phone == SAM)).one()
    assert (row.status, row.attempts) == ("queued", 3)


def overdue_notices_after(rt, twilio, status):
    """The overdue notice refused once with ``status``, then sweeps past its
    back-off; returns how many reached Twilio and the row's state."""
    org = make_org(rt, grace_s=600)
    due_journey(rt, org.org_id, org.worker_id, timedelta(seconds=1))
    twilio.fail_next(1, status)
    with freeze_time(clock.now() + timedelta(seconds=2)) as frozen:
        sweeper.sweep(rt)
        frozen.tick(timedelta(seconds=6))
        sweeper.sweep(rt)
    with rt.db.session() as session:
        row = session.scalars(
            select(Outbox).where(Outbox.to_phone == WORKER_PHONE)
        ).one()
    return accepted(twilio)[WORKER_PHONE], (row.kind, row.status, row.attempts)


def test_a_notice_twilio_refused_with_429_goes_again(live, twilio):
    rt, _ = live

    sent, row = overdue_notices_after(rt, twilio, 429)

    assert sent == 1
    assert row == ("overdue", "queued", 2)


def test_a_notice_that_failed_with_500_is_not_sent_twice(live, twilio):
    rt, _ = live

    sent, row = overdue_notices_after(rt, twilio, 500)

    assert sent == 0
    assert row == ("overdue", "failed", 1)


def test_a_timed_out_send_that_twilio_took_is_not_sent_again(live, twilio):
    rt, _ = live
    org = make_org(rt)
    due_journey(rt, org.org_id, org.worker_id, timedelta(minutes=-20))
    twilio.hang_next(1, 3.0)

    sweeper.sweep(rt)
    # The create timed out on our side; Twilio reports the message it took.
    sid = twilio.messages_to(SAM)[0].sid
    reported = [twilio.send_status(sid, s) for s in ("sent", "delivered")]
    with freeze_time(clock.now() + timedelta(minutes=10)):
        sweeper.sweep(rt)

    assert reported == [204, 204]
    assert accepted(twilio) == Counter({SAM: 1})
    assert _status_of(rt, SAM) == "delivered"


def _status_of(rt, phone):
    with rt.db.session() as session:
        return session.scalars(
            select(Outbox.status).where(Outbox.to_phone == phone)
        ).one()


def test_an_opted_out_contact_pages_the_next_level_at_once(live, twilio):
    rt, _ = live
    org = make_org(rt)
    due_journey(rt, org.org_id, org.worker_id, timedelta(minutes=-20))
    twilio.opt_out(SAM)

    sweeper.sweep(rt)
    sweeper.sweep(rt)

    assert accepted(twilio) == Counter({ALEX: 1})
    with rt.db.session() as session:
        assert session.get(OptOut, SAM) is not None
        sam = session.scalars(select(Contact).where(Contact.phone == SAM)).one()
        assert "STOP" in (sam.last_error or "")
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "contact.unreachable" in actions


def test_a_flushed_redis_still_escalates_through_the_sweeper(live, twilio, redis):
    rt, env = live
    org = make_org(rt, grace_s=1)
    due_journey(rt, org.org_id, org.worker_id, timedelta(seconds=2))
    redis.flushdb()

    process = runner(env)
    try:
        twilio.wait_for(lambda messages: any(m.to == SAM for m in messages), 60)
        time.sleep(2.5)
    finally:
        stop(process)

    assert accepted(twilio)[SAM] == 1
    assert accepted(twilio)[ALEX] == 0
    keys = step_keys(rt)
    assert len(keys) == len(set(keys))


def test_a_runner_killed_mid_step_leaves_it_to_another(live, twilio, redis):
    rt, env = live
    org = make_org(rt)
    journey = due_journey(rt, org.org_id, org.worker_id, timedelta(minutes=-20))
    rt.enqueue(jobs.wake_journey, f"journey-{journey}-1", journey, 1)
    blocker = rt.db.sessions()
    blocker.begin()
    claims.lock(blocker, Journey, journey)
    first = runner({**env, "SWEEP_INTERVAL": "30"})
    try:
        started = StartedJobRegistry(queue=Queue(runtime.QUEUE, connection=redis))
        wait_until(lambda: f"journey-{journey}-1" in started.get_job_ids(), 60)
        forked = children(first.pid)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
        blocker.rollback()
        blocker.close()
    # RQ forks its scheduler; it outlives a SIGKILLed worker, holding the
    # scheduler lock on real time, and would disturb the tests that follow.
    for pid in forked:
        os.kill(pid, signal.SIGKILL)
    second = runner(env)
    try:
        twilio.wait_for(lambda messages: any(m.to == SAM for m in messages), 60)
        time.sleep(2.5)
    finally:
        stop(second)

    assert first.returncode == -signal.SIGKILL
    assert accepted(twilio) == Counter({SAM: 1})
    keys = step_keys(rt)
    assert len(keys) == len(set(keys)) == 2
