"""The binding conversation through the signed webhook, step by step."""

from datetime import timedelta

import pytest

from gateway.gsm7 import segments
from gateway.models import Worker
from gateway.verification import replies
from tests.helpers import T0
from tests.verification.support import (
    OTHER_PHONE,
    actions,
    add_worker,
    bound_phone,
    new_code,
    org_id,
    state,
)

JANE = "+61491570006"
STRANGER = "+61491570159"


def test_a_worker_with_a_phone_entered_binds_it_with_code_and_last_name(rt, phone, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn", phone=JANE)
    jane = phone(JANE)

    asked = jane.text(pending.code)
    middle = state(rt, pending.worker_id)
    confirmed = jane.text("nguyen")
    started = jane.text("START 2h Newman")

    assert asked == "Reply with your last name to confirm this number."
    assert middle == "awaiting last name"
    assert confirmed == (
        "Thanks Jane, this number is confirmed for Pilbara Survey. "
        "To start a journey text e.g. START 2h Newman."
    )
    assert started.startswith("Journey started.")
    assert state(rt, pending.worker_id) == "bound"
    assert bound_phone(rt, pending.worker_id) == JANE


def test_a_worker_without_a_phone_binds_whichever_phone_texts_the_code(rt, phone, t0):
    pending = add_worker(rt, org_id(rt), "Liam", "O'Brien")
    liam = phone(OTHER_PHONE)

    before = state(rt, pending.worker_id)
    liam.text(f"code {pending.code}")
    confirmed = liam.text("O\u2019Brien")

    assert before == "code pending"
    assert "confirmed for Pilbara Survey" in confirmed
    assert bound_phone(rt, pending.worker_id) == OTHER_PHONE


def test_a_code_from_a_phone_other_than_the_one_entered_is_refused(rt, phone, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn", phone=JANE)

    refused = phone(STRANGER).text(pending.code)
    name = phone(STRANGER).text("nguyen")

    assert refused == replies.BAD_CODE
    assert "security code" in name  # the stranger's neutral reply, nothing bound
    assert state(rt, pending.worker_id) == "code pending"
    assert bound_phone(rt, pending.worker_id) is None
    assert actions(rt, pending.worker_id)[-1] == "code.failed"


def test_three_wrong_last_names_burn_the_code(rt, phone, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn", phone=JANE)
    jane = phone(JANE)

    jane.text(pending.code)
    answers = [jane.text(name) for name in ("Nguen", "Smith", "Jones")]
    afterwards = jane.text("nguyen")
    again = jane.text(pending.code)

    assert answers == [replies.NAME_RETRY, replies.NAME_RETRY, replies.BURNED]
    assert "security code" in afterwards
    assert again == replies.BAD_CODE
    assert state(rt, pending.worker_id) == "locked (code burned)"
    assert actions(rt, pending.worker_id).count("name.failed") == 3
    assert "code.burned" in actions(rt, pending.worker_id)


def test_after_a_burned_code_a_new_code_binds(rt, phone, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn", phone=JANE)
    jane = phone(JANE)
    jane.text(pending.code)
    for name in ("a", "b", "c"):
        jane.text(name)

    t0.move_to(T0 + timedelta(minutes=5))
    code = new_code(rt, pending.worker_id)
    jane.text(code)
    confirmed = jane.text("Jane Nguyen")

    assert "confirmed" in confirmed
    assert state(rt, pending.worker_id) == "bound"


def test_a_command_word_while_awaiting_the_name_costs_no_attempt(rt, phone, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn", phone=JANE)
    jane = phone(JANE)

    jane.text(pending.code)
    helps = [jane.text(text) for text in ("HELP", "START 2h", "?", "HELP")]
    jane.text("wrong")
    jane.text("wrong")
    confirmed = jane.text("nguyen")

    assert len(helps) == 4
    assert all("last name" in help_reply for help_reply in helps)
    assert "confirmed" in confirmed


def test_an_expired_code_is_refused_and_audited(rt, phone, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn", phone=JANE)

    t0.move_to(T0 + timedelta(days=7))
    refused = phone(JANE).text(pending.code)
    later = phone(JANE).text(pending.code)

    assert refused == replies.EXPIRED
    assert later == replies.EXPIRED
    assert state(rt, pending.worker_id) == "code expired"
    assert actions(rt, pending.worker_id).count("code.expired") == 2


def test_a_code_that_expires_while_awaiting_the_name_is_refused(rt, phone, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn", phone=JANE)
    jane = phone(JANE)

    t0.move_to(T0 + timedelta(days=7) - timedelta(minutes=1))
    jane.text(pending.code)
    t0.tick(timedelta(minutes=2))
    late = jane.text("nguyen")

    assert late == replies.EXPIRED
    assert bound_phone(rt, pending.worker_id) is None
    assert state(rt, pending.worker_id) == "code expired"


def test_a_code_for_a_deactivated_worker_is_refused(rt, phone, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn", phone=JANE)
    with rt.db.session() as session:
        worker = session.get(Worker, pending.worker_id)
        worker.active = False

    refused = phone(JANE).text(pending.code)

    assert refused == replies.BAD_CODE


def test_a_second_phone_texting_an_open_code_takes_over_the_claim(rt, phone, t0):
    pending = add_worker(rt, org_id(rt), "Liam", "O'Brien")

    phone(STRANGER).text(pending.code)
    phone(STRANGER).text("guess")
    phone(OTHER_PHONE).text(pending.code)
    stale = phone(STRANGER).text("obrien")
    confirmed = phone(OTHER_PHONE).text("obrien")

    assert "security code" in stale
    assert "confirmed" in confirmed
    assert bound_phone(rt, pending.worker_id) == OTHER_PHONE


@pytest.mark.parametrize(
    "text",
    [
        replies.ASK_NAME,
        replies.BAD_CODE,
        replies.EXPIRED,
        replies.NAME_RETRY,
        replies.BURNED,
        replies.CONFIRM_LOCKED,
        replies.bound("Maximilian-Alexander", "Ōtautahi " + "Very Long Survey " * 12),
        replies.bound("Жанна", "{[Nguyễn]} €€€ " * 12),
        replies.confirm_number("Ōtautahi Remote Area Field Services " * 6),
        replies.confirm_number("Pilbara Survey"),
    ],
)
def test_every_reply_fits_one_segment(text):
    assert segments(text) == 1


def test_long_names_are_shortened_visibly_and_not_silently_cut():
    text = replies.confirm_number("Ōtautahi Remote Area Field Services " * 6)

    assert text.startswith("Reply with your last name to confirm this number for ")
    assert text.endswith("... check-ins.")
    assert "Otautahi" in text
