"""Users and roles of the organisation; owners only."""

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from gateway import accounts
from gateway.admin import web
from gateway.admin.forms import Form
from gateway.directory import DirectoryError, FieldError
from gateway.models import User

bp = Blueprint("users", __name__, url_prefix="/users")


def _page(form: Form) -> str:
    with web.unit() as db:
        users = db.scalars(
            select(User)
            .where(User.org_id == web.user().org_id)
            .order_by(User.active.desc(), User.email)
        ).all()
    return render_template(
        "admin/users.html", users=users, form=form, roles=accounts.ROLES
    )


@bp.get("")
@web.requires("owner")
def index() -> str:
    form = Form("email", "role")
    form.data["role"] = "viewer"
    return _page(form)


@bp.post("")
@web.requires("owner")
def create() -> tuple[str, int] | Response:
    form = Form("email", "role", "password")
    try:
        with web.unit() as db:
            accounts.create_user(
                db,
                web.user().org_id,
                email=form.data["email"],
                password=form.data["password"],
                role=form.data["role"],
                actor=web.actor(),
            )
    except FieldError as exc:
        form.refuse(exc)
        form.data["password"] = ""
        return _page(form), 400
    flash(f"{form.data['email'].strip().lower()} can now sign in.")
    return redirect(url_for("admin.users.index"))


@bp.post("/<int:user_id>")
@web.requires("owner")
def update(user_id: int) -> Response:
    form = Form("role")
    try:
        with web.unit() as db:
            user = web.owned(db, User, user_id)
            accounts.set_role(
                db, user, form.data["role"], web.request_flag("active"), web.actor()
            )
    except DirectoryError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{user.email} saved.")
    return redirect(url_for("admin.users.index"))
