import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.imports.planning import apply_import, plan_import
from registry.jurisdictions.models import Jurisdiction
from registry.versions import services as version_services
from tests import factories
from tests.conftest import CSRF_RE

REFERENCE = Path(__file__).resolve().parents[2] / "registry" / "demo" / "example-province-matters.csv"
PASSWORD = "password-123"


@pytest.fixture
def province(demo):
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990000"))


@pytest.fixture
def city(demo):
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990100"))


@pytest.fixture
def ref():
    """A province built from the reference spreadsheet (quicker than the whole demo), with its
    2025 version published, an office user, a city below it with its own office."""
    j = factories.jurisdiction("970000", name="参考省")
    apply_import(plan_import(j, REFERENCE.read_bytes(), "reference.csv", create_departments=True), "测试")
    version_services.publish_version(
        j,
        label="2025年版",
        doc_number="参政办发〔2025〕1号",
        effective_date=date(2025, 1, 1),
        publisher="参考省政府",
        actor="测试",
    )
    below = factories.jurisdiction("970100", "city", parent=j, name="参考市")
    factories.department(below, "参考市生态环境局")
    factories.user("ref_office", "office_admin", j)
    factories.user("ref_city_office", "office_admin", below)
    factories.user("ref_admin", "sysadmin", j)
    db.session.flush()
    return j


@pytest.fixture
def office(ref, auth):
    """参考省 with its office signed in."""
    auth.login("ref_office", PASSWORD)
    return ref


def text(response):
    return response.get_data(as_text=True)


def token_of(client, path):
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def upload(client, code, content: bytes, filename="list.csv", create_departments=False, csrf_path=None):
    data = {
        "csrf_token": token_of(client, csrf_path or f"/manage/{code}/import"),
        "file": (io.BytesIO(content), filename),
    }
    if create_departments:
        data["create_departments"] = "y"
    return client.post(f"/manage/{code}/import", data=data, content_type="multipart/form-data")
