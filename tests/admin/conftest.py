"""Arrangements for the admin page: two organisations, a user per role, and a
client that signs in and carries the CSRF token the way a browser does."""

import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from gateway import accounts, clock, directory, runtime
from gateway.models import User
from gateway.verification.flow import bind
from tests.helpers import WORKER_PHONE, make_org

PASSWORD = "correct horse battery"
OTHER_WORKER_PHONE = "+61491570401"
OTHER_CONTACT_PHONE = "+61491570402"
# Tests sign in many times; a cheap hash keeps them quick and is still checked
# by the same werkzeug function as a production hash.
CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Other:
    org_id: int
    worker_id: int
    contact_id: int
    user_id: int


@dataclass
class World:
    org_id: int
    worker_id: int
    code: str
    other: Other


def email(role: str, org: str = "a") -> str:
    return f"{role}@{org}.example.org"


def add_users(rt: runtime.Runtime, org_id: int, org: str) -> dict[str, int]:
    ids = {}
    with rt.db.session() as session:
        for role in accounts.ROLES:
            user = User(
                org_id=org_id,
                email=email(role, org),
                password_hash=CHEAP_HASH,
                role=role,
                active=True,
                created_at=clock.now(),
            )
            session.add(user)
            session.flush()
            ids[role] = user.id
    return ids


def make_other_org(rt: runtime.Runtime) -> Other:
    with rt.db.session() as session:
        org = directory.create_org(session, "Other Org", "Pacific/Auckland", "NZ")
        worker = directory.add_worker(
            session, org, first="Olly", last="Other", phone=OTHER_WORKER_PHONE
        )
        contact = directory.add_contact(
            session, org, name="Otto", phone=OTHER_CONTACT_PHONE, level=1
        )
        bind(session, worker, OTHER_WORKER_PHONE, clock.now(), actor="test")
        ids = (org.id, worker.id, contact.id)
    users = add_users(rt, ids[0], "b")
    return Other(ids[0], ids[1], ids[2], users["owner"])


@pytest.fixture
def world(rt: runtime.Runtime) -> World:
    made = make_org(rt)
    add_users(rt, made.org_id, "a")
    return World(made.org_id, made.worker_id, made.code, make_other_org(rt))


class Browser:
    """A test client that keeps the page's CSRF token and sends it with forms."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = ""

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(url, **kwargs)
        found = TOKEN_RE.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, url: str, data: dict[str, str] | None = None) -> TestResponse:
        form = {"csrf_token": self.token, **(data or {})}
        response = self.client.post(url, data=form)
        found = TOKEN_RE.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def sign_in(self, who: str, password: str = PASSWORD) -> TestResponse:
        self.get("/admin/sign-in")
        response = self.post("/admin/sign-in", {"email": who, "password": password})
        self.get("/admin/")
        return response

    def text(self, url: str) -> str:
        return self.get(url).get_data(as_text=True)


@pytest.fixture
def browser(client: FlaskClient) -> Browser:
    return Browser(client)


@pytest.fixture
def as_role(browser: Browser, world: World) -> Any:
    def sign_in(role: str) -> Browser:
        response = browser.sign_in(email(role))
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser

    return sign_in


__all__ = ["WORKER_PHONE"]
