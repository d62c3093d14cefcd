"""Defining indicators, recording their values and locking a year (issue #19). Each service takes
the actor and its inputs, flushes, writes the audit entry in the same transaction and never commits."""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from registry.core import audit
from registry.core.db import utcnow
from registry.core.errors import DomainError, refuse
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department, Matter, PolicyDocument
from registry.targets.models import (
    Binding,
    Direction,
    IndicatorValue,
    IndicatorYearLock,
    TargetIndicator,
)
from registry.targets.rules import number

STALE = _l("该指标已被他人修改，请刷新后重试。")
EARLIEST_YEAR = 2000


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


def record_value(
    indicator: TargetIndicator,
    *,
    actor,
    year: int | None,
    value: float | None,
    source: str,
    month: int = 0,
    note: str = "",
    expected_version: int | None = None,
) -> IndicatorValue:
    """Record (or correct) the year's value, or a month's (the lead department); refused for a locked
    year, a year outside baseline..this year, and a stale copy of an existing value."""
    refuse(value_problems(indicator, year=year, value=value, source=source, month=month, note=note))
    row = db.session.scalar(
        select(IndicatorValue).where(
            IndicatorValue.indicator_id == indicator.id, IndicatorValue.year == year, IndicatorValue.month == month
        )
    )
    before = row.audit_data() if row else None
    if row is not None and expected_version is not None and row.lock_version != expected_version:
        raise DomainError(_l("该数值已被他人修改，请刷新后重试。"))
    if row is None:
        row = IndicatorValue(indicator=indicator, year=year, month=month)
        db.session.add(row)
    row.value = value
    row.source = source.strip()
    row.note = note.strip()
    row.recorded_by_id = getattr(actor, "id", None)
    row.recorded_at = utcnow()
    _flush()
    when = f"{year}年{month}月" if month else f"{year}年"
    audit.record(
        actor,
        "update" if before else "create",
        row,
        jurisdiction_id=indicator.jurisdiction_id,
        before=before,
        after=row.audit_data(),
        summary=f"填报目标指标「{indicator.name}」{when}数值{number(value)}{indicator.unit}（{row.source}）",
    )
    return row


def delete_value(row: IndicatorValue, *, actor, expected_version: int) -> None:
    """Remove a value recorded by mistake; refused in a locked year."""
    indicator = row.indicator
    if row.lock_version != expected_version:
        raise DomainError(_l("该数值已被他人修改，请刷新后重试。"))
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


def lock_year(jurisdiction: Jurisdiction, year: int, *, actor) -> IndicatorYearLock:
    """Lock the year's values of every indicator of the jurisdiction (once published): final."""
    if is_locked(jurisdiction.id, year):
        raise DomainError(_l("%(year)d年度的数据已经锁定。", year=year), "year")
    if year > local_today().year:
        raise DomainError(_l("不能锁定未来年度。"), "year")
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


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as error:
        raise DomainError(STALE) from error
