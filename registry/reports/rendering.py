"""Turning a report into plain values for the PDF template, and rendering it.

The PDF template never sees an ORM object: everything here is a dict of strings, numbers and
Markup made from sanitized text, so a template cannot reach lazy loads or the session.
"""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.core.timezone import local_date, local_today
from registry.extensions import db
from registry.pdf import render_pdf
from registry.reports.content import safe_html
from registry.reports.models import AnnualReport, ReportSection
from registry.versions.models import VersionMatter

REPORT_TEMPLATE = "pdf/report.html"
VOLUME_TEMPLATE = "pdf/volume.html"
NUMERALS = "一二三四五六七八九十"
LED_FIELDS = (
    ("progress", "工作进展"),
    ("measures", "主要措施与成效"),
    ("problems", "存在问题"),
    ("plans", "下一步计划"),
)
MET_LABELS = {True: "达标", False: "未达标", None: "—"}


def chinese_number(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return NUMERALS[tens - 1] + "十" + (NUMERALS[ones - 1] if ones else "")


def _load(report_id: int) -> AnnualReport:
    return db.session.scalar(
        select(AnnualReport)
        .where(AnnualReport.id == report_id)
        .options(
            selectinload(AnnualReport.sections).selectinload(ReportSection.indicators),
            selectinload(AnnualReport.attachments),
        )
    )


def report_context(report: AnnualReport, *, prefix: str = "") -> dict[str, Any]:
    """The report as plain data: chapters (h1) holding sections (h2) with sanitized text."""
    report = _load(report.id)
    matter_ids = [s.version_matter_id for s in report.sections if s.version_matter_id]
    matters = {
        vm.id: vm
        for vm in db.session.scalars(
            select(VersionMatter)
            .where(VersionMatter.id.in_(matter_ids))
            .options(selectinload(VersionMatter.assignments))
        )
    }
    chapters: list[dict[str, Any]] = []
    led_chapter: dict[str, Any] | None = None
    for section in report.sections:
        entry: dict[str, Any] = {
            "anchor": f"{prefix}s{section.id}",
            "title": section.title,
            "kind": section.kind,
            "body": safe_html(section.body),
        }
        if section.kind == "led_matter":
            vm = matters.get(section.version_matter_id)
            entry.update(
                category=vm.category if vm else "",
                responsibility=vm.description if vm else "",
                cooperating=[a.department_name for a in vm.assignments if a.role == "cooperating"] if vm else [],
                basis=[_basis_label(b) for b in (vm.basis if vm else [])],
                fields=[(label, safe_html(getattr(section, name))) for name, label in LED_FIELDS],
                indicators=[
                    {
                        **i.plain(),
                        "met_label": MET_LABELS[i.met],
                        "met_class": {True: "ok", False: "bad"}.get(i.met, ""),
                    }
                    for i in section.indicators
                ],
            )
            if led_chapter is None:
                led_chapter = {"anchor": f"{prefix}led", "title": "牵头负责的具体事项落实情况", "sections": []}
                chapters.append(led_chapter)
            led_chapter["sections"].append(entry)
        else:
            chapters.append({**entry, "sections": []})
    for number, chapter in enumerate(chapters, start=1):
        chapter["heading"] = f"{chinese_number(number)}、{chapter['title']}"
        for sub, section in enumerate(chapter["sections"], start=1):
            section["heading"] = f"（{chinese_number(sub)}）{section['title']}"
    department = report.department
    return {
        "id": report.id,
        "anchor": f"{prefix}report",
        "title": report.title,
        "year": report.cycle.year,
        "department": department.name,
        "jurisdiction": report.cycle.jurisdiction.name,
        "state": report.state,
        "chapters": chapters,
        "attachments": [{"filename": a.filename, "size": a.size, "sha256": a.sha256} for a in report.attachments],
        "date": (report.accepted_at or report.submitted_at or None)
        and local_date(report.accepted_at or report.submitted_at),
    }


def _basis_label(basis: dict[str, str]) -> str:
    label = f"《{basis.get('title', '')}》{basis.get('article', '')}"
    return label + (f"（{basis['doc_number']}）" if basis.get("doc_number") else "")


def render_report(report: AnnualReport, *, draft: bool) -> bytes:
    """The report's PDF; drafts carry a 「草稿」 watermark."""
    return render_report_context(report_context(report), draft=draft)


def render_report_context(context: dict[str, Any], *, draft: bool) -> bytes:
    """Render from plain data (what batch workers receive)."""
    return render_pdf(REPORT_TEMPLATE, {"report": context, "draft": draft, "today": local_today()})


def render_volume(jurisdiction: str, year: int, reports: list[dict[str, Any]]) -> bytes:
    """The compiled volume (汇编) of many reports, with its own cover and contents."""
    title = f"{jurisdiction}{year}年度职能部门生态环境保护工作专题报告汇编"
    return render_pdf(
        VOLUME_TEMPLATE,
        {"title": title, "jurisdiction": jurisdiction, "year": year, "reports": reports, "today": local_today()},
    )
