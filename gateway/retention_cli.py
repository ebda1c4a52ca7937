"""``gateway purge``, ``export-worker`` and ``forget-worker``: retention and
data-subject requests from the command line."""

import json
import re
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from gateway import clock, privacy, retention, runtime
from gateway.directory import DirectoryError

DAYS_RE = re.compile(r"^(\d+)\s*d?$")


def parse_days(text: str) -> int:
    """Whole days in ``400d`` or ``400``."""
    match = DAYS_RE.match(text.strip().lower())
    if match is None or int(match.group(1)) < 1:
        raise click.BadParameter(f"{text!r} is not a number of days like 400d")
    return int(match.group(1))


class Days(click.ParamType):  # type: ignore[type-arg]
    name = "days"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        return value if isinstance(value, int) else parse_days(str(value))


def _rt() -> runtime.Runtime:
    rt: runtime.Runtime = current_app.extensions["gateway"]
    return rt


@click.command("purge")
@click.option(
    "--older-than",
    type=Days(),
    default=f"{retention.DEFAULT_DAYS}d",
    show_default=True,
    help="for organisations whose policy sets no retention of its own",
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def purge_command(older_than: int, as_json: bool) -> None:
    """Delete old messages and closed journeys and alerts."""
    with _rt().db.session() as session:
        counts = retention.purge(session, older_than, clock.now())
    if as_json:
        click.echo(json.dumps(counts, sort_keys=True))
    else:
        for table, count in sorted(counts.items()):
            click.echo(f"{table}: {count}")


@click.command("export-worker")
@click.argument("worker_id", type=int)
@with_appcontext
def export_worker_command(worker_id: int) -> None:
    """Print everything stored about a worker as JSON (audited)."""
    try:
        with _rt().db.session() as session:
            data = privacy.export_worker(session, worker_id, actor="cli")
    except DirectoryError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.command("forget-worker")
@click.argument("worker_id", type=int)
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def forget_worker_command(worker_id: int, yes: bool, as_json: bool) -> None:
    """Remove or blank a worker's personal data (audited, cannot be undone)."""
    if not yes:
        click.confirm(f"Forget worker {worker_id}? This cannot be undone", abort=True)
    try:
        with _rt().db.session() as session:
            counts = privacy.forget_worker(session, worker_id, actor="cli")
    except DirectoryError as exc:
        raise click.UsageError(str(exc)) from None
    payload = {"id": worker_id, **counts}
    click.echo(json.dumps(payload) if as_json else f"worker {worker_id} forgotten")


COMMANDS = [purge_command, export_worker_command, forget_worker_command]
