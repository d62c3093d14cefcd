"""销号: the lead department applies (statement, evidence), the designated certifying departments sign,
the office starts the public notice, the window runs its days (no closure before it ends), the
office closes or sends back, a closed task is reopened with its history kept; who may do each step."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.extensions import db
from registry.supervision import closure, queries
from registry.supervision.models import (
    ClosureState,
    EventKind,
    ObjectionState,
    SignoffState,
    TaskFile,
    TaskState,
)
from tests.conftest import another_client
from tests.supervision.h3_support import World, login, text

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DAY = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


@pytest.fixture
def world(app):
    return World()


def _apply(world, actor=None):
    return closure.apply_closure(
        world.task, statement="黑臭水体已全部消除，管网已建成", actor=actor or world.user("jc_agri")
    )


def _certified(world):
    made = _apply(world)
    for name, department in (("jc_eco", world.eco), ("jc_land", world.land)):
        closure.sign(made, department, approve=True, note="", actor=world.user(name))
    return made


def _on_notice(world, today=date(2026, 12, 7)):
    made = _certified(world)
    closure.start_notice(made, public_text="公示：黑臭水体已消除", actor=world.user("jc_office"), today=today)
    return made


def test_the_lead_applies_with_evidence_and_the_certifiers_are_asked(client, world):
    token = login(client, "jc_agri_ed")
    page = text(client.get(f"/tasks/{world.task.id}/closure/apply"))
    assert "2 个认定部门" in page
    response = client.post(
        f"/tasks/{world.task.id}/closure/apply",
        data={
            "csrf_token": token,
            "statement": "已完成整改",
            "files": [(__import__("io").BytesIO(PDF), "验收报告.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    made = world.task.closures[-1]
    assert world.task.state == TaskState.APPLIED and made.state == ClosureState.CERTIFYING
    assert sorted(s.department_id for s in made.signoffs) == sorted([world.eco.id, world.land.id])
    assert [f.filename for f in made.files] == ["验收报告.pdf"]
    stored = db.session.scalar(select(TaskFile).where(TaskFile.closure_id == made.id))
    assert client.get(f"/closures/{made.id}/files/{stored.id}").data == PDF
    # The certifiers read the task (they were asked to sign); another department does not.
    other = another_client(app=client.application)
    login(other, "jc_eco")
    assert other.get(f"/closures/{made.id}/files/{stored.id}").status_code == 200
    assert "签署认定意见" in text(other.get(f"/tasks/{world.task.id}"))
    stranger = another_client(app=client.application)
    login(stranger, "jc_water")
    assert stranger.get(f"/closures/{made.id}/files/{stored.id}").status_code == 403


def test_a_file_that_is_not_evidence_is_refused_with_the_statement_kept(client, world):
    token = login(client, "jc_agri")
    response = client.post(
        f"/tasks/{world.task.id}/closure/apply",
        data={"csrf_token": token, "statement": "", "files": [(__import__("io").BytesIO(b"<script>"), "x.html")]},
        content_type="multipart/form-data",
    )
    page = text(response)
    assert response.status_code == 400
    assert "请填写整改完成情况说明" in page and "按文件内容识别" in page
    assert world.task.state == TaskState.OPEN and not world.task.closures


@pytest.mark.parametrize("username", ["jc_office", "jc_build", "jc_water", "jc_eco", "sh_office"])
def test_only_the_lead_department_applies(client, world, username):
    token = login(client, username)
    response = client.post(f"/tasks/{world.task.id}/closure/apply", data={"csrf_token": token, "statement": "完成"})
    assert response.status_code == 403
    assert not world.task.closures


def test_without_certifiers_the_application_goes_straight_to_the_office(world):
    world.set_certifiers([world.agri])  # the lead itself is never asked to certify its own task
    made = _apply(world)
    assert made.signoffs == [] and closure.certified(made)
    assert list(db.session.scalars(queries.closures_to_notice(world.city.id))) == [made]


def test_a_refusal_returns_the_application_and_keeps_it(client, world):
    made = _apply(world)
    db.session.commit()
    token = login(client, "jc_land")
    empty = client.post(f"/closures/{made.id}/sign", data={"csrf_token": token, "decision": "refuse", "note": ""})
    assert empty.status_code == 400 and "不同意销号时请写明理由" in text(empty)
    response = client.post(
        f"/closures/{made.id}/sign", data={"csrf_token": token, "decision": "refuse", "note": "复垦面积不足"}
    )
    assert response.status_code == 303
    assert made.state == ClosureState.RETURNED and world.task.state == TaskState.OPEN
    refused = next(s for s in made.signoffs if s.department_id == world.land.id)
    assert refused.state == SignoffState.REFUSED and refused.note == "复垦面积不足"
    # A new application starts afresh; the returned one stays on the task.
    again = _apply(world)
    assert world.task.closures == [made, again] and again.state == ClosureState.CERTIFYING


@pytest.mark.parametrize("username", ["jc_water", "jc_build", "jc_agri", "jc_office"])
def test_only_a_designated_certifier_signs(client, world, username):
    made = _apply(world)
    db.session.commit()
    token = login(client, username)
    response = client.post(f"/closures/{made.id}/sign", data={"csrf_token": token, "decision": "approve"})
    assert response.status_code == 403
    assert all(s.state == SignoffState.PENDING for s in made.signoffs)


def test_the_notice_starts_only_once_all_agreed_and_runs_its_window(client, world):
    made = _apply(world)
    closure.sign(made, world.eco, approve=True, note="", actor=world.user("jc_eco"))
    with pytest.raises(DomainError, match="全部同意"):
        closure.start_notice(made, public_text="x", actor=world.user("jc_office"))
    closure.sign(made, world.land, approve=True, note="同意", actor=world.user("jc_land"))
    db.session.commit()
    with time_machine.travel(DAY, tick=False):
        token = login(client, "jc_office")
        page = text(client.get(f"/closures/{made.id}/notice"))
        assert "黑臭水体已全部消除" in page  # prefilled from the statement
        assert "2026-12-07" in page and "2026-12-21" in page  # 15 days, today included
        response = client.post(f"/closures/{made.id}/notice", data={"csrf_token": token, "public_text": "公示内容"})
    assert response.status_code == 303
    assert made.state == ClosureState.NOTICE and world.task.state == TaskState.NOTICE
    assert (made.notice_starts, made.notice_ends) == (date(2026, 12, 7), date(2026, 12, 21))


@pytest.mark.parametrize("username", ["jc_agri", "jc_eco", "sh_office"])
def test_only_the_office_starts_the_notice(client, world, username):
    made = _certified(world)
    db.session.commit()
    token = login(client, username)
    assert client.post(f"/closures/{made.id}/notice", data={"csrf_token": token, "public_text": "x"}).status_code == 403
    assert made.state == ClosureState.CERTIFYING


def test_no_closure_before_the_window_has_ended(client, world):
    made = _on_notice(world)
    db.session.commit()
    office = world.user("jc_office")
    for day in (date(2026, 12, 7), date(2026, 12, 21)):
        with pytest.raises(DomainError, match="公示期满后才能销号"):
            closure.close_task(made, note="", actor=office, today=day)
    with time_machine.travel(datetime(2026, 12, 21, 15, 0, tzinfo=UTC), tick=False):  # 23:00 on the last day
        token = login(client, "jc_office")
        page = text(client.get(f"/closures/{made.id}/close"))
        assert "公示期满后才能销号" in page and "确认销号" not in page
        refused = client.post(f"/closures/{made.id}/close", data={"csrf_token": token, "note": ""})
        assert refused.status_code == 400 and world.task.state == TaskState.NOTICE
    with time_machine.travel(datetime(2026, 12, 21, 16, 30, tzinfo=UTC), tick=False):  # 00:30 on the 22nd
        page = text(client.get(f"/closures/{made.id}/close"))
        assert "确认销号" in page
        done = client.post(f"/closures/{made.id}/close", data={"csrf_token": token, "note": "同意销号"})
    assert done.status_code == 303
    assert world.task.state == TaskState.CLOSED and made.state == ClosureState.CLOSED
    assert world.task.closed_at is not None


def test_an_upheld_or_unhandled_objection_stops_the_closure(world):
    made = _on_notice(world)
    first = closure.submit_objection(
        made, text="河道仍有黑臭", name="李四", phone="13800000000", email="", today=date(2026, 12, 8)
    )
    after_window = date(2026, 12, 22)
    with pytest.raises(DomainError, match="未处理的异议"):
        closure.close_task(made, note="", actor=world.user("jc_office"), today=after_window)
    closure.handle_objection(first, upheld=True, note="现场核实属实", actor=world.user("jc_office"))
    assert first.state == ObjectionState.ACCEPTED
    with pytest.raises(DomainError, match="成立的异议"):
        closure.close_task(made, note="", actor=world.user("jc_office"), today=after_window)
    closure.send_back(made, note="异议成立，继续整改", actor=world.user("jc_office"))
    assert made.state == ClosureState.RETURNED and world.task.state == TaskState.OPEN
    assert [e.kind for e in world.task.events][-1] == EventKind.RETURNED


def test_a_dismissed_objection_does_not_stop_it(world):
    made = _on_notice(world)
    objection = closure.submit_objection(made, text="与本任务无关的内容", name="王五", phone="", email="w@example.cn")
    closure.handle_objection(objection, upheld=False, note="不属于本任务", actor=world.user("jc_office"))
    closure.close_task(made, note="", actor=world.user("jc_office"), today=date(2026, 12, 22))
    assert world.task.state == TaskState.CLOSED


def test_objections_are_refused_outside_the_window(world):
    made = _on_notice(world)
    with pytest.raises(DomainError, match="公示已结束"):
        closure.submit_objection(
            made, text="仍有问题存在", name="李四", phone="13800000000", email="", today=date(2026, 12, 22)
        )
    assert made.objections == []


@pytest.mark.parametrize("username", ["jc_agri", "jc_eco", "sh_office", "jc_water"])
def test_only_the_office_decides_and_reopens(client, world, username):
    made = _on_notice(world, today=date(2026, 11, 1))
    db.session.commit()
    token = login(client, username)
    for path in (f"/closures/{made.id}/close", f"/closures/{made.id}/send-back"):
        assert client.get(path).status_code == 403
        assert client.post(path, data={"csrf_token": token, "note": "x"}).status_code == 403
    assert client.post(f"/tasks/{world.task.id}/reopen", data={"csrf_token": token, "reason": "x"}).status_code == 403
    assert world.task.state == TaskState.NOTICE


def test_send_back_asks_for_confirmation_and_a_reason(client, world):
    made = _on_notice(world)
    db.session.commit()
    token = login(client, "jc_office")
    page = text(client.get(f"/closures/{made.id}/send-back"))
    assert "确认退回？" in page
    empty = client.post(f"/closures/{made.id}/send-back", data={"csrf_token": token, "note": ""})
    assert empty.status_code == 400 and "请写明退回的理由" in text(empty)
    assert world.task.state == TaskState.NOTICE
    done = client.post(f"/closures/{made.id}/send-back", data={"csrf_token": token, "note": "材料不全"})
    assert done.status_code == 303 and world.task.state == TaskState.OPEN


def test_reopening_keeps_the_history(client, world):
    made = _on_notice(world, today=date(2026, 11, 1))
    closure.close_task(made, note="", actor=world.user("jc_office"), today=date(2026, 12, 7))
    db.session.commit()
    token = login(client, "jc_office")
    assert "确认重新整改？" in text(client.get(f"/tasks/{world.task.id}/reopen"))
    empty = client.post(f"/tasks/{world.task.id}/reopen", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 400 and world.task.state == TaskState.CLOSED
    done = client.post(f"/tasks/{world.task.id}/reopen", data={"csrf_token": token, "reason": "群众反映河道再次发黑"})
    assert done.status_code == 303
    assert world.task.state == TaskState.OPEN and world.task.reopened_count == 1 and world.task.closed_at is None
    assert made.state == ClosureState.CLOSED  # the closure that was granted stays as it was
    kinds = [e.kind for e in world.task.events]
    assert kinds.index(EventKind.CLOSED) < kinds.index(EventKind.REOPENED)
    page = text(client.get(f"/tasks/{world.task.id}"))
    assert "问题反弹 1 次" in page and "已销号" in page and "申请销号" not in page.split('id="closure"')[1][:400]
    # Reopened, it can go through the whole way again.
    again = _apply(world)
    assert world.task.closures == [made, again]


def test_every_step_is_audited_without_the_objectors_contact(world):
    made = _on_notice(world)
    objection = closure.submit_objection(
        made,
        text="河道仍有黑臭现象",
        name="保密的名字",
        phone="13912345678",
        email="secret@example.cn",
        today=date(2026, 12, 8),
    )
    closure.handle_objection(objection, upheld=False, note="已核实", actor=world.user("jc_office"))
    closure.show_contact(objection, world.user("jc_office"))
    actions = db.session.scalars(select(AuditEntry.action)).all()
    for action in ("apply_closure", "sign", "start_notice", "object", "handle_objection", "view_objection_contact"):
        assert action in actions
    for entry in db.session.scalars(select(AuditEntry)):
        written = f"{entry.summary} {entry.before} {entry.after} {entry.actor_name}"
        assert "保密的名字" not in written and "13912345678" not in written and "secret@example" not in written
    for event in world.task.events:
        assert "13912345678" not in event.text and "保密的名字" not in event.text
    objection_entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "object"))
    assert objection_entry.actor_name == "公众" and objection_entry.actor_id is None


def test_the_office_workbench_lists_closures_to_notice_and_decide_and_new_objections(client, world):
    ready = _certified(world)
    from tests import factories

    second = factories.task(world.ledger, world.agri, number="2", problem="第二项任务，公示期已满")
    other = closure.apply_closure(second, statement="完成", actor=world.user("jc_agri"))
    for name, department in (("jc_eco", world.eco), ("jc_land", world.land)):
        closure.sign(other, department, approve=True, note="", actor=world.user(name))
    closure.start_notice(other, public_text="公示", actor=world.user("jc_office"), today=date(2026, 11, 1))
    closure.submit_objection(
        other, text="我有异议的内容", name="赵六", phone="13800000001", email="", today=date(2026, 11, 2)
    )
    db.session.commit()
    today = date(2026, 12, 7)
    assert list(db.session.scalars(queries.closures_to_notice(world.city.id))) == [ready]
    assert list(db.session.scalars(queries.closures_to_decide(world.city.id, today))) == [other]
    assert queries.count(queries.new_objections(world.city.id)) == 1
    with time_machine.travel(DAY, tick=False):
        login(client, "jc_office")
        home = text(client.get("/manage/"))
        assert "待公示的销号申请" in home and "公示期满待决定" in home and "待处理的异议" in home
        assert "赵六" not in home and "13800000001" not in home
