"""The public caches' shared tier in Redis (registry/public/cache.py): pages and look-ups kept in Redis
are the same as those rendered without it, a page rendered by one worker is served to another without
rendering it again, a publication reaches every worker through the shared generation, and a Redis that
does not answer costs nothing but the cache.

Against the local Redis (db 11, a key prefix of this test's own, deleted afterwards); skipped when it
does not answer, failed then with REGISTRY_REQUIRE_REDIS=1 (as tests/jobs). "Workers" are Flask
applications in this process, on the test's database connection (the suite's transaction): their
in-process caches are module-wide, so a test empties them (`_forget_l1`) where another worker would
start without them."""

import os
import uuid
from datetime import date

import pytest
from flask import template_rendered
from sqlalchemy import select

import config
from registry import create_app
from registry.extensions import db
from registry.jurisdictions.queries import by_code
from registry.lists import services
from registry.lists.models import Department, Matter
from registry.public import cache
from registry.versions import services as version_services

REDIS_HOST = os.environ.get("REGISTRY_TEST_REDIS", "redis://127.0.0.1:6379")
REDIS_DB = 11
NEW_TITLE = "共享缓存测试：城市公园湖泊蓝藻水华监测预警"


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping())
    except Exception:
        return False


@pytest.fixture
def redis_url():
    url = f"{REDIS_HOST}/{REDIS_DB}"
    if not _redis_answers(url):
        reason = (
            f"本机 Redis（{REDIS_HOST}）无法连接：跳过公众页面共享缓存的测试"
            "（CI 设置 REGISTRY_REQUIRE_REDIS=1 时为失败）"
        )
        if os.environ.get("REGISTRY_REQUIRE_REDIS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return url


@pytest.fixture
def workers(app, redis_url):
    """`workers(n, redis_url=…)`: n applications ("workers", or app servers) on the suite's database and
    one Redis prefix of this test's own. Their keys are deleted and their connections closed afterwards."""
    import redis

    prefix = f"test-public-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    made = []

    def make(n: int = 1, url: str = redis_url, **settings):
        class WithRedis(config.TestConfig):
            SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
            REDIS_URL = url
            REDIS_KEY_PREFIX = prefix
            PUBLIC_CACHE_REDIS = True

        for name, value in settings.items():
            setattr(WithRedis, name, value)
        apps = [create_app(WithRedis) for _ in range(n)]
        made.extend(apps)
        return apps

    make.prefix = prefix
    yield make
    for other in made:
        with other.app_context():
            if (tier := cache.shared_cache()) is not None:
                tier.close()
            db.engine.dispose()
    client = redis.Redis.from_url(redis_url)
    if keys := list(client.scan_iter(match=f"{prefix}:*")):
        client.delete(*keys)
    client.close()


def _forget_l1() -> None:
    """What a worker that never served these pages holds: nothing in its own caches, no token read."""
    cache.derived.clear()
    cache.memo.clear()
    cache.items.clear()
    cache.fragments.clear()
    cache.bodies.clear()
    cache.invalidate()


def _redis_keys(prefix: str, kind: str) -> list[bytes]:
    import redis

    client = redis.Redis.from_url(f"{REDIS_HOST}/{REDIS_DB}")
    try:
        return [k for k in client.scan_iter(match=f"{prefix}:public:*") if f":{kind}:".encode() in k]
    finally:
        client.close()


class Renders:
    """Templates rendered by an application while counting (flask's template_rendered signal)."""

    def __init__(self, app):
        self.app = app
        self.names: list[str] = []

    def _record(self, sender, template, context, **extra):
        self.names.append(template.name)

    def __enter__(self):
        template_rendered.connect(self._record, self.app)
        return self

    def __exit__(self, *exc):
        template_rendered.disconnect(self._record, self.app)


def _pages(demo_session) -> list[str]:
    city = by_code("990100")
    department = db.session.scalar(
        select(Department).where(Department.jurisdiction_id == city.id).order_by(Department.id)
    )
    matter = db.session.scalar(select(Matter).where(Matter.jurisdiction_id == city.id).order_by(Matter.id))
    return [
        "/",
        "/jurisdictions",
        "/jurisdictions/990100",
        "/jurisdictions/990100?category=大气",
        f"/departments/{department.id}",
        f"/matters/{matter.id}",
        "/search?q=秸秆",
        "/api/v1/jurisdictions",
        "/api/v1/matters?jurisdiction=990100",
    ]


def test_redis_and_the_process_alone_give_the_same_pages(app, demo, workers):
    """(a) Each page as the process alone renders it, as a worker with Redis renders it, and as another
    worker gets it from Redis: the same bytes, the same ETag."""
    (with_redis,) = workers(1)
    alone, rendering, from_redis = app.test_client(), with_redis.test_client(), with_redis.test_client()
    for path in _pages(demo):
        _forget_l1()
        expected = alone.get(path)
        assert expected.status_code == 200, path
        _forget_l1()
        first = rendering.get(path)
        _forget_l1()
        with Renders(with_redis) as rendered:
            second = from_redis.get(path)
        if "ETag" in expected.headers:  # a page kept whole: from Redis, not rendered again
            assert rendered.names == [], path
        for got in (first, second):
            assert got.status_code == 200, path
            assert got.get_data() == expected.get_data(), path
            assert got.headers.get("ETag") == expected.headers.get("ETag"), path
            assert got.headers["Content-Type"] == expected.headers["Content-Type"], path
    # The cached pages' bodies went to Redis, under this site's prefix.
    assert _redis_keys(workers.prefix, "b")


def test_a_page_rendered_by_one_worker_is_served_to_the_others_from_redis(demo, workers, monkeypatch):
    """(b) Worker one renders the jurisdiction page; worker two (another application, nothing in its own
    caches) serves the same bytes without rendering a template, and so does worker one once its own
    cache has dropped the page. The look-ups worth sharing went to Redis too."""
    monkeypatch.setattr(cache, "SHARE_ABOVE", 0.0)  # every look-up is worth sharing: none depends on timing
    one, two = workers(2)
    path = "/jurisdictions/990100"
    _forget_l1()
    with Renders(one) as rendered:
        first = one.test_client().get(path)
    assert first.status_code == 200 and "public/jurisdiction.html" in rendered.names
    assert _redis_keys(workers.prefix, "r") and _redis_keys(workers.prefix, "p")

    for worker in (two, one):
        _forget_l1()
        with Renders(worker) as rendered:
            again = worker.test_client().get(path)
        assert again.status_code == 200
        assert rendered.names == []
        assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]


def test_cheap_look_ups_stay_in_the_process(demo, workers, monkeypatch):
    """A look-up cheaper to compute than SHARE_ABOVE is not sent to Redis; pages still are."""
    monkeypatch.setattr(cache, "SHARE_ABOVE", 3600.0)
    (worker,) = workers(1)
    _forget_l1()
    assert worker.test_client().get("/jurisdictions/990100").status_code == 200
    assert _redis_keys(workers.prefix, "b")
    assert not _redis_keys(workers.prefix, "r") and not _redis_keys(workers.prefix, "p")


def _publish_new_matter(worker) -> None:
    """江川市 adds a matter and publishes 2026年版, committed in `worker` (whose commit hook tells Redis)."""
    with worker.app_context():
        city = by_code("990100")
        services.create_matter(
            city,
            title=NEW_TITLE,
            category="水",
            lead=services.resolve_department(city, "江川市生态环境局"),
            actor="测试",
        )
        version_services.publish_version(
            city,
            label="2026年版",
            doc_number="江政办发〔2026〕9号",
            effective_date=date(2025, 6, 1),
            publisher="江川市人民政府办公室",
            actor="测试",
        )
        db.session.commit()  # the suite's transaction: releases this session's savepoint


def test_a_publication_reaches_every_worker_with_redis_and_without(app, demo, workers):
    """(c) After a publication the jurisdiction page shows the new matter: in the process without Redis,
    in the publishing worker, in it again once its own cache is empty (the page then comes from Redis or
    is rendered anew), and in a second worker that never saw the publication happen."""
    import redis

    publisher, other = workers(2)
    path = "/jurisdictions/990100"
    alone = app.test_client()
    # Every cache warm with the page before the publication.
    for worker in (publisher, other):
        _forget_l1()
        assert NEW_TITLE not in worker.test_client().get(path).get_data(as_text=True)
    assert NEW_TITLE not in alone.get(path).get_data(as_text=True)
    generation_key = f"{workers.prefix}:public:generation"
    client = redis.Redis.from_url(f"{REDIS_HOST}/{REDIS_DB}")
    before = int(client.get(generation_key) or 0)

    _publish_new_matter(publisher)

    assert int(client.get(generation_key) or 0) == before + 1  # the commit hook's INCR
    client.close()
    # Without Redis: this process saw the flush, its caches follow at once.
    assert NEW_TITLE in alone.get(path).get_data(as_text=True)
    # With Redis: the publishing worker, with its cache and without, and the other worker.
    assert NEW_TITLE in publisher.test_client().get(path).get_data(as_text=True)
    _forget_l1()
    assert NEW_TITLE in publisher.test_client().get(path).get_data(as_text=True)
    _forget_l1()
    with Renders(other) as rendered:
        seen = other.test_client().get(path).get_data(as_text=True)
    assert NEW_TITLE in seen and rendered.names == []  # the page the publisher rendered, from Redis


def test_a_worker_whose_token_is_fresh_still_sees_the_publication_of_another(demo, workers):
    """The shared generation in the token: a worker that read the token just before another published
    re-reads it within TOKEN_TTL and gets new keys, whatever its own caches hold."""
    publisher, other = workers(2)
    with other.test_request_context("/"):
        before = cache.publication_token()
    _publish_new_matter(publisher)
    cache._token = None  # TOKEN_TTL has passed for the other worker
    with other.test_request_context("/"):
        after = cache.publication_token()
    assert after[2] == before[2] + 1 and after != before


def test_pages_are_served_when_redis_does_not_answer(demo, workers, caplog):
    """(d) REDIS_URL to a closed port: every page 200, the same as without Redis, one warning."""
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    (worker,) = workers(1, url=f"redis://127.0.0.1:{closed}/{REDIS_DB}")
    client = worker.test_client()
    _forget_l1()
    for path in _pages(demo):
        assert client.get(path).status_code == 200, path
        assert client.get(path).status_code == 200, path  # the second from this process's cache
    _publish_new_matter(worker)  # the INCR fails: owed, not an error
    assert NEW_TITLE in client.get("/jurisdictions/990100").get_data(as_text=True)
    warnings = [r for r in caplog.records if r.name == "registry.public.cache"]
    assert len(warnings) <= 1


def test_reset_caches_empties_the_shared_tier(demo, workers):
    """Tests reuse ids after each rollback: reset_caches() leaves nothing of the last test in Redis."""
    (worker,) = workers(1)
    _forget_l1()
    assert worker.test_client().get("/jurisdictions/990100").status_code == 200
    assert _redis_keys(workers.prefix, "b")
    cache.reset_caches()
    assert not _redis_keys(workers.prefix, "b")
