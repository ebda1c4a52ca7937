"""The dashboard and what supervisors do there, the message log, the audit log
and users."""

from datetime import timedelta
from typing import Any

from freezegun import freeze_time
from sqlalchemy import select

from gateway import directory, runtime
from gateway.models import Alert, Journey, Organisation, Outbox, User
from gateway.verification.flow import bind
from tests.admin.conftest import Browser, World, email
from tests.helpers import ALEX, SAM, T0, WORKER_PHONE, run_jobs


def _second_worker(rt: runtime.Runtime, org_id: int, phone: Any) -> None:
    with rt.db.session() as session:
        org = session.get(Organisation, org_id)
        assert org is not None
        worker = directory.add_worker(
            session,
            org,
            first="Kai",
            last="Tane",
            phone="+61491570222",
            timezone="Australia/Sydney",
        )
        bind(session, worker, "+61491570222", T0, actor="test")


def test_overdue_journeys_come_first_with_local_due_times(
    as_role: Any, world: World, rt: runtime.Runtime, phone: Any
) -> None:
    _second_worker(rt, world.org_id, phone)
    with freeze_time(T0) as frozen:
        phone(WORKER_PHONE).text("START 30m Newman")
        phone("+61491570222").text("START 3h Dubbo")
        frozen.tick(timedelta(minutes=40))
        browser: Browser = as_role("viewer")

        page = browser.text("/admin/")

    assert page.index("Jane") < page.index("Kai")
    assert "overdue 10 min" in page and "Due 09:30 AWST" in page
    assert "Due 15:00 AEDT" in page and "due in 2h 20m" in page
    assert '<meta http-equiv="refresh"' in page


def test_supervisor_takes_an_alert_and_everyone_paged_is_told(
    as_role: Any, world: World, rt: runtime.Runtime, phone: Any
) -> None:
    phone(WORKER_PHONE).text("SOS car rolled")
    run_jobs(rt)
    with rt.db.session() as session:
        alert = session.scalars(select(Alert)).one()
    browser: Browser = as_role("supervisor")

    browser.post(f"/admin/alerts/{alert.id}/take")

    with rt.db.session() as session:
        taken = session.get(Alert, alert.id)
        notices = session.scalars(select(Outbox).where(Outbox.kind == "notice")).all()
    assert taken is not None and taken.state == "acked"
    assert taken.next_action_at is None
    assert {n.to_phone for n in notices} == {SAM, ALEX}
    assert all(email("supervisor") in n.body for n in notices)
    assert f"Taken by {email('supervisor')} (web)" in browser.text("/admin/")


def test_a_contacts_sms_ack_shows_who_took_it(
    as_role: Any, world: World, phone: Any
) -> None:
    phone(WORKER_PHONE).text("SOS")
    phone(SAM).text("ACK")
    browser: Browser = as_role("viewer")

    page = browser.text("/admin/")

    assert "Taken by Sam Supervisor (SMS)" in page


def test_resolving_closes_alert_and_journey_and_sends_the_all_clear(
    as_role: Any, world: World, rt: runtime.Runtime, phone: Any
) -> None:
    phone(WORKER_PHONE).text("START 2h Newman")
    phone(WORKER_PHONE).text("SOS")
    run_jobs(rt)  # the pages leave, so the all-clear must follow them
    browser: Browser = as_role("supervisor")
    with rt.db.session() as session:
        alert = session.scalars(select(Alert)).one()

    browser.post(f"/admin/alerts/{alert.id}/resolve")

    with rt.db.session() as session:
        closed = session.get(Alert, alert.id)
        journey = session.scalars(select(Journey)).one()
        clears = session.scalars(
            select(Outbox.to_phone).where(Outbox.kind == "all_clear")
        ).all()
    assert closed is not None and closed.state == "closed"
    assert journey.state == "closed" and journey.closed_by is not None
    assert sorted(clears) == sorted([SAM, ALEX])
    assert "No open alerts" in browser.text("/admin/")


def test_resolving_twice_says_it_is_closed(
    as_role: Any, world: World, rt: runtime.Runtime, phone: Any
) -> None:
    phone(WORKER_PHONE).text("SOS")
    browser: Browser = as_role("supervisor")
    with rt.db.session() as session:
        alert_id = session.scalars(select(Alert.id)).one()
    browser.post(f"/admin/alerts/{alert_id}/resolve")

    browser.post(f"/admin/alerts/{alert_id}/resolve")

    assert f"Alert {alert_id} is already closed" in browser.text("/admin/")


def test_closing_a_journey_stops_its_escalation(
    as_role: Any, world: World, rt: runtime.Runtime, phone: Any
) -> None:
    phone(WORKER_PHONE).text("START 2h Newman")
    with rt.db.session() as session:
        journey_id = session.scalars(select(Journey.id)).one()
    browser: Browser = as_role("supervisor")

    browser.post(f"/admin/journeys/{journey_id}/close")

    with rt.db.session() as session:
        journey = session.get(Journey, journey_id)
    assert journey is not None and journey.state == "closed"
    assert journey.next_action_at is None
    assert "Journey closed" in browser.text("/admin/")
    assert "Already closed" in phone(WORKER_PHONE).text("ARRIVED")


def test_message_log_is_scoped_newest_first_and_hides_codes(
    as_role: Any, world: World, phone: Any
) -> None:
    phone("+61491570333").text(world.code)
    phone(WORKER_PHONE).text("START 2h Newman")
    phone(WORKER_PHONE).text("STATUS")
    phone("+61491570401").text("START 1h Other place")
    browser: Browser = as_role("viewer")

    page = browser.text("/admin/messages")

    assert page.index("STATUS") < page.index("START 2h Newman")
    assert "Journey started" in page
    assert "Other place" not in page
    assert world.code not in page


def test_message_log_pages_through_older_messages(
    as_role: Any, world: World, phone: Any
) -> None:
    for number in range(30):
        phone(WORKER_PHONE).text(f"STATUS {number}")
    browser: Browser = as_role("viewer")

    first = browser.text("/admin/messages")
    second = browser.text("/admin/messages?page=2")
    nonsense = browser.get("/admin/messages?page=abc")

    assert "STATUS 29" in first and "Older" in first
    assert "STATUS 0" in second and "STATUS 29" not in second
    assert nonsense.status_code == 200


def test_audit_log_shows_who_what_and_from_where(as_role: Any, world: World) -> None:
    browser: Browser = as_role("admin")
    browser.post("/admin/workers/new", {"first": "Ann", "last": "Lee"})

    page = browser.text("/admin/audit")

    assert "worker.added" in page and "code.issued" in page
    assert "127.0.0.1" in page
    assert "Other Org" not in page


def test_owner_cannot_remove_the_last_owner(
    as_role: Any, world: World, rt: runtime.Runtime
) -> None:
    browser: Browser = as_role("owner")
    with rt.db.session() as session:
        owner_id = session.scalars(
            select(User.id).where(User.email == email("owner"))
        ).one()

    browser.post(f"/admin/users/{owner_id}", {"role": "viewer", "active": "1"})

    assert "at least one active owner" in browser.text("/admin/users")
    assert browser.get("/admin/users").status_code == 200


def test_owner_adds_a_user_who_can_sign_in(
    as_role: Any, world: World, client: Any
) -> None:
    browser: Browser = as_role("owner")

    browser.post(
        "/admin/users",
        {"email": "New@A.example.org", "role": "supervisor", "password": "x" * 12},
    )

    fresh = Browser(client.application.test_client())
    assert fresh.sign_in("new@a.example.org", "x" * 12).status_code == 302


def test_taken_email_and_short_password_are_refused(as_role: Any, world: World) -> None:
    browser: Browser = as_role("owner")

    taken = browser.post(
        "/admin/users",
        {"email": email("viewer", "b"), "role": "viewer", "password": "x" * 12},
    )
    short = browser.post(
        "/admin/users", {"email": "s@a.example.org", "role": "viewer", "password": "x"}
    )

    assert taken.status_code == short.status_code == 400
    assert "already has an account" in taken.get_data(as_text=True)
    assert "at least 10 characters" in short.get_data(as_text=True)


def test_an_id_too_large_for_the_database_is_not_found(as_role: Any) -> None:
    browser: Browser = as_role("admin")
    huge = "9" * 23

    pages = [
        browser.get(f"/admin/workers/{huge}").status_code,
        browser.post(f"/admin/journeys/{huge}/close").status_code,
    ]

    assert pages == [404, 404]
