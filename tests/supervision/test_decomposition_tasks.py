"""§8: the lead department decomposes its task to its units (adding a unit on the spot), each row with a
responsible person; others may look but not change it; a stale edit is refused with the input kept."""

import pytest
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.extensions import db
from registry.lists.models import Unit
from registry.supervision import decomposition
from registry.supervision.models import EventKind, TaskState, TaskUnit
from tests.supervision.h2_support import Client, World, lock_of, text


@pytest.fixture
def world(app):
    return World()


def _new(world, **changes):
    return {
        "unit": str(world.planting.id),
        "person": "李四",
        "post": "科长",
        "work": "负责排查建档、督促整改",
        **changes,
    }


def test_the_lead_decomposes_to_an_existing_unit_and_the_task_page_shows_it(client, world):
    lead = Client(client, "jc_agri_ed")
    response = lead.post(f"/tasks/{world.task.id}/units/new", _new(world))
    assert response.status_code == 302, text(response)[:2000]
    row = db.session.scalar(select(TaskUnit).where(TaskUnit.task_id == world.task.id))
    assert (row.unit.name, row.responsible_person, row.responsible_post) == ("种植业管理科", "李四", "科长")
    assert [e.kind for e in world.task.events][-1] == EventKind.DECOMPOSED
    page = text(lead.get(f"/tasks/{world.task.id}"))
    assert "分解到单位（1）" in page and "种植业管理科" in page and "负责排查建档" in page


def test_a_department_without_the_unit_adds_it_there_audited(client, world):
    lead = Client(client, "jc_agri")
    response = lead.post(
        f"/tasks/{world.task.id}/units/new", _new(world, unit="0", new_unit="农田建设管理科", new_unit_kind="internal")
    )
    assert response.status_code == 302
    unit = db.session.scalar(select(Unit).where(Unit.department_id == world.agri.id, Unit.name == "农田建设管理科"))
    assert unit is not None and unit.active
    actions = set(
        db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type.in_(("units", "task_units"))))
    )
    assert {"create", "decompose"} <= actions
    # A name the department already uses is refused next to the field, with the rest kept.
    response = lead.post(f"/tasks/{world.task.id}/units/new", _new(world, unit="0", new_unit="种植业管理科", person=""))
    assert response.status_code == 400
    page = text(response)
    assert "已有名为「种植业管理科」的机构" in page and "请填写责任人" in page and "负责排查建档" in page


def test_every_problem_is_shown_at_once_and_the_input_kept(client, world):
    lead = Client(client, "jc_agri")
    response = lead.post(f"/tasks/{world.task.id}/units/new", {"unit": "0", "person": "", "work": "", "post": "副科长"})
    assert response.status_code == 400
    page = text(response)
    assert "请选择承担的单位" in page and "请填写责任人" in page and "请填写该单位承担的工作" in page
    assert 'value="副科长"' in response.get_data(as_text=True)


def test_a_unit_of_another_department_is_refused(client, world):
    lead = Client(client, "jc_agri")
    response = lead.post(f"/tasks/{world.task.id}/units/new", _new(world, unit=str(world.water_unit.id)))
    assert response.status_code == 400
    assert "只能分解到本部门" in text(response)
    assert not world.task.units


@pytest.mark.parametrize("username", ["jc_build", "jc_eco", "jc_water", "jc_office", "up_office"])
def test_only_the_lead_department_decomposes(client, world, username):
    other = Client(client, username)
    assert other.get(f"/tasks/{world.task.id}/units/new").status_code == 403
    assert other.post(f"/tasks/{world.task.id}/units/new", _new(world)).status_code == 403
    assert not world.task.units


def test_readers_see_the_rows_but_no_forms(client, world):
    decomposition.decompose_task(world.task, world.planting, person="李四", post="科长", work="排查", actor="测试")
    for username in ("jc_build", "jc_office", "up_office"):
        reader = Client(client, username)
        page = reader.get(f"/tasks/{world.task.id}").get_data(as_text=True)
        assert "种植业管理科" in page, username
        assert f"/tasks/{world.task.id}/units/new" not in page, username
        client.post("/logout", data={"csrf_token": reader.token()})


def test_a_stale_edit_is_refused_and_the_input_kept(client, world, app):
    row = decomposition.decompose_task(
        world.task, world.planting, person="李四", post="科长", work="排查", actor="测试"
    )
    db.session.flush()
    lead = Client(client, "jc_agri")
    url = f"/tasks/{world.task.id}/units/{row.id}/edit"
    opened = lock_of(lead.get(url).get_data(as_text=True))
    # Someone else saves first.
    decomposition.update_task_unit(
        row, person="王五", post="科长", work="排查", lock_version=row.lock_version, actor="测试"
    )
    db.session.flush()
    response = lead.post(url, {"person": "赵六", "post": "副科长", "work": "我的修改", "lock_version": opened})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "已被他人修改并保存" in page and "我的修改" in page and 'value="赵六"' in page
    db.session.expire_all()
    assert db.session.get(TaskUnit, row.id).responsible_person != "赵六"
    # With the current version it saves.
    response = lead.post(
        url,
        {
            "person": "赵六",
            "post": "副科长",
            "work": "我的修改",
            "lock_version": lock_of(lead.get(url).get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    assert db.session.get(TaskUnit, row.id).responsible_person == "赵六"


def test_remove_asks_first_then_removes_on_the_timeline(client, world):
    row = decomposition.decompose_task(world.task, world.planting, person="李四", post="", work="排查", actor="测试")
    db.session.flush()
    lead = Client(client, "jc_agri")
    url = f"/tasks/{world.task.id}/units/{row.id}/remove"
    page = lead.get(url)
    assert page.status_code == 200 and "确认取消分解" in text(page)
    assert lead.post(url, {"lock_version": lock_of(page.get_data(as_text=True))}).status_code == 302
    assert not db.session.scalars(select(TaskUnit).where(TaskUnit.task_id == world.task.id)).all()
    assert world.task.events[-1].text == "不再由种植业管理科承担"


def test_a_closed_task_is_not_decomposed_and_the_service_checks_who(world):
    with pytest.raises(decomposition.NotAllowed):
        decomposition.decompose_task(world.task, world.planting, person="李四", work="排查", actor=_user("jc_build"))
    world.task.state = TaskState.CLOSED
    with pytest.raises(DomainError, match="已销号"):
        decomposition.decompose_task(world.task, world.planting, person="李四", work="排查", actor="测试")


def _user(username):
    from registry.auth.models import User

    return db.session.scalar(select(User).where(User.username == username))
