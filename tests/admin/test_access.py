"""Every route for every role: allowed from its role up, refused below it, and
another organisation's ids answer 404."""

from typing import Any

import pytest
from sqlalchemy import func, select

from gateway import accounts, directory, runtime
from gateway.models import Alert, AuditEvent, Contact, Journey, Organisation, User
from tests.admin.conftest import OTHER_WORKER_PHONE, Browser, World, email
from tests.helpers import WORKER_PHONE

POLICY = {
    "reminder_s": "10m",
    "reminder_min_journey_s": "30m",
    "grace_s": "15m",
    "level_delay_s": "15m",
    "min_journey_s": "5m",
    "max_journey_s": "24h",
    "default_extend_s": "30m",
}
# (method, path, lowest role allowed, form, status when allowed)
ROUTES: list[tuple[str, str, str, dict[str, str], int]] = [
    ("GET", "/admin/", "viewer", {}, 200),
    ("GET", "/admin/workers", "viewer", {}, 200),
    ("GET", "/admin/workers/new", "admin", {}, 200),
    ("POST", "/admin/workers/new", "admin", {"first": "Ann", "last": "Lee"}, 200),
    ("GET", "/admin/workers/{worker}", "viewer", {}, 200),
    (
        "POST",
        "/admin/workers/{worker}/edit",
        "admin",
        {"first": "Jane", "last": "Nguyen", "timezone": ""},
        302,
    ),
    ("POST", "/admin/workers/{worker}/phone", "admin", {"phone": "0491570110"}, 302),
    ("POST", "/admin/workers/{worker}/code", "admin", {}, 200),
    ("POST", "/admin/workers/{idle}/deactivate", "admin", {}, 302),
    ("GET", "/admin/contacts", "viewer", {}, 200),
    ("GET", "/admin/contacts/new", "admin", {}, 200),
    (
        "POST",
        "/admin/contacts/new",
        "admin",
        {"name": "Kim", "phone": "0491 570 120", "level": "1"},
        302,
    ),
    ("GET", "/admin/contacts/{contact}", "admin", {}, 200),
    (
        "POST",
        "/admin/contacts/{contact}",
        "admin",
        {"name": "Sam S", "phone": "0491 570 156", "level": "2"},
        302,
    ),
    ("POST", "/admin/contacts/{contact}/active", "admin", {"active": "0"}, 302),
    ("GET", "/admin/policy", "viewer", {}, 200),
    ("POST", "/admin/policy", "admin", POLICY, 302),
    ("GET", "/admin/messages", "viewer", {}, 200),
    ("GET", "/admin/audit", "viewer", {}, 200),
    ("GET", "/admin/users", "owner", {}, 200),
    (
        "POST",
        "/admin/users",
        "owner",
        {"email": "new@a.example.org", "role": "viewer", "password": "x" * 12},
        302,
    ),
    ("POST", "/admin/users/{user}", "owner", {"role": "admin", "active": "1"}, 302),
    ("POST", "/admin/alerts/{alert}/take", "supervisor", {}, 302),
    ("POST", "/admin/alerts/{alert}/resolve", "supervisor", {}, 302),
    ("POST", "/admin/journeys/{journey}/close", "supervisor", {}, 302),
]
WITH_IDS = [route for route in ROUTES if "{" in route[1]]


def _ids(rt: runtime.Runtime, org_id: int, worker_id: int) -> dict[str, int]:
    with rt.db.session() as session:
        journey = session.scalars(
            select(Journey).where(Journey.worker_id == worker_id)
        ).one()
        alert = session.scalars(select(Alert).where(Alert.worker_id == worker_id)).one()
        user = session.scalars(
            select(User).where(User.org_id == org_id, User.role == "viewer")
        ).one()
        return {"journey": journey.id, "alert": alert.id, "user": user.id}


@pytest.fixture
def ids(world: World, rt: runtime.Runtime, phone: Any) -> dict[str, dict[str, int]]:
    """Each organisation's ids, after its worker went out and sent SOS."""
    for number in (WORKER_PHONE, OTHER_WORKER_PHONE):
        phone(number).text("START 2h Newman")
        phone(number).text("SOS car rolled")
    mine = _ids(rt, world.org_id, world.worker_id)
    theirs = _ids(rt, world.other.org_id, world.other.worker_id)
    mine.update(
        worker=world.worker_id,
        idle=_idle_worker(rt, world),
        contact=_contact_of(rt, world.org_id),
    )
    theirs.update(
        worker=world.other.worker_id,
        idle=world.other.worker_id,
        contact=world.other.contact_id,
    )
    return {"mine": mine, "theirs": theirs}


def _contact_of(rt: runtime.Runtime, org_id: int) -> int:
    with rt.db.session() as session:
        return (
            session.scalars(
                select(Contact.id).where(Contact.org_id == org_id).order_by(Contact.id)
            ).first()
            or 0
        )


def _idle_worker(rt: runtime.Runtime, world: World) -> int:
    with rt.db.session() as session:
        org = session.get(Organisation, world.org_id)
        assert org is not None
        return directory.add_worker(session, org, first="Idle", last="Ivy").id


def _actions(rt: runtime.Runtime) -> int:
    """Audit rows written by signed-in users, sign-ins apart."""
    with rt.db.session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.actor.like("user:%"))
                .where(AuditEvent.action.not_in(("signin", "signout")))
            )
            or 0
        )


def _call(browser: Browser, method: str, path: str, form: dict[str, str]) -> Any:
    if method == "GET":
        return browser.get(path)
    return browser.post(path, form)


CASES = [
    pytest.param(route, role, id=f"{route[0]} {route[1]} as {role}")
    for route in ROUTES
    for role in ("anonymous", *accounts.ROLES)
]


@pytest.mark.parametrize(("route", "role"), CASES)
def test_route_is_allowed_from_its_role_up_and_refused_below(
    route: tuple[str, str, str, dict[str, str], int],
    role: str,
    browser: Browser,
    ids: dict[str, dict[str, int]],
    rt: runtime.Runtime,
) -> None:
    method, template, lowest, form, allowed_status = route
    if role == "anonymous":
        browser.get("/admin/sign-in")
    else:
        browser.sign_in(email(role))
    before = _actions(rt)

    response = _call(browser, method, template.format(**ids["mine"]), form)

    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/sign-in")
    elif accounts.allows(role, lowest):
        assert response.status_code == allowed_status, response.get_data(as_text=True)
        assert (_actions(rt) > before) == (method == "POST")
    else:
        assert response.status_code == 403
    if role == "anonymous" or not accounts.allows(role, lowest):
        assert _actions(rt) == before


@pytest.mark.parametrize(
    "route", [pytest.param(r, id=f"{r[0]} {r[1]}") for r in WITH_IDS]
)
def test_another_organisations_id_answers_404(
    route: tuple[str, str, str, dict[str, str], int],
    browser: Browser,
    ids: dict[str, dict[str, int]],
    rt: runtime.Runtime,
) -> None:
    method, template, _lowest, form, _status = route
    browser.sign_in(email("owner"))
    before = _actions(rt)

    response = _call(browser, method, template.format(**ids["theirs"]), form)

    assert response.status_code == 404
    assert _actions(rt) == before
