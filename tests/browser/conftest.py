"""End-to-end tests in headless Chromium (Debian's package, driven by Playwright; never `playwright
install`). The app is served from a thread against its own SQLite file with the migrations and the
demo loaded, plus a second 江川市 version where the straw matter changes its lead department."""

import os
import shutil
import tempfile
import threading
from pathlib import Path

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


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists() or os.environ.get("CI"):
        return  # in CI a missing browser must fail, not skip
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (make test-system-deps installs it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live_server():
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    import config
    from registry import create_app
    from registry.demo import load_demo
    from registry.extensions import db
    from registry.jurisdictions.queries import by_code
    from tests.factories import second_city_version

    tmp = tempfile.mkdtemp(prefix="registry-browser-")

    class BrowserConfig(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(tmp) / 'browser.db'}"
        TESTING = False

    app = create_app(BrowserConfig)
    with app.app_context():
        upgrade()
        load_demo()
        straw, old_lead, ecology, _version = second_city_version(by_code("990100"))
        db.session.commit()
        facts = {"straw": straw.title, "old_lead": old_lead.name, "new_lead": ecology.name}
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", facts
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
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
