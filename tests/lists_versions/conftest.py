import io

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from tests.conftest import CSRF_RE


@pytest.fixture
def province(demo):
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990000"))


@pytest.fixture
def city(demo):
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990100"))


def token_of(client, path):
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def upload(client, code, content: bytes, filename="list.csv", create_departments=False):
    data = {
        "csrf_token": token_of(client, f"/manage/{code}/import"),
        "file": (io.BytesIO(content), filename),
    }
    if create_departments:
        data["create_departments"] = "y"
    return client.post(f"/manage/{code}/import", data=data, content_type="multipart/form-data")
