"""Test setup: the real migrations build the schema once; every test runs in a transaction that is
rolled back afterwards (views' commits only release a savepoint). Set TEST_DATABASE_URL to run on
PostgreSQL; the default is a throw-away SQLite file."""

import os
import re
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session
from sqlalchemy import create_engine, text

from registry import create_app
from registry.extensions import db

_tmp = tempfile.mkdtemp(prefix="registry-tests-")
# What the run chose itself rather than was given: a throw-away SQLite file and instance folder, one
# per process. pytest-xdist's workers inherit the environment of the process that started them, so
# the choice is marked, and each worker makes its own.
_chosen = set(filter(None, os.environ.get("REGISTRY_TEST_CHOSEN", "").split(",")))
if not os.environ.get("TEST_DATABASE_URL") or "database" in _chosen:
    os.environ["TEST_DATABASE_URL"] = f"sqlite:///{Path(_tmp) / 'test.db'}"
    _chosen.add("database")
if not os.environ.get("REGISTRY_INSTANCE") or "instance" in _chosen:
    os.environ["REGISTRY_INSTANCE"] = _tmp
    _chosen.add("instance")
os.environ["REGISTRY_TEST_CHOSEN"] = ",".join(sorted(_chosen))


def database_beside(url: str, suffix: str) -> str:
    """The PostgreSQL database named after `url`'s with `_suffix` (test → test_gw0), created on first
    use. With pytest-xdist (`make test` runs a worker per core) each worker gets one of its own this way,
    and so do the committing tests that need a database beside the suite's (test_gw0 → test_gw0_jobs)."""
    base, name = url.rsplit("/", 1)
    own = f"{name}_{suffix}"
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own}):
            conn.execute(text(f'CREATE DATABASE "{own}"'))
    engine.dispose()
    return f"{base}/{own}"


if (_worker := os.environ.get("PYTEST_XDIST_WORKER")) and os.environ["TEST_DATABASE_URL"].startswith("postgresql"):
    os.environ["TEST_DATABASE_URL"] = database_beside(os.environ["TEST_DATABASE_URL"], _worker)

import config  # noqa: E402  (reads the environment set above)


@pytest.hookimpl(optionalhook=True)  # known only while xdist is loaded (`-p no:xdist` runs without it)
def pytest_xdist_make_scheduler(config, log):
    """With `--dist loadscope` (as `make test` runs): the browser tests as one unit on one worker, every
    other test a unit of its own. The browser tests share a gunicorn serving the demo, which takes a
    worker half a minute to set up, and the crawl's record of page kinds already checked by axe.
    (xdist's own `loadgroup` groups nothing under pytest 9, whose node ids it no longer rewrites.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/browser" if nodeid.startswith("tests/browser/") else nodeid

    return BrowserTestsTogether(config, log)


def reset_postgres(url: str) -> None:
    """An empty public schema in the PostgreSQL database at `url` (for the migrations to build)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def committing_database(label: str) -> tuple[str, Callable[[], None]]:
    """A new, empty database for one committing test (the suite's transactions roll back, a job's
    thread or worker commits for real): a SQLite file in a new folder, or a new PostgreSQL database
    next to TEST_DATABASE_URL's. Returns its SQLAlchemy URL and a function that drops it."""
    url = os.environ["TEST_DATABASE_URL"]
    if url.startswith("postgresql"):
        base = url.rsplit("/", 1)[0]
        name = f"{label}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(
            f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1), drop
    directory = Path(tempfile.mkdtemp(prefix=f"registry-{label}-"))
    return f"sqlite:///{directory / f'{label}.db'}", lambda: None


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Compile the .po catalogues as `make translations` does (the .mo files are not in git)."""
    from babel.messages.frontend import CommandLineInterface

    translations = Path(__file__).resolve().parent.parent / "registry" / "translations"
    if any(translations.glob("*/LC_MESSAGES/messages.po")):
        CommandLineInterface().run(["pybabel", "-q", "compile", "--use-fuzzy", "-d", str(translations)])


@pytest.fixture(scope="session")
def app():
    url = os.environ["TEST_DATABASE_URL"]
    if url.startswith("postgresql"):
        reset_postgres(url)
    app = create_app(config.TestConfig)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


class _ConnectionBoundSession(Session):
    """Flask-SQLAlchemy picks an engine per table; a test session must use the test's connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Run the test inside one outer transaction and roll it back at the end."""
    from registry.extensions import limiter

    with app.app_context():
        limiter.reset()  # each test starts with no failed logins counted against 127.0.0.1
    if "browser" in request.keywords or "committing" in request.keywords:
        yield
        return
    from registry.public.cache import reset_caches

    reset_caches()  # the public caches must not carry one test's rows (ids are reused) into the next
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _ConnectionBoundSession}
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free port of this test process, collecting what arrives
    (tests/smtp.py); tests/notify/conftest.py's `mail` points the app at it."""
    from tests.smtp import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def client(app):
    return app.test_client()


def another_client(app, **environ):
    """A second browser in the same test. Requests share the test's app context, and with it what
    Flask-WTF (the CSRF token) and Flask-Login (the user) keep in `g` for the first client: drop it."""
    from flask import g

    g.pop("csrf_token", None)
    g.pop("_login_user", None)
    other = app.test_client()
    other.environ_base.update(environ)
    return other


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = "demo-2025"):
        return self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": csrf_token(self.client)}
        )

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": csrf_token(self.client, "/")})


@pytest.fixture
def auth(client):
    return Auth(client)


_demo_rows: dict[str, list[dict]] | None = None
_demo_day = None  # the Beijing date the demo rows were made on


def demo_day():
    """The day (Beijing time) the demo rows a test sees were made: they date what they record by it, and a
    worker keeps the rows it made first for all its tests, which may run after midnight."""
    return _demo_day


def _demo_tables():
    # Every table but the search index, which is rebuilt from the restored rows by its own code.
    return [t for t in db.metadata.sorted_tables if t.name != "search_entries"]


def _load_demo() -> None:
    """load_demo() in the test's app context, which the test client's requests share: the language it
    chose (Chinese, for the PDF it renders) must not stay cached for the test's first requests."""
    import flask_babel

    from registry.core.timezone import local_today
    from registry.demo import load_demo

    global _demo_day
    _demo_day = local_today()
    load_demo()
    db.session.flush()
    flask_babel.refresh()


@pytest.fixture
def demo(app):
    """The demo data set, in the test's transaction. `load_demo()` runs once per test session (it
    renders a PDF and hashes passwords); later tests get its rows copied back in, which is the same
    data at a fraction of the cost."""
    global _demo_rows
    from registry.public.search import rebuild_index

    db.session.flush()
    if any(db.session.execute(t.select().limit(1)).first() for t in _demo_tables()):
        # Another fixture made rows first: copied rows could clash with theirs, so load for real.
        _load_demo()
        return db.session
    if _demo_rows is None:
        savepoint = db.session.begin_nested()
        _load_demo()
        # By primary key: a row referring to another of its table (a repeat complaint to the first) comes
        # after it, whatever order PostgreSQL keeps updated rows in.
        _demo_rows = {
            t.name: [dict(r._mapping) for r in db.session.execute(t.select().order_by(*t.primary_key.columns))]
            for t in _demo_tables()
        }
        savepoint.rollback()
        db.session.expire_all()
    for table in _demo_tables():
        if rows := _demo_rows[table.name]:
            db.session.execute(table.insert(), rows)
            if db.engine.dialect.name == "postgresql" and "id" in table.c:
                # The rows keep their ids; move the sequence past them for rows the test adds.
                db.session.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), :n)"),
                    {"n": max(r["id"] for r in rows)},
                )
    rebuild_index(db.session)
    db.session.flush()
    return db.session


@pytest.fixture
def reports(demo):
    """The demo's 2025 reports of 示例省 by department name."""
    from sqlalchemy import select

    from registry.jurisdictions.models import Jurisdiction
    from registry.reports.models import AnnualReport, ReportingCycle

    province = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990000"))
    cycle = db.session.scalar(
        select(ReportingCycle).where(ReportingCycle.jurisdiction_id == province.id, ReportingCycle.year == 2025)
    )
    return {
        r.department.name: r for r in db.session.scalars(select(AnnualReport).where(AnnualReport.cycle_id == cycle.id))
    }
