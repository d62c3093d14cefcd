"""Fixtures for jobs run by a real Celery worker against the local Redis.

`celery_stack` (function scope) is a factory: `stack = celery_stack(redis_db=5)` gives a `CeleryStack`
with
- `stack.app`: a Flask application (config.TestConfig, TESTING, JOBS_EAGER off) on a database of its
  own that is written for real (SQLite: a file per xdist worker; PostgreSQL: `<testdb>_jobs`, e.g.
  test_gw0_jobs, created and migrated once per test session), with the demo data loaded once
  (`demo=True`, the default: users province_office … with password demo-2025), and REDIS_URL =
  redis://127.0.0.1:6379/<redis_db>. Its JOBS_QUEUE and REDIS_KEY_PREFIX are unique to the test (xdist
  worker and process in the name), so parallel workers never take each other's tasks or progress.
- a real Celery worker (celery.contrib.testing.worker, pool "solo", in a thread of the test process,
  so it runs the tasks registered by test modules too) consuming that queue; `workers=0` starts none,
  `stack.start_worker()` starts one later (one at a time per process). Stopped at the end of the test.
- `stack.client()`: a test client of stack.app; `stack.login(client, "province_office")`.
- `stack.wait(job_id, timeout=60)`: the job once finished (DONE or FAILED), read afresh.
- `stack.other_app(redis_url=…)`: a second application on the same database with other settings (e.g.
  REDIS_URL pointing to a closed port: Redis unreachable), its Celery bound to it.

Use it in a test marked `@pytest.mark.committing` (the suite's per-test transaction must not wrap it),
and inside `with stack.app.app_context():` for anything that touches the database. Tests elsewhere
than tests/jobs/ import it: `from tests.jobs.conftest import celery_stack  # noqa: F401`.

Redis not reachable: the test is SKIPPED, saying so; with REGISTRY_REQUIRE_REDIS=1 (CI) it FAILS.
Each test's Redis keys (its prefix and its queue) are deleted afterwards."""

import os
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

import config
from registry import create_app
from registry.extensions import db
from registry.jobs.models import Job, JobState
from tests.conftest import csrf_token, database_beside

REDIS_HOST = os.environ.get("REGISTRY_TEST_REDIS", "redis://127.0.0.1:6379")  # without a database number
_prepared: dict[str, bool] = {}


def redis_available(url: str = f"{REDIS_HOST}/0") -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping())
    except Exception:
        return False


def require_redis() -> None:
    """Skip (or, with REGISTRY_REQUIRE_REDIS=1, fail) when the local Redis does not answer."""
    if redis_available():
        return
    reason = (
        f"本机 Redis（{REDIS_HOST}）无法连接：跳过需要真实 Celery worker 的测试"
        "（CI 设置 REGISTRY_REQUIRE_REDIS=1 时为失败）"
    )
    if os.environ.get("REGISTRY_REQUIRE_REDIS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _own_database_url() -> str:
    """A database for committing tests, beside the suite's (whose transactions roll back)."""
    url = os.environ["TEST_DATABASE_URL"]
    if url.startswith("postgresql"):
        return database_beside(url, "jobs").replace("postgresql://", "postgresql+psycopg://", 1)
    directory = Path(tempfile.gettempdir()) / f"registry-jobs-{os.getpid()}"
    directory.mkdir(exist_ok=True)
    return f"sqlite:///{directory / 'jobs.db'}"


def _config(database_url: str, redis_url: str, name: str, live_dir: str, **overrides) -> type:
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "JOBS_EAGER": False,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "JOBS_QUEUE": name,
        "REDIS_KEY_PREFIX": name,
        "JOBS_LIVE_DIR": live_dir,
        **overrides,
    }
    return type("CeleryTestConfig", (config.TestConfig,), settings)


def _prepare(app: Flask, url: str, demo: bool) -> None:
    """Migrate the stack's database once per session (PostgreSQL: from an empty schema), load the demo."""
    key = f"{url}|{demo}"
    if _prepared.get(key):
        return
    with app.app_context():
        if not _prepared.get(url):
            if url.startswith("postgresql"):
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
            else:
                Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
                db.engine.dispose()
            upgrade()
            _prepared[url] = True
        if demo:
            from registry.demo import load_demo

            load_demo()
            db.session.commit()
        db.session.remove()
    _prepared[key] = True


class CeleryStack:
    def __init__(self, redis_db: int, demo: bool, overrides: dict):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.name = f"registry-test-{worker}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.redis_url = f"{REDIS_HOST}/{int(redis_db)}"
        self.database_url = _own_database_url()
        self.live_dir = tempfile.mkdtemp(prefix="registry-jobs-live-")
        self.overrides = overrides
        self.app = create_app(_config(self.database_url, self.redis_url, self.name, self.live_dir, **overrides))
        _prepare(self.app, self.database_url, demo)
        from registry.jobs.queue import celery_for

        self.celery = celery_for(self.app)
        self._exit = ExitStack()
        self._apps = [self.app]

    def other_app(self, **overrides) -> Flask:
        """Another application on the same database (e.g. REDIS_URL to a closed port)."""
        settings = {**self.overrides, **overrides}
        redis_url = settings.pop("REDIS_URL", self.redis_url)
        app = create_app(_config(self.database_url, redis_url, self.name, self.live_dir, **settings))
        self._apps.append(app)
        return app

    def start_worker(self) -> None:
        from celery.contrib.testing.worker import start_worker

        self._exit.enter_context(
            start_worker(self.celery, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=60)
        )

    def client(self, app: Flask | None = None):
        return (app or self.app).test_client()

    @staticmethod
    def login(client, username: str, password: str = "demo-2025"):
        return client.post(
            "/login", data={"username": username, "password": password, "csrf_token": csrf_token(client)}
        )

    def wait(self, job_id: int, timeout: float = 60) -> Job:
        """The job once it has finished (DONE or FAILED); fails the test if it has not by `timeout`."""
        deadline = time.monotonic() + timeout
        with self.app.app_context():
            while True:
                db.session.remove()
                job = db.session.get(Job, job_id)
                if job is not None and job.state in (JobState.DONE, JobState.FAILED):
                    db.session.expunge(job)
                    return job
                if time.monotonic() > deadline:
                    pytest.fail(f"job {job_id} not finished after {timeout} s: {job and job.state}")
                time.sleep(0.05)

    def close(self) -> None:
        try:
            self._exit.close()
        finally:
            import redis

            client = redis.Redis.from_url(self.redis_url)
            keys = [*client.scan_iter(f"{self.name}*"), *client.scan_iter(f"_kombu.binding*.{self.name}")]
            if keys:
                client.delete(*keys)
            client.close()
            for app in self._apps:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()


@pytest.fixture
def celery_stack():
    """Factory of `CeleryStack`s (see the module's docstring): `celery_stack(redis_db=5, workers=1,
    demo=True, **config overrides)`. Skips (or fails with REGISTRY_REQUIRE_REDIS=1) without Redis."""
    made: list[CeleryStack] = []

    def make(redis_db: int = 5, *, workers: int = 1, demo: bool = True, **overrides) -> CeleryStack:
        require_redis()
        stack = CeleryStack(redis_db, demo, overrides)
        made.append(stack)
        for _ in range(workers):
            stack.start_worker()
        return stack

    yield make
    for stack in reversed(made):
        stack.close()
