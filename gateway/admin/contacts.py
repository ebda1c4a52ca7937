"""Alert contacts: add, edit, level, and whether they can be reached."""

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from gateway import directory
from gateway.admin import web
from gateway.admin.forms import Form, level
from gateway.directory import FieldError
from gateway.models import Contact

bp = Blueprint("contacts", __name__, url_prefix="/contacts")
FIELDS = ("name", "phone", "level")
Page = str | tuple[str, int] | Response


@bp.get("")
@web.requires("viewer")
def index() -> str:
    with web.unit() as db:
        org_id = web.user().org_id
        contacts = db.scalars(
            select(Contact)
            .where(Contact.org_id == org_id)
            .order_by(Contact.active.desc(), Contact.level, Contact.name)
        ).all()
        problems = directory.contact_problems(db, org_id)
    return render_template("admin/contacts.html", contacts=contacts, problems=problems)


@bp.get("/new")
@web.requires("admin")
def new() -> str:
    form = Form(*FIELDS)
    form.data["level"] = form.data["level"] or "1"
    return render_template("admin/contact_form.html", form=form, contact=None)


def _read(form: Form) -> tuple[str | None, str | None, int | None]:
    region = web.org().region
    name = form.clean(
        "name",
        lambda raw: directory.clean_name(
            "name", raw, "name", directory.CONTACT_NAME_MAX
        ),
    )
    phone = form.clean("phone", lambda raw: directory.clean_phone("phone", raw, region))
    return name, phone, form.clean("level", level)


@bp.post("/new")
@web.requires("admin")
def create() -> Page:
    form = Form(*FIELDS)
    name, phone, lvl = _read(form)
    if form.ok and name and phone and lvl:
        try:
            with web.unit() as db:
                directory.check_contact_phone_free(db, web.org().id, phone)
                directory.add_contact(
                    db,
                    web.org(),
                    name=name,
                    phone=phone,
                    level=lvl,
                    actor=web.actor(),
                )
        except FieldError as exc:
            form.refuse(exc)
        else:
            flash(f"{name} added at level {lvl}.")
            return redirect(url_for("admin.contacts.index"))
    return render_template("admin/contact_form.html", form=form, contact=None), 400


@bp.get("/<int:contact_id>")
@web.requires("admin")
def show(contact_id: int) -> str:
    with web.unit() as db:
        contact = web.owned(db, Contact, contact_id)
    form = Form()
    form.data = {
        "name": contact.name,
        "phone": contact.phone,
        "level": str(contact.level),
    }
    return render_template("admin/contact_form.html", form=form, contact=contact)


@bp.post("/<int:contact_id>")
@web.requires("admin")
def update(contact_id: int) -> Page:
    form = Form(*FIELDS)
    name, phone, lvl = _read(form)
    with web.unit() as db:
        contact = web.owned(db, Contact, contact_id)
    if form.ok and name and phone and lvl:
        try:
            with web.unit() as db:
                row = web.owned(db, Contact, contact_id)
                directory.update_contact(
                    db, row, name=name, phone=phone, level=lvl, actor=web.actor()
                )
        except FieldError as exc:
            form.refuse(exc)
        else:
            flash(f"{name} saved.")
            return redirect(url_for("admin.contacts.index"))
    return render_template("admin/contact_form.html", form=form, contact=contact), 400


@bp.post("/<int:contact_id>/active")
@web.requires("admin")
def set_active(contact_id: int) -> Response:
    active = web.request_flag("active")
    try:
        with web.unit() as db:
            contact = web.owned(db, Contact, contact_id)
            directory.set_contact_active(db, contact, active, web.actor())
    except FieldError as exc:
        flash(str(exc), "error")
    else:
        flash(
            "Contact will be paged again." if active else "Contact will not be paged."
        )
    return redirect(url_for("admin.contacts.index"))
