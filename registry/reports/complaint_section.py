"""The generated section 公众举报办理情况 of a department's annual report (§4 with §10).

Its figures are read-only: the complaints about the matters the department leads in the cycle's list
version, received in the report's year, as registry/complaints/stats.py counts them (computed when the
report is shown or rendered; the published PDF keeps them as they were on publication). The
department writes its own commentary in the section's body, edited like a free section.

New drafts get the section when the cycle opens (services._draft_sections); drafts of cycles opened
before it existed get it the first time the report is opened (`ensure_section`), never a report
already submitted or published.
"""

from typing import Any

from sqlalchemy import select

from registry.complaints import stats
from registry.extensions import db
from registry.reports import generated
from registry.reports.generated import ADDED_TO
from registry.reports.models import AnnualReport, ReportSection, SectionKind
from registry.versions.models import VersionMatter

TITLE = "公众举报办理情况"
ACTOR = "系统（补充生成公众举报办理情况部分）"
# The section goes after the matters (and the duties), before the closing free sections.
_BEFORE_IT = (SectionKind.DUTIES, SectionKind.LED_MATTER, SectionKind.COOPERATING_MATTER, SectionKind.COOPERATING)


def new_section() -> ReportSection:
    return ReportSection(kind=SectionKind.COMPLAINTS, title=TITLE, body="")


def _led_matters(report: AnnualReport) -> dict[int, str]:
    """The matters the department leads in the cycle's version: stable matter id → title, in list order."""
    rows = db.session.execute(
        select(VersionMatter.matter_id, VersionMatter.title)
        .where(
            VersionMatter.version_id == report.cycle.version_id,
            VersionMatter.lead_department_id == report.department_id,
        )
        .order_by(VersionMatter.seq, VersionMatter.id)
    )
    return dict(rows.tuples().all())


def ensure_section(report: AnnualReport) -> bool:
    """Add the section to a draft that leads matters and has none; whether it was added (idempotent:
    never twice, never to a report submitted or published, never to one that leads nothing)."""
    if report.state not in ADDED_TO or any(s.kind == SectionKind.COMPLAINTS for s in report.sections):
        return False
    if not _led_matters(report):
        return False
    return generated.add_section(report, SectionKind.COMPLAINTS, TITLE, after=_BEFORE_IT, actor=ACTOR)


def figures(report: AnnualReport) -> dict[str, Any]:
    """The section's figures as plain values (for the pages and the PDF template): the totals over the
    matters the department leads, for the report's year, and one row per matter that had complaints."""
    led = _led_matters(report)
    result = stats.figures(matter_ids=list(led), year=report.cycle.year)
    matters = [{"title": led.get(g.key) or g.name, **_plain(g.counts)} for g in result.by_matter if g.key is not None]
    return {
        "year": report.cycle.year,
        "as_of": result.as_of,
        "led_count": len(led),
        "quiet_count": len(led) - len(matters),  # led matters without any complaint
        "totals": _plain(result.totals),
        "matters": matters,
    }


def figures_of(report: AnnualReport) -> dict[str, Any] | None:
    """The figures when the report has the section (None otherwise: nothing to compute)."""
    if not any(s.kind == SectionKind.COMPLAINTS for s in report.sections):
        return None
    return figures(report)


def _rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _plain(counts: stats.Counts) -> dict[str, Any]:
    return {
        "received": counts.received,
        "accepted": counts.accepted,
        "transferred": counts.transferred,
        "answered": counts.answered,
        "rejected": counts.rejected,
        "on_time": counts.on_time,
        "closed": counts.closed,
        "on_time_rate": _rate(counts.on_time_rate),
        "overdue": counts.overdue,
        "open_overdue": counts.open_overdue,
        "closed_late": counts.closed_late,
        "repeat": counts.repeat,
        "rated": counts.rated,
        "satisfied": counts.satisfied,
        "satisfaction_rate": _rate(counts.satisfaction_rate),
    }
