"""The ``gateway`` command line: a Flask CLI group.

Every create/add command prints the new id, or with ``--json`` one JSON
object. Security codes are printed once and never logged.
"""

import json
import re
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from gateway import accounts, directory, retention_cli, runtime
from gateway.escalation.sweeper import sweep
from gateway.phones import InvalidPhone
from gateway.verification import codes
from gateway.verification.binding import binding_state
from gateway.verification.number_change import change_phone

ROLES = ("viewer", "supervisor", "admin", "owner")
DURATION_RE = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def _rt() -> runtime.Runtime:
    rt: runtime.Runtime = current_app.extensions["gateway"]
    return rt


def _emit(as_json: bool, payload: dict[str, Any]) -> None:
    click.echo(json.dumps(payload) if as_json else str(payload["id"]))


def parse_duration(text: str) -> int:
    """Seconds in a duration such as ``15m``, ``30s``, ``2h`` or ``1h30m``."""
    match = DURATION_RE.match(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise click.BadParameter(f"{text!r} is not a duration like 15m, 30s or 2h")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


class Duration(click.ParamType):  # type: ignore[type-arg]
    name = "duration"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        return value if isinstance(value, int) else parse_duration(str(value))


def _guard(func: Any) -> Any:
    """Turn input errors into a clean message and exit status 2."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (directory.DirectoryError, InvalidPhone, codes.NoFreeCode) as exc:
            raise click.UsageError(str(exc)) from None

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("init")
@with_appcontext
def db_init() -> None:
    """Create the schema from schema.sql."""
    rt = _rt()
    if rt.db.has_schema():
        click.echo("schema already present")
        return
    rt.db.init_schema()
    click.echo("schema created")


@click.group("org")
def org_group() -> None:
    """Organisations."""


@org_group.command("create")
@click.argument("name")
@click.option("--timezone", required=True, help="e.g. Australia/Perth")
@click.option("--region", required=True, help="two-letter country code, e.g. AU")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@_guard
def org_create(name: str, timezone: str, region: str, as_json: bool) -> None:
    """Create an organisation with the default escalation policy."""
    with _rt().db.session() as session:
        org = directory.create_org(session, name, timezone, region)
        payload = {"id": org.id, "name": org.name}
    _emit(as_json, payload)


@click.group("user")
def user_group() -> None:
    """Administrator accounts."""


@user_group.command("create")
@click.argument("email")
@click.option("--org", "org_name", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="read the password from stdin")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@_guard
def user_create(
    email: str, org_name: str, role: str, password_stdin: bool, as_json: bool
) -> None:
    """Create a user; the password comes from a prompt or stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _rt().db.session() as session:
        org = directory.org_by_name(session, org_name)
        user = accounts.create_user(
            session, org.id, email=email, password=password, role=role, actor="cli"
        )
        payload = {"id": user.id, "email": user.email, "role": role}
    _emit(as_json, payload)


@click.group("worker")
def worker_group() -> None:
    """Field workers."""


@worker_group.command("add")
@click.option("--org", "org_name", required=True)
@click.option("--first", required=True)
@click.option("--last", required=True)
@click.option("--phone")
@click.option("--timezone")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@_guard
def worker_add(
    org_name: str,
    first: str,
    last: str,
    phone: str | None,
    timezone: str | None,
    as_json: bool,
) -> None:
    """Register a worker and print their security code once."""
    rt = _rt()
    with rt.db.session() as session:
        org = directory.org_by_name(session, org_name)
        worker = directory.add_worker(
            session, org, first=first, last=last, phone=phone, timezone=timezone
        )
        code = codes.issue(session, worker, rt.settings.secret_key, actor="cli")
        payload = {"id": worker.id, "code": code}
    if as_json:
        click.echo(json.dumps(payload))
    else:
        click.echo(f"{payload['id']}\nsecurity code: {code} (shown once; valid 7 days)")


@worker_group.command("new-code")
@click.argument("worker_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@_guard
def worker_new_code(worker_id: int, as_json: bool) -> None:
    """Issue a new security code, cancelling the old one; print it once."""
    rt = _rt()
    with rt.db.session() as session:
        worker = directory.worker_by_id(session, worker_id)
        code = codes.issue(session, worker, rt.settings.secret_key, actor="cli")
    if as_json:
        click.echo(json.dumps({"id": worker_id, "code": code}))
    else:
        click.echo(f"security code: {code} (shown once; valid 7 days)")


@worker_group.command("set-phone")
@click.argument("worker_id", type=int)
@click.argument("phone")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@_guard
def worker_set_phone(worker_id: int, phone: str, as_json: bool) -> None:
    """Change a worker's number; a bound worker confirms it by last name."""
    with _rt().db.session() as session:
        worker = directory.worker_by_id(session, worker_id)
        change_phone(session, worker, phone, actor="cli")
        payload = {"id": worker_id, "state": binding_state(session, worker_id)}
    if as_json:
        click.echo(json.dumps(payload))
    else:
        click.echo(f"{worker_id}: {payload['state']}")


@click.group("contact")
def contact_group() -> None:
    """Alert contacts."""


@contact_group.command("add")
@click.option("--org", "org_name", required=True)
@click.option("--name", required=True)
@click.option("--phone", required=True)
@click.option("--level", type=click.IntRange(min=1, max=99), required=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@_guard
def contact_add(
    org_name: str, name: str, phone: str, level: int, as_json: bool
) -> None:
    """Add a contact at an escalation level."""
    with _rt().db.session() as session:
        org = directory.org_by_name(session, org_name)
        contact = directory.add_contact(
            session, org, name=name, phone=phone, level=level
        )
        payload = {"id": contact.id, "level": contact.level}
    _emit(as_json, payload)


POLICY_OPTIONS = {
    "reminder": "reminder_s",
    "reminder_min_journey": "reminder_min_journey_s",
    "grace": "grace_s",
    "level_delay": "level_delay_s",
    "min_journey": "min_journey_s",
    "max_journey": "max_journey_s",
    "default_extend": "default_extend_s",
    "repeat": "repeat_s",
    "retention": "retention_days",
}


@click.group("policy")
def policy_group() -> None:
    """Escalation timings."""


@policy_group.command("set")
@click.option("--org", "org_name", required=True)
@click.option("--reminder", type=Duration())
@click.option("--reminder-min-journey", type=Duration())
@click.option("--grace", type=Duration())
@click.option("--level-delay", type=Duration())
@click.option("--min-journey", type=Duration())
@click.option("--max-journey", type=Duration())
@click.option("--default-extend", type=Duration())
@click.option("--repeat", type=Duration())
@click.option("--retention", type=retention_cli.Days(), help="days kept, e.g. 400d")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@_guard
def policy_set(org_name: str, as_json: bool, **values: int | None) -> None:
    """Change an organisation's escalation timings."""
    with _rt().db.session() as session:
        org = directory.org_by_name(session, org_name)
        policy = directory.policy_for(session, org.id)
        for option, column in POLICY_OPTIONS.items():
            if values.get(option) is not None:
                setattr(policy, column, values[option])
        if policy.min_journey_s > policy.max_journey_s:
            raise click.UsageError("--min-journey must not exceed --max-journey")
        if policy.level_delay_s <= 0:
            raise click.UsageError("--level-delay must be more than zero")
        if policy.repeat_s <= 0:
            raise click.UsageError("--repeat must be more than zero")
        payload = {
            column: getattr(policy, column) for column in POLICY_OPTIONS.values()
        }
        payload["id"] = org.id
    _emit(as_json, payload)


@click.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Run one sweeper pass, then exit."""
    result = sweep(_rt())
    click.echo(
        f"journeys {result.journeys}, alerts {result.alerts}, "
        f"messages {result.messages}"
    )


COMMANDS = [
    db_group,
    org_group,
    user_group,
    worker_group,
    contact_group,
    policy_group,
    sweep_command,
]
COMMANDS += retention_cli.COMMANDS


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _cli_app() -> Flask:
    from flask.cli import NoAppException

    from gateway import config, create_app

    try:
        return create_app()
    except config.ConfigError as exc:
        # A clear one-line error, not a traceback: name the variable and the way
        # to reach a `gateway dev` instance.
        raise NoAppException(
            f"{exc}. For the instance that 'gateway dev' runs, set GATEWAY_DEV=1."
        ) from None


main = FlaskGroup(
    name="gateway",
    create_app=_cli_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    help="The check-in gateway.",
)
for _command in COMMANDS:
    main.add_command(_command)


def _add_dev() -> None:
    from gateway.dev.server import dev_command

    main.add_command(dev_command)


_add_dev()
