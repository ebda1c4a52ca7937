"""The message log: texts received and sent, with delivery status, newest first."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template
from sqlalchemy import Row, literal, select, union_all

from gateway import directory
from gateway.admin import web
from gateway.models import Inbound, Outbox
from gateway.verification.codes import read_code

bp = Blueprint("messages", __name__, url_prefix="/messages")


@dataclass(frozen=True)
class Entry:
    direction: str
    at: str
    phone: str
    body: str
    kind: str
    status: str
    error: str


@bp.get("")
@web.requires("viewer")
def index() -> str:
    page = web.page_number()
    org = web.org()
    received = select(
        literal("in").label("direction"),
        Inbound.id,
        Inbound.received_at.label("at"),
        Inbound.from_phone.label("phone"),
        Inbound.body,
        Inbound.verb.label("kind"),
        literal("received").label("status"),
        literal("").label("error"),
    ).where(Inbound.org_id == org.id)
    sent = select(
        literal("out"),
        Outbox.id,
        Outbox.created_at,
        Outbox.to_phone,
        Outbox.body,
        Outbox.kind,
        Outbox.status,
        Outbox.error_message,
    ).where(Outbox.org_id == org.id)
    both = union_all(received, sent).subquery()
    query = (
        select(both)
        .order_by(both.c.at.desc(), both.c.id.desc())
        .limit(web.PAGE_SIZE + 1)
        .offset((page - 1) * web.PAGE_SIZE)
    )
    with web.unit() as db:
        rows = db.execute(query).all()
    tz = directory.zone(org.timezone)
    entries = [_entry(row, tz) for row in rows[: web.PAGE_SIZE]]
    return render_template(
        "admin/messages.html",
        entries=entries,
        page=page,
        more=len(rows) > web.PAGE_SIZE,
    )


def _entry(row: Row[Any], tz: ZoneInfo) -> Entry:
    direction, body = str(row.direction), str(row.body)
    if direction == "in" and read_code(body) is not None:
        # The administrator handed this code over; the log need not repeat it.
        body = "(security code, hidden)"
    at: datetime = row.at
    return Entry(
        direction=direction,
        at=f"{at.astimezone(tz):%d %b %H:%M %Z}",
        phone=str(row.phone),
        body=body,
        kind=str(row.kind or "").lower(),
        status=str(row.status),
        error=str(row.error or ""),
    )
