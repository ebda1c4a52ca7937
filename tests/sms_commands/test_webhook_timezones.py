"""Deadlines in the worker's own time zone, across both daylight-saving changes.

A clock time that does not exist (spring forward) or happens twice (fall
back) resolves to the earlier valid instant; the reply's zone abbreviation
shows the worker which one it is.
"""

from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

from gateway.models import Worker
from tests.helpers import WORKER_PHONE, make_org


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Sydney: back at 03:00 AEDT on Sun 5 Apr 2026, forward at 02:00 AEST on 4 Oct.
# Chicago: forward at 02:00 CST on Sun 8 Mar 2026, back at 02:00 CDT on 1 Nov.
# Auckland: back at 03:00 NZDT on Sun 5 Apr 2026, forward at 02:00 NZST on 27 Sep.
CASES = [
    ("Australia/Perth", utc(2026, 3, 2, 1), "START 17:30", "17:30 AWST (in 8h 30m)"),
    ("Australia/Perth", utc(2026, 3, 2, 1), "START 3h", "12:00 AWST (in 3h)"),
    # Sydney, spring forward: 02:30 does not exist; the earlier reading is 01:30.
    (
        "Australia/Sydney",
        utc(2026, 10, 3, 12),
        "START 2:30am",
        "Sun 01:30 AEST (in 3h 30m)",
    ),
    ("Australia/Sydney", utc(2026, 10, 3, 12), "START 6h", "Sun 05:00 AEDT (in 6h)"),
    ("Australia/Sydney", utc(2026, 10, 3, 12), "START 7am", "Sun 07:00 AEDT (in 8h)"),
    # Sydney, fall back: 02:30 happens twice; the first is still daylight time.
    (
        "Australia/Sydney",
        utc(2026, 4, 4, 9),
        "START 2:30am",
        "Sun 02:30 AEDT (in 6h 30m)",
    ),
    ("Australia/Sydney", utc(2026, 4, 4, 9), "START 8h", "Sun 03:00 AEST (in 8h)"),
    ("Australia/Sydney", utc(2026, 4, 4, 9), "START 7am", "Sun 07:00 AEST (in 12h)"),
    # Chicago, spring forward.
    (
        "America/Chicago",
        utc(2026, 3, 8, 4),
        "START 2:30am",
        "Sun 01:30 CST (in 3h 30m)",
    ),
    ("America/Chicago", utc(2026, 3, 8, 4), "START 7am", "Sun 07:00 CDT (in 8h)"),
    ("America/Chicago", utc(2026, 3, 8, 4), "START 5h", "Sun 04:00 CDT (in 5h)"),
    # Chicago, fall back: the first 01:30, then the second once it has passed.
    (
        "America/Chicago",
        utc(2026, 11, 1, 4),
        "START 1:30am",
        "Sun 01:30 CDT (in 2h 30m)",
    ),
    (
        "America/Chicago",
        utc(2026, 11, 1, 6, 45),
        "START 1:30am",
        "01:30 CST (in 45 min)",
    ),
    ("America/Chicago", utc(2026, 11, 1, 4), "START 3h", "Sun 01:00 CST (in 3h)"),
    # Auckland, both changes.
    (
        "Pacific/Auckland",
        utc(2026, 9, 26, 9),
        "START 2:15am",
        "Sun 01:15 NZST (in 4h 15m)",
    ),
    ("Pacific/Auckland", utc(2026, 9, 26, 9), "START 6h", "Sun 04:00 NZDT (in 6h)"),
    (
        "Pacific/Auckland",
        utc(2026, 4, 4, 9),
        "START 2:30am",
        "Sun 02:30 NZDT (in 4h 30m)",
    ),
    (
        "Pacific/Auckland",
        utc(2026, 4, 4, 9),
        "START tomorrow 9am",
        "Sun 09:00 NZST (in 12h)",
    ),
]


def _worker_in(rt, phone, zone):
    org = make_org(rt)
    with rt.db.session() as session:
        worker = session.get(Worker, org.worker_id)
        worker.timezone = zone
    return phone(WORKER_PHONE)


@pytest.mark.parametrize(("zone", "now", "body", "due"), CASES)
def test_start_shows_the_deadline_in_the_workers_zone(rt, phone, zone, now, body, due):
    jane = _worker_in(rt, phone, zone)

    with freeze_time(now):
        reply = jane.text(body)

    assert reply.startswith(f"Journey started. Due {due}.")


def test_extend_to_a_repeated_time_takes_the_first(rt, phone):
    jane = _worker_in(rt, phone, "America/Chicago")

    with freeze_time(utc(2026, 11, 1, 4)):
        jane.text("START 1h")
        reply = jane.text("EXTEND 1:30am")

    assert (
        reply == "Extended. Now due Sun 01:30 CDT (in 2h 30m). Reply ARRIVED when safe."
    )


def test_status_across_fall_back_shows_the_later_zone(rt, phone):
    jane = _worker_in(rt, phone, "Australia/Sydney")

    with freeze_time(utc(2026, 4, 4, 15)) as clock:
        jane.text("START 3h")
        clock.move_to(utc(2026, 4, 4, 16, 30))
        reply = jane.text("STATUS")

    assert reply == (
        "Journey due 04:00 AEST (in 1h 30m). Reply ARRIVED when safe or EXTEND 30m."
    )
