"""/metrics: counters move through a whole story; state comes from the database."""

from datetime import timedelta

from freezegun import freeze_time
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from gateway.escalation import steps
from gateway.escalation.sweeper import sweep
from gateway.models import Journey
from tests.helpers import T0, WORKER_PHONE, make_org, run_jobs


def scrape(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            samples[key] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before, after, name, **labels):
    return value(after, name, **labels) - value(before, name, **labels)


def test_a_silent_journey_moves_the_counters(rt, client, phone):
    make_org(rt, grace_s=600)
    jane = phone(WORKER_PHONE)
    before = scrape(client)

    with freeze_time(T0) as clock:
        jane.text("START 1h Newman")
        clock.tick(timedelta(minutes=71))
        run_jobs(rt)
        after = scrape(client)

    assert moved(before, after, "gateway_inbound_messages_total", verb="START") == 1
    assert moved(before, after, "gateway_replies_total") == 1
    assert moved(before, after, "gateway_escalation_steps_total", step="alert") == 1
    assert moved(before, after, "gateway_escalation_steps_total", step="level") == 1
    stored = moved(
        before, after, "gateway_outbound_messages_total", kind="alert", status="stored"
    )
    assert stored == 1
    lateness = "gateway_step_lateness_seconds"
    assert moved(before, after, lateness + "_count", kind="alert") == 1
    # Due at 10:10 (1 h + 10 min grace); the runner first ran at 10:11.
    assert moved(before, after, lateness + "_sum", kind="alert") == 60
    assert value(after, "gateway_open_alerts", state="open") == 1
    assert value(after, "gateway_active_journeys") == 1


def test_the_sweeper_counts_what_it_caught(rt, client, phone, redis):
    make_org(rt, grace_s=600)
    jane = phone(WORKER_PHONE)
    before = scrape(client)

    with freeze_time(T0) as clock:
        jane.text("START 1h Newman")
        redis.flushdb()
        clock.tick(timedelta(minutes=70, seconds=5))
        sweep(rt)
        after = scrape(client)

    assert moved(before, after, "gateway_sweeper_caught_total", what="journeys") == 1
    assert moved(before, after, "gateway_sweeper_caught_total", what="messages") == 1
    assert moved(before, after, "gateway_step_lateness_seconds_sum", kind="alert") == 5
    assert value(after, "gateway_sweeper_heartbeat_age_seconds") == 0


def test_the_send_backlog_is_read_from_the_database(rt, client, phone, redis):
    make_org(rt, grace_s=600)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 1h Newman")
        clock.tick(timedelta(minutes=70))
        # The alert step is taken, but its send job is lost with Redis.
        with rt.db.session() as session:
            journey_id = session.scalar(select(Journey.id))
            steps.run_journey(session, journey_id, None, by="test")
        redis.flushdb()
        clock.tick(timedelta(seconds=30))
        samples = scrape(client)

    assert value(samples, "gateway_outbox_waiting", status="pending") == 1
    assert value(samples, "gateway_outbox_oldest_waiting_seconds") == 30
