from datetime import date

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.jurisdictions.queries import by_code
from registry.lists import services
from registry.lists.models import Matter
from registry.public.cache import derived as cache
from registry.versions import services as version_services


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Ids are reused after each test's rollback; fingerprints include the checksum and publication
    # time, but a clean cache keeps tests independent of each other's order anyway.
    cache.clear()
    yield
    cache.clear()


def switch_language(client, code: str) -> None:
    """Choose the interface language like a visitor does. Tests share one app context across
    requests, where Flask-Babel keeps the locale it first found: forget it."""
    from flask_babel import refresh

    client.get(f"/lang/{code}")
    refresh()


def straw(city):
    return db.session.scalar(select(Matter).where(Matter.jurisdiction_id == city.id, Matter.title.contains("秸秆")))


@pytest.fixture
def second_version(demo):
    """江川市 publishes 2026年版, in force, where the straw matter's lead moves to the ecology department."""
    city = by_code("990100")
    matter = straw(city)
    old_lead = matter.lead
    ecology = services.resolve_department(city, "江川市生态环境局")
    police = services.resolve_department(city, "江川市公安局")
    services.update_matter(
        matter,
        title=matter.title,
        category=matter.category,
        description=matter.description,
        lead=ecology,
        cooperating=[old_lead, police],
        actor="测试",
    )
    version = version_services.publish_version(
        city,
        label="2026年版",
        doc_number="江政办发〔2026〕2号",
        effective_date=date(2025, 6, 1),
        publisher="江川市人民政府办公室",
        actor="测试",
    )
    db.session.flush()
    return city, matter, old_lead, ecology, version
