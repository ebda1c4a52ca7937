"""The job runner's sender threads, against the fake Twilio over HTTP: calls
go side by side up to the pool's size, safety messages jump the queue, and
a pool that stops leaves what it had not started for the sweeper."""

import time

from sqlalchemy import select

from gateway import outbox, runtime
from gateway.escalation import sweeper
from gateway.models import Outbox
from gateway.senders import SenderPool
from tests.helpers import make_org


def queue(rt: runtime.Runtime, org_id: int, n: int, kind: str) -> int:
    with rt.db.session() as session:
        row = outbox.queue(
            session,
            to=f"+61491570{300 + n:03d}",
            body=f"{kind} number {n}",
            kind=kind,
            org_id=org_id,
        )
        return row.id


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def statuses(rt: runtime.Runtime) -> dict[int, str]:
    with rt.db.session() as session:
        return dict(session.execute(select(Outbox.id, Outbox.status)).all())


def test_senders_call_twilio_side_by_side_but_no_more_than_the_pool(live, twilio):
    rt, _ = live
    org = make_org(rt, bound=False, contacts=())
    twilio.latency = 0.3
    rt.senders = SenderPool(rt, 4).start()
    try:
        for n in range(12):
            queue(rt, org.org_id, n, "notice")
        wait_for(lambda: len(twilio.messages) == 12)
    finally:
        rt.senders.stop()

    assert 2 <= twilio.peak_in_flight <= 4
    assert sorted(m.body for m in twilio.messages) == sorted(
        f"notice number {n}" for n in range(12)
    )
    assert set(statuses(rt).values()) == {"queued"}


def test_alerts_and_all_clears_go_before_waiting_notices(live, twilio):
    rt, _ = live
    org = make_org(rt, bound=False, contacts=())
    twilio.hang_next(1, 0.5)
    rt.senders = SenderPool(rt, 1).start()
    try:
        queue(rt, org.org_id, 0, "notice")  # taken at once, then held by Twilio
        wait_for(lambda: twilio.in_flight == 1)
        for n in range(1, 4):
            queue(rt, org.org_id, n, "notice")
        queue(rt, org.org_id, 4, "all_clear")
        wait_for(lambda: len(twilio.messages) == 5)
    finally:
        rt.senders.stop()

    assert [m.body for m in twilio.messages] == [
        "notice number 0",
        "all_clear number 4",
        "notice number 1",
        "notice number 2",
        "notice number 3",
    ]


def test_a_stopped_pool_leaves_untaken_messages_pending_for_the_sweeper(live, twilio):
    rt, _ = live
    org = make_org(rt, bound=False, contacts=())
    twilio.hang_next(1, 0.5)
    rt.senders = SenderPool(rt, 1).start()
    first = queue(rt, org.org_id, 0, "notice")
    wait_for(lambda: twilio.in_flight == 1)
    rest = [queue(rt, org.org_id, n, "notice") for n in range(1, 4)]

    rt.senders.stop()
    rt.senders = None

    # The send under way finished; nothing else was claimed or lost.
    assert statuses(rt) == {first: "queued", **dict.fromkeys(rest, "pending")}
    sweeper.sweep(rt)
    assert set(statuses(rt).values()) == {"queued"}
    assert sorted(m.body for m in twilio.messages) == [
        f"notice number {n}" for n in range(4)
    ]


def test_an_id_is_queued_once_however_often_it_is_handed_over(live, twilio):
    rt, _ = live
    pool = SenderPool(rt, 1)  # not started: nothing is taken

    assert pool.submit(7, "alert") is True
    assert pool.submit(7, "alert") is False
    assert pool.submit(8, "notice") is True
    assert pool.backlog() == 2
