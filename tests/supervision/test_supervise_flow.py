"""督办: the office issues 提醒 → 督办 → 约谈 on a task (the next level preselected, the answer's date
in working days), the department answers; who may do which; an unanswered one past its date is
overdue and comes first on the office's 工作台."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.extensions import db
from registry.notify.models import Notification
from registry.supervision import queries, rules, supervise
from registry.supervision.models import EventKind, Supervision, TaskState
from tests.conftest import another_client
from tests.supervision.h3_support import World, login, text

# 2026-09-29, a Tuesday, 10:00 in Beijing: the National Day holiday (1–7 October) is ahead.
BEFORE_HOLIDAY = datetime(2026, 9, 29, 2, 0, tzinfo=UTC)


@pytest.fixture
def world(app):
    return World()


def test_the_answer_is_due_in_working_days_with_the_holiday_not_counted(client, world):
    with time_machine.travel(BEFORE_HOLIDAY, tick=False):
        token = login(client, "jc_office")
        page = text(client.get(f"/tasks/{world.task.id}/supervise"))
        # 30 Sept, then 8, 9, 10 (a make-up Saturday) and 12 October: five working days.
        assert 'value="2026-10-12"' in page
        assert "5 个工作日" in page and "节假日不计" in page
        assert 'checked id="level-0" name="level" type="radio" value="remind"' in page  # 提醒 first
        response = client.post(
            f"/tasks/{world.task.id}/supervise",
            data={"csrf_token": token, "level": "remind", "department": str(world.agri.id), "text": "请加快整改"},
        )
    assert response.status_code == 303
    made = db.session.scalar(select(Supervision).where(Supervision.task_id == world.task.id))
    assert made.respond_by == date(2026, 10, 12)
    assert made.level == "remind" and made.department_id == world.agri.id
    event = world.task.events[-1]
    assert event.kind == EventKind.SUPERVISION and event.other_department_id == world.agri.id
    # The lead department is told, with the date.
    notice = db.session.scalar(
        select(Notification).where(
            Notification.user_id == world.user("jc_agri").id, Notification.kind == "task_supervision"
        )
    )
    assert notice is not None and "2026-10-12" in notice.body


def test_levels_go_up_one_at_a_time_and_each_is_recorded(world):
    office = world.user("jc_office")
    levels = []
    for _ in range(4):
        level = rules.next_level(world.task)
        levels.append(level)
        supervise.issue_supervision(world.task, level=level, text="督办要求", actor=office)
    assert levels == ["remind", "supervise", "interview", "interview"]
    assert [e.kind for e in world.task.events].count(EventKind.SUPERVISION) == 4
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "supervisions")).all()
    assert actions.count("supervise") == 4


def test_every_problem_of_the_form_is_shown_at_once_and_the_input_kept(client, world):
    token = login(client, "jc_office")
    response = client.post(
        f"/tasks/{world.task.id}/supervise",
        data={
            "csrf_token": token,
            "level": "shout",
            "department": str(world.agri.id),
            "text": "",
            "respond_by": "2020-01-01",
            "number": "督字〔2026〕9号",
        },
    )
    page = text(response)
    assert response.status_code == 400
    assert "请选择督办级别" in page and "请写明督办事项和要求" in page and "答复期限须晚于今天" in page
    assert "督字〔2026〕9号" in page
    assert db.session.scalar(select(Supervision.id)) is None
    bad_date = client.post(
        f"/tasks/{world.task.id}/supervise",
        data={
            "csrf_token": token,
            "level": "remind",
            "department": str(world.agri.id),
            "text": "x",
            "respond_by": "明天",
        },
    )
    assert bad_date.status_code == 400 and "年-月-日" in text(bad_date)


def test_a_supervision_goes_only_to_the_lead_or_a_cooperating_department(world):
    with pytest.raises(DomainError):
        supervise.issue_supervision(world.task, level="remind", text="x", department=world.water, actor="测试")
    made = supervise.issue_supervision(world.task, level="remind", text="x", department=world.build, actor="测试")
    assert made.department_id == world.build.id


@pytest.mark.parametrize(
    ("username", "status"),
    [("sh_office", 403), ("jc_agri", 403), ("jc_build", 403), ("jc_water", 403), ("admin", 403)],
)
def test_only_the_office_of_the_ledger_issues_a_supervision(client, world, username, status):
    token = login(client, username)
    assert client.get(f"/tasks/{world.task.id}/supervise").status_code == status
    response = client.post(
        f"/tasks/{world.task.id}/supervise",
        data={"csrf_token": token, "level": "remind", "department": str(world.agri.id), "text": "请加快整改"},
    )
    assert response.status_code == status
    assert db.session.scalar(select(Supervision.id)) is None


def test_anonymous_is_sent_to_the_login(client, world):
    response = client.get(f"/tasks/{world.task.id}/supervise")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_no_supervision_once_the_task_is_on_notice_or_closed(world):
    world.task.state = TaskState.NOTICE
    with pytest.raises(DomainError, match="不能督办"):
        supervise.issue_supervision(world.task, level="remind", text="x", actor="测试")


def test_the_department_answers_and_only_it(app, client, world):
    made = supervise.issue_supervision(
        world.task, level="supervise", text="请说明滞后原因", actor=world.user("jc_office")
    )
    db.session.commit()
    # Another department, the cooperating one and the office may not answer a 督办 sent to the lead.
    for username in ("jc_water", "jc_build", "jc_office"):
        other = another_client(app)
        token = login(other, username)
        response = other.post(f"/supervisions/{made.id}/answer", data={"csrf_token": token, "answer": "已整改"})
        assert response.status_code == 403, username
    editor = another_client(app)
    token = login(editor, "jc_agri_ed")
    task_page = text(editor.get(f"/tasks/{world.task.id}"))
    assert "请说明滞后原因" in task_page and "提交答复" in task_page
    empty = editor.post(f"/supervisions/{made.id}/answer", data={"csrf_token": token, "answer": " "})
    assert empty.status_code == 400 and "请填写答复" in text(empty)
    done = editor.post(f"/supervisions/{made.id}/answer", data={"csrf_token": token, "answer": "管网已完成80%"})
    assert done.status_code == 303
    assert made.answer == "管网已完成80%" and made.answered_at is not None
    assert world.task.events[-1].kind == EventKind.SUPERVISION_ANSWERED
    again = editor.post(f"/supervisions/{made.id}/answer", data={"csrf_token": token, "answer": "再答一次"})
    assert again.status_code == 400 and "已答复" in text(again)
    office_notice = db.session.scalar(
        select(Notification).where(
            Notification.user_id == world.user("jc_office").id, Notification.title.contains("答复了督办")
        )
    )
    assert office_notice is not None


def test_an_unanswered_supervision_past_its_date_is_overdue_and_first_on_the_workbench(client, world):
    office = world.user("jc_office")
    late_task = world.task
    with time_machine.travel(datetime(2026, 11, 2, 2, 0, tzinfo=UTC), tick=False):
        late = supervise.issue_supervision(late_task, level="remind", text="逾期督办事项", actor=office)
    from tests import factories

    other_task = factories.task(world.ledger, world.build, number="2", problem="另一项整改任务")
    waiting = supervise.issue_supervision(other_task, level="remind", text="待答复事项", actor=office)
    db.session.commit()
    today = date(2026, 12, 7)
    assert rules.supervision_overdue(late, today) and not rules.supervision_overdue(waiting, today)
    assert list(db.session.scalars(queries.overdue_supervisions(world.city.id, today))) == [late]
    assert list(db.session.scalars(queries.waiting_supervisions(world.city.id, today))) == [waiting]
    assert list(db.session.scalars(queries.open_supervisions(world.agri.id))) == [late]
    with time_machine.travel(datetime(2026, 12, 7, 2, 0, tzinfo=UTC), tick=False):
        login(client, "jc_office")
        home = text(client.get("/manage/"))
        assert "项督办逾期未答复" in home
        assert home.index("逾期未答复的督办") < home.index("待答复的督办")
        desk = text(client.get("/manage/supervision"))
        assert "已逾期" in desk and "部分城市建成区黑臭水体" in desk and "另一项整改任务" not in desk


def test_overdue_tasks_without_a_supervision_are_listed_with_the_reason(client, world):
    world.task.due_date = date(2026, 6, 30)
    db.session.commit()
    today = date(2026, 12, 7)
    assert list(db.session.scalars(queries.overdue_unsupervised(world.city.id, today))) == [world.task]
    login(client, "jc_office")
    with time_machine.travel(datetime(2026, 12, 7, 2, 0, tzinfo=UTC), tick=False):
        page = text(client.get(f"/tasks/{world.task.id}/supervise"))
        assert "建议督办" in page and "已超过整改时限 2026-06-30" in page
        supervise.issue_supervision(world.task, level="remind", text="x", actor=world.user("jc_office"))
        assert list(db.session.scalars(queries.overdue_unsupervised(world.city.id, today))) == []


def test_the_upper_office_reads_the_supervisions_but_cannot_act(client, world):
    supervise.issue_supervision(world.task, level="remind", text="上级可见的督办", actor=world.user("jc_office"))
    db.session.commit()
    login(client, "sh_office")
    page = text(client.get(f"/tasks/{world.task.id}"))
    assert "上级可见的督办" in page
    assert f"/tasks/{world.task.id}/supervise" not in page


def test_an_answered_supervision_after_the_deadline_takes_the_task_off_the_overdue_list(world):
    world.task.due_date = date(2026, 6, 30)
    made = supervise.issue_supervision(world.task, level="remind", text="x", actor=world.user("jc_office"))
    supervise.answer_supervision(made, answer="已整改过半", actor=world.user("jc_agri"))
    today = date(2026, 12, 7)
    assert list(db.session.scalars(queries.overdue_unsupervised(world.city.id, today))) == []
    # Still overdue, though: the next 督办 is one level up.
    assert rules.is_overdue(world.task, today) and rules.next_level(world.task) == "supervise"
