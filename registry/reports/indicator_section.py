"""The generated section 目标指标完成情况 of a department's annual report (issue #19, item 4).

Its figures are read-only, never retyped: the indicators of the cycle's jurisdiction that the
department leads, each with its baseline, target, the report year's recorded value and source, its
status in that year (registry/targets/rules.py, through IndicatorRow.assessment) and its chart
(registry/targets/charts.py), computed when the report is shown or rendered; the published PDF keeps
them as they were on publication, and a published report's page points to it instead of computing
them anew (templates/reports/_published_figures.html). The department writes its own commentary in the section's body,
edited like a free section.

New drafts get the section when the cycle opens (services._draft_sections); drafts of cycles opened
before the department led an indicator get it the first time the report is opened (`ensure_section`),
never a report already submitted or published.
"""

import re
from typing import Any

from markupsafe import Markup
from sqlalchemy import select

from registry.core.charts import WIDTH
from registry.extensions import db
from registry.pdf import official_locale
from registry.reports import generated
from registry.reports.generated import ADDED_TO
from registry.reports.models import AnnualReport, ReportSection, SectionKind
from registry.targets import charts, queries
from registry.targets.models import TargetIndicator
from registry.targets.queries import IndicatorRow
from registry.targets.rules import STATUS_LABELS, STATUS_TAGS, number, target_text

TITLE = "目标指标完成情况"
ACTOR = "系统（补充生成目标指标完成情况部分）"
# The section goes after the matters and the complaint figures, before the closing free sections.
_BEFORE_IT = (
    SectionKind.DUTIES,
    SectionKind.LED_MATTER,
    SectionKind.COOPERATING_MATTER,
    SectionKind.COOPERATING,
    SectionKind.COMPLAINTS,
)


def new_section() -> ReportSection:
    return ReportSection(kind=SectionKind.INDICATORS, title=TITLE, body="")


def leading_departments(jurisdiction_id: int) -> set[int]:
    """The departments that lead at least one indicator of the jurisdiction (one query for a cycle)."""
    return set(
        db.session.scalars(
            select(TargetIndicator.lead_department_id).where(TargetIndicator.jurisdiction_id == jurisdiction_id)
        )
    )


def _leads_any(report: AnnualReport) -> bool:
    return (
        db.session.scalar(
            select(TargetIndicator.id)
            .where(
                TargetIndicator.jurisdiction_id == report.cycle.jurisdiction_id,
                TargetIndicator.lead_department_id == report.department_id,
            )
            .limit(1)
        )
        is not None
    )


def _has_section(report: AnnualReport) -> bool:
    return any(s.kind == SectionKind.INDICATORS for s in report.sections)


def ensure_section(report: AnnualReport) -> bool:
    """Add the section to a draft whose department leads indicators and has none; whether it was
    added (idempotent: never twice, never to a report submitted or published, never to one whose
    department leads no indicator)."""
    if report.state not in ADDED_TO or _has_section(report) or not _leads_any(report):
        return False
    return generated.add_section(report, SectionKind.INDICATORS, TITLE, after=_BEFORE_IT, actor=ACTOR)


# The chart's own font list names the full Noto face; a PDF draws it with the cut face first
# (registry/pdf/fonts.py: WeasyPrint holds every face it uses in memory whole).
_CHART_FONT = '"Noto Sans CJK SC"'
_PDF_CHART_FONT = '"Registry Sans GB","Noto Sans CJK SC"'


def _svg(svg: str, *, pdf: bool = False) -> Markup:
    """The chart's SVG to put inline into HTML: without its XML declaration, for a PDF with the cut face.
    Markup: registry/targets/charts.py escapes every text it draws."""
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2 :].lstrip()
    if pdf:
        svg = svg.replace(_CHART_FONT, _PDF_CHART_FONT)
        # pygal names its legend entries activate-serie-N in every chart: unique within one document.
        chart_id = re.search(r'<svg[^>]* id="([^"]+)"', svg)
        if chart_id:
            svg = svg.replace('id="activate-serie-', f'id="{chart_id.group(1)}-serie-')
    return Markup(svg)  # noqa: S704 (SVG text made by pygal from escaped values)


def indicator_facts(row: IndicatorRow, year: int) -> dict[str, Any]:
    """One indicator as plain values for `year`: what its table row shows and its status (no chart)."""
    found = row.value_in(year)
    assessment = row.assessment(year)
    status = assessment.status.value
    return {
        "id": row.id,
        "jurisdiction_code": row.jurisdiction_code,  # where the public chart image is
        "name": row.name,
        "unit": row.unit,
        "binding": row.binding_label,
        "direction": row.direction_label,
        "baseline": number(row.baseline_value),
        "baseline_year": row.baseline_year,
        "target": row.target_text,
        "target_value": target_text(row, ""),  # without the unit, for a table that has a unit column
        "target_year": row.target_year,
        "value": number(found.value) if found else "—",
        "source": found.source if found else "",
        "note": found.note if found else "",
        "locked": bool(found and found.locked),
        "expected": number(assessment.expected),
        "status": status,
        "status_label": STATUS_LABELS[status],
        "status_tag": STATUS_TAGS[status],
        "stretch_met": assessment.stretch_met,
        "lead": row.lead_department_name,
        "plan": row.plan_label,
    }


def indicator_figures(row: IndicatorRow, year: int, *, pdf: bool = False) -> dict[str, Any]:
    """indicator_facts with the chart's SVG inline (registry/targets/charts.py), for a PDF; `pdf`
    names the PDF's cut font first. Pages show the same chart as an image (the site's content
    security policy refuses the inline SVG's own styles): templates/reports/_indicator_chart.html."""
    return {**indicator_facts(row, year), "chart": _svg(charts.chart(row, WIDTH, up_to=year), pdf=pdf)}


def figures(report: AnnualReport, *, pdf: bool = False) -> dict[str, Any]:
    """The section's figures as plain values: every indicator of the cycle's jurisdiction that the
    department leads, in the report's year, and the counts by status; for the PDF (`pdf`) with each
    chart's SVG inline."""
    year = report.cycle.year
    rows = queries.indicators(jurisdiction_id=report.cycle.jurisdiction_id, department_id=report.department_id)
    counts = queries.summary(rows, year)
    if pdf:
        # In Chinese whoever renders it (a head publishing with the interface in English): the
        # charts' legends and the targets' 力争 are gettext'ed.
        with official_locale():
            indicators = [indicator_figures(row, year, pdf=True) for row in rows]
    else:
        indicators = [indicator_facts(row, year) for row in rows]
    return {
        "year": year,
        "count": len(rows),
        "counts": counts,
        "summary": summary_text(counts),
        "by_status": [(status, label, counts[status]) for status, label in STATUS_LABELS.items()],
        "indicators": indicators,
    }


def figures_of(report: AnnualReport) -> dict[str, Any] | None:
    """The figures when the report has the section (None otherwise: nothing to compute)."""
    if not _has_section(report):
        return None
    return figures(report)


def summary_text(counts: dict[str, int]) -> str:
    """共N项指标：已达标a项、符合序时进度b项、进度滞后c项、未达标d项、无数据e项 (the statuses in the rules'
    order, each named by its label). The report text is Chinese, as the PDF is."""
    parts = "、".join(f"{label}{counts[status]}项" for status, label in STATUS_LABELS.items())
    return f"共{counts['total']}项指标：{parts}"
