"""Number changes and moves: the old number stops, the new one confirms."""

import pytest

from gateway import directory
from gateway.phones import InvalidPhone
from gateway.verification import replies
from gateway.verification.number_change import change_phone
from tests.verification.support import (
    NEW_PHONE,
    OTHER_PHONE,
    actions,
    add_worker,
    bindings,
    bound_phone,
    new_code,
    org_id,
    sent,
    state,
)

JANE = "+61491570006"


def _bound_jane(rt, phone):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn", phone=JANE)
    phone(JANE).text(pending.code)
    phone(JANE).text("nguyen")
    return pending.worker_id


def _change(rt, worker_id, raw, actor="admin:1"):
    with rt.db.session() as session:
        worker = directory.worker_by_id(session, worker_id)
        change_phone(session, worker, raw, actor)


def test_a_changed_number_is_asked_to_confirm_and_the_old_one_stops(rt, phone, t0):
    jane = _bound_jane(rt, phone)

    _change(rt, jane, "0491 570 157")
    old = phone(JANE).text("STATUS")

    messages = sent(rt, NEW_PHONE)
    assert [(m.kind, m.body) for m in messages] == [
        (
            "binding",
            "Reply with your last name to confirm this number for "
            "Pilbara Survey check-ins.",
        )
    ]
    assert "security code" in old  # a stranger now, not Jane
    assert state(rt, jane) == "confirming new number"
    assert bound_phone(rt, jane) is None


def test_the_new_number_binds_with_the_last_name(rt, phone, t0):
    jane = _bound_jane(rt, phone)
    _change(rt, jane, "+61 491 570 157")

    wrong = phone(NEW_PHONE).text("Smith")
    confirmed = phone(NEW_PHONE).text("Nguyen")
    started = phone(NEW_PHONE).text("START 1h")

    assert wrong == replies.NAME_RETRY
    assert "confirmed for Pilbara Survey" in confirmed
    assert started.startswith("Journey started.")
    assert bound_phone(rt, jane) == NEW_PHONE
    trail = actions(rt, jane)
    change = trail.index("binding.confirming")
    assert trail[change : change + 3] == [
        "binding.confirming",
        "name.failed",
        "binding.bound",
    ]
    assert trail.count("binding.bound") == 2


def test_three_wrong_names_lock_a_changed_number(rt, phone, t0):
    jane = _bound_jane(rt, phone)
    _change(rt, jane, NEW_PHONE)

    answers = [phone(NEW_PHONE).text(name) for name in ("a", "b", "c")]
    after = phone(NEW_PHONE).text("nguyen")

    assert answers == [replies.NAME_RETRY, replies.NAME_RETRY, replies.CONFIRM_LOCKED]
    assert "security code" in after
    assert state(rt, jane) == "locked (number not confirmed)"
    assert "binding.locked" in actions(rt, jane)


def test_a_locked_worker_binds_again_with_a_new_code(rt, phone, t0):
    jane = _bound_jane(rt, phone)
    _change(rt, jane, NEW_PHONE)
    for name in ("a", "b", "c"):
        phone(NEW_PHONE).text(name)

    code = new_code(rt, jane)
    phone(NEW_PHONE).text(code)
    confirmed = phone(NEW_PHONE).text("nguyen")

    assert "confirmed" in confirmed
    assert bindings(rt) == [(jane, NEW_PHONE, "bound")]


def test_changing_the_number_of_a_never_bound_worker_moves_the_code(rt, phone, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn", phone=JANE)

    _change(rt, pending.worker_id, NEW_PHONE)
    from_old = phone(JANE).text(pending.code)
    from_new = phone(NEW_PHONE).text(pending.code)

    assert sent(rt, NEW_PHONE) == []  # no binding to suspend: the code still counts
    assert from_old == replies.BAD_CODE
    assert from_new == replies.ASK_NAME
    assert "worker.phone_changed" in actions(rt, pending.worker_id)


def test_a_number_bound_to_another_worker_is_refused_and_nothing_changes(rt, phone, t0):
    jane = _bound_jane(rt, phone)
    liam = add_worker(rt, org_id(rt, "Other"), "Liam", "O'Brien", phone=OTHER_PHONE)

    with pytest.raises(directory.DirectoryError, match="in use by a worker"):
        _change(rt, liam.worker_id, JANE)

    assert bound_phone(rt, jane) == JANE
    assert state(rt, liam.worker_id) == "code pending"


def test_an_invalid_number_is_refused_and_nothing_changes(rt, phone, t0):
    jane = _bound_jane(rt, phone)

    with pytest.raises(InvalidPhone):
        _change(rt, jane, "0491 57")

    assert bound_phone(rt, jane) == JANE
    assert sent(rt, NEW_PHONE) == []


def test_a_phone_moves_to_another_worker_with_an_audit_record(rt, phone, t0):
    jane = _bound_jane(rt, phone)
    liam = add_worker(rt, _org_of(rt, jane), "Liam", "O'Brien")

    phone(JANE).text(liam.code)
    confirmed = phone(JANE).text("o'brien")

    assert "Thanks Liam" in confirmed
    assert bindings(rt) == [(liam.worker_id, JANE, "bound")]
    assert state(rt, jane) == "unbound"
    assert "binding.moved" in actions(rt, jane)
    assert directory_phone(rt, jane) is None


def directory_phone(rt, worker_id):
    with rt.db.session() as session:
        return directory.worker_by_id(session, worker_id).phone


def _org_of(rt, worker_id):
    with rt.db.session() as session:
        return directory.worker_by_id(session, worker_id).org_id
