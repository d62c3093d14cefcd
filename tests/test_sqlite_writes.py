"""On SQLite, the embedded default, a save that reads and then writes waits for a write of another
process instead of failing at once with "database is locked" (which a clerk saw as a 409 on an
ordinary save while a scheduled task in the other worker was writing)."""

import sqlite3
import threading
import time

import pytest
from flask_migrate import upgrade

import config
from registry import create_app
from registry.extensions import db
from tests import factories
from tests.conftest import committing_database, csrf_token


@pytest.mark.committing
def test_a_save_waits_for_another_process_writing_meanwhile():
    url, drop = committing_database("sqlite_writes")
    if not url.startswith("sqlite"):
        drop()
        pytest.skip("SQLite's write lock; PostgreSQL writers wait on row locks")

    class Committing(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Committing)
    with app.app_context():
        upgrade()
        factories.user("office_w", "office_admin", factories.jurisdiction("970000"))
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    client.post("/login", data={"csrf_token": csrf_token(client), "username": "office_w", "password": "password-123"})
    token = csrf_token(client, "/manage/970000/departments/new")

    holding, done = threading.Event(), threading.Event()

    def another_process():
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE written_elsewhere (x INTEGER)")
        holding.set()
        time.sleep(1.0)  # meanwhile the save below reads (the jurisdiction, its departments) and then writes
        conn.execute("COMMIT")
        conn.close()
        done.set()

    writer = threading.Thread(target=another_process)
    writer.start()
    holding.wait(5)
    response = client.post(
        "/manage/970000/departments/new",
        data={
            "csrf_token": token,
            "name": "测试省生态环境厅",
            "short_name": "",
            "sector": "生态环境",
            "kind": "department",
        },
    )
    writer.join()
    assert done.is_set()
    assert response.status_code == 302, response.get_data(as_text=True)[:500]  # saved, not 409
    with app.app_context():
        db.engine.dispose()
