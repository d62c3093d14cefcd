"""Defining indicators and recording their values: every field checked at once, locked years refused,
every change audited."""

import pytest
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError, DomainErrors
from registry.extensions import db
from registry.targets import services
from tests import factories


@pytest.fixture
def place(app):
    province = factories.jurisdiction("960000", "province")
    sthj = factories.department(province, "测试省生态环境厅")
    return province, sthj


def test_an_indicator_is_defined_and_audited(place):
    province, sthj = place
    made = factories.indicator(province, sthj, values={2021: 33.0})
    assert made.lead_department == sthj
    assert [(v.year, v.value, v.source) for v in made.values] == [(2021, 33.0, "监测数据")]
    kinds = db.session.scalars(
        select(AuditEntry.entity_type).where(AuditEntry.jurisdiction_id == province.id).order_by(AuditEntry.id)
    ).all()
    assert kinds[-2:] == ["target_indicators", "indicator_values"]


def test_every_problem_of_a_definition_is_reported_at_once(place):
    province, _sthj = place
    data = services.IndicatorData(
        name="",
        unit="%",
        direction="sideways",
        binding="binding",
        baseline_year=2025,
        baseline_value=None,
        target_year=2020,
        target_value=90.0,
        stretch_value=None,
        lead_department=None,
    )
    with pytest.raises(DomainErrors) as caught:
        services.create_indicator(province, data, actor="测试")
    fields = {e.field for e in caught.value.errors}
    assert {"name", "direction", "baseline_value", "target_year", "lead_department"} <= fields


def test_a_stretch_value_must_be_better_than_the_target(place):
    province, sthj = place
    with pytest.raises(DomainError) as caught:
        factories.indicator(province, sthj, direction="higher", target=(2025, 91.5), stretch=90.0)
    assert caught.value.field == "stretch_value"


def test_a_locked_year_refuses_new_and_changed_values(place):
    province, sthj = place
    made = factories.indicator(province, sthj, values={2021: 33.0})
    services.lock_year(province, 2021, actor="测试")
    with pytest.raises(DomainError) as caught:
        services.record_value(made, actor="测试", year=2021, value=30.0, source="监测数据")
    assert "已锁定" in str(caught.value)
    with pytest.raises(DomainError):
        services.delete_value(made.values[0], actor="测试", expected_version=made.values[0].lock_version)
    with pytest.raises(DomainError):
        services.delete_indicator(made, actor="测试", expected_version=made.lock_version)
    services.record_value(made, actor="测试", year=2022, value=31.0, source="监测数据")  # the next year is open
    assert [v.value for v in made.values] == [33.0, 31.0]


def test_a_value_is_corrected_in_place_and_needs_a_source(place):
    province, sthj = place
    made = factories.indicator(province, sthj, values={2022: 31.0})
    services.record_value(made, actor="测试", year=2022, value=30.6, source="统计公报")
    assert [(v.year, v.value, v.source) for v in made.values] == [(2022, 30.6, "统计公报")]
    with pytest.raises(DomainErrors) as caught:
        services.record_value(made, actor="测试", year=2019, value=None, source=" ")
    assert {e.field for e in caught.value.errors} == {"year", "value", "source"}
