"""What the lead departments reported on a matter (§10–§11): the led-matter sections of published
annual reports, never a draft's. A section names the version matter of its cycle's version; the matter
is found across years by its stable id (`VersionMatter.matter_id`)."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.lists.models import Department
from registry.public.cache import remembered
from registry.reports.content import plain_paragraphs
from registry.reports.models import AnnualReport, ReportingCycle, ReportSection, ReportState, SectionKind
from registry.reports.rendering import LED_FIELDS
from registry.versions.models import VersionMatter


@remembered
def _reported_matters() -> frozenset[int]:
    """Every matter a published report has a led-matter section on (a few thousand at most, where the
    matters number a hundred thousand): one query per publication, so that the page of a matter no
    report is about, nearly all of them, asks nothing more about reports."""
    return frozenset(
        db.session.scalars(
            select(VersionMatter.matter_id)
            .join(ReportSection, ReportSection.version_matter_id == VersionMatter.id)
            .join(AnnualReport, AnnualReport.id == ReportSection.report_id)
            .where(ReportSection.kind == SectionKind.LED_MATTER, AnnualReport.state == ReportState.PUBLISHED)
            .distinct()
        )
    )


def matter_report_sections(matter_id: int) -> tuple[dict[str, Any], ...]:
    """The published led-matter sections about a matter, newest year first, as plain values: year,
    report (id, title, publication time, SHA-256), department (id, name), the section's title then,
    the four fields as escaped paragraphs and the indicators. Kept until the publication token
    changes, which a report's publication does (registry.public.queries.versions watches reports)."""
    return _matter_report_sections(matter_id) if matter_id in _reported_matters() else ()


@remembered
def _matter_report_sections(matter_id: int) -> tuple[dict[str, Any], ...]:
    rows = db.session.execute(
        select(ReportSection, AnnualReport, ReportingCycle.year, Department.name)
        .join(AnnualReport, AnnualReport.id == ReportSection.report_id)
        .join(ReportingCycle, ReportingCycle.id == AnnualReport.cycle_id)
        .join(Department, Department.id == AnnualReport.department_id)
        .join(VersionMatter, VersionMatter.id == ReportSection.version_matter_id)
        .options(selectinload(ReportSection.indicators))
        .where(
            VersionMatter.matter_id == matter_id,
            ReportSection.kind == SectionKind.LED_MATTER,
            AnnualReport.state == ReportState.PUBLISHED,
        )
        .order_by(ReportingCycle.year.desc(), AnnualReport.id.desc())
    ).all()
    return tuple(
        {
            "year": year,
            "report": {
                "id": report.id,
                "title": report.title,
                "published_at": report.published_at,
                "pdf_sha256": report.pdf_sha256,
                "pdf_size": report.pdf_size,
            },
            "department": {"id": report.department_id, "name": department_name},
            "title": section.title,
            "fields": [(label, plain_paragraphs(getattr(section, name))) for name, label in LED_FIELDS],
            "no_progress_reason": plain_paragraphs(section.no_progress_reason),
            "indicators": [i.plain() for i in section.indicators],
        }
        for section, report, year, department_name in rows
    )


def matter_report_parts(matter_id: int) -> tuple:
    """What identifies the reports shown on a matter's page, for its ETag: a report published since
    gives the page a new one."""
    return tuple(
        (s["report"]["id"], s["report"]["pdf_sha256"], str(s["report"]["published_at"]))
        for s in matter_report_sections(matter_id)
    )
