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
from registry.reports import complaint_section, indicator_section, task_section
from registry.reports.content import plain_paragraphs, safe_html
from registry.reports.models import AnnualReport, ReportSection, SectionKind
from registry.reports.official import official_parts, pdf_attachments
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
# A cooperating matter's section: 配合落实情况 first, it is what the lead department reads.
COOP_FIELDS = (("cooperation", "配合落实情况"), *LED_FIELDS)
# Matter sections are grouped in one chapter per kind: (anchor, chapter title).
MATTER_CHAPTERS = {
    "led_matter": ("led", "牵头负责的具体事项落实情况"),
    "coop_matter": ("coop", "配合事项落实情况"),
}
MET_LABELS = {True: "达标", False: "未达标", None: "—"}


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 105 → 一百零五, 1010 → 一千零一十 (headings count up to a few hundred)."""
    if n <= 10:
        return NUMERALS[n - 1]
    if n < 20:
        return "十" + NUMERALS[n - 11]
    if n < 100:
        tens, ones = divmod(n, 10)
        return NUMERALS[tens - 1] + "十" + (NUMERALS[ones - 1] if ones else "")
    for unit, size in (("千", 1000), ("百", 100)):
        if n >= size:
            head, rest = divmod(n, size)
            if not rest:
                return chinese_number(head) + unit
            gap = "零" if rest < size // 10 else ""
            tail = "一十" + (NUMERALS[rest - 11] if rest > 10 else "") if 10 <= rest < 20 else chinese_number(rest)
            return chinese_number(head) + unit + gap + tail
    raise ValueError(n)


def _load(report_id: int) -> AnnualReport:
    return db.session.scalar(
        select(AnnualReport)
        .where(AnnualReport.id == report_id)
        .options(
            selectinload(AnnualReport.sections).selectinload(ReportSection.indicators),
            selectinload(AnnualReport.attachments),
        )
    )


def report_context(report: AnnualReport, *, prefix: str = "", attachment_data: bool = True) -> dict[str, Any]:
    """The report as plain data: chapters (h1) holding sections (h2) with sanitized text, and the
    parts of an official document (registry/reports/official.py). `attachment_data=False` leaves
    the attachments' bytes out (a 汇编 lists them and embeds none)."""
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
    groups: dict[str, dict[str, Any]] = {}  # the chapter of led matters, the chapter of cooperating ones
    for section in report.sections:
        entry: dict[str, Any] = {
            "anchor": f"{prefix}s{section.id}",
            "title": section.title,
            "kind": section.kind,
            "body": safe_html(section.body),
        }
        if section.kind in MATTER_CHAPTERS:
            vm = matters.get(section.version_matter_id)
            names = LED_FIELDS if section.kind == "led_matter" else COOP_FIELDS
            # Structured fields are plain text: escaped paragraphs (legacy HTML values cleaned).
            fields = [(label, plain_paragraphs(getattr(section, name))) for name, label in names]
            if section.kind == "led_matter" and section.no_progress_reason.strip():
                fields.append(("本年度无进展的说明", plain_paragraphs(section.no_progress_reason)))
            entry.update(
                category=vm.category if vm else "",
                responsibility=vm.description if vm else "",
                lead=next((a.department_name for a in vm.assignments if a.role == "lead"), "") if vm else "",
                cooperating=[a.department_name for a in vm.assignments if a.role == "cooperating"] if vm else [],
                basis=[_basis_label(b) for b in (vm.basis if vm else [])],
                fields=fields,
                indicators=[
                    {
                        **i.plain(),
                        "met_label": MET_LABELS[i.met],
                        "met_class": {True: "ok", False: "bad"}.get(i.met, ""),
                    }
                    for i in section.indicators
                ],
            )
            if section.kind not in groups:
                anchor, title = MATTER_CHAPTERS[section.kind]
                groups[section.kind] = {"anchor": f"{prefix}{anchor}", "title": title, "sections": []}
                chapters.append(groups[section.kind])
            groups[section.kind]["sections"].append(entry)
        else:  # free, duties and the legacy one-table "cooperating" section: their (sanitized) body
            if section.kind == SectionKind.COMPLAINTS:  # generated figures, then the commentary
                entry["complaints"] = complaint_section.figures(report)
            elif section.kind == SectionKind.INDICATORS:  # the indicators' table and charts, then the commentary
                entry["targets"] = indicator_section.figures(report, pdf=True)
            elif section.kind == SectionKind.TASKS:  # the tasks' counts and tables, then the commentary
                entry["tasks"] = task_section.figures(report)
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
        "date": (report.accepted_at or report.submitted_at or None)
        and local_date(report.accepted_at or report.submitted_at),
        # 版头, 主送, 落款, 版记, the cover option and the attachments (with their bytes to embed).
        **official_parts(report, attachment_data=attachment_data),
    }


def _basis_label(basis: dict[str, str]) -> str:
    label = f"《{basis.get('title', '')}》{basis.get('article', '')}"
    return label + (f"（{basis['doc_number']}）" if basis.get("doc_number") else "")


def render_report(report: AnnualReport, *, draft: bool) -> bytes:
    """The report's PDF; drafts carry a 「草稿」 watermark."""
    return render_report_context(report_context(report), draft=draft)


def render_report_context(context: dict[str, Any], *, draft: bool) -> bytes:
    """Render from plain data (what batch workers receive): a GB/T 9704 document, with a cover and
    contents when the cycle asks for them, its attachments embedded as associated files."""
    return render_pdf(
        REPORT_TEMPLATE,
        {"report": context, "draft": draft, "today": local_today()},
        front=bool(context.get("with_cover")),
        attachments=pdf_attachments(context.get("attachments", [])),
    )


def volume_title(jurisdiction: str, year: int) -> str:
    """The 汇编's title: on its cover, its stored row and the pages that list it."""
    return f"{jurisdiction}{year}年度职能部门生态环境保护工作专题报告汇编"


def render_volume(jurisdiction: str, year: int, reports: list[dict[str, Any]]) -> bytes:
    """The compiled volume (汇编) of many reports, with its own cover and contents."""
    title = volume_title(jurisdiction, year)
    return render_pdf(
        VOLUME_TEMPLATE,
        {"title": title, "jurisdiction": jurisdiction, "year": year, "reports": reports, "today": local_today()},
    )
