"""Field workers: register, edit, change number, new code, deactivate."""

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway import clock, directory
from gateway.admin import web
from gateway.admin.forms import Form
from gateway.directory import DirectoryError, FieldError
from gateway.models import Journey, Worker
from gateway.sms_commands.when import format_local
from gateway.verification import codes

bp = Blueprint("workers", __name__, url_prefix="/workers")
ZONES = sorted(directory.zone_names())
NAME_FIELDS = ("first", "last", "timezone")
Page = str | tuple[str, int] | Response


@bp.get("")
@web.requires("viewer")
def index() -> str:
    with web.unit() as db:
        workers = db.scalars(
            select(Worker)
            .where(Worker.org_id == web.user().org_id)
            .order_by(Worker.active.desc(), Worker.last_name, Worker.first_name)
        ).all()
        states = {w.id: directory.binding_state(db, w) for w in workers}
    return render_template("admin/workers.html", workers=workers, states=states)


@bp.get("/new")
@web.requires("admin")
def new() -> str:
    form = Form("first", "last", "phone", "timezone")
    return render_template("admin/worker_new.html", form=form, zones=ZONES)


@bp.post("/new")
@web.requires("admin")
def create() -> Page:
    form = Form("first", "last", "phone", "timezone")
    org = web.org()
    first, last, zone = _names(form)
    phone = None
    if form.data["phone"].strip():
        phone = form.clean(
            "phone", lambda raw: directory.clean_phone("phone", raw, org.region)
        )
    if not form.ok or first is None or last is None:
        return render_template("admin/worker_new.html", form=form, zones=ZONES), 400
    try:
        with web.unit() as db:
            if phone:
                directory.check_worker_phone_free(db, org.id, phone)
            worker = directory.add_worker(
                db,
                org,
                first=first,
                last=last,
                phone=phone,
                timezone=zone,
                actor=web.actor(),
            )
            code = codes.issue(
                db, worker, web.rt().settings.secret_key, actor=web.actor()
            )
    except FieldError as exc:
        form.refuse(exc)
        return render_template("admin/worker_new.html", form=form, zones=ZONES), 400
    return render_template("admin/worker_code.html", worker=worker, code=code)


def _names(form: Form) -> tuple[str | None, str | None, str | None]:
    first = form.clean(
        "first", lambda raw: directory.clean_name("first", raw, "first name")
    )
    last = form.clean(
        "last", lambda raw: directory.clean_name("last", raw, "last name")
    )
    zone = form.clean("timezone", lambda raw: directory.clean_zone("timezone", raw))
    return first, last, zone


@bp.get("/<int:worker_id>")
@web.requires("viewer")
def show(worker_id: int) -> str:
    return _show(worker_id)


def _show(worker_id: int, edit: Form | None = None, phone: Form | None = None) -> str:
    now = clock.now()
    with web.unit() as db:
        worker = web.owned(db, Worker, worker_id)
        tz = directory.worker_zone(worker, web.org())
        state = directory.binding_state(db, worker)
        journeys = _recent_journeys(db, worker)
    if edit is None:
        edit = Form()
        edit.data = {
            "first": worker.first_name,
            "last": worker.last_name,
            "timezone": worker.timezone or "",
        }
    if phone is None:
        phone = Form()
        phone.data = {"phone": worker.phone or ""}
    return render_template(
        "admin/worker.html",
        worker=worker,
        state=state,
        journeys=journeys,
        edit=edit,
        phone=phone,
        zones=ZONES,
        org_zone=web.org().timezone,
        local=lambda instant: format_local(instant, tz, now),
    )


def _recent_journeys(db: Session, worker: Worker) -> list[Journey]:
    return list(
        db.scalars(
            select(Journey)
            .where(Journey.worker_id == worker.id)
            .order_by(Journey.id.desc())
            .limit(10)
        )
    )


@bp.post("/<int:worker_id>/edit")
@web.requires("admin")
def edit(worker_id: int) -> Page:
    form = Form(*NAME_FIELDS)
    first, last, zone = _names(form)
    if not form.ok or first is None or last is None:
        return _show(worker_id, edit=form), 400
    with web.unit() as db:
        worker = web.owned(db, Worker, worker_id)
        directory.update_worker(
            db, worker, first=first, last=last, timezone=zone, actor=web.actor()
        )
    flash("Saved.")
    return redirect(url_for("admin.workers.show", worker_id=worker_id))


@bp.post("/<int:worker_id>/phone")
@web.requires("admin")
def change_phone(worker_id: int) -> Page:
    form = Form("phone")
    try:
        with web.unit() as db:
            worker = web.owned(db, Worker, worker_id)
            changed = directory.change_phone(
                db, worker, form.data["phone"], web.actor()
            )
            confirming = directory.binding_state(db, worker).startswith("confirming")
    except FieldError as exc:
        form.refuse(exc)
        return _show(worker_id, phone=form), 400
    if not changed:
        flash("That is already this worker's number.")
    elif confirming:
        flash("Number changed. The new number was asked to confirm with the last name.")
    else:
        flash("Number changed.")
    return redirect(url_for("admin.workers.show", worker_id=worker_id))


@bp.post("/<int:worker_id>/code")
@web.requires("admin")
def new_code(worker_id: int) -> Page:
    with web.unit() as db:
        worker = web.owned(db, Worker, worker_id)
        if not worker.active:
            flash("This worker is deactivated.", "error")
            return redirect(url_for("admin.workers.show", worker_id=worker_id))
        code = codes.issue(db, worker, web.rt().settings.secret_key, actor=web.actor())
    return render_template("admin/worker_code.html", worker=worker, code=code)


@bp.post("/<int:worker_id>/deactivate")
@web.requires("admin")
def deactivate(worker_id: int) -> Response:
    try:
        with web.unit() as db:
            worker = web.owned(db, Worker, worker_id)
            directory.deactivate_worker(db, worker, web.actor())
    except DirectoryError as exc:
        flash(str(exc), "error")
    else:
        flash("Deactivated: this worker can no longer text the gateway.")
    return redirect(url_for("admin.workers.show", worker_id=worker_id))
