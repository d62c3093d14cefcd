"""End-to-end tests in headless Chromium (Debian's package, driven by Playwright; never `playwright
install`) against the real server: gunicorn with two workers, started for the session on a fresh
database of its own (a temporary SQLite file, or a `<name>_live` database beside TEST_DATABASE_URL on
PostgreSQL so it never meets the rest of the suite's `test` database), built the way `make run` builds
one — `flask db upgrade`, `flask registry demo`, `flask registry reindex-search --due` — plus a second
江川市 version where the straw matter changes its lead department."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the project's .venv when run as `make test` does
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = "demo-2025"  # the demo accounts' password (registry.demo)
SECRET_KEY = "browser-tests-secret"  # the test server's: it lets solve_captcha read a CAPTCHA's answer
ROLES = ("admin", "province_office", "jiangchuan_office", "sthj_head", "sthj_editor", "nync_head")


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists() or os.environ.get("CI"):
        return  # in CI a missing browser must fail, not skip
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (make test-system-deps installs it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _LiveDatabase:
    """A database for the server alone: a SQLite file under `tmp`, or on PostgreSQL a database created
    beside the suite's (same server, name + `_live`) and dropped at the end."""

    def __init__(self, tmp: Path):
        suite_url = os.environ.get("TEST_DATABASE_URL", "")
        self.admin_url = None
        if suite_url.startswith(("postgresql", "postgres://")):
            from sqlalchemy.engine import make_url

            url = make_url(suite_url.replace("postgres://", "postgresql://", 1)).set(drivername="postgresql")
            self.name = f"{url.database or 'registry'}_live"
            self.admin_url = url.render_as_string(hide_password=False)
            self.url = url.set(database=self.name).render_as_string(hide_password=False)
            self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._execute(f'CREATE DATABASE "{self.name}"')
        else:
            self.url = f"sqlite:///{tmp / 'live.db'}"

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def drop(self) -> None:
        if self.admin_url:
            self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _flask(env: dict, *args: str) -> None:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        pytest.fail(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def _second_city_version(url: str) -> dict:
    """The extra 江川市 version (tests.factories), written in-process to the server's database."""
    import config
    from registry import create_app
    from registry.extensions import db
    from registry.jurisdictions.queries import by_code
    from tests.factories import second_city_version

    class LiveConfig(config.Config):
        SQLALCHEMY_DATABASE_URI = url.replace("postgresql://", "postgresql+psycopg://", 1)

    app = create_app(LiveConfig)
    with app.app_context():
        straw, old_lead, ecology, _version = second_city_version(by_code("990100"))
        db.session.commit()
        facts = {"straw": straw.title, "old_lead": old_lead.name, "new_lead": ecology.name}
        db.session.remove()
        db.engine.dispose()
    return facts


def _wait_until_up(server: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(base + "/", timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers; what it answers is for the tests to judge
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within 60 s:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def live_server():
    """(base URL, facts about the second 江川市 version) of a gunicorn serving the demo."""
    tmp = Path(tempfile.mkdtemp(prefix="registry-browser-"))
    database = _LiveDatabase(tmp)
    env = {
        **os.environ,
        "DATABASE_URL": database.url,
        "REGISTRY_INSTANCE": str(tmp),
        "SECRET_KEY": SECRET_KEY,
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "PUBLIC_FORM_RATE_LIMIT": "10000 per minute",  # the journeys submit public forms many times
        # the tracking look-up and the CAPTCHA images: all the tests come from one address
        "COMPLAINT_TRACK_RATE_LIMIT": "10000 per minute",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    server = None
    log = tmp / "gunicorn.log"
    try:
        _flask(env, "db", "upgrade")
        _flask(env, "registry", "demo")
        facts = _second_city_version(database.url)
        _flask(env, "registry", "reindex-search", "--due")
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"],
                cwd=PROJECT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait_until_up(server, base, log)
        yield base, facts
        if server.poll() is not None:
            pytest.fail(f"gunicorn died during the tests:\n{log.read_text(errors='replace')}")
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        database.drop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        yield page
    finally:
        context.close()


def log_in(page, base: str, username: str) -> None:
    """Log in through the login form; the page ends where login lands."""
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    if urlsplit(page.url).path == "/login":
        raise AssertionError(f"login as {username} failed: {page.locator('main').inner_text()}")


def run_axe(page) -> list[str]:
    """WCAG 2.0/2.1 A and AA violations on the page, one readable line per offending element."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa']},"
        " resultTypes: ['violations']})"
    )
    lines = []
    for violation in result["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = node.get("failureSummary", "").replace("\n", " ")[:200]
            lines.append(
                f"{violation['id']} ({violation['impact']}) {target} @ {page.url} — {violation['help']}. {summary}"
            )
    return lines


def captcha_answer(token: str) -> str:
    """The answer of a CAPTCHA token of the test server: unmasked with its SECRET_KEY, as the server
    itself does to draw the image (registry.complaints.captcha.answer_for_token)."""
    from flask import Flask

    from registry.complaints import captcha

    app = Flask(__name__)
    app.config["SECRET_KEY"] = SECRET_KEY
    with app.app_context():
        answer = captcha.answer_for_token(token)
    assert answer, f"not a CAPTCHA token: {token!r}"
    return answer


def solve_captcha(page) -> str:
    """Type the answer of the CAPTCHA on the page (step 2 of 我要举报) into its field, as a person
    reading the image would; the answer is returned."""
    form = page.locator("main form")
    answer = captcha_answer(form.locator("input[name=captcha_token]").input_value())
    form.get_by_role("textbox", name="验证码").fill(answer.lower())
    return answer
