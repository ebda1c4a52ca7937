"""Every verb and alias through the signed webhook, with the exact reply.

The clock is frozen at T0, Monday 2 March 2026, 09:00 in Perth (AWST).
"""

import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from gateway.models import AuditEvent, Journey
from tests.helpers import T0, WORKER_PHONE, make_org

STARTED = "Reply ARRIVED when safe or EXTEND 30m for more time."
NO_JOURNEY = "You have no active journey. Text START 2h Newman to start one."
HELP = (
    "START 2h note | ARRIVED | EXTEND 30m | STATUS | SOS for help now. "
    "Times: 90, 2h30, 17:30, 5pm, tomorrow 7am."
)
SOS = (
    "SOS sent to all your contacts. Stay where you are if you can. "
    "Text again with details."
)
WELCOME = "Welcome back. Journey closed at 09:00 AWST."


def started(due: str) -> str:
    return f"Journey started. Due {due}. {STARTED}"


def extended(due: str) -> str:
    return f"Extended. Now due {due}. Reply ARRIVED when safe."


START_CASES = [
    ("START 2h Newman", started("11:00 AWST (in 2h)")),
    ("begin 90", started("10:30 AWST (in 1h 30m)")),
    ("LEAVING 90 min", started("10:30 AWST (in 1h 30m)")),
    ("go 90m", started("10:30 AWST (in 1h 30m)")),
    ("Go 2 hrs", started("11:00 AWST (in 2h)")),
    ("start 2h30", started("11:30 AWST (in 2h 30m)")),
    ("Start 2h 30m Marble Bar", started("11:30 AWST (in 2h 30m)")),
    ("START 1.5h", started("10:30 AWST (in 1h 30m)")),
    ("START 1 hour 15 minutes", started("10:15 AWST (in 1h 15m)")),
    ("START 17:30", started("17:30 AWST (in 8h 30m)")),
    ("START 5:30pm site 4", started("17:30 AWST (in 8h 30m)")),
    ("START 5pm", started("17:00 AWST (in 8h)")),
    ("START 17h30", started("17:30 AWST (in 8h 30m)")),
    ("START noon", started("12:00 AWST (in 3h)")),
    ("START tomorrow 7am", started("Tue 07:00 AWST (in 22h)")),
    ("START 8am", started("Tue 08:00 AWST (in 23h)")),
    ("START 5:30", started("17:30 AWST (in 8h 30m)")),
    ("START 24h", started("Tue 09:00 AWST (in 24h)")),
    ("START 5", started("09:05 AWST (in 5 min)")),
    (
        "START 4",
        "Too short: a journey must last at least 5 min. e.g. START 2h",
    ),
    (
        "START 25h",
        "Too long: a journey can last at most 24h from now "
        "(until Tue 09:00 AWST). e.g. START 2h",
    ),
    ("START Newman", "How long? e.g. START 2h Newman, or a clock time like START 5pm."),
    ("START", "To start a journey, text START and a time, e.g. START 2h Newman."),
]

ACTIVE_CASES = [
    (
        "START 2h",
        "Not started: your journey is due 10:00 AWST (in 1h). "
        "Reply ARRIVED to close it or EXTEND 30m for more time.",
    ),
    (
        "START",
        "Not started: your journey is due 10:00 AWST (in 1h). "
        "Reply ARRIVED to close it or EXTEND 30m for more time.",
    ),
    *[
        (word, WELCOME)
        for word in (
            "ARRIVED",
            "arrive",
            "Safe",
            "in",
            "OK",
            "done",
            "home",
            "checkin",
            "check in",
            "I'm home",
            "arrived Newman",
        )
    ],  # fmt: skip
    ("EXTEND", extended("10:30 AWST (in 1h 30m)")),
    ("ext 1h", extended("11:00 AWST (in 2h)")),
    ("DELAY 45", extended("10:45 AWST (in 1h 45m)")),
    ("late 20m", extended("10:20 AWST (in 1h 20m)")),
    ("more 30", extended("10:30 AWST (in 1h 30m)")),
    ("EXTEND 17:30", extended("17:30 AWST (in 8h 30m)")),
    ("extend 2pm", extended("14:00 AWST (in 5h)")),
    (
        "EXTEND 24h",
        "Too long: a journey can last at most 24h from now "
        "(until Tue 09:00 AWST). e.g. EXTEND 30m",
    ),
    (
        "EXTEND 09:02",
        "Too short: a journey must last at least 5 min. e.g. EXTEND 30m",
    ),
    (
        "status",
        "Journey due 10:00 AWST (in 1h). Reply ARRIVED when safe or EXTEND 30m.",
    ),
    ("WHEN", "Journey due 10:00 AWST (in 1h). Reply ARRIVED when safe or EXTEND 30m."),
    *[(word, HELP) for word in ("HELP", "info", "?", "Menu", "commands")],
    *[
        (word, SOS)
        for word in ("SOS", "emergency", "MAYDAY", "panic", "help me", "HELP bogged")
    ],
]

IDLE_CASES = [
    ("STATUS", NO_JOURNEY),
    ("ARRIVED", NO_JOURNEY),
    ("EXTEND 30", NO_JOURNEY),
    ("HELP", HELP),
    ("blah blah", "Sorry, I did not understand that. Text HELP for commands."),
    ("SOS", SOS),
]


@pytest.fixture
def jane(rt, phone):
    make_org(rt)
    return phone(WORKER_PHONE)


@pytest.mark.parametrize(("body", "expected"), START_CASES)
def test_start_replies_with_the_deadline_or_the_rule(jane, body, expected):
    with freeze_time(T0):
        reply = jane.text(body)

    assert reply == expected


@pytest.mark.parametrize(("body", "expected"), ACTIVE_CASES)
def test_commands_during_a_journey_reply_with_the_outcome(jane, body, expected):
    with freeze_time(T0):
        jane.text("START 1h")

        reply = jane.text(body)

    assert reply == expected


@pytest.mark.parametrize(("body", "expected"), IDLE_CASES)
def test_commands_without_a_journey_say_so(jane, body, expected):
    with freeze_time(T0):
        reply = jane.text(body)

    assert reply == expected


def test_start_while_active_keeps_the_first_journey(rt, jane):
    with freeze_time(T0):
        jane.text("START 1h Newman")

        jane.text("START 5h Hedland")

    with rt.db.session() as session:
        journeys = session.scalars(select(Journey)).all()
    assert [(j.note, j.state) for j in journeys] == [("Newman", "active")]


def test_a_second_arrived_says_when_it_was_closed(jane):
    with freeze_time(T0) as clock:
        jane.text("START 1h")
        clock.tick(timedelta(minutes=42))
        jane.text("ARRIVED")
        clock.tick(timedelta(minutes=5))

        again = jane.text("ARRIVED")

    assert again == (
        "Already closed at 09:42 AWST. Text START 2h Newman to start a new journey."
    )


def test_arrived_the_next_day_names_the_day_it_closed(jane):
    with freeze_time(T0) as clock:
        jane.text("START 1h")
        clock.tick(timedelta(hours=14, minutes=30))
        jane.text("ARRIVED")
        clock.tick(timedelta(hours=2))

        again = jane.text("ARRIVED")

    assert again.startswith("Already closed at Mon 23:30 AWST.")


def test_a_repeated_webhook_gets_the_same_reply_and_one_change(rt, jane):
    with freeze_time(T0):
        jane.text("START 1h")
        first = jane.text("ARRIVED", sid="SM" + "a" * 32)

        second = jane.text("ARRIVED", sid="SM" + "a" * 32)

    assert first == second == WELCOME
    with rt.db.session() as session:
        closes = session.scalar(
            select(func.count()).where(AuditEvent.action == "journey.closed")
        )
    assert closes == 1


def test_a_repeated_start_webhook_opens_one_journey(rt, jane):
    with freeze_time(T0):
        first = jane.text("START 2h", sid="SM" + "b" * 32)

        second = jane.text("START 2h", sid="SM" + "b" * 32)

    assert first == second == started("11:00 AWST (in 2h)")
    with rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Journey)) == 1


def test_extend_alone_adds_the_policy_default(rt, phone):
    make_org(rt, default_extend_s=45 * 60)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0):
        jane.text("START 1h")
        reply = jane.text("EXTEND")

    assert reply == extended("10:45 AWST (in 1h 45m)")


def test_extend_after_the_deadline_counts_from_now(jane):
    with freeze_time(T0) as clock:
        jane.text("START 1h")
        clock.tick(timedelta(minutes=70))

        reply = jane.text("EXTEND 30")

    assert reply == extended("10:40 AWST (in 30 min)")


def test_extend_at_the_longest_offers_what_is_left(jane):
    with freeze_time(T0):
        jane.text("START 23h50m")

        reply = jane.text("EXTEND")

    assert reply == (
        "Too long: a journey can last at most 24h from now "
        "(until Tue 09:00 AWST). e.g. EXTEND 10m"
    )


def test_status_after_the_deadline_says_how_late(jane):
    with freeze_time(T0) as clock:
        jane.text("START 1h")
        clock.tick(timedelta(minutes=80))

        reply = jane.text("STATUS")

    assert reply == (
        "Your journey was due 10:00 AWST, 20 min ago. Reply ARRIVED or EXTEND 30m now."
    )


@pytest.mark.parametrize(
    ("policy", "body", "expected"),
    [
        (
            {"min_journey_s": 1800, "max_journey_s": 8 * 3600},
            "START 10",
            "Too short: a journey must last at least 30 min. e.g. START 2h",
        ),
        (
            {"min_journey_s": 1800, "max_journey_s": 8 * 3600},
            "START 12h",
            "Too long: a journey can last at most 8h from now "
            "(until 17:00 AWST). e.g. START 2h",
        ),
        (
            {"max_journey_s": 3600},
            "START 5pm",
            "Too long: a journey can last at most 1h from now "
            "(until 10:00 AWST). e.g. START 1h",
        ),
        (
            {"min_journey_s": 3 * 3600},
            "START 1h",
            "Too short: a journey must last at least 3h. e.g. START 3h",
        ),
    ],
)
def test_refusals_state_the_policy_limit(rt, phone, policy, body, expected):
    make_org(rt, **policy)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0):
        reply = jane.text(body)

    assert reply == expected


@pytest.mark.parametrize(
    "policy",
    [
        {"max_journey_s": 3600},
        {"min_journey_s": 3 * 3600},
        {"min_journey_s": 150 * 60},
        {"max_journey_s": 45 * 60},
    ],
)
def test_the_example_in_a_refusal_is_accepted(rt, phone, policy):
    make_org(rt, **policy)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0):
        refusal = jane.text("START 30h")
        example = re.search(r"e\.g\. (START \S+)", refusal)
        assert example is not None
        reply = jane.text(example[1])

    assert reply.startswith("Journey started.")


def test_a_long_note_is_kept_to_the_limit_and_the_reply_says_so(rt, jane):
    note = "Newman " * 40

    with freeze_time(T0):
        reply = jane.text(f"START 2h {note}")

    assert reply == (
        f"Journey started. Due 11:00 AWST (in 2h). Note cut to 200 chars. {STARTED}"
    )
    with rt.db.session() as session:
        kept = session.scalars(select(Journey.note)).one()
    assert kept == note.strip()[:200]


NORMALISED = [
    ("\u201cSTART\u201d 2h Newman", started("11:00 AWST (in 2h)")),
    ("START\u00a02h", started("11:00 AWST (in 2h)")),
    ("ST\u200bART 2h", started("11:00 AWST (in 2h)")),
    ("\uff33\uff34\uff21\uff32\uff34\u3000\uff12\uff48", started("11:00 AWST (in 2h)")),
    ("start 2h!!!", started("11:00 AWST (in 2h)")),
    ("\U0001f697 START 2h \U0001f44d", started("11:00 AWST (in 2h)")),
    ("U1RBUlQgMmggTmV3bWFu", started("11:00 AWST (in 2h)")),
    ("STRAT 2h", started("11:00 AWST (in 2h)")),
    ("  status?? ", NO_JOURNEY),
    ("\u00bfhelp?", HELP),
]


@pytest.mark.parametrize(("body", "expected"), NORMALISED)
def test_look_alike_characters_and_typos_still_work(jane, body, expected):
    with freeze_time(T0):
        reply = jane.text(body)

    assert reply == expected


@pytest.mark.parametrize(
    "body", ["ARIVED", "arrived!!!", "ARRIVED \U0001f44d", "\u2018arrived\u2019"]
)
def test_arrival_survives_typos_punctuation_and_emoji(jane, body):
    with freeze_time(T0):
        jane.text("START 1h")

        reply = jane.text(body)

    assert reply == WELCOME


def test_a_typo_in_extend_still_extends(jane):
    with freeze_time(T0):
        jane.text("START 1h")

        reply = jane.text("EXTNED 30")

    assert reply == extended("10:30 AWST (in 1h 30m)")
