"""The administrator web page under ``/admin``: one blueprint per area,
nested in a parent that signs users in, checks CSRF tokens and expires
sessions for all of them."""

from typing import Any

from flask import Blueprint, Flask, g, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from gateway import accounts
from gateway.admin import (
    audit,
    auth,
    contacts,
    dashboard,
    messages,
    policy,
    users,
    web,
    workers,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")
for area in (auth, dashboard, workers, contacts, policy, messages, audit, users):
    bp.register_blueprint(area.bp)


@bp.before_request
def _before() -> None:
    if request.method == "POST":
        web.check_csrf()
    web.load_user()


@bp.after_request
def _headers(response: Response) -> Response:
    # Pages hold personal data and one-time codes: keep them out of caches
    # and out of other sites' frames.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.errorhandler(HTTPException)
def _error(exc: HTTPException) -> tuple[str, int]:
    return render_template("admin/error.html", error=exc), exc.code or 500


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    def can(role: str) -> bool:
        current = g.get("user")
        return current is not None and accounts.allows(current.role, role)

    return {"csrf_token": web.csrf_token, "can": can}


def init_app(app: Flask) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = web.LIFETIME
    rt = app.extensions["gateway"]
    if rt.settings.public_url.startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.register_blueprint(bp)
