from datetime import date

import pytest
from sqlalchemy import select

from registry.auth.models import User
from registry.extensions import db
from registry.notify.models import Notification
from tests.conftest import csrf_token

SITE = "http://registry.test"


@pytest.fixture
def mail(app, smtp_server, monkeypatch):
    """The app sends through the session's SMTP server (tests/smtp.py), emptied for this test."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "registry@registry.test")
    monkeypatch.setitem(app.config, "SITE_URL", SITE)
    smtp_server.clear()
    return smtp_server


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def last_notice_id() -> int:
    return db.session.scalar(select(Notification.id).order_by(Notification.id.desc()).limit(1)) or 0


def notices_since(after: int) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.id > after).order_by(Notification.id)))


def by_user(notices) -> dict[str, list[Notification]]:
    result: dict[str, list[Notification]] = {}
    for n in notices:
        result.setdefault(db.session.get(User, n.user_id).username, []).append(n)
    return result


def post(client, path: str, data: dict | None = None, form_page: str = "/messages", **kwargs):
    return client.post(path, data={"csrf_token": csrf_token(client, form_page), **(data or {})}, **kwargs)


REASON = "本年度该事项无新增任务，相关工作已于上年度完成。"
SUBMISSION = {"doc_number": "示环函〔2026〕12号", "confirm": "y"}
BASIS = {"basis_kind": "meeting", "basis_date": date(2025, 7, 1)}


def ready_to_submit(report, editor: str = "sthj_editor") -> None:
    """Give every empty led matter a reason for having no progress, as its editor would."""
    from registry.reports import services
    from registry.reports.completeness import completeness

    blocking = {b.id for b in completeness(report).blocking}
    for section in report.sections:
        if section.id in blocking:
            services.save_section(
                section, actor=user(editor), expected_version=None, fields={"no_progress_reason": REASON}
            )
    db.session.flush()
