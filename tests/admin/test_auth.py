"""Signing in and out, throttled failures, CSRF tokens and sessions that end."""

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from gateway import clock, runtime
from gateway.models import AuditEvent, User
from tests.admin.conftest import PASSWORD, Browser, World, email
from tests.helpers import T0


def test_admin_root_sends_a_stranger_to_sign_in(browser: Browser) -> None:
    response = browser.get("/admin/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/sign-in")


def test_right_password_signs_in_and_shows_the_dashboard(
    browser: Browser, world: World
) -> None:
    response = browser.sign_in(email("viewer"))

    page = browser.text("/admin/")

    assert response.status_code == 302
    assert "Dashboard" in page and email("viewer") in page


def test_wrong_password_is_refused_and_audited_with_the_address(
    browser: Browser, world: World, rt: runtime.Runtime
) -> None:
    response = browser.sign_in(email("admin"), "wrong password!")

    with rt.db.session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "signin.failed")
        ).one()

    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)
    assert event.org_id == world.org_id and '"ip": "127.0.0.1"' in event.detail
    assert browser.get("/admin/").status_code == 302


def test_five_failures_lock_the_email_even_for_the_right_password(
    browser: Browser, world: World
) -> None:
    for _ in range(5):
        browser.sign_in(email("owner"), "not the password")

    response = browser.sign_in(email("owner"), PASSWORD)

    assert response.status_code == 401
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_the_lock_lifts_after_fifteen_minutes(browser: Browser, world: World) -> None:
    with freeze_time(T0) as frozen:
        for _ in range(5):
            browser.sign_in(email("owner"), "not the password")
        frozen.tick(timedelta(minutes=16))

        response = browser.sign_in(email("owner"), PASSWORD)

    assert response.status_code == 302


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(
    browser: Browser, world: World
) -> None:
    unknown = browser.sign_in("nobody@example.org", PASSWORD)

    wrong = browser.sign_in(email("owner"), "not the password")

    assert unknown.status_code == wrong.status_code == 401
    assert "do not match" in unknown.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(browser: Browser, world: World) -> None:
    browser.sign_in(email("admin"))

    response = browser.client.post(
        "/admin/workers/new", data={"first": "No", "last": "Token"}
    )

    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)
    assert "No Token" not in browser.text("/admin/workers")


def test_post_with_a_wrong_csrf_token_is_refused(
    browser: Browser, world: World
) -> None:
    browser.sign_in(email("admin"))
    browser.token = "forged"

    response = browser.post("/admin/workers/new", {"first": "No", "last": "Token"})

    assert response.status_code == 400


def test_sign_in_itself_needs_the_csrf_token(browser: Browser, world: World) -> None:
    response = browser.client.post(
        "/admin/sign-in", data={"email": email("owner"), "password": PASSWORD}
    )

    assert response.status_code == 400


def test_session_ends_after_thirty_idle_minutes(browser: Browser, world: World) -> None:
    with freeze_time(T0) as frozen:
        browser.sign_in(email("viewer"))
        frozen.tick(timedelta(minutes=31))

        response = browser.get("/admin/")
        page = browser.text(response.headers["Location"])

    assert response.headers["Location"].startswith("/admin/sign-in")
    assert "session ended" in page


def test_activity_keeps_a_session_alive_but_not_past_twelve_hours(
    browser: Browser, world: World
) -> None:
    with freeze_time(T0) as frozen:
        browser.sign_in(email("viewer"))
        for _ in range(25):
            frozen.tick(timedelta(minutes=29))
            alive = browser.get("/admin/").status_code == 200
            if not alive:
                break
        elapsed = clock.now() - T0

    assert not alive
    assert timedelta(hours=12) <= elapsed < timedelta(hours=12, minutes=29)


def test_sign_out_ends_the_session(browser: Browser, world: World) -> None:
    browser.sign_in(email("viewer"))

    browser.post("/admin/sign-out")

    assert browser.get("/admin/").status_code == 302


def test_a_deactivated_user_is_signed_out_at_the_next_request(
    browser: Browser, world: World, rt: runtime.Runtime
) -> None:
    browser.sign_in(email("admin"))
    with rt.db.session() as session:
        user = session.scalars(select(User).where(User.email == email("admin"))).one()
        user.active = False

    assert browser.get("/admin/").status_code == 302


def test_next_only_returns_to_admin_pages(browser: Browser, world: World) -> None:
    browser.get("/admin/sign-in")

    response = browser.post(
        "/admin/sign-in?next=//evil.example/admin/",
        {"email": email("viewer"), "password": PASSWORD},
    )

    assert response.headers["Location"] == "/admin/"


def test_session_cookie_lasts_twelve_hours_and_stays_out_of_scripts(
    browser: Browser, world: World
) -> None:
    with freeze_time(T0):
        response = browser.sign_in(email("viewer"))

    cookie = response.headers["Set-Cookie"]

    assert "Expires=Mon, 02 Mar 2026 13:00:00 GMT" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
