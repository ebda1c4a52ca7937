"""Who is out now, who is overdue, and the alerts that are still open."""

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway import clock, directory
from gateway.admin import web
from gateway.escalation import desk
from gateway.models import Alert, Contact, Journey, Organisation, User, Worker
from gateway.sms_commands.when import format_local, format_span

bp = Blueprint("dashboard", __name__)
REFRESH_SECONDS = 30


@dataclass(frozen=True)
class JourneyRow:
    journey: Journey
    worker: Worker
    due: str
    overdue: bool
    span: str


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    worker: Worker
    opened: str
    taken_by: str | None
    taken_at: str | None


@bp.get("/")
@web.requires("viewer")
def index() -> str:
    now = clock.now()
    with web.unit() as db:
        org = web.org()
        journeys = _journeys(db, org, now)
        alerts = _alerts(db, org, now)
        unreachable = len(directory.contact_problems(db, org.id))
    return render_template(
        "admin/dashboard.html",
        journeys=journeys,
        alerts=alerts,
        unreachable=unreachable,
        refresh=REFRESH_SECONDS,
        now=format_local(now, directory.zone(org.timezone)),
    )


def _journeys(db: Session, org: Organisation, now: datetime) -> list[JourneyRow]:
    # Earliest deadline first puts the overdue at the top.
    rows = db.execute(
        select(Journey, Worker)
        .join(Worker, Worker.id == Journey.worker_id)
        .where(Journey.org_id == org.id, Journey.state == "active")
        .order_by(Journey.due_at, Journey.id)
    ).all()
    return [
        JourneyRow(
            journey=journey,
            worker=worker,
            due=format_local(journey.due_at, directory.worker_zone(worker, org), now),
            overdue=journey.due_at <= now,
            span=format_span(abs(journey.due_at - now)),
        )
        for journey, worker in rows
    ]


def _alerts(db: Session, org: Organisation, now: datetime) -> list[AlertRow]:
    tz = directory.zone(org.timezone)
    rows = db.execute(
        select(Alert, Worker)
        .join(Worker, Worker.id == Alert.worker_id)
        .where(Alert.org_id == org.id, Alert.state != "closed")
        .order_by(Alert.state.desc(), Alert.opened_at)
    ).all()
    return [
        AlertRow(
            alert=alert,
            worker=worker,
            opened=format_local(alert.opened_at, tz, now),
            taken_by=_taker(db, alert),
            taken_at=format_local(alert.acked_at, tz) if alert.acked_at else None,
        )
        for alert, worker in rows
    ]


def _taker(db: Session, alert: Alert) -> str | None:
    if alert.acked_by is not None:
        contact = db.get(Contact, alert.acked_by)
        return f"{contact.name} (SMS)" if contact else None
    if alert.acked_by_user is not None:
        user = db.get(User, alert.acked_by_user)
        return f"{user.email} (web)" if user else None
    return "a contact (SMS)" if alert.state == "acked" else None


@bp.post("/alerts/<int:alert_id>/take")
@web.requires("supervisor")
def take(alert_id: int) -> Response:
    return _act(alert_id, "take")


@bp.post("/alerts/<int:alert_id>/resolve")
@web.requires("supervisor")
def resolve(alert_id: int) -> Response:
    return _act(alert_id, "resolve")


def _act(alert_id: int, action: str) -> Response:
    try:
        with web.unit() as db:
            web.owned(db, Alert, alert_id)
            alert = desk.lock_alert(db, alert_id)
            if action == "take":
                desk.take(db, alert, web.user(), clock.now())
                flash(f"Alert {alert_id} is yours; no more levels will be paged.")
            else:
                told = desk.resolve(db, alert, web.user(), clock.now())
                flash(
                    f"Alert {alert_id} closed; {told} people were sent the all-clear."
                )
    except desk.DeskError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.dashboard.index"))


@bp.post("/journeys/<int:journey_id>/close")
@web.requires("supervisor")
def close_journey(journey_id: int) -> Response:
    try:
        with web.unit() as db:
            journey = web.owned(db, Journey, journey_id)
            told = desk.close_journey(db, journey.id, web.user(), clock.now())
            flash(
                f"Journey closed. {told} people alerted were sent the all-clear."
                if told
                else "Journey closed."
            )
    except desk.DeskError as exc:
        flash(str(exc), "error")
    return redirect(url_for("admin.dashboard.index"))
