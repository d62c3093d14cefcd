"""The reviewer's findings on 督办, 销号 and progress, each as a user would meet it: a published notice
that changed when the task was edited, forms that showed one error at a time, a late report that
overwrote the task's figure, two tabs that both answered a 督办, the overdue rule in four places, a
督办 on the due day counted as "after the deadline", the inclusive last day of an objection window, the
lead department that never read what an objection said, a double click on 报送, and who counts as a
person in the services."""

import os
import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select, update

from registry.core.errors import DomainError
from registry.core.timezone import local_today
from registry.extensions import db
from registry.supervision import closure, ledger_queries, progress, queries, rules, services, supervise
from registry.supervision.models import (
    ClosureSignoff,
    EventKind,
    Objection,
    SignoffState,
    Supervision,
    TaskEvent,
    TaskProgress,
    TaskState,
)
from tests.supervision.h3_support import World, login, text

OLD_PROBLEM = "部分城市建成区黑臭水体反弹，污水管网建设滞后"  # factories.task's


@pytest.fixture
def world(app):
    return World()


def _on_notice(world, today=date(2026, 12, 7)):
    made = closure.apply_closure(world.task, statement="黑臭水体已全部消除", actor=world.user("jc_agri"))
    for name, department in (("jc_eco", world.eco), ("jc_land", world.land)):
        closure.sign(made, department, approve=True, note="", actor=world.user(name))
    closure.start_notice(made, public_text="公示：黑臭水体已消除", actor=world.user("jc_office"), today=today)
    return made


def _errors(page: str) -> dict[str, str]:
    """Each field's error shown next to it (templates/_form.html: <p class="error" id="<field>-error">)."""
    return {m[0]: m[1] for m in re.findall(r'<p class="error" id="([\w-]+)-error">(.*?)</p>', page, re.S)}


# -- 1. a published notice keeps what it published --------------------------------------------------------


def test_a_decided_notice_still_shows_what_it_published_after_the_task_is_edited(client, world):
    office = world.user("jc_office")
    made = _on_notice(world)
    assert made.snapshot["problem"] == OLD_PROBLEM and made.snapshot["cooperating"] == ["江川市住房和城乡建设局"]
    closure.close_task(made, note="", actor=office, today=date(2026, 12, 23))
    closure.reopen(world.task, reason="群众反映河道再次发黑", actor=office)
    services.update_task(
        world.task,
        services.TaskData(
            problem="改写后的问题：城区河道再次发黑",
            lead_department=world.agri,
            target="改写后的目标",
            measures="改写后的措施",
            cooperating=[world.water],
            due_date=date(2027, 6, 30),
        ),
        actor=office,
    )
    db.session.commit()

    page = text(client.get(f"/notices/{made.id}"))
    assert OLD_PROBLEM in page and "2026年底前消除黑臭水体" in page and "排查管网，实施截污纳管" in page
    assert "江川市住房和城乡建设局" in page and "2026-12-31" in page and "H3 测试整改台账" in page
    assert "改写后" not in page and "江川市水利局" not in page and "2027-06-30" not in page
    assert "此后问题反弹，已重新整改" in page  # what happened since is said as such
    ended = text(client.get("/notices?show=ended"))
    assert OLD_PROBLEM[:20] in ended and "改写后" not in ended


def test_a_notice_started_before_snapshots_were_kept_shows_the_task(client, world):
    made = _on_notice(world, today=local_today())
    made.snapshot = None
    db.session.commit()
    page = text(client.get(f"/notices/{made.id}"))
    assert OLD_PROBLEM in page and "江川市农业农村局" in page
    # the objection page reads the same facts
    assert OLD_PROBLEM in text(client.get(f"/notices/{made.id}/objection"))


# -- 2. every problem of a form at once --------------------------------------------------------------------


def test_the_progress_form_shows_every_problem_at_once(client, world):
    token = login(client, "jc_agri")
    response = client.post(
        f"/tasks/{world.task.id}/progress",
        data={"csrf_token": token, "month": "garbage", "status": "zzz", "percent": "abc", "text": ""},
    )
    assert response.status_code == 400
    errors = _errors(text(response))
    assert "月份" in errors["month"]
    assert "请选择进展状态" in errors["status"]
    assert errors["percent"] == "不是有效的整数。"  # said once, not with the range checks after it
    assert "请填写进展情况" in errors["text"]
    assert db.session.scalar(select(func.count(TaskProgress.id))) == 0


def test_the_supervise_form_shows_every_problem_at_once(client, world):
    token = login(client, "jc_office")
    response = client.post(
        f"/tasks/{world.task.id}/supervise",
        data={
            "csrf_token": token,
            "number": "督" * 200,
            "level": "zzz",
            "department": "abc",
            "text": "",
            "respond_by": "2026-02-30",
        },
    )
    assert response.status_code == 400
    errors = _errors(text(response))
    assert set(errors) >= {"number", "level", "department", "text", "respond_by"}, errors
    assert "请选择督办级别" in errors["level"]
    assert "牵头部门或配合部门" in errors["department"]
    assert "请写明督办事项" in errors["text"]
    assert "年-月-日" in errors["respond_by"]
    assert not world.task.supervisions


# -- 3. a late report does not overwrite the task's figure ------------------------------------------------


def test_a_late_report_for_last_month_does_not_overwrite_this_months_figure(world):
    today = local_today()
    world.task.created_at = datetime.now(UTC) - timedelta(days=400)
    db.session.flush()
    lead = world.user("jc_agri")
    this_month = rules.month_start(today)
    last_month = rules.previous_month(today)

    def report(month, percent, what, status="on_track"):
        return progress.report_progress(
            world.task, department=world.agri, status=status, text=what, percent=percent, month=month, actor=lead
        )

    now = report(this_month, 60, "本月完成六成")
    report(last_month, 40, "补报上月进展", status="behind")
    assert world.task.percent == 60
    assert ledger_queries.latest_progress([world.task.id])[world.task.id].id == now.id
    # A newer report for this month still moves it.
    later = report(this_month, 70, "本月完成七成")
    assert world.task.percent == 70
    assert ledger_queries.latest_progress([world.task.id])[world.task.id].id == later.id


# -- 4. one overdue rule, one signoffs_owed -------------------------------------------------------------


def test_the_overdue_rule_lives_in_rules_only(world):
    assert ledger_queries.overdue_clause is rules.overdue_clause
    today = date(2027, 1, 5)
    for state in TaskState:
        world.task.state = state
        db.session.flush()
        in_sql = db.session.scalar(
            select(func.count()).where(rules.overdue_clause(today)).select_from(type(world.task))
        )
        assert bool(in_sql) == rules.is_overdue(world.task, today) == (state in (TaskState.OPEN, TaskState.APPLIED))
    world.task.state = TaskState.OPEN
    assert not rules.is_overdue(world.task, date(2026, 12, 31))  # due that day: not yet
    made = closure.apply_closure(world.task, statement="已完成", actor=world.user("jc_agri"))
    owed = ledger_queries.signoffs_owed(world.eco.id)
    assert [s.closure_id for s in owed] == [made.id]
    assert owed == list(db.session.scalars(queries.signoffs_owed(world.eco.id)))


# -- 5. two tabs ---------------------------------------------------------------------------------------------


def _other_tab_writes(table, row_id, **values):
    """What the other tab committed meanwhile, written beside the ORM (this session's objects keep what
    they had loaded, as a request's objects do while another request commits)."""
    db.session.connection().execute(update(table).where(table.c.id == row_id).values(**values))


def test_a_second_answer_to_a_supervision_is_refused(world):
    issued = supervise.issue_supervision(world.task, level="remind", text="请加快进度", actor=world.user("jc_office"))
    db.session.flush()
    assert issued.answered_at is None
    _other_tab_writes(Supervision.__table__, issued.id, answer="第一个标签页的答复", answered_at=datetime.now(UTC))
    with pytest.raises(DomainError, match="该督办已答复"):
        supervise.answer_supervision(issued, answer="第二个标签页的答复", actor=world.user("jc_agri"))
    answered = db.session.scalar(select(func.count()).where(TaskEvent.kind == EventKind.SUPERVISION_ANSWERED))
    assert answered == 0 and issued.answer == "第一个标签页的答复"


def test_a_second_signature_is_refused(world):
    made = closure.apply_closure(world.task, statement="已完成", actor=world.user("jc_agri"))
    signoff = next(s for s in made.signoffs if s.department_id == world.eco.id)
    _other_tab_writes(ClosureSignoff.__table__, signoff.id, state=SignoffState.REFUSED, note="材料不全")
    with pytest.raises(DomainError, match="已签署过"):
        closure.sign(made, world.eco, approve=True, note="", actor=world.user("jc_eco"))
    assert signoff.state == SignoffState.REFUSED


def test_a_second_handling_of_an_objection_is_refused(world):
    made = _on_notice(world)
    objection = closure.submit_objection(
        made, text="河道仍有黑臭", name="李四", phone="13800000000", email="", today=date(2026, 12, 8)
    )
    db.session.flush()
    _other_tab_writes(Objection.__table__, objection.id, state="dismissed", handling_note="经核实已整改")
    with pytest.raises(DomainError, match="该异议已处理"):
        closure.handle_objection(objection, upheld=True, note="属实", actor=world.user("jc_office"))
    assert objection.state == "dismissed"


@pytest.mark.committing
@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="row locks between two connections: PostgreSQL",
)
def test_two_answers_at_once_on_postgresql_have_one_winner():
    """Two requests at once, each in its own connection and transaction, both having read the 督办
    unanswered: one answers it, the other is told it is answered (no second event)."""
    from flask_migrate import upgrade

    import config
    from registry import create_app
    from tests.conftest import committing_database

    url, drop = committing_database("h10_fixes")

    class Live(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Live)
    try:
        with app.app_context():
            upgrade()
            world = World()
            issued = supervise.issue_supervision(world.task, level="remind", text="请加快进度", actor="测试")
            db.session.commit()
            supervision_id, user_id = issued.id, world.user("jc_agri").id
        barrier = threading.Barrier(2)
        results: list[str] = []

        def answer(n: int) -> None:
            from registry.auth.models import User

            with app.app_context():
                supervision = db.session.get(Supervision, supervision_id)
                user = db.session.get(User, user_id)
                assert supervision.answered_at is None  # both tabs read it unanswered
                barrier.wait()
                try:
                    supervise.answer_supervision(supervision, answer=f"答复{n}", actor=user)
                    db.session.commit()
                    results.append("answered")
                except DomainError as error:
                    db.session.rollback()
                    results.append(str(error))
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=answer, args=(n,)) for n in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(results) == ["answered", "该督办已答复。"], results
        with app.app_context():
            events = db.session.scalar(select(func.count()).where(TaskEvent.kind == EventKind.SUPERVISION_ANSWERED))
            assert events == 1
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


# -- 6. a 督办 on the due day is not "after the deadline" ------------------------------------------------


def test_a_supervision_issued_on_the_due_day_does_not_count_as_after_it(world):
    office = world.user("jc_office")
    world.task.due_date = date(2026, 12, 1)
    issued = supervise.issue_supervision(world.task, level="remind", text="请按期完成", actor=office)
    supervise.answer_supervision(issued, answer="正在推进", actor=world.user("jc_agri"))
    # 2026-12-01 20:00 in Beijing (12:00 UTC): the due day itself.
    issued.issued_at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    db.session.flush()
    listed = list(db.session.scalars(queries.overdue_unsupervised(world.city.id, date(2026, 12, 10))))
    assert world.task in listed
    # 2026-12-02 01:00 in Beijing (still 12-01 in UTC): after the deadline passed.
    issued.issued_at = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    db.session.flush()
    assert world.task not in list(db.session.scalars(queries.overdue_unsupervised(world.city.id, date(2026, 12, 10))))


# -- 7. the last day of the window ------------------------------------------------------------------------


def test_the_notice_says_the_last_day_is_included(client, world):
    made = _on_notice(world, today=local_today())
    db.session.commit()
    page = text(client.get(f"/notices/{made.id}"))
    assert f"请于 {made.notice_ends.isoformat()}（含当日）前提出" in page


# -- 8. the lead reads a handled objection, never its contact ---------------------------------------------


def test_the_lead_reads_what_a_handled_objection_says_but_not_who_made_it(app, client, world):
    made = _on_notice(world)
    objection = closure.submit_objection(
        made, text="下游河段仍有黑臭现象", name="李四", phone="13800000000", email="", today=date(2026, 12, 8)
    )
    db.session.commit()
    login(client, "jc_agri")
    page = text(client.get(f"/tasks/{world.task.id}"))
    assert "下游河段仍有黑臭现象" not in page  # not before the office has handled it
    closure.handle_objection(objection, upheld=False, note="经现场核实已整改到位", actor=world.user("jc_office"))
    db.session.commit()
    page = text(client.get(f"/tasks/{world.task.id}"))
    assert "下游河段仍有黑臭现象" in page and "经现场核实已整改到位" in page
    assert "李四" not in page and "13800000000" not in page
    from tests.conftest import another_client

    cooperating = another_client(app)
    login(cooperating, "jc_build")
    assert "下游河段仍有黑臭现象" not in text(cooperating.get(f"/tasks/{world.task.id}"))


# -- 9. a double click on 报送 ------------------------------------------------------------------------------


def test_a_double_click_on_report_stores_one_report(client, world):
    token = login(client, "jc_agri")
    data = {
        "csrf_token": token,
        "month": rules.month_start(local_today()).isoformat(),
        "status": "on_track",
        "percent": "50",
        "text": "完成管网排查",
    }
    first = client.post(f"/tasks/{world.task.id}/progress", data=data)
    second = client.post(f"/tasks/{world.task.id}/progress", data=data)
    assert first.status_code == 302 and second.status_code == 302
    assert db.session.scalar(select(func.count(TaskProgress.id))) == 1
    assert "该进展刚刚已报送，未重复保存" in text(client.get(second.headers["Location"]))
    # A different text is a new report.
    third = client.post(f"/tasks/{world.task.id}/progress", data={**data, "text": "完成管网排查并开工"})
    assert third.status_code == 302 and db.session.scalar(select(func.count(TaskProgress.id))) == 2


# -- 10. who is a person ------------------------------------------------------------------------------------


def test_the_anonymous_and_none_are_people_who_may_nothing(world):
    assert rules.is_person(None) and rules.is_person(AnonymousUserMixin()) and not rules.is_person("定时任务")
    assert rules.permissions(AnonymousUserMixin()) == frozenset()
    with pytest.raises(progress.NotAllowed):
        progress.report_progress(
            world.task, department=world.agri, status="on_track", text="x", percent=1, actor=AnonymousUserMixin()
        )
    made = _on_notice(world)
    with pytest.raises(DomainError, match="只有本级办公室"):
        closure.close_task(made, note="", actor=None, today=date(2026, 12, 23))
    assert made.state == "notice"
