"""gateway purge: old messages and closed journeys go, live work stays."""

import json
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from gateway.models import Alert, AuditEvent, Inbound, Journey, Outbox, StepClaim
from tests.helpers import SAM, T0, WORKER_PHONE, make_org, run_jobs


def count(rt, model, *where):
    with rt.db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def old_story_then_a_new_journey(rt, phone, new_at):
    jane, sam = phone(WORKER_PHONE), phone(SAM)
    with freeze_time(T0) as clock:
        jane.text("START 1h Newman")
        clock.tick(timedelta(minutes=80))
        run_jobs(rt)
        sam.text("RESOLVED")
        run_jobs(rt)
        jane.text("START 1h Hedland")
        jane.text("ARRIVED")
    with freeze_time(new_at):
        jane.text("START 2h Port")


def purge(app, *args):
    result = app.test_cli_runner().invoke(args=["purge", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_purge_removes_what_is_older_than_the_default(rt, app, phone):
    make_org(rt, grace_s=600)
    later = T0 + timedelta(days=401)
    old_story_then_a_new_journey(rt, phone, later)

    with freeze_time(later):
        counts = purge(app, "--older-than", "400d")

    assert counts["journey"] == 2
    assert counts["alert"] == 1
    assert counts["inbound"] == 4
    assert count(rt, Journey) == 1
    assert count(rt, Journey, Journey.state == "active") == 1
    assert count(rt, Alert) == 0
    assert count(rt, StepClaim, StepClaim.journey_id.is_not(None)) == 0
    assert count(rt, Inbound) == 1
    assert count(rt, Outbox, Outbox.created_at < later) == 0
    assert count(rt, AuditEvent, AuditEvent.action == "retention.purged") == 1


def test_nothing_younger_than_the_cutoff_goes(rt, app, phone):
    make_org(rt, grace_s=600)
    later = T0 + timedelta(days=300)
    old_story_then_a_new_journey(rt, phone, later)
    before = [count(rt, model) for model in (Journey, Alert, Inbound, Outbox)]

    with freeze_time(later):
        counts = purge(app)

    assert sum(counts.values()) == counts.get("rate_event", 0)
    assert [count(rt, model) for model in (Journey, Alert, Inbound, Outbox)] == before


def test_an_organisations_own_retention_wins(rt, app, phone):
    make_org(rt, grace_s=600)
    later = T0 + timedelta(days=31)
    old_story_then_a_new_journey(rt, phone, later)
    runner = app.test_cli_runner()
    runner.invoke(
        args=["policy", "set", "--org", "Pilbara Survey", "--retention", "30d"]
    )

    with freeze_time(later):
        counts = purge(app, "--older-than", "400d")

    assert counts["journey"] == 2
    assert count(rt, Journey) == 1


def test_a_bad_duration_is_a_clear_error(app):
    result = app.test_cli_runner().invoke(args=["purge", "--older-than", "soon"])

    assert result.exit_code == 2
    assert "not a number of days like 400d" in result.output
