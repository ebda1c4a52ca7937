import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.sms_commands.normalize import normalize


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("ARRIVED", "ARRIVED"),
        ("  arrived  ", "arrived"),
        ("Arrived safely!", "Arrived safely"),
        ("ARRIVED.", "ARRIVED"),
        ("...status...", "status"),
        ("\u201cArrived\u201d", "Arrived"),
        ("I\u2019m home", "I'm home"),
        ("I\u02bcm home", "I'm home"),
        ("start 2h \u2013 Newman", "start 2h - Newman"),
        ("safe\u00a0home", "safe home"),
        ("safe\u2003\u2009home", "safe home"),
        ("sa\u200bfe", "safe"),
        ("\ufeffok", "ok"),
        ("\uff33\uff34\uff21\uff34\uff35\uff33", "STATUS"),
        ("\uff33\uff54\uff41\uff52\uff54\u3000\uff12\uff48", "Start 2h"),
        ("\U0001f44d ok \U0001f642", "ok"),
        ("arrived \u2764\ufe0f", "arrived"),
        ("arrived \U0001f44d\U0001f3fd", "arrived"),
        ("home \U0001f1e6\U0001f1fa", "home"),
        ("Im home :)", "Im home"),
        ("ok ;-)", "ok"),
        ("start\x00 2h\t\tNewman\r\n", "start 2h Newman"),
        ("start 17:30.", "start 17:30"),
        ("extend 1.5h!", "extend 1.5h"),
        ("ack #42", "ack #42"),
        ("start 2h (Newman)", "start 2h (Newman)"),
        ("Caf\u00e9 Nguy\u1ec5n", "Caf\u00e9 Nguy\u1ec5n"),
        ("?", "?"),
        (" ? ", "?"),
        ("??", "?"),
        ("?!", "?"),
        ("help?", "help"),
        ("!!!", ""),
        ("", ""),
        ("\U0001f600", ""),
        ("\ud800", ""),
    ],
)
def test_it_folds_and_trims_the_body(body: str, expected: str) -> None:
    text = body

    cleaned = normalize(text)

    assert cleaned == expected


@pytest.mark.parametrize(
    ("plain"),
    ["arrived", "help", "start 2h Newman", "sos car rolled", "status"],
)
def test_it_decodes_a_base64_body(plain: str) -> None:
    body = base64.b64encode(plain.encode()).decode()

    cleaned = normalize(body)

    assert cleaned == plain


@pytest.mark.parametrize(
    "body", ["SAFE", "DONE", "HOME", "INFO", "MENU", "COMMANDS", "ACKNOWLEDGED"]
)
def test_command_words_that_are_valid_base64_stay_as_written(body: str) -> None:
    text = body

    cleaned = normalize(text)

    assert cleaned == body


def test_base64_of_binary_is_left_alone() -> None:
    body = base64.b64encode(bytes(range(200, 212))).decode()

    cleaned = normalize(body)

    assert cleaned == body


@given(st.text(max_size=2000))
@settings(max_examples=300, deadline=None)
def test_normalize_never_raises_and_leaves_no_outer_spaces(body: str) -> None:
    text = body

    cleaned = normalize(text)

    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
