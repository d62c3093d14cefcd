"""Defining indicators, recording their values and locking a year (issue #19). Each service takes
the actor and its inputs, flushes, writes the audit entry in the same transaction and never commits."""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from registry.core import audit
from registry.core.db import lock_row, utcnow
from registry.core.errors import DomainError, refuse
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department, Matter, PolicyDocument
from registry.targets.models import (
    DIRECTION_LABELS,
    Binding,
    Direction,
    IndicatorValue,
    IndicatorYearLock,
    TargetIndicator,
)
from registry.targets.rules import number

STALE = _l("该指标已被他人修改，请刷新后重试。")
VALUE_STALE = _l("该数值已被他人修改，请刷新后重试。")
EARLIEST_YEAR = 2000
# What an indicator's status in a year is computed from (rules.assess): fixed once a year with a value
# is locked, so that published results never change (and a later baseline year never hides them).
ASSESSED_FIELDS = ("direction", "baseline_year", "baseline_value", "target_year", "target_value", "stretch_value")
# Whoever records without saying which version of a value they saw (scripts, the demo, tests).
ANY_VERSION = object()


class ValueExists(DomainError):
    """Recording a value where one exists that the form did not show: `row` is that value."""

    def __init__(self, message, row: "IndicatorValue"):
        super().__init__(message, "value")
        self.row = row


@dataclass
class IndicatorData:
    """What the office states about an indicator (from the form or a spreadsheet row)."""

    name: str
    unit: str
    direction: str
    binding: str
    baseline_year: int | None
    baseline_value: float | None
    target_year: int | None
    target_value: float | None
    stretch_value: float | None
    lead_department: Department | None
    plan: PolicyDocument | None = None
    description: str = ""
    matters: list[Matter] = field(default_factory=list)


def problems(jurisdiction: Jurisdiction, data: IndicatorData, *, indicator: TargetIndicator | None = None):
    """Every (field, message) wrong with data, all at once (an empty list when it is fine)."""
    found = []
    name = data.name.strip()
    if not name:
        found.append(("name", _l("请填写指标名称。")))
    elif len(name) > 200:
        found.append(("name", _l("指标名称不能超过200字。")))
    else:
        clash = db.session.scalar(
            select(TargetIndicator.id).where(
                TargetIndicator.jurisdiction_id == jurisdiction.id,
                TargetIndicator.name == name,
                TargetIndicator.id != (indicator.id if indicator else -1),
            )
        )
        if clash:
            found.append(("name", _l("本地区已有同名指标。")))
    if len(data.unit.strip()) > 30:
        found.append(("unit", _l("单位不能超过30字。")))
    if data.direction not in tuple(Direction):
        found.append(("direction", _l("请选择指标方向（越低越好或越高越好）。")))
    if data.binding not in tuple(Binding):
        found.append(("binding", _l("请选择指标属性（约束性或预期性）。")))
    this_year = local_today().year
    for name_, year in (("baseline_year", data.baseline_year), ("target_year", data.target_year)):
        if year is None:
            found.append((name_, _l("请填写年份。")))
        elif not EARLIEST_YEAR <= year <= this_year + 30:
            found.append((name_, _l("年份应在%(low)d至%(high)d之间。", low=EARLIEST_YEAR, high=this_year + 30)))
    if data.baseline_year and data.target_year and data.target_year < data.baseline_year:
        found.append(("target_year", _l("目标年份不能早于基准年份。")))
    if data.baseline_value is None:
        found.append(("baseline_value", _l("请填写基准值。")))
    if data.target_value is None:
        found.append(("target_value", _l("请填写目标值。")))
    if data.stretch_value is not None and data.target_value is not None and data.direction in tuple(Direction):
        lower = data.direction == Direction.LOWER
        if (data.stretch_value >= data.target_value) if lower else (data.stretch_value <= data.target_value):
            found.append(("stretch_value", _l("力争值应比目标值更好（越低越好时更低，越高越好时更高）。")))
    if data.lead_department is None:
        found.append(("lead_department", _l("请选择牵头部门。")))
    elif data.lead_department.jurisdiction_id != jurisdiction.id:
        found.append(("lead_department", _l("牵头部门应为本地区的部门。")))
    if data.plan is not None and data.plan.jurisdiction_id != jurisdiction.id:
        found.append(("plan", _l("规划文件应为本地区的文件。")))
    if any(m.jurisdiction_id != jurisdiction.id for m in data.matters):
        found.append(("matters", _l("关联事项应为本地区清单中的事项。")))
    if indicator is not None:
        found += locked_problems(indicator, data)
    return found


def locked_value_years(indicator: TargetIndicator) -> list[int]:
    """The locked years in which the indicator has a value (its published results), oldest first."""
    if indicator.id is None:
        return []
    return sorted(
        db.session.scalars(
            select(IndicatorValue.year)
            .distinct()
            .join(
                IndicatorYearLock,
                (IndicatorYearLock.jurisdiction_id == indicator.jurisdiction_id)
                & (IndicatorYearLock.year == IndicatorValue.year),
            )
            .where(IndicatorValue.indicator_id == indicator.id)
        )
    )


def _same(old, new) -> bool:
    if isinstance(old, float) or isinstance(new, float):
        return old is not None and new is not None and round(old, 6) == round(new, 6)
    return old == new


def locked_problems(indicator: TargetIndicator, data: IndicatorData):
    """(field, message) for each of ASSESSED_FIELDS that data changes once the indicator has a value in
    a locked year: those years' published statuses would change."""
    changed = [f for f in ASSESSED_FIELDS if not _same(getattr(indicator, f), getattr(data, f))]
    if not changed:
        return []
    years = locked_value_years(indicator)
    if not years:
        return []
    found = []
    for name in changed:
        old = getattr(indicator, name)
        if name == "direction":
            shown = _l(DIRECTION_LABELS.get(old, old))
        elif name.endswith("_year"):
            shown = str(old)
        else:
            shown = number(old) if old is not None else _l("未填")
        message = _l(
            "该指标%(years)s年的数值已锁定公开，其完成情况按现有定义计算，此项不能再修改（现为%(old)s）。",
            years="、".join(str(y) for y in years),
            old=shown,
        )
        found.append((name, message))
    return found


def _apply(indicator: TargetIndicator, data: IndicatorData) -> None:
    indicator.name = data.name.strip()
    indicator.unit = data.unit.strip()
    indicator.direction = data.direction
    indicator.binding = data.binding
    indicator.baseline_year = data.baseline_year
    indicator.baseline_value = data.baseline_value
    indicator.target_year = data.target_year
    indicator.target_value = data.target_value
    indicator.stretch_value = data.stretch_value
    indicator.description = data.description.strip()
    indicator.plan = data.plan
    indicator.lead_department = data.lead_department
    indicator.matters = list(dict.fromkeys(data.matters))


def create_indicator(jurisdiction: Jurisdiction, data: IndicatorData, *, actor) -> TargetIndicator:
    """Define an indicator of the jurisdiction (the office)."""
    refuse(problems(jurisdiction, data))
    position = db.session.scalar(
        select(db.func.coalesce(db.func.max(TargetIndicator.position), -1) + 1).where(
            TargetIndicator.jurisdiction_id == jurisdiction.id
        )
    )
    indicator = TargetIndicator(jurisdiction=jurisdiction, position=position, created_by_id=getattr(actor, "id", None))
    _apply(indicator, data)
    db.session.add(indicator)
    db.session.flush()
    audit.record(
        actor,
        "create",
        indicator,
        jurisdiction_id=jurisdiction.id,
        after=indicator.audit_data(),
        summary=f"新增目标指标「{indicator.name}」，牵头部门{indicator.lead_department.name}",
    )
    return indicator


def update_indicator(indicator: TargetIndicator, data: IndicatorData, *, actor, expected_version: int) -> None:
    """Change an indicator's definition (the office); refused on a stale copy."""
    if indicator.lock_version != expected_version:
        raise DomainError(STALE)
    refuse(problems(indicator.jurisdiction, data, indicator=indicator))
    before = indicator.audit_data()
    _apply(indicator, data)
    _flush()
    audit.record(
        actor,
        "update",
        indicator,
        jurisdiction_id=indicator.jurisdiction_id,
        before=before,
        after=indicator.audit_data(),
        summary=f"修改目标指标「{indicator.name}」",
    )


def delete_indicator(indicator: TargetIndicator, *, actor, expected_version: int) -> None:
    """Remove an indicator with its values; refused once any of its values is in a locked year."""
    if indicator.lock_version != expected_version:
        raise DomainError(STALE)
    locked = locked_years(indicator.jurisdiction_id)
    if any(v.year in locked for v in indicator.values):
        raise DomainError(_l("该指标已有锁定年度的数据，已公开的数据不能删除。"))
    before = {**indicator.audit_data(), "values": [v.audit_data() for v in indicator.values]}
    audit.record(
        actor,
        "delete",
        indicator,
        jurisdiction_id=indicator.jurisdiction_id,
        before=before,
        summary=f"删除目标指标「{indicator.name}」",
    )
    db.session.delete(indicator)
    db.session.flush()


def locked_years(jurisdiction_id: int) -> set[int]:
    return set(
        db.session.scalars(select(IndicatorYearLock.year).where(IndicatorYearLock.jurisdiction_id == jurisdiction_id))
    )


def is_locked(jurisdiction_id: int, year: int) -> bool:
    return year in locked_years(jurisdiction_id)


def value_problems(
    indicator: TargetIndicator, *, year: int | None, value: float | None, source: str, month: int = 0, note: str = ""
):
    """Every (field, message) wrong with a value to record, all at once (record_value's checks)."""
    found = []
    this_year = local_today().year
    if year is None:
        found.append(("year", _l("请填写年份。")))
    elif not indicator.baseline_year <= year <= this_year:
        found.append(
            ("year", _l("年份应在基准年%(low)d至今年%(high)d之间。", low=indicator.baseline_year, high=this_year))
        )
    elif is_locked(indicator.jurisdiction_id, year):
        found.append(("year", _l("%(year)d年度的数据已锁定，不能再修改。", year=year)))
    if not 0 <= month <= 12:
        found.append(("month", _l("请选择月份。")))
    if value is None:
        found.append(("value", _l("请填写数值。")))
    if not source.strip():
        found.append(("source", _l("请注明数据来源（如监测数据、统计公报）。")))
    elif len(source.strip()) > 100:
        found.append(("source", _l("数据来源不能超过100字。")))
    if len(note.strip()) > 500:
        found.append(("note", _l("说明不能超过500字。")))
    return found


def find_value(indicator: TargetIndicator, year: int | None, month: int = 0) -> IndicatorValue | None:
    """The value recorded for (year, month) of the indicator, if any."""
    if year is None:
        return None
    return db.session.scalar(
        select(IndicatorValue).where(
            IndicatorValue.indicator_id == indicator.id, IndicatorValue.year == year, IndicatorValue.month == month
        )
    )


def when_text(year: int, month: int = 0) -> str:
    return f"{year}年{month}月" if month else f"{year}年"


def record_value(
    indicator: TargetIndicator,
    *,
    actor,
    year: int | None,
    value: float | None,
    source: str,
    month: int = 0,
    note: str = "",
    expected_version=ANY_VERSION,
) -> IndicatorValue:
    """Record (or correct) the year's value, or a month's (the lead department); refused for a locked
    year, a year outside baseline..this year, and a stale copy of an existing value.

    expected_version: the version of the value the user corrects; None when the user saw no value for
    (year, month) — then a value recorded there meanwhile (or not shown) is refused as ValueExists
    rather than overwritten. Left out (ANY_VERSION): overwrite (scripts, the demo)."""
    # The jurisdiction's row before the year's lock is checked: publishing the government's report
    # (registry/targets/environment.py) holds it from its check of the values to the year's lock.
    lock_row(db.session, indicator.jurisdiction)
    refuse(value_problems(indicator, year=year, value=value, source=source, month=month, note=note))
    row = find_value(indicator, year, month)
    before = row.audit_data() if row else None
    if row is not None and expected_version is None:
        raise ValueExists(
            _l(
                "%(when)s已有数值 %(value)s%(unit)s（来源：%(source)s）。如需更正为新填的数值，请确认后再次保存。",
                when=_l("%(year)d年%(month)d月", year=year, month=month) if month else _l("%(year)d年", year=year),
                value=number(row.value),
                unit=indicator.unit,
                source=row.source,
            ),
            row,
        )
    if row is not None and isinstance(expected_version, int) and row.lock_version != expected_version:
        raise DomainError(VALUE_STALE)
    if row is None:
        row = IndicatorValue(indicator=indicator, year=year, month=month)
        db.session.add(row)
    row.value = value
    row.source = source.strip()
    row.note = note.strip()
    row.recorded_by_id = getattr(actor, "id", None)
    row.recorded_at = utcnow()
    _flush()
    shown = f"{number(value)}{indicator.unit}"
    audit.record(
        actor,
        "update" if before else "create",
        row,
        jurisdiction_id=indicator.jurisdiction_id,
        before=before,
        after=row.audit_data(),
        summary=f"填报目标指标「{indicator.name}」{when_text(year, month)}数值{shown}（{row.source}）",
    )
    return row


def delete_value(row: IndicatorValue, *, actor, expected_version: int) -> None:
    """Remove a value recorded by mistake; refused in a locked year."""
    indicator = row.indicator
    if row.lock_version != expected_version:
        raise DomainError(VALUE_STALE)
    lock_row(db.session, indicator.jurisdiction)  # as record_value
    if is_locked(indicator.jurisdiction_id, row.year):
        raise DomainError(_l("%(year)d年度的数据已锁定，不能再修改。", year=row.year))
    audit.record(
        actor,
        "delete",
        row,
        jurisdiction_id=indicator.jurisdiction_id,
        before=row.audit_data(),
        summary=f"删除目标指标「{indicator.name}」{row.year}年数值",
    )
    db.session.delete(row)
    db.session.flush()


def lock_range(jurisdiction: Jurisdiction) -> tuple[int, int]:
    """The years that may be locked: from the earliest baseline year of the jurisdiction's indicators
    (EARLIEST_YEAR when it has none) to last year; the current year has not ended."""
    first = db.session.scalar(
        select(db.func.min(TargetIndicator.baseline_year)).where(TargetIndicator.jurisdiction_id == jurisdiction.id)
    )
    return max(first or EARLIEST_YEAR, EARLIEST_YEAR), local_today().year - 1


def lockable_years(jurisdiction: Jurisdiction) -> list[int]:
    """The years that may still be locked, newest first."""
    low, high = lock_range(jurisdiction)
    locked = locked_years(jurisdiction.id)
    return [y for y in range(high, low - 1, -1) if y not in locked]


def lock_year(jurisdiction: Jurisdiction, year: int, *, actor) -> IndicatorYearLock:
    """Lock the year's values of every indicator of the jurisdiction (once published): final. Only an
    ended year from the earliest baseline year on."""
    lock_row(db.session, jurisdiction)  # as record_value: one of them waits for the other
    if is_locked(jurisdiction.id, year):
        raise DomainError(_l("%(year)d年度的数据已经锁定。", year=year), "year")
    low, high = lock_range(jurisdiction)
    if not low <= year <= high:
        if low > high:
            raise DomainError(_l("还没有可锁定的年度：只能锁定已结束的、不早于基准年的年度。"), "year")
        if year > high:
            message = _l("%(year)d年度尚未结束，只能锁定%(high)d年及以前的年度。", year=year, high=high)
            raise DomainError(message, "year")
        raise DomainError(_l("只能锁定%(low)d年（最早的基准年）至%(high)d年的年度。", low=low, high=high), "year")
    lock = IndicatorYearLock(jurisdiction=jurisdiction, year=year, locked_by_id=getattr(actor, "id", None))
    db.session.add(lock)
    db.session.flush()
    audit.record(
        actor,
        "lock",
        lock,
        jurisdiction_id=jurisdiction.id,
        after={"year": year},
        summary=f"锁定{jurisdiction.name}{year}年度目标指标数据",
    )
    return lock


# -- 机构改革: a lead department merged, split or retired -----------------------------------------


def indicators_led_by(department: Department) -> list[TargetIndicator]:
    return list(
        db.session.scalars(
            select(TargetIndicator)
            .where(TargetIndicator.lead_department_id == department.id)
            .order_by(TargetIndicator.jurisdiction_id, TargetIndicator.position, TargetIndicator.id)
        )
    )


def _successor_for(indicator: TargetIndicator, successors: list[Department], matters: dict[int, Department]):
    """Of a split's successors, the one that took most of the indicator's matters (the first named when
    none or on a tie)."""
    votes = [matters[m.id] for m in indicator.matters if m.id in matters]
    return max(successors, key=lambda d: (votes.count(d), -successors.index(d)))


def hand_over_indicators(
    source: Department,
    successors: list[Department],
    *,
    matters: dict[int, Department] | None = None,
    why: str,
    actor,
) -> list[TargetIndicator]:
    """Give the indicators a merged or split department led to its successor, so that someone records
    their values: on a split, the successor that took most of the indicator's matters (`matters`:
    matter id → the successor it went to), else the first. Each change is audited."""
    moved = []
    for indicator in indicators_led_by(source):
        target = successors[0] if len(successors) == 1 else _successor_for(indicator, successors, matters or {})
        if target.id == source.id:
            continue
        before = indicator.audit_data()
        indicator.lead_department = target
        _flush()
        audit.record(
            actor,
            "update",
            indicator,
            jurisdiction_id=indicator.jurisdiction_id,
            before=before,
            after=indicator.audit_data(),
            summary=f"{why}，目标指标「{indicator.name}」改由{target.name}牵头",
        )
        moved.append(indicator)
    return moved


def refuse_retiring_a_lead(department: Department) -> None:
    """A department retired without a successor must first hand its indicators to another."""
    led = indicators_led_by(department)
    if led:
        raise DomainError(
            _l(
                "「%(department)s」仍牵头 %(count)d 项目标指标（%(names)s），不能撤销。请先修改这些指标的牵头部门。",
                department=department.name,
                count=len(led),
                names="、".join(i.name for i in led[:5]) + ("等" if len(led) > 5 else ""),
            )
        )


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as error:
        raise DomainError(STALE) from error
