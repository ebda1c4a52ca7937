import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.sms_commands.parse import Command, Verb, parse
from gateway.sms_commands.when import ClockTime, Duration

V = Verb

VERBS = [
    # START
    ("start 2h Newman", V.START),
    ("Start 90", V.START),
    ("begin 2h", V.START),
    ("leaving 3h Karratha", V.START),
    ("GO 45", V.START),
    ("starting 2h", V.START),
    ("Start 2h to the bore", V.START),
    ("STRAT 2h", V.START),
    ("strat", V.START),
    # ARRIVED
    ("arrived", V.ARRIVED),
    ("Arrived safely!", V.ARRIVED),
    ("ARRIVED.", V.ARRIVED),
    ("arrive", V.ARRIVED),
    ("ok", V.ARRIVED),
    ("OK!", V.ARRIVED),
    ("okay", V.ARRIVED),
    ("Im home", V.ARRIVED),
    ("I'm home", V.ARRIVED),
    ("I\u2019m home", V.ARRIVED),
    ("i am safe", V.ARRIVED),
    ("safe", V.ARRIVED),
    ("Safe and sound", V.ARRIVED),
    ("home", V.ARRIVED),
    ("home safe", V.ARRIVED),
    ("done", V.ARRIVED),
    ("Done for the day", V.ARRIVED),
    ("in", V.ARRIVED),
    ("in safe", V.ARRIVED),
    ("checkin", V.ARRIVED),
    ("check in", V.ARRIVED),
    ("Check-in", V.ARRIVED),
    ("checked in", V.ARRIVED),
    ("ARIVED", V.ARRIVED),
    ("arrivd", V.ARRIVED),
    ("arrvied", V.ARRIVED),
    ("Hi, arrived at camp", V.ARRIVED),
    ("yes arrived", V.ARRIVED),
    ("just arrived", V.ARRIVED),
    ("arrived but car is dusty", V.ARRIVED),
    # EXTEND
    ("extend", V.EXTEND),
    ("ext 30", V.EXTEND),
    ("EXTEND 1h", V.EXTEND),
    ("extend 45 min", V.EXTEND),
    ("late 20", V.EXTEND),
    ("delay 1 hour", V.EXTEND),
    ("EXTNED 30m", V.EXTEND),
    ("extedn", V.EXTEND),
    ("more 30", V.EXTEND),
    ("more time 30", V.EXTEND),
    ("running late", V.EXTEND),
    ("I'll be late 20 min", V.EXTEND),
    ("delayed 1h", V.EXTEND),
    ("dealy 20", V.EXTEND),
    ("ok extend 30", V.EXTEND),
    # STATUS
    ("status", V.STATUS),
    ("Status?", V.STATUS),
    ("STAUS", V.STATUS),
    ("stauts", V.STATUS),
    ("when", V.STATUS),
    ("When am I due?", V.STATUS),
    # HELP
    ("help", V.HELP),
    ("HELP!", V.HELP),
    ("?", V.HELP),
    ("??", V.HELP),
    ("info", V.HELP),
    ("menu", V.HELP),
    ("commands", V.HELP),
    ("comands", V.HELP),
    ("hi help", V.HELP),
    ("help menu", V.HELP),
    # SOS
    ("sos", V.SOS),
    ("SOS!!!", V.SOS),
    ("S.O.S", V.SOS),
    ("HELP ME", V.SOS),
    ("help me please", V.SOS),
    ("help car rolled", V.SOS),
    ("please help", V.SOS),
    ("I need help", V.SOS),
    ("emergency", V.SOS),
    ("emergancy snake bite", V.SOS),
    ("mayday", V.SOS),
    ("panic", V.SOS),
    # contacts
    ("ACK 42", V.ACK),
    ("ack", V.ACK),
    ("Acknowledged", V.ACK),
    ("pass 42", V.PASS),
    ("PASS", V.PASS),
    ("resolved 42", V.RESOLVED),
    ("resolved", V.RESOLVED),
    ("RESLOVED 7", V.RESOLVED),
    ("found 42", V.RESOLVED),
    ("clear", V.RESOLVED),
    ("all clear 42", V.UNKNOWN),
    # opt-out and opt-in: only as the whole body
    ("STOP", V.OPT_OUT),
    ("stop", V.OPT_OUT),
    ("Stop.", V.OPT_OUT),
    ("STOPALL", V.OPT_OUT),
    ("UNSUBSCRIBE", V.OPT_OUT),
    ("cancel", V.OPT_OUT),
    ("END", V.OPT_OUT),
    ("quit", V.OPT_OUT),
    ("revoke", V.OPT_OUT),
    ("OPTOUT", V.OPT_OUT),
    ("stop please", V.UNKNOWN),
    ("please stop", V.UNKNOWN),
    ("cancel 2h", V.UNKNOWN),
    ("stopp", V.UNKNOWN),
    ("stop 2h", V.UNKNOWN),
    ("YES", V.OPT_IN),
    ("unstop", V.OPT_IN),
    # a closed journey must never come from a hedge or a promise
    ("home in 20", V.UNKNOWN),
    ("home soon", V.UNKNOWN),
    ("not home yet", V.UNKNOWN),
    ("I'm not ok", V.UNKNOWN),
    ("ok but bogged", V.UNKNOWN),
    ("safe but stuck at the creek", V.UNKNOWN),
    ("in the ute", V.UNKNOWN),
    ("in 2 hrs", V.UNKNOWN),
    ("I'll be home", V.UNKNOWN),
    ("will check in at 5", V.UNKNOWN),
    ("arrive 5pm", V.UNKNOWN),
    ("almost home", V.UNKNOWN),
    ("all good", V.UNKNOWN),
    ("done in 30", V.UNKNOWN),
    # real words one edit from a verb stay unknown
    ("smart", V.UNKNOWN),
    ("stare at it", V.UNKNOWN),
    ("relay 30", V.UNKNOWN),
    ("statue", V.UNKNOWN),
    ("manic monday", V.UNKNOWN),
    ("sound", V.UNKNOWN),
    ("round 2", V.UNKNOWN),
    ("checking", V.UNKNOWN),
    ("extent", V.UNKNOWN),
    # nothing recognisable
    ("hello", V.UNKNOWN),
    ("thanks mate", V.UNKNOWN),
    ("Привет", V.UNKNOWN),
    ("\u5230\u4e86", V.UNKNOWN),
    ("2h", V.UNKNOWN),
    ("Newman 2h", V.UNKNOWN),
    ("", V.EMPTY),
    ("   ", V.EMPTY),
    ("...", V.EMPTY),
    ("!!!", V.EMPTY),
    ("\U0001f44d", V.EMPTY),
    ("\U0001f600\U0001f600 \u2764\ufe0f", V.EMPTY),
    ("\u200b\u00a0", V.EMPTY),
    ("()", V.EMPTY),
    # look-alike characters
    ("\u201cArrived\u201d", V.ARRIVED),
    ("\u2018ok\u2019", V.ARRIVED),
    ("\uff33\uff34\uff21\uff34\uff35\uff33", V.STATUS),
    ("\uff21\uff32\uff32\uff29\uff36\uff25\uff24", V.ARRIVED),
    ("safe\u00a0home", V.ARRIVED),
    ("arr\u200bived", V.ARRIVED),
    ("\U0001f44d arrived \U0001f642", V.ARRIVED),
    ("\u00a0\u00a0status\u00a0", V.STATUS),
    ("arrived\n", V.ARRIVED),
    ("\tEXTEND\t30", V.EXTEND),
    ("Arrived :)", V.ARRIVED),
    # base64 bodies, and command words that happen to be valid base64
    ("YXJyaXZlZA==", V.ARRIVED),
    ("c3RhdHVz", V.STATUS),
    ("U1RBUlQgMmggTmV3bWFu", V.START),
    ("SAFE", V.ARRIVED),
    ("DONE", V.ARRIVED),
    ("HOME", V.ARRIVED),
    ("INFO", V.HELP),
    ("MENU", V.HELP),
    ("COMMANDS", V.HELP),
]


@pytest.mark.parametrize(("body", "verb"), VERBS)
def test_it_reads_the_verb(body: str, verb: Verb) -> None:
    command = parse(body)

    assert command.verb is verb


def test_the_table_covers_at_least_150_phrasings() -> None:
    bodies = [body for body, _ in VERBS]

    distinct = set(bodies)

    assert len(distinct) == len(bodies) >= 150


START_AND_EXTEND = [
    ("start 2h Newman", Duration(120), "Newman"),
    ("START 2 hrs to Port Hedland", Duration(120), "to Port Hedland"),
    ("Start 90", Duration(90), ""),
    ("start 1h30 bore run", Duration(90), "bore run"),
    ("START 17:30 site 4", ClockTime(17, 30), "site 4"),
    ("start 5pm", ClockTime(17, 0), ""),
    ("START tomorrow 7am camp", ClockTime(7, 0, tomorrow=True), "camp"),
    ("start tmrw 7am", ClockTime(7, 0, tomorrow=True), ""),
    ("start 2h, Newman to Hedland", Duration(120), "Newman to Hedland"),
    ("Start for 3 hours Marble Bar", Duration(180), "Marble Bar"),
    ("start to Newman 3h", Duration(180), "to Newman"),
    ("start site 4", None, "site 4"),
    ("start Newman", None, "Newman"),
    ("go", None, ""),
    ("start2h Newman", Duration(120), "Newman"),
    ("\uff33\uff54\uff41\uff52\uff54 \uff12\uff48", Duration(120), ""),
    ("start\u00a02h\u00a0Newman", Duration(120), "Newman"),
    ("start 2h \U0001f697 Newman", Duration(120), "Newman"),
    ("START 1.5h Tom Price", Duration(90), "Tom Price"),
    ("start 17h30 Karijini", ClockTime(17, 30), "Karijini"),
    ("start at 1730", ClockTime(17, 30), ""),
    ("start 5:30", ClockTime(5, 30, ambiguous=True), ""),
    ("extend", None, ""),
    ("ext 30", Duration(30), ""),
    ("EXTEND 1h", Duration(60), ""),
    ("extend 45 min", Duration(45), ""),
    ("late 20", Duration(20), ""),
    ("delay 1 hour", Duration(60), ""),
    ("EXTNED 30m", Duration(30), ""),
    ("extend by 30", Duration(30), ""),
    ("extend to 6pm", ClockTime(18, 0), ""),
    ("extend another hour", Duration(60), ""),
    ("ext30", Duration(30), ""),
    ("extend 30 flat tyre", Duration(30), "flat tyre"),
]


@pytest.mark.parametrize(("body", "when", "note"), START_AND_EXTEND)
def test_it_reads_the_when_and_keeps_the_note(
    body: str, when: Duration | ClockTime | None, note: str
) -> None:
    command = parse(body)

    assert (command.when, command.note) == (when, note)


@pytest.mark.parametrize(
    ("body", "note"),
    [
        ("Arrived safely!", "safely"),
        ("arrived at camp, all good", "at camp, all good"),
        ("help car rolled", "car rolled"),
        ("HELP ME", ""),
        ("help me, car rolled near Nullagine", "car rolled near Nullagine"),
        ("SOS snake bite", "snake bite"),
        ("sos", ""),
    ],
)
def test_it_keeps_the_rest_as_the_note(body: str, note: str) -> None:
    command = parse(body)

    assert command.note == note


@pytest.mark.parametrize(
    ("body", "verb", "ref"),
    [
        ("ACK 42", V.ACK, 42),
        ("ack", V.ACK, None),
        ("ack #42", V.ACK, 42),
        ("ack#42", V.ACK, 42),
        ("ACK42", V.ACK, 42),
        ("ack alert 42", V.ACK, 42),
        ("ack 42, on my way", V.ACK, 42),
        ("pass 42", V.PASS, 42),
        ("PASS #7", V.PASS, 7),
        ("resolved 42", V.RESOLVED, 42),
        ("found 42", V.RESOLVED, 42),
        ("clear #3", V.RESOLVED, 3),
        ("ack 12345678901234", V.ACK, 12345678901234),
    ],
)
def test_it_reads_the_alert_reference(body: str, verb: Verb, ref: int | None) -> None:
    command = parse(body)

    assert (command.verb, command.ref) == (verb, ref)


def test_start_alone_is_the_bare_opt_in_word() -> None:
    body = "START"

    command = parse(body)

    assert command == Command(Verb.START, "START", bare=True)


def test_start_with_a_time_is_not_bare() -> None:
    body = "start 2h"

    command = parse(body)

    assert not command.bare


def test_the_command_keeps_the_original_body() -> None:
    body = "  \u201cArrived\u201d safely!! "

    command = parse(body)

    assert command.text == body


def test_the_note_keeps_its_case_after_folding() -> None:
    body = "START 2 hrs to Port Hedland \U0001f69a"

    command = parse(body)

    assert command.note == "to Port Hedland"


def test_1600_characters_of_garbage_is_unknown() -> None:
    body = ("x7#\u00e9\u0416 \U0001f600" * 300)[:1600]

    command = parse(body)

    assert command.verb is Verb.UNKNOWN


def test_1600_repeated_arrival_words_do_not_recurse_away() -> None:
    body = ("ok " * 534)[:1600]

    command = parse(body)

    assert command.verb is Verb.ARRIVED


@given(st.text(max_size=1600))
@settings(max_examples=300, deadline=None)
def test_parse_never_raises(body: str) -> None:
    command = parse(body)

    assert isinstance(command.verb, Verb)


@given(
    st.lists(
        st.sampled_from(
            [
                "start",
                "ok",
                "in",
                "help",
                "me",
                "2h",
                "30",
                "5pm",
                "tomorrow",
                "at",
                "and",
                "half",
                "an",
                "hour",
                "#4",
                "ack",
                "17h30",
                "1730",
                "?",
                "stop",
                "home",
                "extend",
                "by",
                "not",
                "\u00a0",
                "\U0001f600",
                "1.5h",
                "noon",
            ]
        ),  # fmt: skip
        max_size=40,
    )
)
@settings(max_examples=300, deadline=None)
def test_parse_never_raises_on_command_like_words(words: list[str]) -> None:
    body = " ".join(words)

    command = parse(body)

    assert command.text == body


@pytest.mark.parametrize(
    "body",
    [
        "ok leg broken",
        "ok car rolled",
        "ok stuck",
        "ok send help",
        "done for, bleeding",
        "home stretch, flat tyre",
        "safe as houses lol broken axle",
        "😀 ok leg 🚑 broken",
        "ok bogged",
        "ok, hurt",
        "ok flat tyre, 2h late",
        "OK. Actually not ok",
    ],
)
def test_a_weak_arrival_word_with_news_of_trouble_is_no_arrival(body):
    command = parse(body)

    assert command.verb is not Verb.ARRIVED
