"""A list by department (07-by-department.xlsx: 序号 | 成员单位 | 职责任务) imports into each
department's duties: matched by its names, all or nothing, audited, and a re-import adds nothing."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.extensions import db
from registry.imports.duties import apply_duties, duty_text, plan_duties
from registry.imports.reading import DutyRow, ListFile
from registry.lists.models import Department, Duty
from tests import factories

LAYOUTS = Path(__file__).parent / "layouts"
EXPECTED = json.loads((LAYOUTS / "expected.json").read_text(encoding="utf-8"))["07-by-department.xlsx"]["__duties__"]


def _file_07() -> ListFile:
    """07-by-department.xlsx as the reader gives it: one DutyRow per numbered duty of a cell."""
    rows = [
        DutyRow(2, "市住房和城乡建设局", 1, "1.负责房屋建筑工地扬尘污染防治监督管理。"),
        DutyRow(2, "市住房和城乡建设局", 2, "2.督促建设单位将扬尘防治费用列入工程造价。"),
        DutyRow(3, "市交通运输局", 1, "1.负责公路、港口工程施工扬尘监督管理。"),
        DutyRow(3, "市交通运输局", 2, "2.负责道路运输车辆扬尘防治。"),
    ]
    return ListFile(format="xlsx", layout="mapped", duties=rows)


@pytest.fixture
def city(app):
    province = factories.jurisdiction("980000", "province", name="测试省")
    j = factories.jurisdiction("980100", "city", province, name="示例市")
    factories.department(j, "市住房和城乡建设局", "住房城乡建设", short_name="市住建局")
    factories.department(j, "市交通运输局", "交通运输")
    return j


def _duties(j) -> dict[str, list[str]]:
    rows = db.session.execute(
        select(Department.name, Duty.text)
        .join(Duty, Duty.department_id == Department.id)
        .where(Department.jurisdiction_id == j.id)
        .order_by(Department.sort_order, Department.id, Duty.seq)
    )
    result: dict[str, list[str]] = {}
    for name, text in rows:
        result.setdefault(name, []).append(text)
    return result


def test_07_becomes_each_departments_duties_as_expected_json_says(city):
    plan = plan_duties(city, _file_07(), create_departments=False, filename="07-by-department.xlsx")
    assert plan.ok and plan.changes_anything
    assert str(plan.summary()) == "2 个部门的职责：新增 4 条，已有 0 条。"
    result = apply_duties(plan, "测试")
    assert _duties(city) == EXPECTED
    entry = db.session.get(AuditEntry, result.audit_id)
    assert entry.action == "import" and entry.jurisdiction_id == city.id
    assert entry.after["duties_created"] == 4 and "07-by-department.xlsx" in entry.summary
    # Each duty is in the log too, in the same transaction.
    logged = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "duties")).all()
    assert len(logged) == 4


def test_a_reimport_adds_nothing(city):
    apply_duties(plan_duties(city, _file_07(), create_departments=False), "测试")
    again = plan_duties(city, _file_07(), create_departments=False)
    assert again.ok and not again.changes_anything
    assert str(again.summary()) == "2 个部门的职责：新增 0 条，已有 4 条。"
    apply_duties(again, "测试")
    assert _duties(city) == EXPECTED


def test_departments_are_matched_by_short_name_and_new_duties_follow_the_old(city):
    housing = db.session.scalar(select(Department).where(Department.name == "市住房和城乡建设局"))
    from registry.lists import services

    services.add_duty(housing, "负责房屋建筑工地扬尘污染防治监督管理。", actor="测试")
    listfile = ListFile(
        format="xlsx",
        duties=[
            DutyRow(2, "市住建局", 1, "（1）负责房屋建筑工地扬尘污染防治监督管理。"),
            DutyRow(2, "市住建局", 2, "（2）负责城市建成区裸土覆盖。"),
            DutyRow(3, "市住建局", 3, "负责城市建成区裸土覆盖。"),  # the same twice in one file: once
        ],
    )
    plan = plan_duties(city, listfile, create_departments=False)
    assert plan.ok and [d.action for d in plan.duties] == ["same", "create", "same"]
    apply_duties(plan, "测试")
    assert _duties(city)["市住房和城乡建设局"] == ["负责房屋建筑工地扬尘污染防治监督管理。", "负责城市建成区裸土覆盖。"]


def test_unknown_departments_and_empty_duties_are_row_errors_in_chinese_and_nothing_changes(city):
    listfile = ListFile(
        format="xlsx",
        duties=[
            DutyRow(2, "市交通运输局", 1, "负责道路运输车辆扬尘防治。"),
            DutyRow(3, "市城市管理局", 1, "负责渣土运输车辆管理。"),
            DutyRow(4, "市交通运输局", 2, "2."),
        ],
    )
    plan = plan_duties(city, listfile, create_departments=False)
    assert not plan.ok
    assert [(e.row, e.reason) for e in plan.errors] == [
        (3, "找不到部门「市城市管理局」：示例市没有以此为全称、简称或其他名称的部门。"),
        (4, "职责内容为空。"),
    ]
    with pytest.raises(DomainError, match="未导入任何内容"):
        apply_duties(plan, "测试")
    assert _duties(city) == {}


def test_unknown_departments_are_created_when_asked(city):
    listfile = ListFile(format="xlsx", duties=[DutyRow(2, "市城市管理局", 1, "负责渣土运输车辆管理。")])
    plan = plan_duties(city, listfile, create_departments=True)
    assert plan.ok and [d.name for d in plan.new_departments] == ["市城市管理局"]
    result = apply_duties(plan, "测试")
    assert result.departments_created == ["市城市管理局"]
    assert "新建部门 1 个" in str(result.summary())
    created = db.session.scalar(select(Department).where(Department.name == "市城市管理局"))
    assert created.sector == "城市管理" and [d.text for d in created.duties] == ["负责渣土运输车辆管理。"]


def test_an_empty_file_says_so(city):
    plan = plan_duties(city, ListFile(format="xlsx"), create_departments=False)
    assert [(e.row, e.reason) for e in plan.errors] == [(None, "文件中没有任何部门职责行。")]


def test_numbering_is_not_part_of_the_duty_but_figures_are():
    assert duty_text("1.负责扬尘防治。") == "负责扬尘防治。"
    assert duty_text("（2）负责扬尘防治。") == "负责扬尘防治。"
    assert duty_text("1.5万吨以上企业的监管。") == "1.5万吨以上企业的监管。"


def test_07_through_the_readers_when_they_exist(city):
    tables = pytest.importorskip("registry.imports.tables")
    data = (LAYOUTS / "07-by-department.xlsx").read_bytes()
    source = tables.read_table_source(data, "07-by-department.xlsx")
    listfile = tables.extract_table(source, tables.propose_table(source))
    apply_duties(plan_duties(city, listfile, create_departments=False), "测试")
    assert _duties(city) == EXPECTED


def test_the_import_result_page_shows_the_duties_added(city, client, auth):
    factories.user("city_office", "office_admin", city)
    result = apply_duties(plan_duties(city, _file_07(), create_departments=False, filename="07.xlsx"), "测试")
    auth.login("city_office", "password-123")
    page = client.get(f"/manage/{city.code}/imports/{result.audit_id}").get_data(as_text=True)
    assert "新增职责" in page and "新增事项" not in page and "07.xlsx" in page
