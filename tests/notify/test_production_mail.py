"""E-mail as on the server (JOBS_EAGER off, the job in a thread of the process, no Redis): on a
database of its own, written for real, with the session's real SMTP server (tests/smtp.py). Nothing
is sent before the commit, nothing for a transaction rolled back, and exactly one message per
recipient after the commit, the sweep sending nothing again."""

import os
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

import config
from bench import generate
from registry import create_app
from registry.auth.models import User
from registry.auth.services import create_user
from registry.core.permissions import Role
from registry.extensions import db
from registry.jobs import scheduler
from registry.jobs.models import Job, JobState
from registry.notify import mail as notify_mail
from registry.notify import notify
from registry.notify.models import EmailState, Notification
from tests.conftest import database_beside, reset_postgres

ADDRESSES = {"province_office": "office@example.gov.cn", "sthj_head": "sthj@example.gov.cn"}


def _own_database_url() -> str:
    """A database for this test only, emptied (the suite's rolls back; tests/jobs' has its own)."""
    url = os.environ["TEST_DATABASE_URL"]
    if url.startswith("postgresql"):
        own = database_beside(url, "notify")
        reset_postgres(own)
        return own.replace("postgresql://", "postgresql+psycopg://", 1)
    directory = Path(tempfile.mkdtemp(prefix="registry-notify-"))
    return f"sqlite:///{directory / 'notify.db'}"


@pytest.fixture
def server_app(smtp_server):
    class OnTheServer(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = _own_database_url()
        JOBS_EAGER = False
        REDIS_URL = ""
        RATELIMIT_STORAGE_URI = "memory://"
        JOBS_LIVE_DIR = tempfile.mkdtemp(prefix="registry-notify-live-")
        REDIS_KEY_PREFIX = f"registry-notify-{uuid.uuid4().hex[:8]}"

    app = create_app(OnTheServer)
    with app.app_context():
        upgrade()
        # A province, its ecology department and the two accounts the tests mail (the demo's names).
        province, [ecology] = generate.province_with_departments("990000", "测试省", n=1)
        generate.office_user(province, "province_office", "password-123")
        create_user(
            username="sthj_head",
            password="password-123",
            role=Role.DEPT_HEAD,
            jurisdiction_code=province.code,
            department_name=ecology.name,
            actor="测试",
        )
        for username, address in ADDRESSES.items():
            db.session.scalar(select(User).where(User.username == username)).email = address
        db.session.commit()
        db.session.remove()
    # the mail server only now: making the accounts e-mails nobody
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_TIMEOUT=5,
        MAIL_DEFAULT_SENDER="registry@registry.test",
        SITE_URL="http://registry.test",
    )
    smtp_server.clear()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _users() -> list[User]:
    return list(db.session.scalars(select(User).where(User.username.in_(ADDRESSES)).order_by(User.id)))


def _wait_for_mail_jobs(after: int, count: int, timeout: float = 30) -> list[Job]:
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()  # a new snapshot: what the thread committed
        jobs = list(
            db.session.scalars(select(Job).where(Job.id > after, Job.kind == notify_mail.JOB_KIND).order_by(Job.id))
        )
        if len(jobs) >= count and all(j.state in (JobState.DONE, JobState.FAILED) for j in jobs):
            return jobs
        if time.monotonic() > deadline:
            pytest.fail(f"mail jobs not finished after {timeout} s: {[(j.id, j.state) for j in jobs]}")
        time.sleep(0.05)


@pytest.mark.committing  # a database of its own, written for real: the job's thread has its own connection
def test_on_the_server_mail_goes_after_the_commit_once_per_recipient_and_never_for_a_rollback(server_app, smtp_server):
    with server_app.app_context():
        last_job = db.session.scalar(select(Job.id).order_by(Job.id.desc()).limit(1)) or 0

        # a transaction that fails: its notices never existed, nobody gets mail
        notify(_users(), "report_submitted", "回滚的消息", url="/reports/")
        db.session.rollback()

        # a transaction that commits: nothing before the commit
        made = notify(_users(), "report_submitted", "提交的消息", body="请审核。", url="/reports/")
        ids = [n.id for n in made]
        assert {n.email_state for n in made} == {EmailState.PENDING}
        assert smtp_server.messages == []
        db.session.commit()

        [job] = _wait_for_mail_jobs(last_job, 1)
        assert job.state == JobState.DONE, job.error
        received = smtp_server.messages
        assert sorted(a for m in received for a in m.rcpt_tos) == sorted(ADDRESSES.values())
        assert {m.subject for m in received} == {"【生态环境保护责任清单】提交的消息"}
        notices = list(db.session.scalars(select(Notification).where(Notification.id.in_(ids))))
        assert {n.email_state for n in notices} == {EmailState.SENT}
        assert all(n.email_attempts == 1 and n.email_claimed_at is None for n in notices)
        assert db.session.scalar(select(Notification.id).where(Notification.title == "回滚的消息")) is None
        db.session.remove()

    # the sweep, as the scheduler runs it (its own context, committed): nothing is sent again
    scheduler.run_periodic(server_app, "notify.resend")
    assert len(smtp_server.messages) == len(ADDRESSES)


class _MarkingReadMeanwhile:
    """An SMTP server that, while it receives a notice's e-mail, has its user mark the notice read in
    the browser: a write of another connection, committed while the sender is between its claim and
    its record (before, the sender held a lock on PostgreSQL, and on SQLite its final write failed)."""

    def __init__(self, database_url: str):
        from tests.smtp import Collector

        self.collector = Collector()
        self.engine = create_engine(database_url)
        self.errors: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SET LOCAL lock_timeout = '3s'"))  # a lock held: fail, not hang
                conn.execute(text("UPDATE notifications SET read_at = CURRENT_TIMESTAMP WHERE title = '边发送边阅读'"))
        except Exception as error:
            self.errors.append(f"{type(error).__name__}: {error}")
        return await self.collector.handle_DATA(server, session, envelope)


@pytest.mark.committing
def test_a_notice_read_while_its_email_is_being_sent_keeps_the_mark_and_the_email_goes_once(server_app):
    from aiosmtpd.controller import Controller

    from tests.smtp import free_port

    handler = _MarkingReadMeanwhile(server_app.config["SQLALCHEMY_DATABASE_URI"])
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    server_app.config["MAIL_PORT"] = port
    try:
        with server_app.app_context():
            last_job = db.session.scalar(select(Job.id).order_by(Job.id.desc()).limit(1)) or 0
            [office] = [u for u in _users() if u.username == "province_office"]
            [made] = notify([office], "report_submitted", "边发送边阅读", url="/reports/")
            notice_id = made.id
            db.session.commit()
            [job] = _wait_for_mail_jobs(last_job, 1)
            assert job.state == JobState.DONE, job.error
            assert handler.errors == []  # the user's mark was not kept waiting nor refused
            notice = db.session.get(Notification, notice_id)
            assert notice.read_at is not None  # the user's mark is kept
            assert notice.email_state == EmailState.SENT and notice.email_attempts == 1
            db.session.remove()
        scheduler.run_periodic(server_app, "notify.resend")
        assert [a for m in handler.collector.received for a in m.rcpt_tos] == [ADDRESSES["province_office"]]
    finally:
        controller.stop()
        handler.engine.dispose()
