"""Workers on the admin page: form validation, codes shown once, number
changes that ask for confirmation, deactivation."""

import re
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select

from gateway import runtime
from gateway.models import Binding, Organisation, Outbox, SecurityCode, Worker
from gateway.verification.codes import code_hash
from tests.admin.conftest import Browser, World
from tests.helpers import WORKER_PHONE

CODE_RE = re.compile(r'id="security-code">(\d{4})<')

PHONES = [
    ("AU", "0491 570 110", "+61491570110"),
    ("AU", "+61 491 570 110", "+61491570110"),
    ("AU", "0011 61 491 570 110", "+61491570110"),
    ("AU", "+64 21 234 5678", "+64212345678"),
    ("NZ", "021 234 5678", "+64212345678"),
    ("NZ", "+64 21 234 5678", "+64212345678"),
    ("US", "(201) 555-0123", "+12015550123"),
    ("US", "+1 201 555 0123", "+12015550123"),
    ("GB", "020 7946 0018", "+442079460018"),
    ("GB", "+44 20 7946 0018", "+442079460018"),
    ("GB", "+44 (0)20 7946 0018", "+442079460018"),
]
BAD_PHONES = [
    ("AU", "0491 570 11", "not valid"),
    ("AU", "0061 491 570 110", "not valid"),
    ("AU", "0412 345 ABC", "digits only"),
    ("AU", "000", "not valid"),
    ("US", "555-0123", "not valid"),
    ("GB", "07700 900123", "not valid"),
    ("NZ", "+", "not a phone number"),
    ("AU", "9" * 300, "not a phone number"),
]
NAMES = [
    ("Nguyễn", "Thị Minh"),
    ("Пётр", "Чайковский"),
    ("李", "小龙"),
    ("محمد", "العلي"),
    ("Mary-Jane", "O'Brien"),
    ("Hubert", "Wolfeschlegelsteinhausenbergerdorff"),
]


def _set_region(rt: runtime.Runtime, org_id: int, region: str) -> None:
    with rt.db.session() as session:
        org = session.get(Organisation, org_id)
        assert org is not None
        org.region = region


def _workers(rt: runtime.Runtime, org_id: int) -> list[Worker]:
    with rt.db.session() as session:
        return list(session.scalars(select(Worker).where(Worker.org_id == org_id)))


@pytest.mark.parametrize(("region", "raw", "e164"), PHONES)
def test_phone_is_read_in_the_organisations_region_and_stored_as_e164(
    region: str, raw: str, e164: str, as_role: Any, world: World, rt: runtime.Runtime
) -> None:
    _set_region(rt, world.org_id, region)
    browser: Browser = as_role("admin")

    response = browser.post(
        "/admin/workers/new", {"first": "Ann", "last": "Lee", "phone": raw}
    )

    assert response.status_code == 200
    assert [w.phone for w in _workers(rt, world.org_id) if w.last_name == "Lee"] == [
        e164
    ]


@pytest.mark.parametrize(("region", "raw", "message"), BAD_PHONES)
def test_bad_phone_is_explained_beside_the_field_and_nothing_is_saved(
    region: str,
    raw: str,
    message: str,
    as_role: Any,
    world: World,
    rt: runtime.Runtime,
) -> None:
    _set_region(rt, world.org_id, region)
    browser: Browser = as_role("admin")

    response = browser.post(
        "/admin/workers/new", {"first": "Ann", "last": "Lee", "phone": raw}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'<p class="error" id="e-phone">[^<]*' + message, page)
    assert 'value="Ann"' in page and 'value="Lee"' in page
    assert len(_workers(rt, world.org_id)) == 1


def test_a_number_another_worker_has_is_refused(
    as_role: Any, world: World, rt: runtime.Runtime
) -> None:
    browser: Browser = as_role("admin")

    response = browser.post(
        "/admin/workers/new", {"first": "Ann", "last": "Lee", "phone": "0491570006"}
    )

    assert response.status_code == 400
    assert "Jane Nguyễn already has this number" in response.get_data(as_text=True)
    assert len(_workers(rt, world.org_id)) == 1


def test_the_same_number_in_another_organisation_is_not_a_duplicate(
    as_role: Any, world: World, rt: runtime.Runtime
) -> None:
    browser: Browser = as_role("admin")

    response = browser.post(
        "/admin/workers/new", {"first": "Ann", "last": "Lee", "phone": "+61491570401"}
    )

    assert response.status_code == 200


@pytest.mark.parametrize(("first", "last"), NAMES)
def test_names_in_any_script_are_kept_as_typed(
    first: str, last: str, as_role: Any, world: World, rt: runtime.Runtime
) -> None:
    browser: Browser = as_role("admin")

    response = browser.post("/admin/workers/new", {"first": first, "last": last})

    assert response.status_code == 200
    assert escape(f"{first} {last}") in response.get_data(as_text=True)
    assert (first, last) in [(w.first_name, w.last_name) for w in _workers(rt, 1)]


@pytest.mark.parametrize(
    ("first", "last", "field", "message"),
    [
        ("", "Lee", "first", "Enter the first name"),
        ("Ann", "   ", "last", "Enter the last name"),
        ("A" * 41, "Lee", "first", "40 characters"),
        ("Ann", "L" * 500, "last", "40 characters"),
    ],
)
def test_missing_or_long_names_are_refused(
    first: str,
    last: str,
    field: str,
    message: str,
    as_role: Any,
    world: World,
    rt: runtime.Runtime,
) -> None:
    browser: Browser = as_role("admin")

    response = browser.post("/admin/workers/new", {"first": first, "last": last})

    assert response.status_code == 400
    assert re.search(f'id="e-{field}">[^<]*{message}', response.get_data(as_text=True))
    assert len(_workers(rt, world.org_id)) == 1


@pytest.mark.parametrize(
    "timezone",
    [
        "Mars/Base",
        "Australia",
        "America",
        "a" * 300,
        "posixrules",
        "localtime",
        "right/UTC",
    ],
)
def test_unknown_time_zone_is_refused(
    as_role: Any, world: World, timezone: str
) -> None:
    browser: Browser = as_role("admin")

    response = browser.post(
        "/admin/workers/new", {"first": "Ann", "last": "Lee", "timezone": timezone}
    )

    assert response.status_code == 400
    assert "Unknown time zone" in response.get_data(as_text=True)


def test_new_worker_code_is_shown_once_and_works(
    as_role: Any, world: World, rt: runtime.Runtime
) -> None:
    browser: Browser = as_role("admin")

    response = browser.post("/admin/workers/new", {"first": "Ann", "last": "Lee"})

    code = CODE_RE.search(response.get_data(as_text=True))
    assert code is not None
    assert response.headers["Cache-Control"] == "no-store"
    with rt.db.session() as session:
        stored = session.scalars(
            select(SecurityCode.code_hash).where(SecurityCode.state == "pending")
        ).all()
    assert code_hash(rt.settings.secret_key, code.group(1)) in stored
    worker = next(w for w in _workers(rt, 1) if w.last_name == "Lee")
    assert code.group(1) not in browser.text(f"/admin/workers/{worker.id}")


def test_issuing_a_new_code_revokes_the_old_one(
    as_role: Any, world: World, rt: runtime.Runtime, phone: Any
) -> None:
    browser: Browser = as_role("admin")
    response = browser.post(f"/admin/workers/{world.worker_id}/code")
    new = CODE_RE.search(response.get_data(as_text=True))
    assert new is not None

    old_reply = phone("+61491570333").text(world.code)

    assert "not valid" in old_reply


def test_changing_a_bound_number_asks_the_new_phone_to_confirm(
    as_role: Any, world: World, rt: runtime.Runtime, phone: Any
) -> None:
    browser: Browser = as_role("admin")

    response = browser.post(
        f"/admin/workers/{world.worker_id}/phone", {"phone": "0491 570 110"}
    )

    assert response.status_code == 302
    with rt.db.session() as session:
        binding = session.scalars(select(Binding)).all()
        sent = session.scalars(
            select(Outbox).where(Outbox.to_phone == "+61491570110")
        ).one()
    mine = [b for b in binding if b.worker_id == world.worker_id]
    assert [(b.phone, b.state) for b in mine] == [("+61491570110", "confirming")]
    assert sent.body.startswith("Reply with your last name to confirm this number")
    assert "Pilbara Survey" in sent.body
    assert "confirming" in browser.text(f"/admin/workers/{world.worker_id}")
    assert phone("+61491570110").text("Nguyen").startswith("Thanks Jane")


def test_changing_to_an_invalid_number_keeps_the_old_one(
    as_role: Any, world: World, rt: runtime.Runtime
) -> None:
    browser: Browser = as_role("admin")

    response = browser.post(
        f"/admin/workers/{world.worker_id}/phone", {"phone": "0491 57"}
    )

    assert response.status_code == 400
    assert 'value="0491 57"' in response.get_data(as_text=True)
    with rt.db.session() as session:
        binding = session.scalars(select(Binding)).all()
        worker = session.get(Worker, world.worker_id)
    assert worker is not None and worker.phone == WORKER_PHONE
    assert WORKER_PHONE in [b.phone for b in binding if b.state == "bound"]


def test_edit_keeps_what_was_typed_when_a_field_is_wrong(
    as_role: Any, world: World, rt: runtime.Runtime
) -> None:
    browser: Browser = as_role("admin")

    response = browser.post(
        f"/admin/workers/{world.worker_id}/edit",
        {"first": "Janet", "last": "", "timezone": "Australia/Darwin"},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Janet"' in page and 'value="Australia/Darwin"' in page
    assert _workers(rt, world.org_id)[0].first_name == "Jane"


def test_deactivation_waits_for_the_active_journey(
    as_role: Any, world: World, rt: runtime.Runtime, phone: Any
) -> None:
    phone(WORKER_PHONE).text("START 2h Newman")
    browser: Browser = as_role("admin")

    browser.post(f"/admin/workers/{world.worker_id}/deactivate")

    page = browser.text(f"/admin/workers/{world.worker_id}")
    assert "Close this worker&#39;s active journey first" in page
    assert _workers(rt, world.org_id)[0].active


def test_a_deactivated_worker_can_no_longer_text_commands(
    as_role: Any, world: World, phone: Any
) -> None:
    browser: Browser = as_role("admin")

    browser.post(f"/admin/workers/{world.worker_id}/deactivate")

    assert "Journey started" not in phone(WORKER_PHONE).text("START 2h Newman")
