"""Contacts and policy forms: validation, duplicates, reachability."""

import re
from typing import Any

import pytest
from sqlalchemy import select

from gateway import directory, runtime
from gateway.models import Contact, Outbox, Policy
from tests.admin.conftest import Browser, World
from tests.admin.test_access import POLICY
from tests.helpers import SAM


def _contacts(rt: runtime.Runtime, org_id: int) -> list[Contact]:
    with rt.db.session() as session:
        return list(
            session.scalars(
                select(Contact).where(Contact.org_id == org_id).order_by(Contact.id)
            )
        )


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"name": "Kim", "phone": "0491 570", "level": "1"}, "phone", "not valid"),
        ({"name": "Kim", "phone": "0491570156", "level": "1"}, "phone", "Sam"),
        ({"name": "Kim", "phone": "0491570120", "level": "0"}, "level", "1 to 20"),
        ({"name": "Kim", "phone": "0491570120", "level": "two"}, "level", "1 to 20"),
        ({"name": "", "phone": "0491570120", "level": "1"}, "name", "Enter the name"),
    ],
)
def test_bad_contact_input_is_explained_and_nothing_is_saved(
    form: dict[str, str],
    field: str,
    message: str,
    as_role: Any,
    world: World,
    rt: runtime.Runtime,
) -> None:
    browser: Browser = as_role("admin")

    response = browser.post("/admin/contacts/new", form)

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(f'id="e-{field}">[^<]*{message}', page)
    assert f'value="{form["phone"]}"' in page
    assert len(_contacts(rt, world.org_id)) == 2


def test_contact_is_added_in_e164_at_its_level(
    as_role: Any, world: World, rt: runtime.Runtime
) -> None:
    browser: Browser = as_role("admin")

    browser.post(
        "/admin/contacts/new", {"name": "Кира", "phone": "0491 570 120", "level": "3"}
    )

    added = _contacts(rt, world.org_id)[-1]
    assert (added.name, added.phone, added.level) == ("Кира", "+61491570120", 3)


def test_editing_a_contact_to_a_taken_number_changes_nothing(
    as_role: Any, world: World, rt: runtime.Runtime
) -> None:
    browser: Browser = as_role("admin")
    alex = _contacts(rt, world.org_id)[1]

    response = browser.post(
        f"/admin/contacts/{alex.id}",
        {"name": "Alexandra", "phone": SAM, "level": "1"},
    )

    assert response.status_code == 400
    assert _contacts(rt, world.org_id)[1].name == "Alex Manager"


def test_opted_out_and_failing_contacts_show_as_unreachable(
    as_role: Any, world: World, rt: runtime.Runtime, phone: Any
) -> None:
    phone(SAM).text("STOP")
    with rt.db.session() as session:
        alex = session.scalars(select(Contact).where(Contact.level == 2)).first()
        assert alex is not None
        alex.last_error = "alert not delivered (30003)"
    browser: Browser = as_role("viewer")

    page = browser.text("/admin/contacts")
    dashboard = browser.text("/admin/")

    assert "opted out (texted STOP)" in page
    assert "last message failed: alert not delivered (30003)" in page
    assert "2 contacts cannot be reached" in dashboard


def test_a_deactivated_contact_is_not_paged(
    as_role: Any, world: World, rt: runtime.Runtime, phone: Any
) -> None:
    browser: Browser = as_role("admin")
    sam = _contacts(rt, world.org_id)[0]
    browser.post(f"/admin/contacts/{sam.id}/active", {"active": "0"})

    phone("+61491570006").text("SOS")

    with rt.db.session() as session:
        paged = set(
            session.scalars(select(Outbox.to_phone).where(Outbox.kind == "alert"))
        )
    assert SAM not in paged and paged


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("grace_s", "soon", "not a duration"),
        ("grace_s", "5h", "Between 0m and 4h"),
        ("level_delay_s", "0m", "Between 30s and 4h"),
        ("reminder_s", "-5m", "not a duration"),
        ("min_journey_s", "2h", "not be longer than the longest"),
        ("default_extend_s", "1d", "not a duration"),
    ],
)
def test_bad_timings_are_explained_and_nothing_is_saved(
    field: str,
    value: str,
    message: str,
    as_role: Any,
    world: World,
    rt: runtime.Runtime,
) -> None:
    browser: Browser = as_role("admin")
    form = {**POLICY, "max_journey_s": "1h", field: value}

    response = browser.post("/admin/policy", form)

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(f'id="e-{field}">[^<]*{message}', page)
    assert f'value="{value}"' in page
    with rt.db.session() as session:
        policy = directory.policy_for(session, world.org_id)
        assert policy.max_journey_s == 24 * 3600


@pytest.mark.parametrize(
    ("typed", "seconds", "shown"),
    [("15m", 900, "15m"), ("1h 30m", 5400, "1h30m"), ("90", 5400, "1h30m"),
     ("45S", 45, "45s"), ("0m", 0, "0m")],
)  # fmt: skip
def test_timings_are_stored_in_seconds_and_shown_back_short(
    typed: str, seconds: int, shown: str, as_role: Any, world: World,
    rt: runtime.Runtime,
) -> None:  # fmt: skip
    browser: Browser = as_role("admin")

    response = browser.post("/admin/policy", {**POLICY, "grace_s": typed})

    assert response.status_code == 302
    with rt.db.session() as session:
        policy = session.get(Policy, world.org_id)
        assert policy is not None and policy.grace_s == seconds
    assert f'value="{shown}"' in browser.text("/admin/policy")
