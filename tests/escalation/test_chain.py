"""The whole escalation chain in one process: the webhook, RQ jobs run by an
in-process burst worker with its scheduler, and a frozen clock."""

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from gateway.models import Alert, AuditEvent, Outbox
from tests.helpers import ALEX, SAM, T0, WORKER_PHONE, make_org, run_jobs

PAT = "+61491570158"


def kinds_to(rt, number):
    with rt.db.session() as session:
        return list(
            session.scalars(
                select(Outbox.kind)
                .where(Outbox.to_phone == number, Outbox.kind != "reply")
                .where(Outbox.status != "cancelled")
                .order_by(Outbox.id)
            )
        )


def only_alert(rt):
    with rt.db.session() as session:
        return session.scalars(select(Alert)).one()


def at(clock, minutes, rt):
    clock.move_to(T0 + timedelta(minutes=minutes))
    run_jobs(rt)


def test_silence_runs_reminder_overdue_levels_and_repeats(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 1h Newman")
        at(clock, 49, rt)
        before_reminder = kinds_to(rt, WORKER_PHONE)
        at(clock, 50, rt)
        at(clock, 60, rt)
        at(clock, 74, rt)
        before_alert = kinds_to(rt, SAM)
        at(clock, 75, rt)
        at(clock, 90, rt)
        at(clock, 105, rt)
        at(clock, 120, rt)

    assert before_reminder == []
    assert kinds_to(rt, WORKER_PHONE) == ["reminder", "overdue"]
    assert before_alert == []
    assert kinds_to(rt, SAM) == ["alert", "alert", "alert"]
    assert kinds_to(rt, ALEX) == ["alert", "alert", "alert"]
    assert only_alert(rt).level == 4


def test_policy_timings_are_honoured(rt, phone):
    make_org(
        rt, reminder_s=300, grace_s=120, level_delay_s=60, repeat_s=600, bound=True
    )
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        at(clock, 54, rt)
        reminded_early = kinds_to(rt, WORKER_PHONE)
        at(clock, 55, rt)
        at(clock, 60, rt)
        at(clock, 62, rt)
        at(clock, 63, rt)
        at(clock, 72, rt)
        repeated_early = kinds_to(rt, SAM)
        at(clock, 73, rt)

    assert reminded_early == []
    assert kinds_to(rt, WORKER_PHONE) == ["reminder", "overdue"]
    assert repeated_early == ["alert"]
    assert kinds_to(rt, SAM) == ["alert", "alert"]
    assert kinds_to(rt, ALEX) == ["alert", "alert"]


def test_a_short_journey_gets_no_reminder(rt, phone):
    make_org(rt, reminder_min_journey_s=3600)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 59")
        at(clock, 59, rt)

    assert kinds_to(rt, WORKER_PHONE) == ["overdue"]


def test_ack_stops_new_levels_and_tells_the_others(rt, phone):
    make_org(rt)
    jane, sam, alex = phone(WORKER_PHONE), phone(SAM), phone(ALEX)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        at(clock, 75, rt)
        at(clock, 90, rt)
        ref = only_alert(rt).id
        reply = alex.text(f"ACK {ref}")
        at(clock, 105, rt)
        at(clock, 200, rt)
        again = sam.text("ACK")

    assert reply.startswith(f"Alert {ref} is yours.")
    assert kinds_to(rt, SAM) == ["alert", "notice"]
    assert kinds_to(rt, ALEX) == ["alert"]
    assert again == f"Alert {ref} was already taken by Alex Manager."
    assert only_alert(rt).state == "acked"


def test_pass_pages_the_next_level_now(rt, phone):
    make_org(rt)
    jane, sam = phone(WORKER_PHONE), phone(SAM)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        at(clock, 75, rt)
        reply = sam.text("PASS")
        run_jobs(rt)

    assert "next level is being paged" in reply
    assert kinds_to(rt, ALEX) == ["alert"]
    assert only_alert(rt).level == 2


def test_pass_on_an_alert_someone_took_changes_nothing(rt, phone):
    make_org(rt)
    jane, sam, alex = phone(WORKER_PHONE), phone(SAM), phone(ALEX)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        at(clock, 75, rt)
        at(clock, 90, rt)
        ref = only_alert(rt).id
        sam.text(f"ACK {ref}")
        reply = alex.text(f"PASS {ref}")

    assert reply == f"Alert {ref} was already taken by Sam Supervisor."
    assert only_alert(rt).state == "acked"


def test_resolved_closes_and_sends_the_all_clear_to_exactly_those_alerted(rt, phone):
    make_org(
        rt,
        contacts=(("Sam", SAM, 1), ("Alex", ALEX, 2), ("Pat", PAT, 3)),
    )
    jane, alex = phone(WORKER_PHONE), phone(ALEX)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        at(clock, 75, rt)
        at(clock, 90, rt)
        reply = alex.text("RESOLVED")
        at(clock, 300, rt)
        late = jane.text("ARRIVED")

    assert "2 people alerted were sent the all-clear" in reply
    assert kinds_to(rt, SAM) == ["alert", "all_clear"]
    assert kinds_to(rt, ALEX) == ["alert", "all_clear"]
    assert kinds_to(rt, PAT) == []
    assert only_alert(rt).state == "closed"
    assert late.startswith("Already closed") or "closed" in late.lower()


def test_sos_pages_every_level_at_once_then_repeats(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 3h")
        reply = jane.text("SOS car rolled")
        run_jobs(rt)
        at(clock, 14, rt)
        early = kinds_to(rt, ALEX)
        at(clock, 15, rt)

    assert reply.startswith("SOS sent")
    assert early == ["alert"]
    assert kinds_to(rt, SAM) == ["alert", "alert"]
    assert kinds_to(rt, ALEX) == ["alert", "alert"]


def test_a_reference_to_a_closed_alert_touches_no_other(rt, phone):
    make_org(rt)
    jane, sam = phone(WORKER_PHONE), phone(SAM)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        at(clock, 75, rt)
        first = only_alert(rt).id
        jane.text("ARRIVED")
        jane.text("START 1h")
        at(clock, 150, rt)
        reply = sam.text(f"ACK {first}")

    with rt.db.session() as session:
        states = dict(session.execute(select(Alert.id, Alert.state)).all())
    assert reply == f"Alert {first} is already closed. Nothing was changed."
    assert states[first] == "closed"
    assert [s for i, s in states.items() if i != first] == ["open"]


def test_ack_from_a_phone_never_paged_is_refused(rt, phone):
    make_org(
        rt,
        contacts=(("Sam", SAM, 1), ("Alex", ALEX, 2)),
    )
    jane, alex = phone(WORKER_PHONE), phone(ALEX)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        at(clock, 75, rt)
        ref = only_alert(rt).id
        reply = alex.text(f"ACK {ref}")

    assert reply == f"No alert {ref} was sent to this number."
    assert only_alert(rt).state == "open"


def test_a_contact_listed_at_two_levels_gets_one_page_per_round(rt, phone):
    make_org(rt, contacts=(("Sam", SAM, 1), ("Sam again", SAM, 2)))
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        at(clock, 75, rt)
        at(clock, 90, rt)
        at(clock, 105, rt)
        jane.text("ARRIVED")
        run_jobs(rt)

    assert kinds_to(rt, SAM) == ["alert", "alert", "alert", "all_clear"]


def test_nobody_to_page_is_logged_at_error(rt, phone, caplog):
    make_org(rt, contacts=())
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 1h")
        at(clock, 75, rt)

    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any("left unreached by every level" in e for e in errors)
    with rt.db.session() as session:
        assert session.scalar(select(AuditEvent.id).limit(1)) is not None
