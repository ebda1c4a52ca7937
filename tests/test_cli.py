"""The gateway command line, run in-process against a real database."""

import json

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from gateway.models import Contact, Policy, SecurityCode, User, Worker
from gateway.verification.codes import code_hash


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args, stdin=None):
        return runner.invoke(args=list(args), input=stdin)

    return invoke


def _org(cli):
    result = cli(
        "org",
        "create",
        "Pilbara Survey",
        "--timezone",
        "Australia/Perth",
        "--region",
        "au",
        "--json",
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_org_create_prints_the_new_id(cli):
    result = cli(
        "org",
        "create",
        "Pilbara Survey",
        "--timezone",
        "Australia/Perth",
        "--region",
        "AU",
    )

    assert result.exit_code == 0
    assert result.output.strip().isdigit()


@pytest.mark.parametrize(
    "timezone", ["Mars/Olympus", "Australia", "z" * 300, "localtime"]
)
def test_org_create_refuses_an_unknown_time_zone(cli, timezone):
    result = cli("org", "create", "X", "--timezone", timezone, "--region", "AU")

    assert result.exit_code == 2
    assert "Unknown time zone" in result.output


def test_worker_add_json_gives_id_and_a_code_stored_only_as_a_hash(cli, rt):
    _org(cli)

    result = cli(
        "worker",
        "add",
        "--org",
        "Pilbara Survey",
        "--first",
        "Jane",
        "--last",
        "Nguyen",
        "--phone",
        "0491 570 006",
        "--json",
    )

    payload = json.loads(result.output)
    assert set(payload) == {"id", "code"}
    assert len(payload["code"]) == 4 and payload["code"].isdigit()
    with rt.db.session() as session:
        worker = session.get(Worker, payload["id"])
        stored = session.scalars(select(SecurityCode.code_hash)).all()
    assert worker.phone == "+61491570006"
    assert stored == [code_hash(rt.settings.secret_key, payload["code"])]
    assert payload["code"] not in stored[0]


def test_contact_add_refuses_a_bad_number_and_saves_nothing(cli, rt):
    _org(cli)

    result = cli(
        "contact",
        "add",
        "--org",
        "Pilbara Survey",
        "--name",
        "Sam",
        "--phone",
        "0412 345 ABC",
        "--level",
        "1",
    )

    assert result.exit_code == 2
    assert "digits" in result.output
    with rt.db.session() as session:
        assert session.scalars(select(Contact)).all() == []


def test_policy_set_reads_durations(cli, rt):
    org = _org(cli)

    result = cli(
        "policy",
        "set",
        "--org",
        "Pilbara Survey",
        "--grace",
        "5s",
        "--level-delay",
        "1h30m",
        "--reminder",
        "15m",
        "--json",
    )

    assert result.exit_code == 0, result.output
    with rt.db.session() as session:
        policy = session.get(Policy, org["id"])
    assert (policy.grace_s, policy.level_delay_s, policy.reminder_s) == (5, 5400, 900)


def test_policy_set_refuses_a_duration_it_cannot_read(cli):
    _org(cli)

    result = cli("policy", "set", "--org", "Pilbara Survey", "--grace", "soon")

    assert result.exit_code == 2
    assert "not a duration" in result.output


def test_user_create_hashes_the_password_from_stdin(cli, rt):
    _org(cli)

    result = cli(
        "user",
        "create",
        "Ops@Example.org",
        "--org",
        "Pilbara Survey",
        "--role",
        "owner",
        "--password-stdin",
        "--json",
        stdin="correct horse battery\n",
    )

    assert result.exit_code == 0, result.output
    with rt.db.session() as session:
        user = session.scalars(select(User)).one()
    assert user.email == "ops@example.org"
    assert check_password_hash(user.password_hash, "correct horse battery")


def test_sweep_runs_one_pass(cli):
    result = cli("sweep")

    assert result.exit_code == 0
    assert result.output.startswith("journeys 0, alerts 0, messages 0")


def test_db_init_on_an_existing_schema_changes_nothing(cli):
    result = cli("db", "init")

    assert result.exit_code == 0
    assert "already" in result.output


def test_user_create_is_audited(cli, rt):
    from gateway.models import AuditEvent

    _org(cli)

    cli(
        "user",
        "create",
        "ops@example.org",
        "--org",
        "Pilbara Survey",
        "--role",
        "admin",
        "--password-stdin",
        stdin="correct horse battery\n",
    )

    with rt.db.session() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "user.created" in actions


def test_a_missing_setting_is_one_clear_line_not_a_traceback(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "SECRET"))
    }
    gateway = Path(sys.executable).parent / "gateway"

    result = subprocess.run(
        [str(gateway), "db", "init"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "SECRET_KEY is required" in result.stderr
    assert "GATEWAY_DEV=1" in result.stderr
    assert "Traceback" not in result.stderr


def test_user_create_refuses_a_taken_email_cleanly(cli):
    _org(cli)
    args = (
        "user",
        "create",
        "ops@example.org",
        "--org",
        "Pilbara Survey",
        "--role",
        "admin",
        "--password-stdin",
    )
    cli(*args, stdin="correct horse battery\n")

    again = cli(*args, stdin="correct horse battery\n")

    assert again.exit_code == 2
    assert "already has an account" in again.output
