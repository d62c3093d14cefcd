"""Indicators as plain values, the one shape every reader uses: the office's and the department's
pages, the public dashboard, the charts, the report section, the government's yearly report and the
API. Two queries, whatever the number of indicators: the indicators with their names, then their
values."""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department, Matter, PolicyDocument
from registry.targets.models import (
    BINDING_LABELS,
    DIRECTION_LABELS,
    IndicatorValue,
    IndicatorYearLock,
    TargetIndicator,
    indicator_matters,
)
from registry.targets.rules import Assessment, assess, latest, number, target_text


@dataclass(frozen=True)
class YearValue:
    year: int
    value: float
    source: str
    note: str
    locked: bool  # the office locked the year (published); otherwise 初步数据, still open to correction


@dataclass(frozen=True)
class MonthValue:
    year: int
    month: int
    value: float
    source: str
    note: str


@dataclass(frozen=True)
class IndicatorRow:
    id: int
    jurisdiction_id: int
    jurisdiction_code: str
    jurisdiction_name: str
    position: int
    name: str
    unit: str
    direction: str
    binding: str
    baseline_year: int
    baseline_value: float
    target_year: int
    target_value: float
    stretch_value: float | None
    description: str
    plan_label: str  # 《…》（文号）, or ""
    lead_department_id: int
    lead_department_name: str
    matters: tuple[tuple[int, str], ...]  # (matter id, title) of the working list
    yearly: tuple[YearValue, ...]  # by year
    monthly: tuple[MonthValue, ...]  # by year, month
    lock_version: int

    @property
    def direction_label(self) -> str:
        return DIRECTION_LABELS[self.direction]

    @property
    def binding_label(self) -> str:
        return BINDING_LABELS[self.binding]

    @property
    def target_text(self) -> str:
        return target_text(self, self.unit)

    @property
    def values_by_year(self) -> dict[int, float]:
        return {v.year: v.value for v in self.yearly}

    def value_in(self, year: int) -> YearValue | None:
        return next((v for v in self.yearly if v.year == year), None)

    def assessment(self, year: int) -> Assessment:
        """The status in `year` (无数据 when that year has no value)."""
        found = self.value_in(year)
        return assess(self, year, found.value if found else None)

    @property
    def latest(self) -> Assessment | None:
        return latest(self, self.values_by_year)

    @property
    def years(self) -> list[int]:
        """The years a chart or table spans: the baseline year to the target year, and any later year
        with a value."""
        last = max([self.target_year, *(v.year for v in self.yearly)])
        return list(range(self.baseline_year, last + 1))

    def plain(self) -> dict[str, Any]:
        """For the API and templates that want plain values."""
        now = self.latest
        return {
            "id": self.id,
            "jurisdiction": self.jurisdiction_code,
            "name": self.name,
            "unit": self.unit,
            "direction": self.direction,
            "binding": self.binding,
            "baseline": {"year": self.baseline_year, "value": self.baseline_value},
            "target": {"year": self.target_year, "value": self.target_value, "stretch_value": self.stretch_value},
            "target_text": self.target_text,
            "plan": self.plan_label,
            "lead_department": self.lead_department_name,
            "status": now.status.value if now else "no_data",
            "status_year": now.year if now else None,
        }


def indicators(
    *, jurisdiction_id: int | None = None, department_id: int | None = None, ids: list[int] | None = None
) -> list[IndicatorRow]:
    """The indicators of a jurisdiction, or led by a department, or by id, in the office's order."""
    t = TargetIndicator
    query = (
        select(
            t.id,
            t.jurisdiction_id,
            Jurisdiction.code,
            Jurisdiction.name,
            t.position,
            t.name,
            t.unit,
            t.direction,
            t.binding,
            t.baseline_year,
            t.baseline_value,
            t.target_year,
            t.target_value,
            t.stretch_value,
            t.description,
            PolicyDocument.title,
            PolicyDocument.doc_number,
            t.lead_department_id,
            Department.name,
            t.lock_version,
        )
        .join(Jurisdiction, Jurisdiction.id == t.jurisdiction_id)
        .join(Department, Department.id == t.lead_department_id)
        .outerjoin(PolicyDocument, PolicyDocument.id == t.plan_id)
        .order_by(Jurisdiction.code, t.position, t.id)
    )
    if jurisdiction_id is not None:
        query = query.where(t.jurisdiction_id == jurisdiction_id)
    if department_id is not None:
        query = query.where(t.lead_department_id == department_id)
    if ids is not None:
        query = query.where(t.id.in_(ids or [-1]))
    heads = db.session.execute(query).all()
    if not heads:
        return []
    found = [h[0] for h in heads]
    locked = defaultdict(set)
    for jid, year in db.session.execute(
        select(IndicatorYearLock.jurisdiction_id, IndicatorYearLock.year).where(
            IndicatorYearLock.jurisdiction_id.in_({h[1] for h in heads})
        )
    ):
        locked[jid].add(year)
    values = defaultdict(list)
    for row in db.session.execute(
        select(
            IndicatorValue.indicator_id,
            IndicatorValue.year,
            IndicatorValue.month,
            IndicatorValue.value,
            IndicatorValue.source,
            IndicatorValue.note,
        )
        .where(IndicatorValue.indicator_id.in_(found))
        .order_by(IndicatorValue.year, IndicatorValue.month)
    ):
        values[row.indicator_id].append(row)
    matters = defaultdict(list)
    for indicator_id, matter_id, title in db.session.execute(
        select(indicator_matters.c.indicator_id, Matter.id, Matter.title)
        .join(Matter, Matter.id == indicator_matters.c.matter_id)
        .where(indicator_matters.c.indicator_id.in_(found))
        .order_by(Matter.seq, Matter.id)
    ):
        matters[indicator_id].append((matter_id, title))
    result = []
    for h in heads:
        (iid, jid, code, jname, position, name, unit, direction, binding) = h[:9]
        (b_year, b_value, t_year, t_value, stretch, description, p_title, p_number, lead_id, lead, lock) = h[9:]
        plan = f"《{p_title}》（{p_number}）" if p_title and p_number else (f"《{p_title}》" if p_title else "")
        rows = values[iid]
        result.append(
            IndicatorRow(
                id=iid,
                jurisdiction_id=jid,
                jurisdiction_code=code,
                jurisdiction_name=jname,
                position=position,
                name=name,
                unit=unit,
                direction=direction,
                binding=binding,
                baseline_year=b_year,
                baseline_value=b_value,
                target_year=t_year,
                target_value=t_value,
                stretch_value=stretch,
                description=description,
                plan_label=plan,
                lead_department_id=lead_id,
                lead_department_name=lead,
                matters=tuple(matters[iid]),
                yearly=tuple(
                    YearValue(r.year, r.value, r.source, r.note, r.year in locked[jid]) for r in rows if r.month == 0
                ),
                monthly=tuple(MonthValue(r.year, r.month, r.value, r.source, r.note) for r in rows if r.month),
                lock_version=lock,
            )
        )
    return result


def indicator(indicator_id: int) -> IndicatorRow | None:
    found = indicators(ids=[indicator_id])
    return found[0] if found else None


def summary(rows: list[IndicatorRow], year: int) -> dict[str, int]:
    """How many indicators stand how in `year`: {status: count} over every status, and the total."""
    counts = {status: 0 for status in ("met", "on_track", "behind", "not_met", "no_data")}
    for row in rows:
        counts[row.assessment(year).status.value] += 1
    return {**counts, "total": len(rows)}


__all__ = ["IndicatorRow", "MonthValue", "YearValue", "indicator", "indicators", "number", "summary"]
