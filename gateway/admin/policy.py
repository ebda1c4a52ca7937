"""The organisation's escalation timings."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from gateway import directory, policies
from gateway.admin import web
from gateway.directory import FieldError

bp = Blueprint("policy", __name__, url_prefix="/policy")


@bp.get("")
@web.requires("viewer")
def show() -> str:
    with web.unit() as db:
        policy = directory.policy_for(db, web.user().org_id)
    data = {
        s.column: policies.format_duration(getattr(policy, s.column))
        for s in policies.SETTINGS
    }
    return _page(data, {})


def _page(data: dict[str, str], errors: dict[str, str]) -> str:
    return render_template(
        "admin/policy.html", settings=policies.SETTINGS, data=data, errors=errors
    )


@bp.post("")
@web.requires("admin")
def update() -> tuple[str, int] | Response:
    data = {s.column: request.form.get(s.column, "")[:40] for s in policies.SETTINGS}
    values, errors = policies.read(data)
    if not errors:
        try:
            with web.unit() as db:
                policy = directory.policy_for(db, web.user().org_id)
                policies.update(db, policy, values, web.actor())
        except FieldError as exc:
            errors[exc.field] = str(exc)
    if errors:
        return _page(data, errors), 400
    flash("Timings saved.")
    return redirect(url_for("admin.policy.show"))
