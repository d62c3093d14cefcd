"""A department's page of what each unit carries (§8): its matters (led and cooperated) decomposed to its
units, its units added and renamed (optimistically locked), the same figures on its 工作台; offices
read it, other departments do not."""

import pytest
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.lists.models import Unit
from registry.supervision import decomposition
from registry.supervision.models import MatterUnit
from tests.supervision.h2_support import Client, World, lock_of, text


@pytest.fixture
def world(app):
    return World()


def _url(world, department=None):
    return f"/manage/departments/{(department or world.agri).id}/decomposition"


def test_the_page_lists_each_unit_with_its_tasks_and_matters_counted(client, world):
    decomposition.decompose_task(world.task, world.planting, person="李四", post="科长", work="排查", actor="测试")
    decomposition.decompose_matter(
        world.straw, world.agri, world.planting, person="李四", work="网格巡查", actor="测试"
    )
    db.session.flush()
    page = text(Client(client, "jc_agri_ed").get(_url(world)))
    assert "种植业管理科" in page and "秸秆禁烧网格化巡查" in page
    assert "0 项牵头任务尚未分解（共 1 项）" in page and "0 项事项尚未分解（共 1 项）" in page


def test_a_cooperating_department_decomposes_its_matter_and_not_others(client, world):
    eco = Client(client, "jc_eco")
    page = eco.get(_url(world, world.eco))
    assert page.status_code == 200 and "秸秆禁烧网格化巡查" in text(page) and "河道采砂管理" not in text(page)
    # It has no unit yet: it adds one while decomposing.
    url = f"{_url(world, world.eco)}/matters/{world.straw.id}/new"
    response = eco.post(
        url, {"unit": "0", "new_unit": "大气环境科", "new_unit_kind": "internal", "person": "周七", "work": "配合巡查"}
    )
    assert response.status_code == 302, text(response)[:1500]
    row = db.session.scalar(select(MatterUnit).where(MatterUnit.department_id == world.eco.id))
    assert (row.unit.name, row.matter_id) == ("大气环境科", world.straw.id)
    assert db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.entity_type == "matter_units", AuditEntry.action == "decompose")
    )
    # A matter it has no part in: not found.
    assert eco.get(f"{_url(world, world.eco)}/matters/{world.river.id}/new").status_code == 404


@pytest.mark.parametrize(
    ("username", "status"), [("jc_office", 200), ("up_office", 200), ("jc_water", 403), ("jc_build", 403)]
)
def test_who_reads_the_page(client, world, username, status):
    response = Client(client, username).get(_url(world))
    assert response.status_code == status
    if status == 200:
        assert f"{_url(world)}/matters/{world.straw.id}/new" not in response.get_data(as_text=True)  # no forms


@pytest.mark.parametrize("username", ["jc_office", "up_office", "jc_water", "jc_eco"])
def test_only_the_department_changes_it(client, world, username):
    other = Client(client, username)
    assert other.post(f"{_url(world)}/units/new", {"name": "新科室", "kind": "internal"}).status_code == 403
    url = f"{_url(world)}/matters/{world.straw.id}/new"
    assert other.post(url, {"unit": str(world.planting.id), "person": "某", "work": "某"}).status_code == 403
    assert not db.session.scalar(select(Unit.id).where(Unit.name == "新科室"))


def test_a_unit_rename_is_locked(client, world):
    agri = Client(client, "jc_agri")
    url = f"{_url(world)}/units/{world.planting.id}/edit"
    opened = lock_of(agri.get(url).get_data(as_text=True))
    decomposition.rename_unit(
        world.planting, name="种植业科", kind="internal", lock_version=world.planting.lock_version, actor="测试"
    )
    db.session.flush()
    response = agri.post(url, {"name": "种植业管理处", "kind": "internal", "lock_version": opened})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "已被他人修改并保存" in page and 'value="种植业管理处"' in page


def test_matter_rows_edit_with_a_lock_and_remove_after_asking(client, world):
    row = decomposition.decompose_matter(
        world.straw, world.agri, world.planting, person="李四", work="巡查", actor="测试"
    )
    db.session.flush()
    agri = Client(client, "jc_agri")
    edit = f"/manage/matter-units/{row.id}/edit"
    opened = lock_of(agri.get(edit).get_data(as_text=True))
    response = agri.post(edit, {"person": "孙八", "post": "副科长", "work": "网格巡查", "lock_version": opened})
    assert response.status_code == 302
    assert row.responsible_person == "孙八"
    stale = agri.post(edit, {"person": "钱九", "post": "", "work": "网格巡查", "lock_version": opened})
    assert stale.status_code == 400 and "已被他人修改并保存" in text(stale)
    remove = f"/manage/matter-units/{row.id}/remove"
    page = agri.get(remove)
    assert "确认取消分解" in text(page)
    assert agri.post(remove, {"lock_version": lock_of(page.get_data(as_text=True))}).status_code == 302
    assert db.session.get(MatterUnit, row.id) is None
    # Another department's row: 403.
    other = decomposition.decompose_matter(
        world.river, world.water, world.water_unit, person="吴十", work="巡河", actor="测试"
    )
    db.session.flush()
    assert agri.get(f"/manage/matter-units/{other.id}/edit").status_code == 403


def test_the_workbench_shows_what_each_unit_carries(client, world):
    decomposition.decompose_task(world.task, world.planting, person="李四", post="科长", work="排查", actor="测试")
    db.session.flush()
    page = text(Client(client, "jc_agri").get("/manage/"))
    assert "各单位承担的事项和任务" in page and "种植业管理科" in page
    assert "1 项牵头整改任务" in page and "1 项任务本月进展未报送" in page
