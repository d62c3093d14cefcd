"""How an indicator stands in a year is computed from its values (rules.assess), in both directions,
with stretch values and missing years."""

from dataclasses import dataclass

import pytest

from registry.targets.rules import Status, assess, expected_value, latest, number, target_text


@dataclass
class Goal:
    direction: str
    baseline_year: int
    baseline_value: float
    target_year: int
    target_value: float
    stretch_value: float | None = None


PM25 = Goal("lower", 2020, 35.0, 2025, 28.0, stretch_value=25.0)  # 稳定控制在28以下，力争25
GOOD_DAYS = Goal("higher", 2020, 87.0, 2025, 91.5)  # 优良天数比率达到91.5%


def test_the_straight_line_runs_from_the_baseline_to_the_target():
    assert expected_value(PM25, 2020) == 35.0
    assert expected_value(PM25, 2023) == pytest.approx(30.8)
    assert expected_value(PM25, 2025) == 28.0
    assert expected_value(PM25, 2027) == 28.0  # after the target year, the target itself
    assert expected_value(GOOD_DAYS, 2022) == pytest.approx(88.8)


@pytest.mark.parametrize(
    ("goal", "year", "value", "status"),
    [
        # lower is better
        (PM25, 2023, 28.0, Status.MET),  # at the target already
        (PM25, 2023, 30.5, Status.ON_TRACK),  # better than the line (30.8)
        (PM25, 2023, 30.8, Status.ON_TRACK),  # on the line
        (PM25, 2023, 32.0, Status.BEHIND),  # worse than the line
        (PM25, 2025, 28.4, Status.NOT_MET),  # the target year, short of the target
        (PM25, 2026, 29.0, Status.NOT_MET),  # after it
        # higher is better
        (GOOD_DAYS, 2022, 89.0, Status.ON_TRACK),
        (GOOD_DAYS, 2022, 88.0, Status.BEHIND),
        (GOOD_DAYS, 2025, 91.5, Status.MET),  # exactly the target (no float noise)
        (GOOD_DAYS, 2025, 91.4, Status.NOT_MET),
    ],
)
def test_status_in_both_directions(goal, year, value, status):
    assert assess(goal, year, value).status == status


def test_a_year_without_a_value_has_no_data():
    result = assess(PM25, 2024, None)
    assert result.status == Status.NO_DATA
    assert result.label == "无数据"


def test_the_stretch_value_is_reached_only_beyond_the_target():
    assert assess(PM25, 2025, 24.8).stretch_met is True
    assert assess(PM25, 2025, 24.8).status == Status.MET
    met_not_stretched = assess(PM25, 2025, 27.0)
    assert (met_not_stretched.status, met_not_stretched.stretch_met) == (Status.MET, False)
    assert assess(GOOD_DAYS, 2025, 99.0).stretch_met is False  # no stretch value set


def test_latest_takes_the_last_year_with_a_value():
    assert latest(PM25, {}) is None
    result = latest(PM25, {2021: 33.0, 2023: 31.9})
    assert (result.year, result.status) == (2023, Status.BEHIND)


def test_numbers_and_targets_read_as_written():
    assert [number(v) for v in (28.0, 91.5, 0.125, None, 30.80000000001)] == ["28", "91.5", "0.125", "—", "30.8"]
    assert target_text(PM25, "微克/立方米") == "≤28微克/立方米（力争25）"
    assert target_text(GOOD_DAYS, "%") == "≥91.5%"
