"""Departments' names at their limits (#14): lengths refused as field errors, names that differ only in
bracket width, old names kept when the edit form changes a name, units that meet a unit of the same name
when departments merge, and names an import cannot tell apart."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError, DomainErrors
from registry.extensions import db
from registry.imports.duties import plan_duties
from registry.imports.planning import plan_import
from registry.imports.reading import DutyRow, ListFile
from registry.lists import services
from registry.lists.models import AliasKind, Department, Unit
from registry.lists.naming import DepartmentNames
from registry.lists.services.reorganisation import NewDepartment, merge_departments, split_department, split_plan
from tests import factories
from tests.lists.conftest import department, fresh, jurisdiction

ACTOR = "测试"
HEADER = "序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据\n"


def _problems(error: DomainError) -> dict[str | None, list[str]]:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    found: dict[str | None, list[str]] = {}
    for each in errors:
        found.setdefault(each.field, []).append(str(each))
    return found


@contextmanager
def statements():
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


# -- lengths --------------------------------------------------------------------------------------


def test_names_longer_than_their_columns_are_field_errors_all_at_once(demo):
    j = jurisdiction("990000")
    with pytest.raises(DomainError) as refused:
        services.create_department(j, name="甲" * 201, short_name="乙" * 101, sector="丙" * 51, actor=ACTOR)
    assert _problems(refused.value) == {
        "name": ["部门全称过长（最多200字）。"],
        "short_name": ["部门简称过长（最多100字）。"],
        "sector": ["所属系统过长（最多50字）。"],
    }
    # A long full name without a short name: the short name would be the full one, too long for it.
    with pytest.raises(DomainError) as refused:
        services.create_department(j, name="甲" * 150, short_name="", sector="生态环境", actor=ACTOR)
    assert _problems(refused.value) == {"short_name": ["全称超过100字时请另填简称（最多100字）。"]}
    # At the limits exactly, it is saved.
    made = services.create_department(j, name="甲" * 200, short_name="乙" * 100, sector="丙" * 50, actor=ACTOR)
    assert len(fresh(made).name) == 200


def test_merge_into_a_new_department_with_too_long_names_says_so_next_to_the_new_fields(demo):
    a = department("省能源局")
    with pytest.raises(DomainError) as refused:
        merge_departments([a], NewDepartment("甲" * 201, "", "丙" * 51), actor=ACTOR)
    problems = _problems(refused.value)
    assert problems["new_name"] == ["部门全称过长（最多200字）。"]
    assert problems["new_sector"] == ["所属系统过长（最多50字）。"]
    assert fresh(a).active


def test_split_with_a_too_long_new_name_is_refused(demo):
    a = department("省自然资源厅")
    matters, _d, _u = split_plan(a)
    with pytest.raises(DomainError, match="部门全称过长"):
        split_department(
            a,
            [NewDepartment("甲" * 201, "甲", "自然资源"), department("省水利厅")],
            matters={m.id: 1 for m in matters},
            actor=ACTOR,
        )
    assert fresh(a).active


def test_split_page_names_the_successor_whose_name_is_too_long(browser):
    browser.login("province_office")
    a, b = department("省自然资源厅"), department("省水利厅")
    url = f"/manage/departments/{a.id}/split"
    slots = {
        "s0-department": "new",
        "s0-name": "甲" * 201,
        "s0-short": "乙" * 101,
        "s0-sector": "自然资源",
        "s1-department": str(b.id),
        "s2-department": "0",
    }
    hidden = browser.form(url)
    response = browser.post(url, {**slots, "confirm": "1"}, hidden=hidden)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "继任部门1：部门全称过长（最多200字）。" in page and "继任部门1：部门简称过长（最多100字）。" in page
    assert fresh(a).active


def test_split_says_which_departments_it_became(browser):
    browser.login("province_office")
    a, b = department("省自然资源厅"), department("省水利厅")
    url = f"/manage/departments/{a.id}/split"
    matters, _d, _u = split_plan(a)
    slots = {
        "s0-department": "new",
        "s0-name": "省自然资源规划厅",
        "s0-sector": "自然资源",
        "s1-department": str(b.id),
        "s2-department": "0",
    }
    response = browser.post(url, {**slots, **{f"m-{m.id}": "1" for m in matters}, "confirm": "1"}, follow=True)
    assert "「省自然资源厅」已拆分为「省自然资源规划厅」、「省水利厅」。" in response.get_data(as_text=True)
    one = browser.post(url.replace(str(a.id), str(b.id)), {"s0-department": "0", "s1-department": "0", "confirm": "1"})
    assert "拆分须至少有两个继任部门。" in one.get_data(as_text=True)


# -- units meeting a unit of the same name --------------------------------------------------------


def test_a_moved_unit_takes_a_numbered_name_when_the_suffixed_one_is_taken(demo):
    j = jurisdiction("990000")
    target = department("省发展和改革委员会")
    source = department("省能源局")
    for name in ("办公室", f"办公室（原{source.short_name}）"):
        services.create_unit(target, name=name, actor=ACTOR)
    services.create_unit(source, name="办公室", actor=ACTOR)
    long_name = "综" * 200
    services.create_unit(target, name=long_name, actor=ACTOR)
    services.create_unit(source, name=long_name, actor=ACTOR)
    merge_departments([source], target, actor=ACTOR)
    names = set(db.session.scalars(select(Unit.name).where(Unit.department_id == target.id)))
    assert f"办公室（原{source.short_name}）2" in names
    suffixed = [n for n in names if n.startswith("综") and n != long_name]
    assert len(suffixed) == 1 and len(suffixed[0]) == 200 and suffixed[0].endswith(f"（原{source.short_name}）")
    assert jurisdiction("990000").id == j.id


# -- the edit form keeps old names ----------------------------------------------------------------


def test_changing_a_name_on_the_edit_form_keeps_the_old_names_as_former_names(browser):
    browser.login("province_office")
    sthj = department("省生态环境厅")
    old_short = sthj.short_name
    url = f"/manage/departments/{sthj.id}/edit"
    page = browser.get(url)
    assert "原全称和原简称留作曾用名" in page
    response = browser.post(
        url, {"name": "省生态环境保护厅", "short_name": "省生态环保厅", "sector": sthj.sector, "kind": "department"}
    )
    assert response.status_code == 302
    sthj = fresh(sthj)
    old_names = {a.name for a in sthj.aliases if a.kind == AliasKind.OLD}
    assert "省生态环境厅" in old_names and (old_short == "省生态环境厅" or old_short in old_names)
    names = DepartmentNames(sthj.jurisdiction_id)
    assert names.match("省生态环境厅").id == sthj.id and names.match("省生态环保厅").id == sthj.id
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.entity_id == sthj.id, AuditEntry.action == "update")
        .order_by(AuditEntry.id.desc())
    )
    assert "省生态环境厅" in entry.after["aliases"]
    # Back to the old name: it is its name again, no longer one of its other names.
    services.update_department(sthj, name="省生态环境厅", short_name="省生态环境厅", sector=sthj.sector, actor=ACTOR)
    sthj = fresh(sthj)
    assert "省生态环境厅" not in {a.name for a in sthj.aliases}
    assert {"省生态环境保护厅", "省生态环保厅"} <= {a.name for a in sthj.aliases}


# -- half-width and full-width brackets -----------------------------------------------------------


def test_a_name_differing_only_in_bracket_width_is_the_same_name(demo):
    j = jurisdiction("990000")
    services.create_department(j, name="省测试委（省测试局）", short_name="省测试委", sector="测试", actor=ACTOR)
    with pytest.raises(DomainError) as refused:
        services.create_department(j, name="省测试委(省测试局)", short_name="另一测试委", sector="测试", actor=ACTOR)
    assert "已有部门「省测试委（省测试局）」" in _problems(refused.value)["name"][0]
    with pytest.raises(DomainError):
        services.create_department(j, name="另一测试局", short_name=" 省测试委 ", sector="测试", actor=ACTOR)


# -- names an import cannot tell apart ------------------------------------------------------------


@pytest.fixture
def twins(app):
    """A jurisdiction with two departments that the common abbreviation 小省发改委 could both mean."""
    j = factories.jurisdiction("860000", name="小省")
    services.create_department(
        j, name="小省发展和改革委员会", short_name="小省发展和改革委", sector="发展改革", actor=ACTOR
    )
    services.create_department(
        j, name="小省发展改革委员会", short_name="小省发展改革委员会", sector="发展改革", actor=ACTOR
    )
    services.create_department(j, name="小省水利厅", short_name="水利厅", sector="水利", actor=ACTOR)
    return j


def test_names_tell_a_name_that_could_mean_two(twins):
    names = DepartmentNames(twins.id)
    assert names.match("小省发改委") is None
    assert [d.name for d in names.ambiguous("小省发改委")] == ["小省发展和改革委员会", "小省发展改革委员会"]
    assert names.ambiguous("小省水利厅") == [] and names.ambiguous("未知局") == []


def test_matter_import_says_a_name_could_mean_two_and_creates_no_department(twins):
    count = db.session.scalar(select(db.func.count()).select_from(Department))
    plan = plan_import(twins, (HEADER + "1,水,河湖长制,小省发改委,,,\n").encode(), create_departments=True)
    assert [(e.row, e.reason) for e in plan.errors] == [
        (2, "「小省发改委」可能指「小省发展和改革委员会」或「小省发展改革委员会」，请在文件中写全称。")
    ]
    assert plan.new_departments == []
    assert db.session.scalar(select(db.func.count()).select_from(Department)) == count


def test_duty_import_says_a_name_could_mean_two_and_creates_no_department(twins):
    listfile = ListFile(format="xlsx", duties=[DutyRow(2, "小省发改委", 1, "负责节能减排。")])
    plan = plan_duties(twins, listfile, create_departments=True)
    assert [(e.row, e.reason) for e in plan.errors] == [
        (2, "「小省发改委」可能指「小省发展和改革委员会」或「小省发展改革委员会」，请在文件中写全称。")
    ]
    assert plan.new_departments == []


# -- the split page reads each matter's roles at once -------------------------------------------


def test_split_page_does_not_read_roles_matter_by_matter(browser):
    browser.login("province_office")
    sthj = department("省生态环境厅")
    matters, _d, _u = split_plan(sthj)
    assert len(matters) >= 5
    db.session.expire_all()
    with statements() as seen:
        browser.get(f"/manage/departments/{sthj.id}/split")
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT") and "FROM assignments" in s]
    assert len(reads) <= 3, len(reads)
