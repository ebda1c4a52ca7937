"""Logs over a whole story: no full number, no SMS body, no security code."""

import logging
import re
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from gateway.logs import JobIdFilter
from gateway.models import Inbound, Outbox
from tests.helpers import ALEX, SAM, T0, WORKER_PHONE, make_org, run_jobs

NUMBERS = (WORKER_PHONE, SAM, ALEX)


def everything_texted(rt):
    with rt.db.session() as session:
        inbound = session.execute(select(Inbound.body, Inbound.reply)).all()
        outbound = session.scalars(select(Outbox.body)).all()
    texts = [body for row in inbound for body in row if body] + list(outbound)
    # Bare verbs ("ACK") are logged by name on purpose; anything longer is a body.
    return {text for text in texts if len(text) > 12}


def play_story(rt, phone, code):
    jane, sam = phone(WORKER_PHONE), phone(SAM)
    with freeze_time(T0) as clock:
        jane.text(code)
        jane.text("nguyen")
        jane.text("START 1h Newman to Hedland")
        clock.tick(timedelta(minutes=71))
        run_jobs(rt)
        sam.text("ACK")
        run_jobs(rt)
        sam.text("RESOLVED")
        run_jobs(rt)


def test_a_whole_story_logs_no_number_body_or_code(rt, phone, caplog):
    org = make_org(rt, bound=False, grace_s=600)
    caplog.set_level(logging.DEBUG)

    play_story(rt, phone, org.code)

    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    quiet = [r.getMessage() for r in caplog.records if r.levelno < logging.INFO]
    bodies = everything_texted(rt)
    assert any("ALERT" in body for body in bodies)
    assert any("Newman to Hedland" in line for line in quiet)
    leaks = [
        line
        for line in loud
        if any(number in line or number[3:] in line for number in NUMBERS)
        or any(body in line for body in bodies)
        or re.search(rf"(?<![\d*:-]){org.code}(?![\d:-])", line)
        or "Nguy" in line
    ]
    assert leaks == []
    assert len(loud) >= 10


def test_state_changes_are_logged_once_each(rt, phone, caplog):
    org = make_org(rt, bound=False, grace_s=600)
    caplog.set_level(logging.INFO)

    play_story(rt, phone, org.code)

    lines = [r.getMessage() for r in caplog.records]
    for event in (
        r"worker \d+: bound to \*\*\*0006",
        r"journey \d+: started, due ",
        r"journey \d+: alert step",
        r"alert \d+: opened \(overdue\)",
        r"alert \d+: round 1 paged 1 contacts",
        r"alert \d+: taken by contact \d+",
        r"alert \d+: closed \(resolved\)",
        r"journey \d+: closed by a contact",
    ):
        assert len([line for line in lines if re.match(event, line)]) == 1, event


def test_job_runner_records_carry_the_rq_job_id(rt, phone, caplog):
    make_org(rt, grace_s=600)
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(JobIdFilter())

    with freeze_time(T0) as clock:
        phone(WORKER_PHONE).text("START 1h")
        clock.tick(timedelta(minutes=71))
        run_jobs(rt)

    by_logger = {(r.name, r.job_id) for r in caplog.records}
    assert ("gateway.inbound", "-") in by_logger
    job_ids = {job for name, job in by_logger if name == "gateway.outbox"}
    assert job_ids and all(job.startswith("send-") for job in job_ids)
    steps = {job for name, job in by_logger if name == "gateway.escalation.steps"}
    assert steps and all(job.startswith("journey-") for job in steps)
