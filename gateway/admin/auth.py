"""Signing in and out."""

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from gateway import accounts, audit, clock
from gateway.admin import web

bp = Blueprint("auth", __name__)


@bp.get("/sign-in")
def sign_in() -> str | Response:
    if g.get("user") is not None:
        return redirect(url_for("admin.dashboard.index"))
    return render_template("admin/sign_in.html", email="", error=None, next=_next())


@bp.post("/sign-in")
def sign_in_post() -> tuple[str, int] | Response:
    email = request.form.get("email", "")[:200]
    with web.unit() as db:
        result = accounts.sign_in(
            db,
            email,
            request.form.get("password", ""),
            web.client_address(),
            clock.now(),
        )
    if result.user is None:
        page = render_template(
            "admin/sign_in.html",
            email=email,
            error=result.error,
            next=_next(),
        )
        return page, 401
    web.start_session(result.user)
    return redirect(_next() or url_for("admin.dashboard.index"))


@bp.post("/sign-out")
def sign_out() -> Response:
    if g.get("user") is not None:
        with web.unit() as db:
            audit.record(db, "signout", actor=web.actor(), org_id=web.user().org_id)
    session.clear()
    return redirect(url_for("admin.auth.sign_in"))


def _next() -> str:
    # Only a path on this site, so the sign-in page cannot bounce elsewhere.
    target = request.values.get("next", "")
    ok = target.startswith("/admin/") and not target.startswith("//")
    return target if ok and "\\" not in target else ""
