"""Deadline reminders (the periodic task deadline_reminders): 5 and 1 working days before a cycle's
deadline to the staff of departments whose report is not submitted, and once it has passed to them
and to the cycle's office; each once, however often the task runs."""

from datetime import UTC, date, datetime, timedelta

import time_machine
from sqlalchemy import select

from registry.auth.models import User
from registry.extensions import db
from registry.jobs import runner
from registry.notify.models import Notification
from registry.workdays import services as workday_services

NOT_SUBMITTED = {"sthj_head", "sthj_editor", "zrzyt_editor", "slt_head"}  # draft, draft, draft, returned


def _at(day: date, hour: int = 9):
    """That local (Beijing) day and hour, as the clock the app reads."""
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8), tick=False
    )


def _run_twice() -> None:
    task = runner.PERIODIC["deadline_reminders"]
    assert task.every == timedelta(hours=1)
    task.run()
    task.run()  # a second scheduler, or the next hour: nobody is told twice
    db.session.flush()


def _notices(kind: str) -> dict[str, list[Notification]]:
    rows = db.session.execute(
        select(User.username, Notification)
        .join(Notification, Notification.user_id == User.id)
        .where(Notification.kind == kind, Notification.dedupe_key.like("deadline:%"))
    )
    result: dict[str, list[Notification]] = {}
    for username, notice in rows:
        result.setdefault(username, []).append(notice)
    return result


def test_reminders_at_5_and_1_working_days_and_overdue_reach_the_right_users_once(reports):
    cycle = reports["省生态环境厅"].cycle
    # Across National Day 2026: Saturday 10 October is a 调休 working day.
    cycle.deadline = date(2026, 10, 10)
    db.session.flush()

    with _at(date(2026, 9, 25)):  # 6 working days left: nothing yet
        _run_twice()
    assert _notices("deadline_soon") == {}

    with _at(date(2026, 9, 28)):  # Monday: 29, 30 September, 8, 9, 10 October → 5 working days
        _run_twice()
    soon = _notices("deadline_soon")
    assert set(soon) == NOT_SUBMITTED
    assert all(len(n) == 1 for n in soon.values())
    title = soon["sthj_head"][0].title
    assert "2026-10-10" in title and "还剩 5 个工作日" in title
    assert soon["sthj_head"][0].url == f"/reports/{reports['省生态环境厅'].id}"

    with _at(date(2026, 10, 3)):  # in the holiday: still 3 working days left, nothing new
        _run_twice()
    assert all(len(n) == 1 for n in _notices("deadline_soon").values())

    with _at(date(2026, 10, 9)):  # 1 working day left (the 调休 Saturday)
        _run_twice()
    soon = _notices("deadline_soon")
    assert set(soon) == NOT_SUBMITTED
    assert all(len(n) == 2 for n in soon.values())
    assert any("还剩 1 个工作日" in n.title for n in soon["slt_head"])
    assert _notices("deadline_overdue") == {}

    with _at(date(2026, 10, 12)):  # past the deadline
        _run_twice()
    overdue = _notices("deadline_overdue")
    assert set(overdue) == NOT_SUBMITTED | {"province_office"}
    assert all(len(n) == 1 for n in overdue.values())
    office = overdue["province_office"][0]
    late = [r for r in reports.values() if r.state in ("draft", "returned")]
    assert f"{len(late)} 个部门逾期未报送" in office.title
    assert "省生态环境厅" in office.body and "省住房和城乡建设厅" not in office.body
    assert office.url == f"/reports/cycles/{cycle.id}"


def test_a_local_exception_moves_the_reminder_and_a_moved_deadline_reminds_again(reports):
    cycle = reports["省生态环境厅"].cycle
    cycle.deadline = date(2026, 10, 10)
    # The province works on Wednesday 7 October: on Tuesday 29 September 6 working days are left, not 5.
    workday_services.add_exception(
        cycle.jurisdiction, day=date(2026, 10, 7), is_workday=True, note="本省补班", actor="测试"
    )
    with _at(date(2026, 9, 28)):
        _run_twice()
    assert _notices("deadline_soon") == {}
    with _at(date(2026, 9, 29)):
        _run_twice()
    assert set(_notices("deadline_soon")) == NOT_SUBMITTED

    cycle.deadline = date(2026, 10, 16)  # moved: the 5-day reminder comes again for the new date
    with _at(date(2026, 10, 9)):  # 10, 12, 13, 14, 15, 16 → 6 left, nothing
        _run_twice()
    assert all(len(n) == 1 for n in _notices("deadline_soon").values())
    with _at(date(2026, 10, 10)):
        _run_twice()
    assert all(len(n) == 2 for n in _notices("deadline_soon").values())
