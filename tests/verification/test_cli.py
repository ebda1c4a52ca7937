"""gateway worker new-code and set-phone, as an operator runs them."""

import json
import re

from tests.verification.support import (
    NEW_PHONE,
    actions,
    add_worker,
    org_id,
    sent,
    state,
)

JANE = "+61491570006"


def test_new_code_prints_a_fresh_code_once_and_cancels_the_old(app, rt, phone, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn", phone=JANE)
    runner = app.test_cli_runner()

    result = runner.invoke(
        args=["worker", "new-code", str(pending.worker_id), "--json"]
    )
    old = phone(JANE).text(pending.code)

    payload = json.loads(result.output)
    assert result.exit_code == 0
    assert payload["id"] == pending.worker_id
    assert re.fullmatch(r"\d{4}", payload["code"])
    assert old != "Reply with your last name to confirm this number."
    assert phone(JANE).text(payload["code"]).startswith("Reply with your last name")
    assert actions(rt, pending.worker_id).count("code.issued") == 2


def test_new_code_without_json_says_it_is_shown_once(app, rt, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn")

    result = app.test_cli_runner().invoke(
        args=["worker", "new-code", str(pending.worker_id)]
    )

    assert result.exit_code == 0
    assert re.fullmatch(
        r"security code: \d{4} \(shown once; valid 7 days\)\n", result.output
    )


def test_new_code_for_an_unknown_worker_is_a_clear_error(app, rt, t0):
    result = app.test_cli_runner().invoke(args=["worker", "new-code", "999"])

    assert result.exit_code == 2
    assert "No active worker with id 999" in result.output


def test_set_phone_suspends_the_binding_and_texts_the_new_number(app, rt, phone, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn", phone=JANE)
    phone(JANE).text(pending.code)
    phone(JANE).text("nguyen")

    result = app.test_cli_runner().invoke(
        args=["worker", "set-phone", str(pending.worker_id), "0491 570 157", "--json"]
    )

    assert result.exit_code == 0
    assert json.loads(result.output) == {
        "id": pending.worker_id,
        "state": "confirming new number",
    }
    assert [m.kind for m in sent(rt, NEW_PHONE)] == ["binding"]


def test_set_phone_with_a_bad_number_is_a_clear_error(app, rt, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn", phone=JANE)

    result = app.test_cli_runner().invoke(
        args=["worker", "set-phone", str(pending.worker_id), "call me"]
    )

    assert result.exit_code == 2
    assert "digits only" in result.output
    assert state(rt, pending.worker_id) == "code pending"
