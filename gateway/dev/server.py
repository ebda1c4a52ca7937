"""``gateway dev``: web, job runner, sweeper and Redis in one terminal."""

import logging
import os
import signal
import subprocess
from pathlib import Path

import click
from flask import Flask
from werkzeug.serving import run_simple

from gateway import config, logs, runner
from gateway.dev.embedded_redis import EmbeddedRedis


@click.command("dev")
@click.option("--port", default=5000, show_default=True)
def dev_command(port: int) -> None:
    """Run everything locally with SQLite, an embedded Redis and the outbox backend."""
    logs.configure()
    # The dev phone's URLs carry phone numbers; request lines stay out of the log.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # A plain SIGTERM would skip the clean-up below and orphan Redis and the runner.
    signal.signal(signal.SIGTERM, _terminate)
    env = dict(os.environ)
    env["GATEWAY_DEV"] = "1"
    env.setdefault("SMS_BACKEND", "outbox")
    env.setdefault("PUBLIC_URL", f"http://127.0.0.1:{port}")
    env.setdefault("GATEWAY_INSTANCE", str(Path("instance").resolve()))
    redis = None
    if not env.get("REDIS_URL"):
        redis = EmbeddedRedis().start()
        env["REDIS_URL"] = redis.url
        click.echo(f"embedded Redis on {redis.url}")
    runner_process = None
    try:
        app = _prepare(env)
        runner_process = subprocess.Popen(runner.command(env["REDIS_URL"]), env=env)
        click.echo(
            f"open http://127.0.0.1:{port}/dev/phone to play worker and supervisor"
        )
        # app.run() refuses to serve inside a Flask CLI command; this is what it calls.
        run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)
    finally:
        if runner_process is not None:
            runner_process.terminate()
            runner_process.wait(timeout=10)
        if redis is not None:
            redis.stop()


def _terminate(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _prepare(env: dict[str, str]) -> Flask:
    from gateway import create_app
    from gateway.dev import demo

    try:
        app = create_app(env, dev=True)
    except config.ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    rt = app.extensions["gateway"]
    if not rt.db.has_schema():
        rt.db.init_schema()
    with rt.db.session() as session:
        code = demo.seed(session, rt.settings.secret_key)
    if code:
        click.echo(
            f"demo: worker Jane Nguyen {demo.WORKER_PHONE}, security code {code}; "
            "contacts Sam (level 1) and Alex (level 2)"
        )
        app.config["DEMO_CODE"] = code
    return app
