"""Security codes: secure, unique among pending codes, hashed, read leniently."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.models import SecurityCode
from gateway.verification import codes
from tests.helpers import T0
from tests.verification.support import add_worker, new_code, org_id


def _rows(rt):
    with rt.db.session() as session:
        return list(session.scalars(select(SecurityCode).order_by(SecurityCode.id)))


def test_a_code_is_four_digits_kept_only_as_a_keyed_hash(rt, t0):
    org = org_id(rt)

    pending = add_worker(rt, org, "Jane", "Nguyễn")

    assert re.fullmatch(r"\d{4}", pending.code)
    (row,) = _rows(rt)
    assert row.code_hash == codes.code_hash(rt.settings.secret_key, pending.code)
    assert row.code_hash != codes.code_hash("another key", pending.code)
    assert pending.code not in row.code_hash
    assert row.expires_at == T0 + timedelta(days=7)


def test_pending_codes_are_unique_across_organisations(rt, t0):
    orgs = [org_id(rt, "North"), org_id(rt, "South")]

    issued = [add_worker(rt, orgs[n % 2], f"W{n}", "Smith").code for n in range(300)]

    assert len(set(issued)) == 300


def test_a_new_code_revokes_the_old_one(rt, t0):
    pending = add_worker(rt, org_id(rt), "Jane", "Nguyễn")

    second = new_code(rt, pending.worker_id)

    states = [row.state for row in _rows(rt)]
    assert states == ["revoked", "pending"]
    assert re.fullmatch(r"\d{4}", second)


def test_when_random_draws_collide_a_free_code_is_still_found(rt, monkeypatch, t0):
    org = org_id(rt)
    first = add_worker(rt, org, "Jane", "Nguyễn")
    taken = int(first.code)
    monkeypatch.setattr(codes.secrets, "randbelow", lambda _: taken)

    second = add_worker(rt, org, "Liam", "O'Brien")

    assert second.code != first.code
    assert [row.state for row in _rows(rt)] == ["pending", "pending"]


def test_an_expired_code_frees_its_digits_when_the_next_code_is_issued(rt, t0):
    org = org_id(rt)
    add_worker(rt, org, "Jane", "Nguyễn")

    t0.move_to(T0 + timedelta(days=7, seconds=1))
    add_worker(rt, org, "Liam", "O'Brien")

    assert [row.state for row in _rows(rt)] == ["expired", "pending"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1234", "1234"),
        (" 12 34 ", "1234"),
        ("1-2-3-4", "1234"),
        ("1234.", "1234"),
        ("Code: 0042", "0042"),
        ("security code 0042", "0042"),
        ("\uff11\uff12\uff13\uff14", "1234"),
        ("123", None),
        ("12345", None),
        ("START 1234", None),
        ("nguyen", None),
        ("", None),
    ],
)
def test_a_code_is_read_from_what_people_actually_type(text, code):
    assert codes.read_code(text) == code


def test_digits_are_redacted_for_logs_and_codes_are_not_stored():
    assert codes.redact("code 1234 from +61 491 570 006") == "code #### from +####"
    assert codes.redact("START 2h Newman") == "START 2h Newman"
    assert codes.for_storage("12 34") == "[security code]"
    assert codes.for_storage("START 2h") == "START 2h"
