"""The one place that says how an indicator stands: its status in a year, computed from the values,
never typed (issue #19). Pure functions over plain numbers, so pages, charts, reports, the API and
the government's yearly report all agree.

- 已达标: the value meets the target (and 达到力争目标 when it also meets the stretch value);
- 符合序时进度: before the target year, not yet at the target but at or beyond the straight line
  from the baseline to the target;
- 进度滞后: before the target year and behind that line;
- 未达标: in or after the target year, short of the target;
- 无数据: no value for the year.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from flask import has_request_context
from flask_babel import gettext

# Values are typed with a few decimals; compare them as typed, not as binary floats (91.5 is 91.5).
_PLACES = 6


class Status(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NOT_MET = "not_met"
    NO_DATA = "no_data"


STATUS_LABELS = {
    "met": "已达标",
    "on_track": "符合序时进度",
    "behind": "进度滞后",
    "not_met": "未达标",
    "no_data": "无数据",
}
# The CSS class of each status's tag (the label is always printed too: colour never carries it alone).
STATUS_TAGS = {"met": "ok", "on_track": "info", "behind": "warn", "not_met": "bad", "no_data": "muted"}


class Goal(Protocol):
    """What the computation needs of an indicator (TargetIndicator, or a plain row in a query)."""

    direction: str
    baseline_year: int
    baseline_value: float
    target_year: int
    target_value: float
    stretch_value: float | None


@dataclass(frozen=True)
class Assessment:
    year: int
    value: float | None
    status: Status
    expected: float  # where the straight line from baseline to target stands in that year
    stretch_met: bool = False

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def at_least_as_good(direction: str, value: float, than: float) -> bool:
    """Whether value is at least as good as `than`, lower or higher being better."""
    value, than = round(value, _PLACES), round(than, _PLACES)
    return value <= than if direction == "lower" else value >= than


def expected_value(goal: Goal, year: int) -> float:
    """The straight line from the baseline to the target in `year` (the baseline before it, the
    target from the target year on)."""
    if year >= goal.target_year or goal.target_year == goal.baseline_year:
        return goal.target_value
    if year <= goal.baseline_year:
        return goal.baseline_value
    share = (year - goal.baseline_year) / (goal.target_year - goal.baseline_year)
    return goal.baseline_value + share * (goal.target_value - goal.baseline_value)


def assess(goal: Goal, year: int, value: float | None) -> Assessment:
    """The indicator's status in `year` given that year's value (None: no value)."""
    expected = expected_value(goal, year)
    if value is None:
        return Assessment(year, None, Status.NO_DATA, expected)
    stretch_met = goal.stretch_value is not None and at_least_as_good(goal.direction, value, goal.stretch_value)
    if at_least_as_good(goal.direction, value, goal.target_value):
        status = Status.MET
    elif year >= goal.target_year:
        status = Status.NOT_MET
    elif at_least_as_good(goal.direction, value, expected):
        status = Status.ON_TRACK
    else:
        status = Status.BEHIND
    return Assessment(year, value, status, expected, stretch_met)


def latest(goal: Goal, yearly: dict[int, float]) -> Assessment | None:
    """The assessment of the latest year with a value (None when there is no value at all)."""
    if not yearly:
        return None
    year = max(yearly)
    return assess(goal, year, yearly[year])


def number(value: float | None) -> str:
    """A value as people write it: 28, 91.5, 0.125 (no trailing zeros, no float noise); — for none."""
    if value is None:
        return "—"
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def target_text(goal: Goal, unit: str) -> str:
    """The target as a plan states it: ≤28微克/立方米（力争25）."""
    sign = "≤" if goal.direction == "lower" else "≥"
    text = f"{sign}{number(goal.target_value)}{unit}"
    if goal.stretch_value is not None:
        text += _stretch(number(goal.stretch_value))
    return text


def _stretch(value: str) -> str:
    """（力争25）: in the page's language on a page; PDFs and jobs (no request) are in Chinese."""
    if has_request_context():
        return gettext("（力争%(value)s）", value=value)
    return f"（力争{value}）"
