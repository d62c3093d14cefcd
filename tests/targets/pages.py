"""Helpers for the targets pages' tests: demo users clicking through forms with their CSRF token."""

import re

from sqlalchemy import select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department
from registry.targets import services

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
HIDDEN_RE = re.compile(r'<input[^>]*name="(lock_version|value_version|version_year|version_month)"[^>]*value="(\d*)"')


class Browser:
    def __init__(self, client, auth):
        self.client, self.auth, self.user = client, auth, None

    def login(self, username: str) -> "Browser":
        if self.user:
            self.auth.logout()
        response = self.auth.login(username)
        assert response.status_code == 302, f"login as {username} failed"
        self.user = username
        return self

    def get(self, url: str, status: int = 200) -> str:
        response = self.client.get(url)
        assert response.status_code == status, (url, response.status_code)
        return response.get_data(as_text=True)

    def hidden(self, url: str) -> dict[str, str]:
        """The CSRF token and version fields of the form on url."""
        html = self.get(url)
        values = {"csrf_token": CSRF_RE.search(html).group(1)}
        values.update({name: value for name, value in HIDDEN_RE.findall(html)})
        return values

    def post(self, url: str, data: dict, *, form_at: str | None = None, **kwargs):
        """POST data with the hidden values of the form shown at form_at (url by default)."""
        values = {**self.hidden(form_at or url), **data}
        return self.client.post(url, data=values, **kwargs)


def jurisdiction(code: str) -> Jurisdiction:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def department(code: str, name: str) -> Department:
    j = jurisdiction(code)
    return db.session.scalar(select(Department).where(Department.jurisdiction_id == j.id, Department.name == name))


def open_year(jurisdiction_id: int, last: int) -> int:
    """A year no lock holds (the demo locks some), the latest first."""
    locked = services.locked_years(jurisdiction_id)
    return next(y for y in range(last, 2000, -1) if y not in locked)


def text(html: str) -> str:
    """A page's text without tags, for asserting what a reader sees."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
