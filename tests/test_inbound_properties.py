"""Any text at all, through the real signed webhook: never a 500, and every
reply one GSM-7 segment, whether it comes from a worker, a contact or a
stranger."""

import base64

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gateway.gsm7 import is_gsm7, segments
from tests.helpers import SAM, WORKER_PHONE, make_org

WORDS = [
    "START", "start 2h", "GO", "ARRIVED", "ok", "EXTEND", "ext", "STATUS", "HELP",
    "SOS", "help me", "ACK", "PASS", "RESOLVED", "STOP", "YES", "tomorrow", "5pm",
    "17:30", "2h30", "1234", "?", "in", "not", "home",
]  # fmt: skip
BODIES = st.one_of(
    st.text(max_size=1600),
    st.builds(
        lambda word, rest: f"{word} {rest}",
        st.sampled_from(WORDS),
        st.text(max_size=300),
    ),
    st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join),
    st.text(max_size=600).map(lambda t: base64.b64encode(t.encode()).decode()),
)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
STRANGER = "+61491570300"


def assert_one_segment(reply: str) -> None:
    assert reply == "" or (is_gsm7(reply) and segments(reply) == 1), reply


@pytest.fixture
def org(rt):
    return make_org(rt)


@SETTINGS
@given(body=BODIES)
@example(body="")
@example(body="\x00START 2h")
@example(body="\U0001f600" * 800)
@example(body="START 2h " + "\u00e9\u4e2d" * 795)
@example(body=base64.b64encode(b"START 2h Newman").decode())
def test_a_worker_gets_at_most_one_segment_for_anything(org, phone, body):
    jane = phone(WORKER_PHONE)

    reply = jane.text(body)

    assert_one_segment(reply)


@SETTINGS
@given(body=BODIES)
@example(body="ok")
@example(body="HELP " + "\u0416" * 1590)
def test_a_contact_gets_at_most_one_segment_for_anything(org, phone, body):
    sam = phone(SAM)

    reply = sam.text(body)

    assert_one_segment(reply)


@SETTINGS
@given(body=BODIES)
@example(body="1234")
def test_a_stranger_gets_at_most_one_segment_for_anything(org, phone, body):
    stranger = phone(STRANGER)

    reply = stranger.text(body)

    assert_one_segment(reply)
    assert "Pilbara" not in reply
