"""The check-in gateway: SMS safety check-ins for people who work alone."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from gateway import config, runtime


def create_app(
    environ: Mapping[str, str] | None = None,
    *,
    rt: "runtime.Runtime | None" = None,
    dev: bool = False,
) -> Flask:
    """Build the web app from the environment (or ``environ``)."""
    app = Flask(__name__, instance_relative_config=True)
    if rt is None:
        settings = config.load(environ, instance_path=Path(app.instance_path), dev=dev)
        rt = runtime.Runtime(settings)
    runtime.install(rt)
    app.extensions["gateway"] = rt
    app.config.update(
        SECRET_KEY=rt.settings.secret_key,
        GATEWAY_DEV=rt.settings.dev,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )

    from gateway import cli, health, webhooks

    app.register_blueprint(webhooks.bp)
    app.register_blueprint(health.bp)
    from gateway import admin

    admin.init_app(app)
    if rt.settings.dev:
        from gateway.dev import phone

        app.register_blueprint(phone.bp)
    cli.init_app(app)
    app.teardown_appcontext(_no_teardown)
    return app


def _no_teardown(_exc: Any) -> None:
    # Sessions are opened and closed per unit of work (Database.session), so
    # nothing is left to roll back when a request ends.
    return None
