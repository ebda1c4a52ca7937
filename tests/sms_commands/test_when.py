from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from gateway.sms_commands.when import (
    ClockTime,
    Duration,
    WhenSpec,
    format_local,
    format_span,
    parse_when,
    resolve,
)

PERTH = ZoneInfo("Australia/Perth")
SYDNEY = ZoneInfo("Australia/Sydney")
CHICAGO = ZoneInfo("America/Chicago")
AUCKLAND = ZoneInfo("Pacific/Auckland")


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def perth(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PERTH)


@pytest.mark.parametrize(
    ("text", "spec", "used"),
    [
        ("90", Duration(90), 1),
        ("120", Duration(120), 1),
        ("5", Duration(5), 1),
        ("90m", Duration(90), 1),
        ("90 min", Duration(90), 2),
        ("90mins", Duration(90), 1),
        ("45 minutes", Duration(45), 2),
        ("2h", Duration(120), 1),
        ("2 hrs", Duration(120), 2),
        ("2hr", Duration(120), 1),
        ("2 hours", Duration(120), 2),
        ("2h30", Duration(150), 1),
        ("2h 30m", Duration(150), 2),
        ("2 hrs 30", Duration(150), 3),
        ("1.5h", Duration(90), 1),
        ("1,5h", Duration(90), 1),
        ("0.25 hours", Duration(15), 2),
        ("1 hour 15 minutes", Duration(75), 4),
        ("1 hour and 15 minutes", Duration(75), 5),
        ("1h30", Duration(90), 1),
        ("1h30min", Duration(90), 1),
        ("1:30 hrs", Duration(90), 2),
        ("10h", Duration(600), 1),
        ("17h30m", Duration(1050), 1),
        ("an hour", Duration(60), 2),
        ("half an hour", Duration(30), 3),
        ("half hour", Duration(30), 2),
        ("an hour and a half", Duration(90), 5),
        ("2 and a half hours", Duration(150), 5),
        ("two hours", Duration(120), 2),
        ("ninety min", Duration(90), 2),
        ("in 20", Duration(20), 2),
        ("for about 2 hours", Duration(120), 4),
        ("930", Duration(930), 1),
        ("1790", Duration(1790), 1),
        ("17:30", ClockTime(17, 30), 1),
        ("05:30", ClockTime(5, 30), 1),
        ("5:30", ClockTime(5, 30, ambiguous=True), 1),
        ("17.30", ClockTime(17, 30), 1),
        ("5:30pm", ClockTime(17, 30), 1),
        ("5.30pm", ClockTime(17, 30), 1),
        ("5:30 pm", ClockTime(17, 30), 2),
        ("5pm", ClockTime(17, 0), 1),
        ("5 pm", ClockTime(17, 0), 2),
        ("5 p.m.", ClockTime(17, 0), 2),
        ("7am", ClockTime(7, 0), 1),
        ("12am", ClockTime(0, 0), 1),
        ("12pm", ClockTime(12, 0), 1),
        ("17h30", ClockTime(17, 30), 1),
        ("10h30", ClockTime(10, 30), 1),
        ("1730", ClockTime(17, 30), 1),
        ("0930", ClockTime(9, 30), 1),
        ("1730hrs", ClockTime(17, 30), 1),
        ("930 hrs", ClockTime(9, 30), 2),
        ("at 5", ClockTime(5, 0, ambiguous=True), 2),
        ("until 1730", ClockTime(17, 30), 2),
        ("by 5pm", ClockTime(17, 0), 2),
        ("5 oclock", ClockTime(5, 0, ambiguous=True), 2),
        ("noon", ClockTime(12, 0), 1),
        ("midday", ClockTime(12, 0), 1),
        ("midnight", ClockTime(0, 0), 1),
        ("24:00", ClockTime(0, 0), 1),
        ("tomorrow 7am", ClockTime(7, 0, tomorrow=True), 2),
        ("tmrw 7am", ClockTime(7, 0, tomorrow=True), 2),
        ("tomorrow at 0700", ClockTime(7, 0, tomorrow=True), 3),
        ("tomorrow 7", ClockTime(7, 0, tomorrow=True, ambiguous=True), 2),
        ("7am tomorrow", ClockTime(7, 0, tomorrow=True), 2),
        ("2h Newman", Duration(120), 1),
        ("5pm camp 4", ClockTime(17, 0), 1),
        ("90, Newman", Duration(90), 1),
    ],
)
def test_it_reads_a_when_and_counts_its_words(
    text: str, spec: WhenSpec, used: int
) -> None:
    words = text.split()

    result = parse_when(words)

    assert result == (spec, used)


@pytest.mark.parametrize(
    "text",
    ["", "Newman 2h", "tomorrow", "tomorrow 2h", "1.5", "2hx", "25:00", "13:60",
     "123456", "to Newman", "glass hour", "one", "0pm", "x"],
)  # fmt: skip
def test_it_reads_no_when_from_words_that_are_not_a_time(text: str) -> None:
    words = text.split()

    result = parse_when(words)

    assert result == (None, 0)


def test_a_duration_is_added_to_now() -> None:
    now = utc(2025, 6, 13, 4, 0)

    deadline = resolve(Duration(120), now, PERTH)

    assert deadline == utc(2025, 6, 13, 6, 0)


def test_the_deadline_is_utc_whatever_zone_now_is_in() -> None:
    now = datetime(2025, 6, 13, 12, 0, tzinfo=PERTH)

    deadline = resolve(ClockTime(17, 30), now, PERTH)

    assert (deadline, deadline.tzinfo) == (utc(2025, 6, 13, 9, 30), UTC)


@pytest.mark.parametrize(
    ("spec", "now", "expected"),
    [
        (ClockTime(17, 30), perth(2025, 6, 13, 12, 0), utc(2025, 6, 13, 9, 30)),
        (ClockTime(7, 0), perth(2025, 6, 13, 12, 0), utc(2025, 6, 13, 23, 0)),
        (ClockTime(12, 0), perth(2025, 6, 13, 12, 0), utc(2025, 6, 14, 4, 0)),
        (ClockTime(0, 0), perth(2025, 6, 13, 22, 0), utc(2025, 6, 13, 16, 0)),
        (
            ClockTime(7, 0, tomorrow=True),
            perth(2025, 6, 13, 1, 0),
            utc(2025, 6, 13, 23, 0),
        ),
        (
            ClockTime(5, 30, ambiguous=True),
            perth(2025, 6, 13, 12, 0),
            utc(2025, 6, 13, 9, 30),
        ),
        (
            ClockTime(5, 30, ambiguous=True),
            perth(2025, 6, 13, 18, 0),
            utc(2025, 6, 13, 21, 30),
        ),
        (
            ClockTime(12, 15, ambiguous=True),
            perth(2025, 6, 13, 13, 0),
            utc(2025, 6, 13, 16, 15),
        ),
        (
            ClockTime(7, 0, tomorrow=True, ambiguous=True),
            perth(2025, 6, 13, 1, 0),
            utc(2025, 6, 13, 23, 0),
        ),
    ],
)
def test_clock_times_in_perth_take_the_next_occurrence(
    spec: ClockTime, now: datetime, expected: datetime
) -> None:
    zone = PERTH

    deadline = resolve(spec, now, zone)

    assert deadline == expected


# Sydney: forward at 02:00 AEST on 5 Oct 2025, back at 03:00 AEDT on 6 Apr 2025.
# Chicago: forward at 02:00 CST on 9 Mar 2025, back at 02:00 CDT on 2 Nov 2025.
# Auckland: forward at 02:00 NZST on 28 Sep 2025, back at 03:00 NZDT on 6 Apr 2025.
DST_CASES = [
    # a time in the spring-forward gap: the earlier reading
    (SYDNEY, ClockTime(2, 30), utc(2025, 10, 4, 12, 0), utc(2025, 10, 4, 15, 30)),
    # ... unless that reading is already past; then the later one
    (SYDNEY, ClockTime(2, 30), utc(2025, 10, 4, 15, 45), utc(2025, 10, 4, 16, 30)),
    (SYDNEY, ClockTime(9, 0), utc(2025, 10, 4, 10, 0), utc(2025, 10, 4, 22, 0)),
    # a time that happens twice at fall-back: the first of the two
    (SYDNEY, ClockTime(2, 30), utc(2025, 4, 5, 9, 0), utc(2025, 4, 5, 15, 30)),
    # ... or the second, once the first has passed
    (SYDNEY, ClockTime(2, 30), utc(2025, 4, 5, 15, 45), utc(2025, 4, 5, 16, 30)),
    (SYDNEY, ClockTime(9, 0), utc(2025, 4, 5, 9, 0), utc(2025, 4, 5, 23, 0)),
    (CHICAGO, ClockTime(2, 30), utc(2025, 3, 9, 4, 0), utc(2025, 3, 9, 7, 30)),
    (CHICAGO, ClockTime(7, 0), utc(2025, 3, 9, 4, 0), utc(2025, 3, 9, 12, 0)),
    (CHICAGO, ClockTime(1, 30), utc(2025, 11, 2, 4, 0), utc(2025, 11, 2, 6, 30)),
    (CHICAGO, ClockTime(1, 30), utc(2025, 11, 2, 6, 45), utc(2025, 11, 2, 7, 30)),
    (CHICAGO, ClockTime(7, 0), utc(2025, 11, 2, 4, 0), utc(2025, 11, 2, 13, 0)),
    (AUCKLAND, ClockTime(2, 15), utc(2025, 9, 27, 9, 0), utc(2025, 9, 27, 13, 15)),
    (AUCKLAND, ClockTime(2, 30), utc(2025, 4, 5, 9, 0), utc(2025, 4, 5, 13, 30)),
    (
        AUCKLAND,
        ClockTime(2, 30, tomorrow=True),
        utc(2025, 4, 5, 9, 0),
        utc(2025, 4, 5, 13, 30),
    ),
]


@pytest.mark.parametrize(("tz", "spec", "now", "expected"), DST_CASES)
def test_clock_times_across_daylight_saving_resolve_to_the_earlier_instant(
    tz: ZoneInfo, spec: ClockTime, now: datetime, expected: datetime
) -> None:
    zone = tz

    deadline = resolve(spec, now, zone)

    assert deadline == expected


def test_a_duration_across_spring_forward_is_elapsed_time() -> None:
    now = datetime(2025, 10, 5, 1, 0, tzinfo=SYDNEY)

    deadline = resolve(Duration(120), now, SYDNEY)

    assert format_local(deadline, SYDNEY) == "04:00 AEDT"


def test_a_clock_time_equal_to_now_means_tomorrow() -> None:
    now = datetime(2025, 6, 13, 17, 30, tzinfo=PERTH)

    deadline = resolve(ClockTime(17, 30), now, PERTH)

    assert deadline - now == timedelta(days=1)


@pytest.mark.parametrize(
    ("instant", "tz", "now", "shown"),
    [
        (utc(2025, 6, 13, 9, 30), PERTH, None, "17:30 AWST"),
        (utc(2025, 6, 13, 9, 30), PERTH, utc(2025, 6, 13, 4, 0), "17:30 AWST"),
        (utc(2025, 6, 13, 23, 0), PERTH, utc(2025, 6, 13, 4, 0), "Sat 07:00 AWST"),
        (utc(2025, 10, 4, 15, 30), SYDNEY, utc(2025, 10, 4, 12, 0), "Sun 01:30 AEST"),
        (utc(2025, 10, 4, 16, 30), SYDNEY, None, "03:30 AEDT"),
        (utc(2025, 11, 2, 7, 30), CHICAGO, utc(2025, 11, 2, 6, 45), "01:30 CST"),
        (utc(2025, 1, 10, 1, 0), AUCKLAND, None, "14:00 NZDT"),
        (utc(2025, 1, 10, 1, 0), ZoneInfo("UTC"), None, "01:00 UTC"),
    ],
)
def test_it_shows_the_local_time_with_the_zone_abbreviation(
    instant: datetime, tz: ZoneInfo, now: datetime | None, shown: str
) -> None:
    zone = tz

    text = format_local(instant, zone, now)

    assert text == shown


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(hours=2), "2h"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(minutes=90), "1h 30m"),
        (timedelta(minutes=1), "1 min"),
        (timedelta(seconds=30), "1 min"),
        (timedelta(seconds=29), "0 min"),
        (timedelta(0), "0 min"),
        (timedelta(minutes=-5), "0 min"),
        (timedelta(minutes=119, seconds=40), "2h"),
        (timedelta(hours=23, minutes=59), "23h 59m"),
    ],
)
def test_it_shows_a_span_compactly(delta: timedelta, shown: str) -> None:
    span = delta

    text = format_span(span)

    assert text == shown


@pytest.mark.parametrize(("tz", "spec", "now", "expected"), DST_CASES)
def test_daylight_saving_answers_hold_under_a_frozen_clock(
    tz: ZoneInfo, spec: ClockTime, now: datetime, expected: datetime
) -> None:
    # freezegun's datetimes drop `fold`; the answers must not depend on it.
    frozen = freeze_time(now)

    with frozen:
        deadline = resolve(spec, datetime.now(UTC), tz)
        shown = format_local(deadline, tz)

    assert deadline == expected
    assert shown == format_local(expected, tz)
