"""The lead's 提醒 to a cooperating department and its report of a stalled one to the office (§7), each to
the right people; the hourly reminder of monthly progress, counted in working days across the National
Day holiday, once per department, month and step."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.jobs import runner
from registry.supervision import progress
from registry.supervision.models import EventKind, SupervisionSettings, TaskEvent
from tests.supervision.h2_support import Client, World, text, told


@pytest.fixture
def world(app):
    return World()


def test_the_lead_reminds_a_cooperating_department_which_alone_is_told(client, world):
    lead = Client(client, "jc_agri")
    page = lead.get(f"/tasks/{world.task.id}")
    assert f"/tasks/{world.task.id}/remind?department={world.build.id}" in page.get_data(as_text=True)
    response = lead.post(
        f"/tasks/{world.task.id}/remind",
        {"department": str(world.build.id), "note": "请于月底前完成城中村管网改造方案"},
    )
    assert response.status_code == 302, text(response)[:1500]
    event = world.task.events[-1]
    assert (event.kind, event.department_id, event.other_department_id) == (
        EventKind.REMINDED,
        world.agri.id,
        world.build.id,
    )
    assert [u for u, _t in told("task_reminded")] == ["jc_build"]
    assert "请于月底前完成城中村管网改造方案" in text(lead.get(f"/tasks/{world.task.id}"))


def test_a_reminder_needs_a_cooperating_department_and_a_note(client, world):
    lead = Client(client, "jc_agri")
    response = lead.post(f"/tasks/{world.task.id}/remind", {"department": str(world.water.id), "note": ""})
    assert response.status_code == 400
    page = text(response)
    assert "请选择该任务的一个配合部门" in page and "请填写提醒内容" in page
    assert told("task_reminded") == []


def test_the_lead_reports_a_stalled_department_to_the_office(client, world):
    lead = Client(client, "jc_agri_ed")
    url = f"/tasks/{world.task.id}/escalate"
    response = lead.post(url, {"department": str(world.eco.id), "reason": "太短"})
    assert response.status_code == 400 and "至少 10 个字" in text(response) and "请勾选确认" in text(response)
    reason = "经两次提醒，生态环境局仍未提供水质监测数据，影响整改验收。"
    response = lead.post(url, {"department": str(world.eco.id), "reason": reason, "confirm": "y"})
    assert response.status_code == 302
    event = db.session.scalar(select(TaskEvent).where(TaskEvent.kind == EventKind.ESCALATED))
    assert (event.department_id, event.other_department_id, event.text) == (world.agri.id, world.eco.id, reason)
    assert [u for u, _t in told("task_escalated")] == ["jc_office"]  # the office of the task's level only


@pytest.mark.parametrize("username", ["jc_build", "jc_eco", "jc_water", "jc_office", "up_office"])
def test_only_the_lead_reminds_and_escalates(client, world, username):
    other = Client(client, username)
    for action in ("remind", "escalate"):
        assert other.get(f"/tasks/{world.task.id}/{action}").status_code == 403
        data = {
            "department": str(world.build.id),
            "note": "请推进",
            "reason": "推进不力推进不力推进不力",
            "confirm": "y",
        }
        assert other.post(f"/tasks/{world.task.id}/{action}", data).status_code == 403
    assert not [e for e in world.task.events if e.kind in (EventKind.REMINDED, EventKind.ESCALATED)]


# -- the monthly reminder -------------------------------------------------------------------------------


def _due_on_the_12th(world):
    """Progress due on the 12th, reminded 3 working days before; the task exists since 15 September
    (after that month's report was due)."""
    db.session.add(SupervisionSettings(jurisdiction_id=world.city.id, progress_day=12, remind_days=3))
    world.task.created_at = datetime(2026, 9, 15, tzinfo=UTC)
    db.session.flush()


def _progress_told():
    return told("task_progress_due")


def test_reminded_in_working_days_across_national_day_once(world):
    _due_on_the_12th(world)
    # Due Monday 12 October 2026; 3 working days before: Saturday 10 (a make-up working day), Friday 9,
    # Thursday 8. 1–7 October is the holiday: nobody is reminded then.
    assert progress.send_progress_reminders(date(2026, 10, 7)) == 0
    made = progress.send_progress_reminders(date(2026, 10, 8))
    users = [u for u, _t in _progress_told()]
    assert users == ["jc_agri", "jc_agri_ed", "jc_build", "jc_eco"] and made == 4
    assert all("2026-10-12" in t and "2026年10月" in t for _u, t in _progress_told())
    assert progress.send_progress_reminders(date(2026, 10, 8)) == 0  # the hourly rerun tells nobody twice
    assert progress.send_progress_reminders(date(2026, 10, 9)) == 0


def test_overdue_once_only_to_those_who_have_not_reported(world):
    _due_on_the_12th(world)
    progress.report_progress(
        world.task,
        department=world.agri,
        status="on_track",
        text="进展",
        percent=50,
        actor="测试",
        today=date(2026, 10, 9),
    )
    progress.report_progress(
        world.task, department=world.build, status="on_track", text="配合", actor="测试", today=date(2026, 10, 9)
    )
    assert progress.send_progress_reminders(date(2026, 10, 12)) == 1  # the due day: eco's "soon" only
    assert progress.send_progress_reminders(date(2026, 10, 13)) == 1  # past it: eco's "overdue"
    assert progress.send_progress_reminders(date(2026, 10, 14)) == 0
    overdue = [(u, t) for u, t in _progress_told() if "逾期" in t]
    assert [u for u, _t in overdue] == ["jc_eco"] and "配合落实情况" in overdue[0][1]


def test_no_reminder_for_a_month_due_before_the_task_existed_nor_for_a_closed_task(world):
    _due_on_the_12th(world)
    world.task.created_at = datetime(2026, 10, 13, tzinfo=UTC)
    assert progress.send_progress_reminders(date(2026, 10, 14)) == 0
    world.task.created_at = datetime(2026, 9, 15, tzinfo=UTC)
    world.task.state = "closed"
    assert progress.send_progress_reminders(date(2026, 10, 8)) == 0


def test_the_reminder_is_an_hourly_periodic_task():
    assert runner.PERIODIC["supervision.progress_reminders"].every.total_seconds() == 3600
