"""The whole story in one process: bind, start, go silent, alert, all-clear."""

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from gateway.models import Outbox
from tests.helpers import (
    SAM,
    T0,
    WORKER_PHONE,
    make_org,
    run_jobs,
    silent_until_alerted,
)


def sent_to(rt, number, kind=None):
    with rt.db.session() as session:
        query = select(Outbox).where(Outbox.to_phone == number, Outbox.kind != "reply")
        if kind:
            query = query.where(Outbox.kind == kind)
        return list(session.scalars(query.order_by(Outbox.id)))


def test_a_silent_worker_is_alerted_to_level_one(rt, phone):
    org = make_org(rt, bound=False, grace_s=600)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        asked = jane.text(org.code)
        bound = jane.text("nguyen")
        started = jane.text("START 1h Newman to Hedland")
        clock.tick(timedelta(minutes=71))
        run_jobs(rt)

    assert asked == "Reply with your last name to confirm this number."
    assert "confirmed" in bound
    assert started.startswith("Journey started. Due 10:00 AWST (in 1h).")
    alerts = sent_to(rt, SAM, "alert")
    assert len(alerts) == 1
    assert alerts[0].body.startswith("ALERT ")
    assert "Newman to Hedland" in alerts[0].body
    assert alerts[0].status == "stored"


def test_arrived_in_time_means_no_alert(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        clock.tick(timedelta(minutes=30))
        reply = jane.text("ARRIVED")
        clock.tick(timedelta(hours=2))
        run_jobs(rt)

    assert reply.startswith("Welcome back.")
    assert sent_to(rt, SAM) == []


def test_arrived_after_the_alert_sends_the_all_clear(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        silent_until_alerted(rt, jane, clock)
        reply = jane.text("ARRIVED")
        run_jobs(rt)

    assert "contacts are being told" in reply
    kinds = [message.kind for message in sent_to(rt, SAM)]
    assert kinds == ["alert", "all_clear"]


def test_the_all_clear_carries_the_workers_own_words(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        silent_until_alerted(rt, jane, clock)
        jane.text("ARRIVED at camp, flat tyre")
        run_jobs(rt)

    all_clear = sent_to(rt, SAM, "all_clear")[0].body
    assert "at camp, flat tyre" in all_clear
    assert "No action needed" not in all_clear


@pytest.mark.parametrize("text", ["ok leg broken", "ARRIVED leg broken"])
def test_news_of_an_injury_does_not_stand_the_alert_down(rt, phone, text):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        silent_until_alerted(rt, jane, clock)
        jane.text(text)
        run_jobs(rt)

    assert sent_to(rt, SAM, "all_clear") == []
    relayed = sent_to(rt, SAM, "notice")
    assert len(relayed) == 1 and "leg broken" in relayed[0].body


def test_an_extension_it_cannot_read_asks_rather_than_guessing(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0):
        jane.text("START 1h")
        replies = [jane.text(body) for body in ("EXTEND 99999999999999", "EXTEND 1e9")]

    assert all(reply.startswith("How much longer?") for reply in replies)
