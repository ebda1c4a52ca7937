"""Who is texting, and what they get: opt-outs, strangers, contacts, binding."""

import logging
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from gateway import directory
from gateway.inbound import STRANGER_REPLY
from gateway.models import Alert, AuditEvent, Journey, Outbox, Worker
from tests.helpers import (
    ALEX,
    SAM,
    T0,
    WORKER_PHONE,
    make_org,
    run_jobs,
    silent_until_alerted,
)

STRANGER = "+61491570300"
SORRY = "Sorry, I did not understand that. Text HELP for commands."


def audits(rt, action):
    with rt.db.session() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        return [(row.org_id, row.subject_type, row.subject_id) for row in rows]


def opted_out(rt, number):
    with rt.db.session() as session:
        return directory.is_opted_out(session, number)


def pages(rt, number):
    with rt.db.session() as session:
        query = select(Outbox.kind).where(Outbox.to_phone == number)
        return list(session.scalars(query.where(Outbox.kind != "reply")))


@pytest.mark.parametrize(
    "word",
    ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "Quit", "REVOKE", "optout"],
)
def test_an_opt_out_word_is_recorded_and_answered_with_silence(rt, phone, word):
    org = make_org(rt)

    with freeze_time(T0):
        reply = phone(WORKER_PHONE).text(word)

    assert reply == ""
    assert opted_out(rt, WORKER_PHONE)
    assert audits(rt, "worker.opted_out") == [(org.org_id, "worker", org.worker_id)]


def test_opting_out_keeps_the_journey_and_its_escalation(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        jane.text("START 1h Newman")
        jane.text("STOP")
        clock.tick(timedelta(minutes=76))
        run_jobs(rt)

    with rt.db.session() as session:
        assert session.scalars(select(Journey.state)).one() == "active"
    assert pages(rt, SAM) == ["alert"]


def test_stop_inside_a_sentence_is_not_an_opt_out(rt, phone):
    make_org(rt)

    with freeze_time(T0):
        reply = phone(WORKER_PHONE).text("stop please")

    assert reply == SORRY
    assert not opted_out(rt, WORKER_PHONE)


def test_a_contact_opting_out_warns_the_organisation(rt, phone, caplog):
    org = make_org(rt)
    caplog.set_level(logging.WARNING)

    with freeze_time(T0):
        reply = phone(SAM).text("STOP")

    assert reply == ""
    assert opted_out(rt, SAM)
    [(org_id, kind, _)] = audits(rt, "contact.opted_out")
    assert (org_id, kind) == (org.org_id, "contact")
    assert any("administrators warned" in r.getMessage() for r in caplog.records)
    assert SAM not in caplog.text


def test_an_opted_out_contact_is_skipped_for_the_next_level(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        phone(SAM).text("STOP")
        silent_until_alerted(rt, jane, clock)

    assert pages(rt, SAM) == []
    assert pages(rt, ALEX) == ["alert"]


def test_a_repeated_stop_is_recorded_once(rt, phone):
    make_org(rt)

    with freeze_time(T0):
        phone(SAM).text("STOP")
        phone(SAM).text("stop")

    assert len(audits(rt, "contact.opted_out")) == 1


def test_a_strangers_stop_is_recorded_without_an_organisation(rt, phone):
    make_org(rt)

    with freeze_time(T0):
        reply = phone(STRANGER).text("STOP")

    assert reply == ""
    assert opted_out(rt, STRANGER)
    assert audits(rt, "sms.opted_out") == [(None, None, None)]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        (
            "START",
            "To start a journey, text START and a time, e.g. START 2h Newman.",
        ),
        ("YES", "Texts are back on. To start a journey text e.g. START 2h Newman."),
        ("unstop", "Texts are back on. To start a journey text e.g. START 2h Newman."),
    ],
)
def test_opt_in_words_reopen_a_workers_number(rt, phone, word, expected):
    org = make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0):
        jane.text("STOP")
        reply = jane.text(word)

    assert reply == expected
    assert not opted_out(rt, WORKER_PHONE)
    assert audits(rt, "worker.opted_in") == [(org.org_id, "worker", org.worker_id)]


@pytest.mark.parametrize("word", ["START", "Yes", "UNSTOP"])
def test_opt_in_words_reopen_a_contacts_number(rt, phone, word):
    make_org(rt)

    with freeze_time(T0):
        phone(SAM).text("STOP")
        reply = phone(SAM).text(word)

    assert reply == "Alerts to this number are back on."
    assert not opted_out(rt, SAM)


def test_unknown_texts_get_five_sorries_an_hour(rt, phone):
    make_org(rt)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0) as clock:
        first = [jane.text(f"blah {n}") for n in range(7)]
        clock.tick(timedelta(minutes=61))
        later = jane.text("blah again")

    assert first == [SORRY] * 5 + ["", ""]
    assert later == SORRY


def test_a_contacts_unknown_texts_are_limited_too(rt, phone):
    make_org(rt)
    sam = phone(SAM)

    with freeze_time(T0):
        replies = [sam.text("Out of office until Monday") for _ in range(6)]

    assert replies == [SORRY] * 5 + [""]


def test_a_stranger_gets_one_neutral_reply_a_day(rt, phone):
    make_org(rt)
    stranger = phone(STRANGER)

    with freeze_time(T0) as clock:
        first = stranger.text("hello?")
        same_day = [stranger.text("START 2h"), stranger.text("who is this")]
        clock.tick(timedelta(hours=24, minutes=1))
        next_day = stranger.text("hello?")

    assert first == STRANGER_REPLY
    assert "Pilbara" not in first
    assert same_day == ["", ""]
    assert next_day == STRANGER_REPLY


def test_a_strangers_yes_gets_nothing(rt, phone):
    make_org(rt)

    with freeze_time(T0):
        reply = phone(STRANGER).text("YES")

    assert reply == ""


def test_a_registered_but_unbound_number_is_asked_for_its_code(rt, phone):
    make_org(rt, bound=False)

    with freeze_time(T0):
        reply = phone(WORKER_PHONE).text("START 2h")

    assert reply == (
        "This number is not confirmed yet. Text the 4-digit security code "
        "your administrator gave you."
    )


def test_commands_while_binding_do_not_burn_the_code(rt, phone):
    org = make_org(rt, bound=False)
    jane = phone(WORKER_PHONE)

    with freeze_time(T0):
        jane.text(org.code)
        prompts = [jane.text(body) for body in ("START 2h", "ARRIVED", "help", "SOS")]
        bound = jane.text("Nguyen")

    assert set(prompts) == {
        "This number is not confirmed yet. Reply with your last name first, "
        "then send your command again."
    }
    assert bound.startswith("Thanks Jane, this number is confirmed")


def test_a_deactivated_worker_is_treated_as_a_stranger(rt, phone):
    org = make_org(rt)
    with rt.db.session() as session:
        session.get(Worker, org.worker_id).active = False

    with freeze_time(T0):
        reply = phone(WORKER_PHONE).text("START 2h")

    assert reply == STRANGER_REPLY
    with rt.db.session() as session:
        assert session.scalars(select(Journey)).all() == []


def _alert_for_sam(rt, phone):
    jane = phone(WORKER_PHONE)
    with freeze_time(T0) as clock:
        silent_until_alerted(rt, jane, clock)
    with rt.db.session() as session:
        return session.scalars(select(Alert.id)).one()


@pytest.mark.parametrize("body", ["ok", "OK thanks", "on it", "status", "arrived"])
def test_a_contacts_own_words_never_take_an_alert(rt, phone, body):
    make_org(rt)
    ref = _alert_for_sam(rt, phone)

    with freeze_time(T0 + timedelta(minutes=80)):
        reply = phone(SAM).text(body)

    assert "Nothing was changed" in reply or reply == SORRY
    if reply != SORRY:
        assert f"ACK {ref}" in reply
    with rt.db.session() as session:
        assert session.get(Alert, ref).state == "open"


def test_a_contacts_help_lists_the_alert_replies(rt, phone):
    make_org(rt)
    ref = _alert_for_sam(rt, phone)

    with freeze_time(T0 + timedelta(minutes=80)):
        reply = phone(SAM).text("HELP")

    assert reply == (
        f"Alert replies: ACK {ref} to take it, PASS {ref} to page the next level "
        f"now, RESOLVED {ref} when they are safe."
    )


def test_a_contacts_help_without_alerts_shows_the_form(rt, phone):
    make_org(rt)

    with freeze_time(T0):
        reply = phone(SAM).text("help")

    assert reply == (
        "Alert replies: ACK <ref> to take it, PASS <ref> to page the next level "
        "now, RESOLVED <ref> when they are safe."
    )
