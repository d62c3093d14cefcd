"""Target indicators as the public reads them (issue #19): the dashboard of a jurisdiction, the
indicators a department leads, one indicator, and the state each of their pages shows.

Indicators are not published in versions: the office defines them and the lead department records
values, which the public sees at once (初步数据 until the office locks the year). So the tables are
watched (registry.public.cache.watch) and every page that shows indicators adds their fingerprint to
its state: recording a value or locking a year changes the page's ETag. Links go only to what is
published: a matter in the version in force, a department that a published version lists.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from registry.core.timezone import local_today
from registry.extensions import db
from registry.public.cache import PageState, remembered, watch
from registry.public.models import SearchEntry
from registry.public.queries.departments import department_jurisdiction
from registry.public.queries.jurisdictions import JurisdictionRef, jurisdiction_ref
from registry.public.queries.matters import _current
from registry.public.queries.states import department_state, jurisdiction_state
from registry.public.queries.supervision import supervision_links
from registry.targets import queries as target_queries
from registry.targets.models import (
    EnvironmentReport,
    EnvironmentReportState,
    IndicatorValue,
    IndicatorYearLock,
    TargetIndicator,
    indicator_matters,
)
from registry.targets.queries import IndicatorRow
from registry.targets.rules import STATUS_LABELS, STATUS_TAGS, Assessment
from registry.versions.models import VersionMatter

# What the public sees of indicators changes with these tables. A definition's change bumps its
# lock_version (the version counter), a value's record sets recorded_at to now, a removal lowers a
# count; a change of the related matters alone touches the association table only.
watch(
    TargetIndicator,
    func.count(TargetIndicator.id),
    func.max(TargetIndicator.id),
    func.sum(TargetIndicator.lock_version),
    func.count(indicator_matters.c.matter_id),
    func.sum(indicator_matters.c.matter_id),
)
watch(
    IndicatorValue,
    func.count(IndicatorValue.id),
    func.max(IndicatorValue.recorded_at),
    func.sum(IndicatorValue.lock_version),
)
watch(IndicatorYearLock, func.count(IndicatorYearLock.id))
watch(
    EnvironmentReport,
    func.count(EnvironmentReport.id).filter(EnvironmentReport.state == EnvironmentReportState.PUBLISHED),
    func.max(EnvironmentReport.published_at),
)

STATUS_ORDER = ("met", "on_track", "behind", "not_met", "no_data")


# -- the rows, remembered under the publication token ----------------------------------------------


@remembered
def _with_indicators() -> frozenset[int]:
    """The jurisdictions that define indicators (most don't): one query a publication spares the
    others' pages a query each."""
    return frozenset(db.session.scalars(select(TargetIndicator.jurisdiction_id).distinct()))


def jurisdiction_indicators(jurisdiction_id: int) -> tuple[IndicatorRow, ...]:
    return _jurisdiction_indicators(jurisdiction_id) if jurisdiction_id in _with_indicators() else ()


@remembered
def _jurisdiction_indicators(jurisdiction_id: int) -> tuple[IndicatorRow, ...]:
    return tuple(target_queries.indicators(jurisdiction_id=jurisdiction_id))


@remembered
def _leading_indicators() -> frozenset[int]:
    """The departments that lead an indicator (few): their pages query theirs, the others none."""
    return frozenset(db.session.scalars(select(TargetIndicator.lead_department_id).distinct()))


def department_indicators(department_id: int) -> tuple[IndicatorRow, ...]:
    return _department_indicators(department_id) if department_id in _leading_indicators() else ()


@remembered
def _department_indicators(department_id: int) -> tuple[IndicatorRow, ...]:
    return tuple(target_queries.indicators(department_id=department_id))


@remembered
def indicator_row(indicator_id: int) -> IndicatorRow | None:
    return target_queries.indicator(indicator_id)


def fingerprint(rows: tuple[IndicatorRow, ...] | list[IndicatorRow]) -> str:
    """What identifies indicators as shown, the same in every process (an ETag's part)."""
    return hashlib.sha256(repr(tuple(rows)).encode()).hexdigest()[:32]


@remembered
def _jurisdiction_fingerprint(jurisdiction_id: int) -> str:
    return fingerprint(jurisdiction_indicators(jurisdiction_id))


@remembered
def _department_fingerprint(department_id: int) -> str:
    return fingerprint(department_indicators(department_id))


def environment_report_parts(jurisdiction_id: int) -> tuple:
    """What identifies a jurisdiction's published yearly reports (seed 000), for its page's ETag."""
    from registry.targets.environment import published_reports

    reports = sorted(published_reports(jurisdiction_id), key=lambda r: r["year"])
    return tuple((r["id"], r["year"], r["pdf_sha256"], str(r["published_at"])) for r in reports)


# -- links to what is published --------------------------------------------------------------------


@remembered
def matters_in_force(matter_ids: tuple[int, ...]) -> dict[int, str]:
    """{matter id: title as the version in force publishes it} of those matters that it has."""
    if not matter_ids:
        return {}
    rows = db.session.execute(
        _current(
            select(SearchEntry.matter_id, VersionMatter.title)
            .join(VersionMatter, VersionMatter.id == SearchEntry.version_matter_id)
            .where(SearchEntry.matter_id.in_(matter_ids))
        )
    )
    return {matter_id: title for matter_id, title in rows}


def department_published(department_id: int) -> bool:
    """Whether the department has a public page (a published version lists it)."""
    return department_jurisdiction(department_id) is not None


@dataclass(frozen=True)
class MatterLink:
    id: int
    title: str  # as the version in force publishes it


def matter_links(row: IndicatorRow) -> list[MatterLink]:
    """The indicator's matters that the version in force has (each has a public page), by their
    published title. A matter only on the office's working list is not public: it is not named."""
    published = matters_in_force(tuple(sorted(m for m, _ in row.matters)))
    return [MatterLink(m, published[m]) for m, _ in row.matters if m in published]


# -- the dashboard ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    """Indicators as small multiples, and how many stand how (each by its latest year with a value)."""

    rows: tuple[IndicatorRow, ...]
    counts: tuple[tuple[str, str, int], ...]  # (status, label, count), statuses with at least one

    @property
    def total(self) -> int:
        return len(self.rows)


def status_of(row: IndicatorRow) -> Assessment | None:
    """The status a card and the summary give: the latest year's with a value (None: 无数据)."""
    return row.latest


def dashboard(rows: tuple[IndicatorRow, ...]) -> Dashboard:
    counted = Counter(a.status.value if (a := status_of(row)) else "no_data" for row in rows)
    counts = tuple((s, STATUS_LABELS[s], counted[s]) for s in STATUS_ORDER if counted[s])
    return Dashboard(rows, counts)


def tag_of(status: str) -> str:
    return STATUS_TAGS[status]


# -- the open-data API (registry/public/indicator_api.py) -------------------------------------------

# The keys of an indicator in the API (registry/public/openapi.py states them from these).
API_INDICATOR_KEYS = (
    "id",
    "jurisdiction",
    "name",
    "unit",
    "direction",
    "binding",
    "description",
    "baseline",
    "target",
    "target_text",
    "plan",
    "lead_department",
    "matters",
    "latest",
)
API_INDICATOR_DETAIL_KEYS = (*API_INDICATOR_KEYS, "values", "monthly")


def _latest(row: IndicatorRow) -> dict[str, Any] | None:
    found = status_of(row)
    if found is None:
        return None
    return {"year": found.year, "value": found.value, "status": found.status.value, "stretch_met": found.stretch_met}


def indicator_plain(row: IndicatorRow) -> dict[str, Any]:
    """An indicator as the API gives it (the list's item)."""
    return {
        "id": row.id,
        "jurisdiction": {"code": row.jurisdiction_code, "name": row.jurisdiction_name},
        "name": row.name,
        "unit": row.unit,
        "direction": row.direction,
        "binding": row.binding,
        "description": row.description,
        "baseline": {"year": row.baseline_year, "value": row.baseline_value},
        "target": {"year": row.target_year, "value": row.target_value, "stretch_value": row.stretch_value},
        "target_text": row.target_text,
        "plan": row.plan_label,
        "lead_department": {
            "id": row.lead_department_id,
            "name": row.lead_department_name,
            "published": department_published(row.lead_department_id),
        },
        # Only the matters of the version in force, by their published title: /matters/{id} has them.
        "matters": [{"id": m.id, "title": m.title} for m in matter_links(row)],
        "latest": _latest(row),
    }


def indicator_detail(row: IndicatorRow) -> dict[str, Any]:
    values = []
    for v in row.yearly:
        assessment = row.assessment(v.year)
        values.append(
            {
                "year": v.year,
                "value": v.value,
                "source": v.source,
                "locked": v.locked,
                "status": assessment.status.value,
                "stretch_met": assessment.stretch_met,
                "expected": round(assessment.expected, 6),
            }
        )
    monthly = [{"year": m.year, "month": m.month, "value": m.value, "source": m.source} for m in row.monthly]
    return {**indicator_plain(row), "values": values, "monthly": monthly}


# -- the state each page shows (registry.public.cache.cached) ---------------------------------------


def _indicator_ref(code: str, indicator_id: Any) -> tuple[JurisdictionRef, IndicatorRow] | None:
    if not isinstance(indicator_id, int):
        return None
    jref = jurisdiction_ref(code)
    row = indicator_row(indicator_id) if jref else None
    if row is None or row.jurisdiction_id != jref.id:
        return None
    return jref, row


def jurisdiction_page_state(code: str, **_: Any) -> PageState | None:
    """The jurisdiction's page: its versions, its dashboard, its published yearly reports and which of its
    ledger pages it links to (queries.supervision)."""
    state = jurisdiction_state(code)
    if state is None:
        return None
    jid = jurisdiction_ref(code).id
    parts = (*state.parts, _jurisdiction_fingerprint(jid), *environment_report_parts(jid), supervision_links(jid))
    return PageState(parts, state.last_modified)


def department_page_state(department_id: Any, **_: Any) -> PageState | None:
    """A department's page: as registry.public.queries.states has it, and the indicators it leads."""
    state = department_state(department_id)
    if state is None:
        return None
    return PageState((*state.parts, _department_fingerprint(department_id)), state.last_modified)


def indicators_state(code: str, **_: Any) -> PageState | None:
    """The dashboard page of a jurisdiction (its versions: which matters and departments link)."""
    state = jurisdiction_state(code)
    if state is None:
        return None
    return PageState((*state.parts, _jurisdiction_fingerprint(jurisdiction_ref(code).id)), state.last_modified)


def this_year() -> int:
    """The year an indicator's table runs to (at the most): its page changes at New Year."""
    return local_today().year


def indicator_state(code: str, indicator_id: Any, **_: Any) -> PageState | None:
    """One indicator's page (its table runs to this year), and its chart."""
    found = _indicator_ref(code, indicator_id)
    state = jurisdiction_state(code) if found else None
    if state is None:
        return None
    return PageState((*state.parts, fingerprint([found[1]]), this_year()), state.last_modified)
