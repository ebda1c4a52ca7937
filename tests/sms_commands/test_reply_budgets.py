"""Every template at its longest stays within its segment budget, in GSM-7.

Worker replies: one segment. Alerts: two. The longest inputs are the limits
the directory enforces, the widest zone abbreviations and time spans.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway import directory
from gateway.escalation import messages
from gateway.gsm7 import is_gsm7, segments
from gateway.inbound import STRANGER_REPLY
from gateway.sms_commands import contacts, replies
from gateway.sms_commands.when import format_span

# Five-character abbreviations ("+0845", "+0545") are the widest tzdata has.
ZONES = [ZoneInfo("Australia/Eucla"), ZoneInfo("Asia/Kathmandu")]
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=23, minutes=59)
EARLIER = NOW - timedelta(hours=71, minutes=59)
LONGEST = timedelta(hours=71, minutes=59)
REF = 9_999_999_999
MANY = 999
EXAMPLE = replies.as_input(LONGEST)


def worker_replies(tz: ZoneInfo) -> list[str]:
    return [
        replies.started(LATER, tz, NOW, cut=True),
        replies.already_active(LATER, tz, NOW),
        replies.already_active(EARLIER, tz, NOW),
        replies.arrived(NOW, tz, told=MANY),
        replies.stood_down(MANY),
        replies.stood_down(0),
        replies.already_closed(EARLIER, tz, NOW, EXAMPLE),
        replies.no_journey(EXAMPLE),
        replies.extended(LATER, tz, NOW, told=MANY),
        replies.status(LATER, tz, NOW, alerted=False),
        replies.status(EARLIER, tz, NOW, alerted=True),
        replies.status(EARLIER, tz, NOW, alerted=False),
        replies.alert_open(REF, MANY),
        replies.need_time(EXAMPLE),
        replies.too_short(LONGEST, "EXTEND", EXAMPLE),
        replies.too_long(LONGEST, "Sat 23:59 +0845", "EXTEND", EXAMPLE),
        replies.at_longest(LATER, tz, NOW),
        replies.help_text(),
        replies.opt_in(EXAMPLE),
        replies.how_to_start(EXAMPLE),
        replies.sos_sent(0),
        replies.sos_sent(MANY),
        replies.sos_open(REF, MANY),
        replies.relayed(0),
        replies.relayed(MANY),
        replies.not_understood(),
        replies.confirm_first(),
        replies.text_your_code(),
        STRANGER_REPLY,
        contacts.help_text([REF]),
        contacts.help_text([]),
        contacts.hint([], contacts.Verb.SOS),
        contacts.hint([REF], contacts.Verb.ARRIVED),
        contacts.hint([REF - 2, REF - 1, REF], contacts.Verb.STATUS),
        contacts.BACK_ON,
        messages.reminder(LATER, tz, NOW),
        messages.overdue(LATER, tz, NOW),
    ]


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_every_worker_reply_is_one_gsm7_segment_at_its_longest(tz):
    texts = worker_replies(tz)

    too_long = [text for text in texts if segments(text) > 1 or not is_gsm7(text)]

    assert too_long == []
    assert any(format_span(LONGEST) in text for text in texts)


# Letters outside GSM-7 in every position, at the directory's limits.
FIRST = "Ŵiktōrija-Łucja Ąnna" * 2
LAST = "Nguyễn-Oʻbrien Çelik" * 2 + "x" * (directory.NAME_MAX - 40)
CONTACT = ("Đorđe Šćepanović " * 4)[: directory.CONTACT_NAME_MAX]
NOTE = ("Newman → Hedland via Ŵittenoom gorge “the short way” 🚙 " * 5)[
    : directory.NOTE_MAX
]


@pytest.mark.parametrize("kind", ["overdue", "sos"])
@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_an_alert_at_its_longest_is_two_gsm7_segments(tz, kind):
    name = f"{FIRST[: directory.NAME_MAX]} {LAST[: directory.NAME_MAX]}"

    text = messages.alert(
        ref=REF,
        kind=kind,
        name=name,
        phone="+" + "9" * 15,
        since=EARLIER,
        note=NOTE,
        tz=tz,
        now=NOW,
    )

    assert is_gsm7(text)
    assert segments(text) <= messages.ALERT_SEGMENTS
    assert "Reply ACK 9999999999 to take it" in text


def test_notices_to_contacts_at_their_longest_stay_within_two_segments():
    worker = f"{FIRST[: directory.NAME_MAX]} {LAST[: directory.NAME_MAX]}"

    texts = [
        messages.taken(ref=REF, worker=worker, contact=CONTACT),
        messages.all_clear(
            ref=REF, worker=worker, reason=f"was marked safe by {CONTACT}"
        ),
        messages.unreached(ref=REF, worker=worker),
    ]

    assert all(is_gsm7(text) and segments(text) <= 2 for text in texts)


def test_the_directory_refuses_names_beyond_the_limits(rt):
    long_name = "A" * (directory.NAME_MAX + 1)

    with rt.db.session() as session:
        org = directory.create_org(session, "Pilbara Survey", "Australia/Perth", "AU")
        with pytest.raises(directory.DirectoryError, match="at most 40"):
            directory.add_worker(session, org, first=long_name, last="Nguyen")
        with pytest.raises(directory.DirectoryError, match="at most 60"):
            directory.add_contact(
                session, org, name="B" * 61, phone="+61491570156", level=1
            )
        with pytest.raises(directory.DirectoryError, match="1 to 40"):
            directory.create_org(session, "C" * 41, "Australia/Perth", "AU")


def test_the_fitter_cuts_an_overlong_text_to_one_segment():
    text = "Ŵ" + "x" * 300

    fitted = replies.fit(text)

    assert fitted.startswith("Wxxx") and fitted.endswith("...")
    assert segments(fitted) == 1 and is_gsm7(fitted)


def test_a_whole_story_at_the_longest_stays_in_budget(rt, phone, caplog):
    from freezegun import freeze_time
    from sqlalchemy import select

    from gateway.models import Outbox, Worker
    from gateway.verification import codes
    from tests.helpers import SAM, T0, WORKER_PHONE, run_jobs

    with rt.db.session() as session:
        org = directory.create_org(session, "Ŵ" * directory.ORG_NAME_MAX, "UTC", "AU")
        worker = directory.add_worker(
            session,
            org,
            first=FIRST[: directory.NAME_MAX],
            last=LAST[: directory.NAME_MAX],
            phone=WORKER_PHONE,
            timezone="Australia/Eucla",
        )
        directory.add_contact(session, org, name=CONTACT, phone=SAM, level=1)
        code = codes.issue(session, worker, rt.settings.secret_key, actor="test")
        last = worker.last_name
    jane, sam = phone(WORKER_PHONE), phone(SAM)

    with freeze_time(T0) as clock:
        jane.text(code)
        jane.text(last)
        jane.text(f"START tomorrow 8:44am {NOTE} {NOTE}")
        clock.tick(timedelta(hours=24, minutes=20))
        run_jobs(rt)
        jane.text("status")
        sam.text("ACK")
        sam.text("PASS")
        jane.text(f"SOS {NOTE}")
        jane.text(NOTE * 8)
        sam.text("HELP")
        sam.text("RESOLVED 1")
        sam.text(f"RESOLVED 2 {NOTE}")
        run_jobs(rt)

    with rt.db.session() as session:
        sent = session.execute(select(Outbox.kind, Outbox.body)).all()
        assert session.get(Worker, worker.id) is not None
    kinds = {kind for kind, _ in sent}
    assert {"reply", "alert", "notice", "all_clear"} <= kinds
    assert all(is_gsm7(body) for _, body in sent)
    assert [b for k, b in sent if k != "reply" and segments(b) > 2] == []
    assert [b for k, b in sent if k == "reply" and segments(b) > 1] == []
    assert "cut to one segment" not in caplog.text
    assert sent[1].body.endswith("e.g. START 2h Newman.")
