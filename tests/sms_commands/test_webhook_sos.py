"""SOS and the worker's words while an alert is open."""

from freezegun import freeze_time
from sqlalchemy import select

from gateway.models import Alert, Journey, Outbox
from tests.helpers import (
    ALEX,
    SAM,
    T0,
    WORKER_PHONE,
    make_org,
    run_jobs,
    silent_until_alerted,
)


def sent(rt, number, kind):
    with rt.db.session() as session:
        query = select(Outbox.body).where(Outbox.to_phone == number)
        return list(session.scalars(query.where(Outbox.kind == kind)))


def alerts(rt):
    with rt.db.session() as session:
        return [(a.kind, a.state) for a in session.scalars(select(Alert))]


def test_sos_pages_every_level_at_once(rt, phone):
    make_org(rt)

    with freeze_time(T0):
        reply = phone(WORKER_PHONE).text("SOS rolled the ute at 23km")

    assert reply.startswith("SOS sent to all your contacts.")
    assert len(sent(rt, SAM, "alert")) == len(sent(rt, ALEX, "alert")) == 1
    assert "rolled the ute at 23km" in sent(rt, SAM, "alert")[0]


def test_a_second_sos_passes_its_words_on_instead_of_paging_again(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0):
        jane.text("SOS")
        reply = jane.text("SOS leg trapped, creek crossing")

    [(kind, state)] = alerts(rt)
    assert (kind, state) == ("sos", "open")
    assert reply.startswith("Your SOS 1 is open and 2 contacts have it.")
    assert sent(rt, SAM, "notice") == [
        "SOS 1: Jane Nguyen says: leg trapped, creek crossing"
    ]


def test_other_words_during_an_alert_reach_the_contacts(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        silent_until_alerted(rt, jane, clock)
        reply = jane.text("bogged at Coonarie creek, not hurt")

    assert reply == "Sent to the 1 contact alerted. Reply ARRIVED when safe."
    assert sent(rt, SAM, "notice") == [
        "ALERT 1: Jane Nguyen says: bogged at Coonarie creek, not hurt"
    ]


def test_arrived_stands_down_an_sos_beside_an_overdue_alert(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        silent_until_alerted(rt, jane, clock)
        jane.text("SOS")
        reply = jane.text("ARRIVED")

    assert alerts(rt) == [("overdue", "closed"), ("sos", "closed")]
    assert reply.endswith("Your contacts are being told you are safe.")
    with rt.db.session() as session:
        assert session.scalars(select(Journey.state)).one() == "closed"


def test_status_during_an_alert_says_contacts_were_alerted(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        silent_until_alerted(rt, jane, clock)
        reply = jane.text("STATUS")

    assert reply == (
        "Your journey was due 10:00 AWST, 16 min ago. "
        "Your contacts have been alerted. Reply ARRIVED if safe."
    )


def test_extend_during_an_alert_stands_it_down(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        silent_until_alerted(rt, jane, clock)
        reply = jane.text("EXTEND 1h")

    assert reply == (
        "Extended. Now due 11:16 AWST (in 1h). Reply ARRIVED when safe. "
        "Alert stood down; your contacts are told."
    )
    assert alerts(rt) == [("overdue", "closed")]
    assert len(sent(rt, SAM, "all_clear")) == 1


def test_arrived_after_an_sos_without_a_journey_stands_it_down(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0):
        jane.text("SOS")
        run_jobs(rt)
        reply = jane.text("ARRIVED")

    assert reply == "Glad you are safe. Alert stood down; 2 contacts are being told."
    assert alerts(rt) == [("sos", "closed")]


def test_extend_leaves_an_sos_open(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0):
        jane.text("START 1h")
        jane.text("SOS")
        reply = jane.text("EXTEND 1h")

    assert reply == extended_text("11:00 AWST (in 2h)")
    assert alerts(rt) == [("sos", "open")]
    assert sent(rt, SAM, "all_clear") == []


def extended_text(due):
    return f"Extended. Now due {due}. Reply ARRIVED when safe."
