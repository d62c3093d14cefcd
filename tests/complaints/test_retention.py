"""Privacy retention: a closed complaint's contact details are erased by the daily job once their
retention time has passed; the complaint, its reply and its timeline stay."""

from datetime import UTC, date, datetime, timedelta

import time_machine
from sqlalchemy import select

from registry.complaints import retention, rules
from registry.complaints.models import CaptchaChallenge, ComplaintState, EventKind
from registry.complaints.services import add_event
from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.jobs import runner
from tests import factories

REPLY = "已会同镇政府现场制止焚烧，并对当事人进行了批评教育。"


def _closed(department, closed_on: date, contact: dict | None):
    """A complaint answered on `closed_on`, its erasure day set as closing sets it."""
    made = factories.complaint(department, contact=contact)
    made.state = ComplaintState.ANSWERED
    made.answered_at = datetime(closed_on.year, closed_on.month, closed_on.day, 2, tzinfo=UTC)
    made.reply = REPLY
    made.contact_erase_after = rules.contact_erase_after(closed_on)
    add_event(made, EventKind.ANSWERED, "测试", text=REPLY)
    db.session.flush()
    return made


def _on(day: date):
    """The job runs at 03:00 Beijing time on `day`."""
    return time_machine.travel(datetime(day.year, day.month, day.day, 3) - timedelta(hours=8), tick=False)


def test_the_default_retention_is_two_years_after_closing(app):
    assert app.config["COMPLAINT_CONTACT_RETENTION_DAYS"] == 730
    assert rules.contact_erase_after(date(2026, 1, 10)) == date(2028, 1, 10)


def test_contact_details_are_erased_the_day_after_their_retention_ends(app):
    province = factories.jurisdiction("970000", "province")
    department = factories.department(province, "留存测试省生态环境厅")
    person = {"name": "张三", "phone": "13800000000", "email": "zs@example.com"}
    complaint = _closed(department, date(2026, 1, 10), person)
    anonymous = _closed(department, date(2026, 1, 10), None)
    still_open = factories.complaint(department, contact={"name": "李四", "phone": "13900000000"})
    job = runner.PERIODIC["complaints.retention"]
    assert job.every == timedelta(days=1)

    with _on(date(2028, 1, 10)):  # the last day the details are kept
        job.run()
    db.session.expire_all()
    assert complaint.contact.name == "张三" and complaint.contact.erased_at is None
    assert EventKind.CONTACT_ERASED not in [e.kind for e in complaint.events]

    with _on(date(2028, 1, 11)):
        job.run()
        job.run()  # a second run the same day changes nothing more
    db.session.expire_all()
    contact = complaint.contact
    assert (contact.name, contact.phone, contact.email) == ("", "", "")
    assert contact.erased_at is not None and contact.is_empty
    # the complaint, its reply and its timeline stay; the erasure is a step on the timeline ...
    assert complaint.state == ComplaintState.ANSWERED and complaint.reply == REPLY
    kinds = [e.kind for e in complaint.events]
    assert kinds == [EventKind.SUBMITTED, EventKind.ANSWERED, EventKind.CONTACT_ERASED]
    erased = complaint.events[-1]
    assert erased.actor_id is None and erased.actor_name == "定期任务（举报人信息保留期满）"
    # ... and in the audit log, which never holds the details themselves
    entries = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_type == "complaints",
            AuditEntry.entity_id == complaint.id,
            AuditEntry.action == EventKind.CONTACT_ERASED,
        )
    ).all()
    assert len(entries) == 1 and entries[0].actor_name == "定期任务（举报人信息保留期满）"
    assert "张三" not in str(entries[0].before) + str(entries[0].after) + entries[0].summary
    # nothing to erase for an anonymous complaint; an open one keeps its details
    assert EventKind.CONTACT_ERASED not in [e.kind for e in anonymous.events]
    assert still_open.contact.name == "李四"


def test_old_captcha_challenges_are_dropped(app):
    now = datetime.now(UTC)
    db.session.add_all(
        [
            CaptchaChallenge(token="old" * 8, answer_hash="x" * 64, created_at=now - timedelta(days=1, minutes=1)),
            CaptchaChallenge(token="new" * 8, answer_hash="y" * 64, created_at=now - timedelta(hours=23)),
        ]
    )
    db.session.flush()
    assert retention.drop_old_captchas() == 1
    assert db.session.scalars(select(CaptchaChallenge.token)).all() == ["new" * 8]
