"""Defining indicators and recording their values: every field checked at once, locked years refused,
every change audited."""

import pytest
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError, DomainErrors
from registry.core.timezone import local_today
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


def test_a_locked_indicator_keeps_what_its_published_statuses_are_computed_from(place):
    """Once a year with a value is locked, direction, baseline, target and stretch are refused, every
    changed one next to its field; the rest of the definition stays editable."""
    province, sthj = place
    other = factories.department(province, "测试省水利厅")
    made = factories.indicator(province, sthj, values={2021: 33.0})
    services.lock_year(province, 2021, actor="测试")
    data = _definition(made, direction="higher", baseline_year=2022, target_value=30.0, stretch_value=26.0)
    with pytest.raises(DomainErrors) as caught:
        services.update_indicator(made, data, actor="测试", expected_version=made.lock_version)
    refused = {e.field: str(e.message) for e in caught.value.errors}
    assert set(refused) == {"direction", "baseline_year", "target_value", "stretch_value"}
    assert "2021年的数值已锁定公开" in refused["target_value"] and "现为28" in refused["target_value"]
    db.session.expire_all()
    assert (made.target_value, made.baseline_year) == (28.0, 2020)

    renamed = _definition(made, name="细颗粒物平均浓度（改名）", unit="μg/m³", lead_department=other)
    services.update_indicator(made, renamed, actor="测试", expected_version=made.lock_version)
    assert (made.name, made.unit, made.lead_department) == ("细颗粒物平均浓度（改名）", "μg/m³", other)


def test_an_indicator_without_locked_values_may_be_redefined(place):
    province, sthj = place
    made = factories.indicator(province, sthj, values={2022: 31.0})
    services.lock_year(province, 2021, actor="测试")  # locked, but the indicator has no value in it
    services.update_indicator(
        made, _definition(made, target_value=27.0), actor="测试", expected_version=made.lock_version
    )
    assert made.target_value == 27.0


def test_a_value_the_caller_did_not_know_of_is_not_overwritten(place):
    province, sthj = place
    made = factories.indicator(province, sthj, values={2022: 31.0})
    with pytest.raises(services.ValueExists) as caught:
        services.record_value(made, actor="测试", year=2022, value=30.0, source="统计公报", expected_version=None)
    assert "2022年已有数值 31微克/立方米（来源：监测数据）" in str(caught.value)
    assert caught.value.row.value == 31.0
    row = caught.value.row
    with pytest.raises(DomainError) as stale:
        services.record_value(
            made, actor="测试", year=2022, value=30.0, source="统计公报", expected_version=row.lock_version + 1
        )
    assert "已被他人修改" in str(stale.value)
    services.record_value(
        made, actor="测试", year=2022, value=30.0, source="统计公报", expected_version=row.lock_version
    )
    assert row.value == 30.0
    # A slot with no value yet, the caller knowing of none: recorded.
    services.record_value(made, actor="测试", year=2023, value=29.0, source="监测数据", expected_version=None)


def test_only_an_ended_year_from_the_earliest_baseline_on_is_locked(place):
    province, sthj = place
    factories.indicator(province, sthj, baseline=(2020, 35.0))
    last = local_today().year - 1
    assert services.lock_range(province) == (2020, last)
    for year in (0, 1999, 2019, last + 1, last + 2):
        with pytest.raises(DomainError) as caught:
            services.lock_year(province, year, actor="测试")
        assert caught.value.field == "year"
    assert not services.locked_years(province.id)
    services.lock_year(province, last, actor="测试")
    services.lock_year(province, 2020, actor="测试")
    assert services.lockable_years(province)[:1] == [last - 1]
    assert 2020 not in services.lockable_years(province) and last not in services.lockable_years(province)


def _definition(made, **changes) -> services.IndicatorData:
    data = {
        "name": made.name,
        "unit": made.unit,
        "direction": made.direction,
        "binding": made.binding,
        "baseline_year": made.baseline_year,
        "baseline_value": made.baseline_value,
        "target_year": made.target_year,
        "target_value": made.target_value,
        "stretch_value": made.stretch_value,
        "lead_department": made.lead_department,
        "plan": made.plan,
        "description": made.description,
        "matters": list(made.matters),
    }
    return services.IndicatorData(**{**data, **changes})
