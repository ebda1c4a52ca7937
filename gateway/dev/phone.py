"""``/dev/phone``: a simulated handset, registered only under ``gateway dev``.

Texts typed here go through the same pipeline as Twilio's webhook, after
the signature check; messages the gateway sent to the number are read
from the outbox.
"""

import uuid
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway import inbound, runtime
from gateway.dev import demo
from gateway.models import Contact, Inbound, Organisation, Outbox, Worker
from gateway.phones import InvalidPhone, parse_phone
from gateway.verification import codes

bp = Blueprint("dev_phone", __name__, url_prefix="/dev")
GATEWAY_NUMBER = "+61491570999"


def _rt() -> runtime.Runtime:
    rt: runtime.Runtime = current_app.extensions["gateway"]
    return rt


@bp.get("/phone")
def phone() -> str:
    number = request.args.get("number", demo.WORKER_PHONE)
    with _rt().db.session() as session:
        received = session.scalars(
            select(Inbound).where(Inbound.from_phone == number).order_by(Inbound.id)
        ).all()
        sent = session.scalars(
            select(Outbox)
            .where(Outbox.to_phone == number, Outbox.status != "cancelled")
            # Pages merged into another SMS arrive as that one message.
            .where(Outbox.merged_into.is_(None))
            .order_by(Outbox.id)
        ).all()
        people = _people(session)
        zone = session.scalar(select(Organisation.timezone).order_by(Organisation.id))
    tz = ZoneInfo(zone or "UTC")
    thread = sorted(
        [(m.received_at.astimezone(tz), "out", m.body, "") for m in received]
        + [
            (
                m.created_at.astimezone(tz),
                "in",
                m.body,
                "" if m.kind == "reply" else m.status,
            )
            for m in sent
        ],
        key=lambda item: item[0],
    )
    return render_template(
        "dev/phone.html",
        number=number,
        thread=thread,
        people=people,
        code=current_app.config.get("DEMO_CODE"),
        error=request.args.get("error"),
    )


def _people(session: Session) -> list[tuple[str, str]]:
    people = [
        (f"{w.full_name} (worker)", w.phone)
        for w in session.scalars(select(Worker))
        if w.phone
    ]
    people += [
        (f"{c.name} (level {c.level})", c.phone)
        for c in session.scalars(select(Contact))
    ]
    return [(label, phone) for label, phone in people if phone]


@bp.post("/phone")
def send() -> Response:
    raw = request.form.get("number", "")
    try:
        number = parse_phone(raw, "AU")
    except InvalidPhone as exc:
        return redirect(url_for("dev_phone.phone", number=raw, error=str(exc)))
    inbound.process(
        _rt(),
        sid="SMdev" + uuid.uuid4().hex[:29],
        from_=number,
        to=GATEWAY_NUMBER,
        body=request.form.get("body", ""),
    )
    return redirect(url_for("dev_phone.phone", number=number))


@bp.post("/phone/new-code")
def new_code() -> Response:
    rt = _rt()
    with rt.db.session() as session:
        worker = session.scalars(select(Worker).order_by(Worker.id)).first()
        if worker is not None:
            current_app.config["DEMO_CODE"] = codes.issue(
                session, worker, rt.settings.secret_key, actor="dev"
            )
    return redirect(url_for("dev_phone.phone", number=request.form.get("number")))
