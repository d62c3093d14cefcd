"""机构改革 and the indicators a department leads: they follow it to its successor (merge, split), so
that someone still records their values; a department leading one is not retired without a successor."""

import pytest
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.core.permissions import Permission, can
from registry.extensions import db
from registry.lists import services as list_services
from registry.lists.services.reorganisation import NewDepartment, merge_departments, rename_department, split_department
from tests import factories

ACTOR = "测试"


@pytest.fixture
def place(app):
    province = factories.jurisdiction("960000", "province")
    return province, factories.department(province, "测试省环境保护厅"), factories.department(province, "测试省水利厅")


def _matter(j, title, lead):
    return list_services.create_matter(j, title=title, category="测试", lead=lead, actor=ACTOR)


def test_a_merged_departments_indicators_go_to_the_department_it_joined(place):
    province, old, water = place
    made = factories.indicator(province, old, name="测试：细颗粒物", values={2022: 31.0})
    editor = factories.user("water_editor", "dept_editor", province, water)
    assert not can(editor, Permission.TARGET_RECORD, made)

    merge_departments([old], water, actor=ACTOR)

    db.session.refresh(made)
    assert made.lead_department == water
    assert can(editor, Permission.TARGET_RECORD, made)  # the successor's people record its values now
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "target_indicators", AuditEntry.entity_id == made.id)
        .order_by(AuditEntry.id.desc())
    )
    assert "因「测试省环境保护厅」并入「测试省水利厅」" in entry.summary and "改由测试省水利厅牵头" in entry.summary
    assert entry.before["lead"] == "测试省环境保护厅" and entry.after["lead"] == "测试省水利厅"


def test_a_split_departments_indicators_follow_their_matters(place):
    province, old, _water = place
    air = _matter(province, "大气污染防治", old)
    soil = _matter(province, "土壤污染防治", old)
    by_matter = factories.indicator(province, old, name="测试：受污染耕地安全利用率", matters=[soil])
    alone = factories.indicator(province, old, name="测试：没有关联事项")

    first, second = split_department(
        old,
        [
            NewDepartment("测试省大气环境局", "大气局", "生态环境"),
            NewDepartment("测试省土壤环境局", "土壤局", "生态环境"),
        ],
        matters={air.id: 0, soil.id: 1},
        actor=ACTOR,
    )

    db.session.refresh(by_matter)
    db.session.refresh(alone)
    assert by_matter.lead_department == second  # where its matter went
    assert alone.lead_department == first  # none to follow: the first successor named


def test_a_rename_keeps_the_indicators_where_they_are(place):
    province, old, _water = place
    made = factories.indicator(province, old)
    rename_department(old, name="测试省生态环境厅", actor=ACTOR)
    db.session.refresh(made)
    assert made.lead_department.name == "测试省生态环境厅" and made.lead_department.active


def test_a_department_leading_an_indicator_is_not_retired(place):
    province, old, water = place
    made = factories.indicator(province, old, name="测试：地表水优良比例")
    with pytest.raises(DomainError) as caught:
        list_services.retire_department(old, actor=ACTOR)
    assert "仍牵头 1 项目标指标（测试：地表水优良比例）" in str(caught.value)
    assert old.active
    made.lead_department = water
    db.session.flush()
    list_services.retire_department(old, actor=ACTOR)
    assert not old.active
