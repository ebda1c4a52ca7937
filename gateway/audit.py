"""The audit trail: who did what, to what, and when."""

import json
from typing import Any

from sqlalchemy.orm import Session

from gateway import clock
from gateway.models import AuditEvent


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    org_id: int | None,
    subject: tuple[str, int] | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit row in the caller's transaction; detail must hold no secrets.

    A web request puts its client address in ``session.info["audit_context"]``
    so every row written in its transaction says where the action came from.
    """
    detail = {**session.info.get("audit_context", {}), **detail}
    event = AuditEvent(
        org_id=org_id,
        actor=actor,
        action=action,
        subject_type=subject[0] if subject else None,
        subject_id=subject[1] if subject else None,
        detail=json.dumps(detail, sort_keys=True, default=str),
        at=clock.now(),
    )
    session.add(event)
    return event
