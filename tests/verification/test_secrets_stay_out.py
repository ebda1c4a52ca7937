"""Codes and full phone numbers stay out of the logs and the audit trail.

The inbound pipeline logs each body at DEBUG; bodies are redacted there, so
the rule holds at every level, not only at INFO and above.
"""

import logging
import re

from gateway import directory
from gateway.verification.number_change import change_phone
from tests.helpers import run_jobs
from tests.verification.support import (
    NEW_PHONE,
    OTHER_PHONE,
    add_worker,
    audit_rows,
    org_id,
)

JANE = "+61491570006"
GUESSER = "+61491570200"
PHONES = (JANE, NEW_PHONE, OTHER_PHONE, GUESSER)


def _whole_story(rt, phone):
    """Every verification step once; returns Jane's id and the codes issued."""
    org = org_id(rt)
    jane = add_worker(rt, org, "Jane", "Nguyễn", phone=JANE)
    liam = add_worker(rt, org, "Liam", "O'Brien")
    wrong = [f"{n:04d}" for n in range(8) if f"{n:04d}" not in (jane.code, liam.code)]
    for guess in wrong[:6]:
        phone(GUESSER).text(guess)
    phone(OTHER_PHONE).text(jane.code)
    phone(JANE).text(f"code {jane.code[:2]} {jane.code[2:]}")
    phone(JANE).text("Smith")
    phone(JANE).text("nguyen")
    phone(JANE).text("START 1h")
    with rt.db.session() as session:
        change_phone(
            session,
            directory.worker_by_id(session, jane.worker_id),
            NEW_PHONE,
            "admin:1",
        )
    run_jobs(rt)
    phone(NEW_PHONE).text("nguyen")
    phone(NEW_PHONE).text(liam.code)
    phone(NEW_PHONE).text("obrien")
    return jane.worker_id, [jane.code, liam.code]


def _contains_code(text, code):
    return re.search(rf"(?<![0-9A-Za-z]){code}(?![0-9A-Za-z])", text) is not None


def _contains_phone(text):
    digits = re.sub(r"\D", "", text)
    return any(number[3:] in digits for number in PHONES)


def test_no_code_or_full_number_is_logged_at_any_level(rt, phone, t0, caplog):
    caplog.set_level(logging.DEBUG)

    _, codes = _whole_story(rt, phone)

    lines = [record.getMessage() for record in caplog.records]
    assert any("body '####'" in line for line in lines)  # debug bodies were seen
    assert any("***0006" in line for line in lines)  # and masked numbers
    assert [line for line in lines if any(_contains_code(line, c) for c in codes)] == []
    assert [line for line in lines if _contains_phone(line)] == []


def test_the_audit_trail_tells_the_story_without_secrets(rt, phone, t0):
    jane, codes = _whole_story(rt, phone)

    rows = audit_rows(rt)

    subject = ("worker", jane)
    trail = [
        row.action for row in rows if (row.subject_type, row.subject_id) == subject
    ]
    assert trail == [
        "worker.added",
        "code.issued",
        "code.failed",  # the right code from the wrong phone
        "code.tried",
        "name.failed",
        "binding.bound",
        "binding.confirming",
        "binding.bound",
        "binding.moved",
    ]
    actions = [row.action for row in rows]
    assert actions.count("number.locked") == 1
    assert "sms:***0200" in {row.actor for row in rows}
    for row in rows:
        text = f"{row.actor} {row.detail}"
        assert not any(_contains_code(text, code) for code in codes), row.action
        assert not _contains_phone(text), row.action
