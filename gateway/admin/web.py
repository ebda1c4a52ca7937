"""What every admin page shares: the signed-in user, roles, CSRF, sessions
that expire, organisation scoping and a database unit with the client address."""

import hmac
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import accounts, clock, runtime
from gateway.models import Organisation, User

LIFETIME = timedelta(hours=12)
IDLE = timedelta(minutes=30)
PAGE_SIZE = 50
F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")


def rt() -> runtime.Runtime:
    current: runtime.Runtime = current_app.extensions["gateway"]
    return current


def client_address() -> str:
    return request.remote_addr or "unknown"


@contextmanager
def unit() -> Iterator[Session]:
    """A transaction whose audit rows record where the request came from."""
    with rt().db.session() as db:
        db.info["audit_context"] = {"ip": client_address()}
        yield db


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    expected = session.get("csrf")
    sent = request.form.get("csrf_token", "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected, sent):
        abort(400, "This form has expired. Go back, reload the page and try again.")


def start_session(user: User) -> None:
    # A fresh session at sign-in, so a token planted before it is worthless.
    session.clear()
    session.permanent = True
    now = clock.now().timestamp()
    session.update(uid=user.id, since=now, seen=now, csrf=secrets.token_urlsafe(32))


def load_user() -> None:
    """Put the signed-in user in ``g.user``, ending sessions that are too old."""
    g.user = None
    g.org = None
    uid = session.get("uid")
    if uid is None:
        return
    now = clock.now().timestamp()
    since, seen = session.get("since", 0), session.get("seen", 0)
    if now - since > LIFETIME.total_seconds() or now - seen > IDLE.total_seconds():
        session.clear()
        flash("Your session ended; sign in again.")
        return
    session["seen"] = now
    with rt().db.session() as db:
        user = db.scalar(select(User).where(User.id == uid, User.active))
        g.org = db.get(Organisation, user.org_id) if user else None
    if user is None:
        session.clear()
    g.user = user


def requires(role: str) -> Callable[[F], F]:
    """Only users whose role includes ``role``; others are sent to sign in or 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if g.get("user") is None:
                return redirect(url_for("admin.auth.sign_in", next=request.path))
            if not accounts.allows(g.user.role, role):
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def user() -> User:
    current: User = g.user
    return current


def org() -> Organisation:
    current: Organisation = g.org
    return current


def actor() -> str:
    return f"user:{user().id}"


def owned(db: Session, model: type[M], row_id: int) -> M:
    """The row if it belongs to the signed-in user's organisation, else 404."""
    if not 0 < row_id < 2**63:
        abort(404)  # no such id can exist, and the database would refuse it
    row = db.get(model, row_id)
    if row is None or getattr(row, "org_id", None) != user().org_id:
        abort(404)
    return row


def page_number() -> int:
    raw = request.args.get("page", "1")
    return max(int(raw), 1) if raw.isdigit() and len(raw) < 7 else 1


def request_flag(name: str) -> bool:
    return request.form.get(name, "") in ("1", "true", "on", "yes")
