"""The `<when>` of START and EXTEND: read it, resolve it to a UTC deadline, show it.

Grammar decisions, each chosen for what a field worker most likely means:
- A bare number of up to three digits is minutes ("90", "120", "240"). Four
  digits that make a valid HHMM ("1730", "0930") are a 24-hour clock time:
  as minutes, 1000 to 1439 would silently pass as 17-24 hour journeys, far
  later alerts than the clock time nearly everyone means.
- "XhMM" is a duration when X has one digit ("2h30") and a 24-hour clock
  time when X has two digits up to 23 ("17h30", "10h30"), the French-style
  notation; "10h" alone stays ten hours.
- Three or four digits before an hours unit ("1730hrs") is a clock time: as
  hours it would be far beyond any journey.
- "17.30" and "5.30pm" are clock times, as often written in Australia.
- "5:30" or "5 oclock" without am/pm (hour 1-12, no leading zero) means
  whichever of 05:30 and 17:30 comes first; the earlier alert is the safe one.
"""

import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Duration:
    minutes: int


@dataclass(frozen=True)
class ClockTime:
    hour: int
    minute: int
    tomorrow: bool = False
    # Written without am/pm: the next of hour and hour + 12 is meant.
    ambiguous: bool = False


WhenSpec = Duration | ClockTime

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse_when(words: list[str]) -> tuple[WhenSpec | None, int]:
    """Read a `<when>` at the start of words; return it and the words it used.

    Returns (None, 0) when the words do not start with a time.
    """
    tokens = _tokenize(words[:_MAX_WORDS])
    reading = _read(tokens)
    if reading is None:
        return None, 0

    spec, used = reading
    return spec, tokens[used - 1].word + 1


def resolve(spec: WhenSpec, now: datetime, tz: ZoneInfo) -> datetime:
    """The deadline for spec as an aware UTC datetime, given now (aware)."""
    now = now.astimezone(UTC)
    if isinstance(spec, Duration):
        return now + timedelta(minutes=spec.minutes)

    today = now.astimezone(tz).date()
    hours = {spec.hour % 24}
    if spec.ambiguous:
        hours = {spec.hour % 12, spec.hour % 12 + 12}
    if spec.tomorrow:
        return min(_instants(today + timedelta(days=1), hours, spec.minute, tz))

    # A time already past today (or right now) means the same time tomorrow.
    upcoming = [
        instant
        for day in (today, today + timedelta(days=1))
        for instant in _instants(day, hours, spec.minute, tz)
        if instant > now
    ]
    return min(upcoming)


def _instants(day: date, hours: set[int], minute: int, tz: ZoneInfo) -> list[datetime]:
    # Each wall time read with the offsets in force a day before and after:
    # in a fall-back overlap both readings come back to that wall time, in a
    # spring-forward gap neither does and they straddle it; callers take the
    # earliest that fits. Offsets are looked up rather than taken from the
    # `fold` attribute, which freezegun's datetimes silently drop.
    readings = []
    for hour in hours:
        wall = datetime.combine(day, time(hour, minute))
        around = {_offset(wall + timedelta(days=side), tz) for side in (-1, 1)}
        instants = [(wall - offset).replace(tzinfo=UTC) for offset in around]
        exact = [i for i in instants if to_local(i, tz).replace(tzinfo=None) == wall]
        readings += exact or instants
    return readings


def _offset(wall: datetime, tz: ZoneInfo) -> timedelta:
    offset = wall.replace(tzinfo=tz).utcoffset()
    assert offset is not None
    return offset


def to_local(instant: datetime, tz: ZoneInfo) -> datetime:
    """Instant as local time in tz, with the right offset and abbreviation even
    inside a fall-back overlap."""
    return tz.fromutc(instant.astimezone(UTC).replace(tzinfo=tz))


def format_local(instant: datetime, tz: ZoneInfo, now: datetime | None = None) -> str:
    """Local time and zone abbreviation, "17:30 AWST"; with the weekday,
    "Sat 07:00 AWST", when instant falls on a later local date than now."""
    local = to_local(instant, tz)
    shown = f"{local:%H:%M} {local.tzname()}"
    if now is not None and local.date() > now.astimezone(tz).date():
        return f"{_WEEKDAYS[local.weekday()]} {shown}"
    return shown


def format_span(delta: timedelta) -> str:
    """A compact span rounded to the minute: "2h", "1h 30m", "45 min"."""
    minutes = math.floor(delta.total_seconds() / 60 + 0.5)
    if minutes < 60:
        return f"{max(minutes, 0)} min"

    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes}m" if minutes else f"{hours}h"


# The grammar. Words are split into tokens ("2h30" -> "2", "h", "30"), each
# remembering its word, so a reading can be required to end between words.

_MAX_WORDS = 8
_HOUR_UNITS = frozenset({"h", "hr", "hrs", "hour", "hours", "hs"})
_MINUTE_UNITS = frozenset({"m", "min", "mins", "minute", "minutes", "mn"})
_TOMORROW = frozenset({"tomorrow", "tmrw", "tmr", "tmw", "tomoz", "tomorow"})
# After these a bare number is an hour of the clock: "at 5", "until 1730".
_CLOCK_PREFIXES = frozenset({"at", "until", "till", "til", "to"})
_PREFIXES = _CLOCK_PREFIXES | {"in", "for", "by", "about", "around", "approx", "today"}
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "ninety": 90,
}  # fmt: skip
_TOKEN = re.compile(r"\d+(?:[.:,]\d+)?|[a-z]+|.")
_EDGES = re.compile(r"^[^\w]+|[^\w]+$")


@dataclass(frozen=True)
class _Token:
    text: str
    word: int


def _tokenize(words: list[str]) -> list[_Token]:
    tokens = []
    for index, word in enumerate(words):
        cleaned = _EDGES.sub("", word.lower()).replace("'", "")
        # "p.m." and "5p.m" lose their dots so the suffix reads as one token.
        cleaned = re.sub(r"([ap])\.m\.?$", r"\1m", cleaned)
        tokens += [_Token(text, index) for text in _TOKEN.findall(cleaned)]
    return tokens


def _ends_word(tokens: list[_Token], used: int) -> bool:
    return used == len(tokens) or tokens[used].word != tokens[used - 1].word


def _read(tokens: list[_Token]) -> tuple[WhenSpec, int] | None:
    pos, clock_first = 0, False
    while pos < min(len(tokens), 2) and tokens[pos].text in _PREFIXES:
        clock_first |= tokens[pos].text in _CLOCK_PREFIXES
        pos += 1
    if _text(tokens, pos) in _TOMORROW:
        return _read_tomorrow(tokens, pos + 1)

    clock = _clock(tokens, pos, bare_is_clock=clock_first)
    if clock is not None and _ends_word(tokens, clock[1]):
        return _with_tomorrow_after(tokens, *clock)
    duration = _duration(tokens, pos)
    if duration is not None and _ends_word(tokens, duration[1]):
        return duration
    return None


def _read_tomorrow(tokens: list[_Token], pos: int) -> tuple[WhenSpec, int] | None:
    if pos < len(tokens) and tokens[pos].text == "at":
        pos += 1
    reading = _clock(tokens, pos, bare_is_clock=True)
    if reading is None or not _ends_word(tokens, reading[1]):
        return None
    spec, used = reading
    return replace(spec, tomorrow=True), used


def _with_tomorrow_after(
    tokens: list[_Token], spec: WhenSpec, used: int
) -> tuple[WhenSpec, int]:
    # "7am tomorrow" as well as "tomorrow 7am".
    follows = used < len(tokens) and tokens[used].text in _TOMORROW
    if isinstance(spec, ClockTime) and follows and _ends_word(tokens, used + 1):
        return replace(spec, tomorrow=True), used + 1
    return spec, used


def _text(tokens: list[_Token], pos: int) -> str:
    return tokens[pos].text if pos < len(tokens) else ""


def _clock(
    tokens: list[_Token], pos: int, bare_is_clock: bool = False
) -> tuple[ClockTime, int] | None:
    text, after = _text(tokens, pos), _text(tokens, pos + 1)
    if text in ("noon", "midday"):
        return ClockTime(12, 0), pos + 1
    if text == "midnight":
        return ClockTime(0, 0), pos + 1
    if not text[:1].isdigit() or after in _MINUTE_UNITS:
        return None

    if after in ("am", "pm"):
        return _twelve_hour(text, after == "pm", pos + 2)
    if re.fullmatch(r"\d{1,2}[:.]\d\d", text) and after not in _HOUR_UNITS:
        return _hour_minute(text[:-3], text[-2:], pos + 1)
    if after == "oclock" and text.isdigit():
        return _hour_minute(text, "00", pos + 2)
    return _clock_digits(tokens, pos, bare_is_clock)


def _twelve_hour(text: str, pm: bool, used: int) -> tuple[ClockTime, int] | None:
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d\d))?", text)
    if match is None:
        return None

    hour, minute = int(match[1]), int(match[2] or 0)
    if minute > 59 or not 0 < hour <= 23:
        return None
    # "17:30pm" is forgiven; 12am is midnight and 12pm is noon.
    if hour <= 12:
        hour = hour % 12 + (12 if pm else 0)
    return ClockTime(hour, minute), used


def _hour_minute(
    hour_text: str, minute_text: str, used: int
) -> tuple[ClockTime, int] | None:
    hour, minute = int(hour_text), int(minute_text)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        return None

    ambiguous = 1 <= hour <= 12 and not hour_text.startswith("0")
    return ClockTime(hour % 24, minute, ambiguous=ambiguous), used


def _clock_digits(
    tokens: list[_Token], pos: int, bare_is_clock: bool
) -> tuple[ClockTime, int] | None:
    text, after = tokens[pos].text, _text(tokens, pos + 1)
    if not text.isdigit():
        return None
    if (
        len(text) == 2
        and after == "h"
        and re.fullmatch(r"\d\d", _text(tokens, pos + 2))
    ):
        # "17h30": the 24-hour notation; "2h30" (one digit) is a duration.
        if tokens[pos + 2].word != tokens[pos].word:
            return None
        return _exact(_hour_minute(text, tokens[pos + 2].text, pos + 3))
    three_as_clock = text[0] == "0" or after in _HOUR_UNITS or bare_is_clock
    if len(text) == 4 or (len(text) == 3 and three_as_clock):
        used = pos + (2 if after in _HOUR_UNITS else 1)
        return _exact(_hour_minute(text[:-2], text[-2:], used))
    if bare_is_clock and len(text) <= 2 and after not in _HOUR_UNITS:
        return _hour_minute(text, "00", pos + 1)
    return None


def _exact(reading: tuple[ClockTime, int] | None) -> tuple[ClockTime, int] | None:
    # 24-hour notations ("17h30", "0930hrs") leave no am/pm doubt.
    if reading is None:
        return None
    return replace(reading[0], ambiguous=False), reading[1]


def _duration(tokens: list[_Token], pos: int) -> tuple[Duration, int] | None:
    if _text(tokens, pos) in ("hour", "hr"):
        # "extend another hour"
        return Duration(60), pos + 1
    hours = _amount_with_unit(tokens, pos, _HOUR_UNITS)
    if hours is None:
        minutes = _amount_with_unit(tokens, pos, _MINUTE_UNITS)
        if minutes is not None:
            return Duration(_round(minutes[0])), minutes[1]
        return _bare_minutes(tokens, pos)

    total, used = hours
    skip = 1 if _text(tokens, used) == "and" else 0
    extra = _trailing_minutes(tokens, used + skip)
    if extra is not None:
        return Duration(_round(total + extra[0])), extra[1]
    return Duration(_round(total)), used


def _trailing_minutes(tokens: list[_Token], pos: int) -> tuple[float, int] | None:
    minutes = _amount_with_unit(tokens, pos, _MINUTE_UNITS)
    if minutes is not None:
        return minutes

    # "2h30" glued, or "2 hrs 30" as the last word; "2h 15 Smith St" keeps the
    # 15 in the note because a street number is likelier than a bare minute.
    text = _text(tokens, pos)
    if not re.fullmatch(r"\d\d", text) or int(text) > 59:
        return None
    glued = tokens[pos].word == tokens[pos - 1].word
    last = pos + 1 == len(tokens)
    return (float(text), pos + 1) if glued or last else None


def _amount_with_unit(
    tokens: list[_Token], pos: int, units: frozenset[str]
) -> tuple[float, int] | None:
    text = _text(tokens, pos)
    if text == "half":
        # "half an hour", "half hour"
        skip = 1 if _text(tokens, pos + 1) in ("a", "an") else 0
        unit_ok = _text(tokens, pos + 1 + skip) in units
        return (30.0, pos + 2 + skip) if unit_ok and units is _HOUR_UNITS else None

    amount = _number(text)
    if amount is None:
        return None
    # "2 and a half hours", "an hour and a half"
    half_before = _and_a_half(tokens, pos + 1)
    pos += 4 if half_before else 1
    if _text(tokens, pos) not in units:
        return None

    half_after = units is _HOUR_UNITS and _and_a_half(tokens, pos + 1)
    amount += 0.5 if half_before or half_after else 0
    pos += 4 if half_after else 1
    return (amount * 60 if units is _HOUR_UNITS else amount), pos


def _and_a_half(tokens: list[_Token], pos: int) -> bool:
    return [_text(tokens, pos + i) for i in range(3)] == ["and", "a", "half"]


def _number(text: str) -> float | None:
    if text in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[text])
    if re.fullmatch(r"\d{1,5}", text):
        return float(text)
    if re.fullmatch(r"\d{1,3}[.,]\d{1,3}", text):
        return float(text.replace(",", "."))
    if re.fullmatch(r"\d{1,2}:\d\d", text):
        # "1:30 hrs"
        return int(text[:-3]) + int(text[-2:]) / 60
    return None


def _bare_minutes(tokens: list[_Token], pos: int) -> tuple[Duration, int] | None:
    text = _text(tokens, pos)
    if re.fullmatch(r"\d{1,5}", text):
        return Duration(int(text)), pos + 1
    return None


def _round(minutes: float) -> int:
    return math.floor(minutes + 0.5)
