"""The audit log: who did what, to what, when and from where."""

import json

from flask import Blueprint, render_template
from sqlalchemy import select

from gateway import directory
from gateway.admin import web
from gateway.models import AuditEvent

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("")
@web.requires("viewer")
def index() -> str:
    page = web.page_number()
    org = web.org()
    with web.unit() as db:
        events = db.scalars(
            select(AuditEvent)
            .where(AuditEvent.org_id == org.id)
            .order_by(AuditEvent.id.desc())
            .limit(web.PAGE_SIZE + 1)
            .offset((page - 1) * web.PAGE_SIZE)
        ).all()
    tz = directory.zone(org.timezone)
    rows = [
        {
            "at": f"{event.at.astimezone(tz):%d %b %Y %H:%M:%S %Z}",
            "actor": event.actor,
            "action": event.action,
            "subject": (
                f"{event.subject_type} {event.subject_id}" if event.subject_type else ""
            ),
            **_detail(event.detail),
        }
        for event in events[: web.PAGE_SIZE]
    ]
    return render_template(
        "admin/audit.html", rows=rows, page=page, more=len(events) > web.PAGE_SIZE
    )


def _detail(raw: str) -> dict[str, str]:
    try:
        detail = json.loads(raw)
    except ValueError:
        detail = {}
    if not isinstance(detail, dict):
        detail = {}
    address = str(detail.pop("ip", ""))
    text = ", ".join(f"{key}: {value}" for key, value in sorted(detail.items()))
    return {"address": address, "detail": text}
