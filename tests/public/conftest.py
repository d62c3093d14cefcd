import pytest

from registry.extensions import db
from registry.jurisdictions.queries import by_code
from registry.public.cache import derived as cache
from tests.factories import second_city_version


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


@pytest.fixture
def second_version(demo):
    """江川市 publishes 2026年版, in force, where the straw matter's lead moves to the ecology department."""
    city = by_code("990100")
    matter, old_lead, ecology, version = second_city_version(city, also_cooperating=["江川市公安局"])
    db.session.flush()
    return city, matter, old_lead, ecology, version
