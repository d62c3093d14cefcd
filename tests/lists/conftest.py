"""Helpers for the offices' list pages: log in as a demo user, read forms, post them with their token."""

import re

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department, Matter

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LOCK_RE = re.compile(r'name="lock_version"[^>]*value="(\d+)"')


class Browser:
    """A logged-in user clicking through pages: GET a form, then POST it with its token."""

    def __init__(self, client, auth):
        self.client, self.auth = client, auth
        self.user = None

    def login(self, username: str) -> "Browser":
        if self.user:
            self.auth.logout()
        self.user = username
        response = self.auth.login(username)
        assert response.status_code == 302, f"login as {username} failed"
        return self

    def get(self, url: str, status: int = 200) -> str:
        response = self.client.get(url)
        assert response.status_code == status, (url, response.status_code)
        return response.get_data(as_text=True)

    def form(self, url: str) -> dict[str, str]:
        """The hidden values of the form on url (CSRF token, lock version)."""
        html = self.get(url)
        values = {"csrf_token": CSRF_RE.search(html).group(1)}
        if match := LOCK_RE.search(html):
            values["lock_version"] = match.group(1)
        return values

    def post(self, url: str, data: dict, *, hidden: dict | None = None, follow: bool = False):
        """POST data to url with the hidden values of its form (read first unless given)."""
        values = dict(hidden if hidden is not None else self.form(url))
        values.update(data)
        return self.client.post(url, data=values, follow_redirects=follow)


@pytest.fixture
def browser(client, auth, demo):
    return Browser(client, auth)


def jurisdiction(code: str) -> Jurisdiction:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def department(name: str) -> Department:
    return db.session.scalar(select(Department).where((Department.short_name == name) | (Department.name == name)))


def matter(title: str, code: str = "990000") -> Matter | None:
    return db.session.scalar(
        select(Matter)
        .join(Jurisdiction, Matter.jurisdiction_id == Jurisdiction.id)
        .where(Matter.title == title, Jurisdiction.code == code)
    )


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)
