"""The hourly reminder of complaint deadlines: 1 working day before (the department), once overdue (the
department and the office), each once, counted in working days across the National Day holiday."""

from datetime import date

import pytest
from sqlalchemy import select

from registry.complaints import handling
from registry.complaints.deadlines import send_complaint_reminders
from registry.extensions import db
from registry.jobs import runner
from registry.notify.models import Notification
from tests.complaints.handling_support import City


@pytest.fixture
def city(app):
    return City()


def _told(complaint):
    from registry.auth.models import User

    return sorted(
        db.session.execute(
            select(User.username, Notification.title)
            .join(User, User.id == Notification.user_id)
            .where(Notification.kind == "complaint_due", Notification.url == f"/manage/complaints/{complaint.id}")
        ).all()
    )


def test_reminded_one_working_day_before_across_national_day_once(city):
    made = city.complaint(received=date(2026, 9, 30))  # 受理 due Friday 9 October
    assert made.accept_due == date(2026, 10, 9)
    send_complaint_reminders(date(2026, 9, 30))  # 2 working days left
    send_complaint_reminders(date(2026, 10, 5))  # still 2: the holiday does not count
    assert _told(made) == []
    send_complaint_reminders(date(2026, 10, 8))
    send_complaint_reminders(date(2026, 10, 8))  # the hourly rerun tells nobody twice
    told = _told(made)
    assert [u for u, _t in told] == ["jc_agri", "jc_agri_head"]
    assert "2026-10-09" in told[0][1]


def test_overdue_told_once_to_the_department_and_the_office(city):
    made = city.complaint(received=date(2026, 9, 30))
    send_complaint_reminders(date(2026, 10, 10))  # Saturday, a make-up working day: past the 9th
    send_complaint_reminders(date(2026, 10, 12))
    told = _told(made)
    overdue = [u for u, t in told if "逾期" in t]
    assert sorted(overdue) == ["jc_agri", "jc_agri_head", "jc_office"]


def test_a_new_deadline_reminds_again_and_a_closed_complaint_never(city):
    made = city.complaint(received=date(2026, 9, 30))
    send_complaint_reminders(date(2026, 10, 8))
    handling.accept(made, city.users["agri"], expected_version=made.lock_version, today=date(2026, 10, 8))
    before = len(_told(made))
    send_complaint_reminders(made.reply_due)  # the reply deadline is its own
    assert len(_told(made)) > before
    handling.answer(made, city.users["agri"], reply="已处理。", expected_version=made.lock_version)
    after = len(_told(made))
    send_complaint_reminders(date(2026, 12, 1))
    assert len(_told(made)) == after


def test_the_reminder_is_an_hourly_periodic_task():
    task = runner.PERIODIC["complaint_reminders"]
    assert task.every.total_seconds() == 3600
