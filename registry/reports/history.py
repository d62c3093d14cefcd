"""Year over year (§10–§11): what the same matter's section said in the department's earlier report.

A matter keeps its id from list version to list version (`VersionMatter.matter_id`), while a report's
section points at the version matter of its own cycle's version; so last year's section is found by
the stable matter id, in the same department's report of the same jurisdiction's earlier cycle."""

from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context, request, url_for
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from registry.core.permissions import Permission, can
from registry.extensions import db
from registry.reports.content import plain_paragraphs
from registry.reports.models import (
    STATE_LABELS,
    AnnualReport,
    ReportingCycle,
    ReportSection,
    ReportState,
    SectionKind,
)
from registry.reports.rendering import LED_FIELDS, MET_LABELS
from registry.versions.models import VersionMatter


@dataclass(frozen=True)
class EarlierSection:
    """A led-matter section of an earlier report, as plain values for a read-only display."""

    year: int
    report_id: int
    report_title: str
    state: str
    state_label: str  # untranslated (STATE_LABELS); the template translates it
    published: bool
    pdf_url: str | None
    fields: list[tuple[str, Markup]]  # (untranslated label, the text as paragraphs), the four fields
    no_progress_reason: Markup
    indicators: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(text for _label, text in self.fields) and not self.indicators


def earlier_sections(report: AnnualReport) -> dict[int, ReportSection]:
    """For each led-matter section of the report (by id), the same matter's section in the same
    department's newest earlier report (the previous year's, or the last year the department reported
    on the matter). Three queries for the whole report, kept for the request: the report page asks
    once per section."""
    # Kept in the request's environ, not `g`: an app context may outlive one request (tests, scripts).
    cache = request.environ.setdefault("registry.earlier_sections", {}) if has_request_context() else {}
    if report.id in cache:
        return cache[report.id]
    led = [s for s in report.sections if s.kind == SectionKind.LED_MATTER and s.version_matter_id is not None]
    found: dict[int, ReportSection] = {}
    if led:
        matter_of = dict(
            db.session.execute(
                select(VersionMatter.id, VersionMatter.matter_id).where(
                    VersionMatter.id.in_(sorted({s.version_matter_id for s in led}))
                )
            ).all()
        )
        earlier_cycle = aliased(ReportingCycle)
        rows = db.session.execute(
            select(ReportSection, VersionMatter.matter_id)
            .join(AnnualReport, AnnualReport.id == ReportSection.report_id)
            .join(earlier_cycle, earlier_cycle.id == AnnualReport.cycle_id)
            .join(VersionMatter, VersionMatter.id == ReportSection.version_matter_id)
            .options(
                contains_eager(ReportSection.report).contains_eager(AnnualReport.cycle, alias=earlier_cycle),
                selectinload(ReportSection.indicators),
            )
            .where(
                ReportSection.kind == SectionKind.LED_MATTER,
                VersionMatter.matter_id.in_(sorted(set(matter_of.values()))),
                AnnualReport.department_id == report.department_id,
                earlier_cycle.jurisdiction_id == report.cycle.jurisdiction_id,
                earlier_cycle.year < report.cycle.year,
            )
            .order_by(earlier_cycle.year.desc(), ReportSection.id)
        ).all()
        newest: dict[int, ReportSection] = {}
        for earlier, matter_id in rows:
            newest.setdefault(matter_id, earlier)
        found = {
            s.id: newest[matter_of[s.version_matter_id]] for s in led if matter_of.get(s.version_matter_id) in newest
        }
    cache[report.id] = found
    return found


def earlier_section(section: ReportSection) -> ReportSection | None:
    """The same matter's section in the department's newest earlier report, or None (not a led
    matter, or the department did not report on it before)."""
    if section.kind != SectionKind.LED_MATTER or section.version_matter_id is None:
        return None
    return earlier_sections(section.report).get(section.id)


def section_plain(section: ReportSection) -> EarlierSection:
    """A section as plain values: the fields as escaped paragraphs (plain_paragraphs), the indicators."""
    report = section.report
    published = report.state == ReportState.PUBLISHED
    return EarlierSection(
        year=report.cycle.year,
        report_id=report.id,
        report_title=report.title,
        state=report.state,
        state_label=STATE_LABELS[report.display_state],
        published=published,
        pdf_url=url_for("reports.published_pdf", report_id=report.id) if published else None,
        fields=[(label, plain_paragraphs(getattr(section, name))) for name, label in LED_FIELDS],
        no_progress_reason=plain_paragraphs(section.no_progress_reason),
        indicators=[{**i.plain(), "met_label": MET_LABELS[i.met]} for i in section.indicators],
    )


def last_year(section: ReportSection, viewer: Any) -> EarlierSection | None:
    """What the same matter's section said in the department's previous report, for a reader of this
    one: shown when that report is published (the public has it) or the viewer may read it."""
    earlier = earlier_section(section)
    if earlier is None:
        return None
    if earlier.report.state != ReportState.PUBLISHED and not can(viewer, Permission.REPORT_READ, earlier.report):
        return None
    return section_plain(earlier)
