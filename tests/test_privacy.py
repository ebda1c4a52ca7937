"""Data-subject requests: export everything about a worker, or forget them."""

import json
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from gateway.models import AuditEvent, Base, Contact, Worker
from tests.helpers import ALEX, SAM, T0, WORKER_PHONE, make_org, run_jobs

# The worker's names as entered, as texted back in GSM-7, and her number.
PERSONAL = ("jane", "nguyễn", "nguyen", WORKER_PHONE, WORKER_PHONE[1:], "hedland")


def whole_story(rt, phone, code):
    jane, sam = phone(WORKER_PHONE), phone(SAM)
    with freeze_time(T0) as clock:
        jane.text(code)
        jane.text("Nguyen")
        jane.text("START 1h Newman to Hedland")
        clock.tick(timedelta(minutes=71))
        run_jobs(rt)
        sam.text("ACK")
        sam.text("RESOLVED")
        run_jobs(rt)


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def personal_data_left(rt):
    """Every text value of every table that still names the worker or her number."""
    found = []
    with rt.db.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                for column, value in row.items():
                    if isinstance(value, str) and any(
                        term in value.lower() for term in PERSONAL
                    ):
                        found.append((table.name, column, value))
    return found


def test_export_holds_everything_about_the_worker(rt, app, phone):
    org = make_org(rt, bound=False, grace_s=600)
    whole_story(rt, phone, org.code)

    status, output = cli(app, "export-worker", str(org.worker_id))

    assert status == 0
    data = json.loads(output)
    assert data["worker"]["last_name"] == "Nguyễn"
    assert data["binding"][0]["phone"] == WORKER_PHONE
    assert "code_hash" not in data["security_codes"][0]
    assert data["journeys"][0]["note"] == "Newman to Hedland"
    assert len(data["alerts"]) == 1
    bodies = [text["body"] for text in data["texts_received"]]
    # The code itself is never stored, only a marker where it was texted.
    assert bodies == ["[security code]", "Nguyen", "START 1h Newman to Hedland"]
    kinds = {text["kind"] for text in data["texts_sent"]}
    assert {"reply", "alert", "all_clear"} <= kinds
    with rt.db.session() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "worker.exported" in actions


def test_forgetting_leaves_no_personal_data_behind(rt, app, phone):
    org = make_org(rt, bound=False, grace_s=600)
    whole_story(rt, phone, org.code)
    assert personal_data_left(rt) != []

    status, output = cli(app, "forget-worker", str(org.worker_id), "--yes")

    assert status == 0, output
    assert personal_data_left(rt) == []
    with rt.db.session() as session:
        request = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "worker.forgotten")
        ).one()
        worker = session.get(Worker, org.worker_id)
        contacts = session.scalars(select(Contact.phone)).all()
    assert (request.subject_type, request.subject_id) == ("worker", org.worker_id)
    assert worker.active is False
    assert sorted(contacts) == sorted([SAM, ALEX])


def test_forgetting_is_refused_while_a_journey_is_active(rt, app, phone):
    org = make_org(rt, grace_s=600)
    with freeze_time(T0):
        phone(WORKER_PHONE).text("START 1h Newman")

    status, output = cli(app, "forget-worker", str(org.worker_id), "--yes")

    assert status == 2
    assert "active journey or open alert" in output
    assert personal_data_left(rt) != []


def test_an_unknown_worker_is_a_clear_error(rt, app):
    status, output = cli(app, "export-worker", "999")

    assert status == 2
    assert "No worker with id 999" in output
