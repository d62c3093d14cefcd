import pytest
from sqlalchemy import select

from registry.auth.models import User
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.reports.models import AnnualReport, ReportingCycle
from tests.conftest import csrf_token


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def reports(demo):
    """The demo's 2025 reports of 示例省 by department name."""
    province = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990000"))
    cycle = db.session.scalar(select(ReportingCycle).where(ReportingCycle.jurisdiction_id == province.id))
    return {
        r.department.name: r for r in db.session.scalars(select(AnnualReport).where(AnnualReport.cycle_id == cycle.id))
    }


def post(client, path: str, data: dict | None = None, form_page: str = "/reports/", **kwargs):
    return client.post(path, data={"csrf_token": csrf_token(client, form_page), **(data or {})}, **kwargs)
