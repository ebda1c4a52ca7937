"""Status callbacks and merged pages: statuses never go backwards, a failed
page moves to the next level once, and several workers share one SMS."""

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from gateway import delivery
from gateway.escalation import sweeper
from gateway.models import Alert, AuditEvent, Contact, OptOut, Outbox
from tests.conftest import PUBLIC_URL, sign
from tests.escalation.fixtures import add_worker, due_journey, pages
from tests.escalation.test_chain import kinds_to
from tests.helpers import ALEX, SAM, T0, WORKER_PHONE, make_org, run_jobs


def page_to(rt, number):
    with rt.db.session() as session:
        row = session.scalars(
            select(Outbox).where(Outbox.to_phone == number, Outbox.kind == "alert")
        ).first()
        assert row is not None
        return row


def give_sid(rt, row_id, sid):
    with rt.db.session() as session:
        row = session.get(Outbox, row_id)
        row.provider_sid = sid
        row.status = "queued"


def callback(client, sid, status, to=SAM, code=None):
    params = {"MessageSid": sid, "MessageStatus": status, "To": to}
    if code:
        params["ErrorCode"] = str(code)
    signature = sign(PUBLIC_URL + "/sms/status", params)
    return client.post(
        "/sms/status", data=params, headers={"X-Twilio-Signature": signature}
    )


def alerted(rt, phone, client):
    make_org(rt)
    with freeze_time(T0) as clock:
        phone(WORKER_PHONE).text("START 1h")
        clock.move_to(T0 + timedelta(minutes=75))
        run_jobs(rt)
    row = page_to(rt, SAM)
    give_sid(rt, row.id, "SM" + "a" * 32)
    return row


def test_a_late_sent_never_hides_delivered(rt, phone, client):
    alerted(rt, phone, client)

    answers = [
        callback(client, "SM" + "a" * 32, s).status_code
        for s in ("delivered", "sent", "delivered")
    ]

    assert answers == [204, 204, 204]
    assert page_to(rt, SAM).status == "delivered"


def test_an_undelivered_page_reported_twice_pages_the_next_level_once(
    rt, phone, client
):
    alerted(rt, phone, client)

    with freeze_time(T0 + timedelta(minutes=76)):
        callback(client, "SM" + "a" * 32, "undelivered", code=30003)
        callback(client, "SM" + "a" * 32, "undelivered", code=30003)
        callback(client, "SM" + "a" * 32, "failed", code=30003)
        run_jobs(rt)

    assert kinds_to(rt, ALEX) == ["alert"]
    with rt.db.session() as session:
        assert session.scalars(select(Alert.level)).one() == 2
        contact = session.scalars(select(Contact).where(Contact.phone == SAM)).one()
        assert "30003" in (contact.last_error or "")
        actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("contact.unreachable") == 1


def test_a_failure_from_an_earlier_round_does_not_skip_a_level(rt, phone, client):
    make_org(
        rt, contacts=(("Sam", SAM, 1), ("Alex", ALEX, 2), ("Pat", "+61491570158", 3))
    )
    with freeze_time(T0) as clock:
        phone(WORKER_PHONE).text("START 1h")
        clock.move_to(T0 + timedelta(minutes=75))
        run_jobs(rt)
        clock.move_to(T0 + timedelta(minutes=90))
        run_jobs(rt)
        give_sid(rt, page_to(rt, SAM).id, "SM" + "b" * 32)
        callback(client, "SM" + "b" * 32, "failed", code=30006)
        run_jobs(rt)

    assert kinds_to(rt, "+61491570158") == []


def test_an_opt_out_callback_records_the_opt_out(rt, phone, client):
    alerted(rt, phone, client)

    with freeze_time(T0 + timedelta(minutes=76)):
        callback(client, "SM" + "a" * 32, "failed", code=21610)

    with rt.db.session() as session:
        assert session.get(OptOut, SAM) is not None


def test_a_report_for_an_unknown_message_changes_nothing(rt, phone, client):
    alerted(rt, phone, client)

    answer = callback(client, "SM" + "f" * 32, "failed", to=ALEX, code=30003)

    assert answer.status_code == 204
    assert kinds_to(rt, ALEX) == []


def test_a_report_that_overtakes_the_send_is_adopted(rt):
    make_org(rt)
    with freeze_time(T0):
        with rt.db.session() as session:
            from gateway import outbox

            row = outbox.queue(session, to=SAM, body="x", kind="alert", org_id=1)
            row.status = "sending"
            row_id = row.id

        delivery.record_status(rt, "SM" + "c" * 32, "sent", None, to=SAM)

    with rt.db.session() as session:
        row = session.get(Outbox, row_id)
        assert (row.provider_sid, row.status) == ("SM" + "c" * 32, "sent")


def test_workers_overdue_together_reach_a_contact_in_one_sms(rt):
    org = make_org(rt)
    workers = [org.worker_id] + [add_worker(rt, org.org_id, n) for n in range(2)]
    for worker in workers:
        due_journey(rt, org.org_id, worker, timedelta(minutes=-20))

    sweeper.sweep(rt)

    with rt.db.session() as session:
        rows = session.scalars(
            select(Outbox).where(Outbox.to_phone == SAM).order_by(Outbox.id)
        ).all()
    carriers = [row for row in rows if row.merged_into is None]
    assert len(rows) == 3
    assert len(carriers) == 1
    assert carriers[0].body.startswith("ALERTS ")
    assert all(f"{row.alert_id}" in carriers[0].body for row in rows)
    assert {row.status for row in rows} == {"stored"}
    assert set(pages(rt).values()) == {1}


def test_a_merged_page_keeps_each_alerts_all_clear_apart(rt, phone):
    org = make_org(rt)
    other = add_worker(rt, org.org_id, 1)
    for worker in (org.worker_id, other):
        due_journey(rt, org.org_id, worker, timedelta(minutes=-20))
    sweeper.sweep(rt)

    phone(WORKER_PHONE).text("ARRIVED")
    run_jobs(rt)

    with rt.db.session() as session:
        clears = session.scalars(
            select(Outbox.alert_id).where(Outbox.kind == "all_clear")
        ).all()
        open_alerts = session.scalars(
            select(Alert.id).where(Alert.state == "open")
        ).all()
    assert len(clears) == 1
    assert len(open_alerts) == 1
    assert clears[0] not in open_alerts
