"""Sections generated from other data (公众举报办理情况, 目标指标完成情况, 整改任务落实情况): added to drafts
made before they existed, the first time such a report is opened (complaint_section.py,
indicator_section.py, task_section.py)."""

from registry.core import audit
from registry.core.db import lock_row
from registry.extensions import db
from registry.reports.models import AnnualReport, ReportSection, ReportState

ADDED_TO = (ReportState.DRAFT, ReportState.RETURNED)  # never a report submitted or published


def add_section(report: AnnualReport, kind: str, title: str, *, after: tuple[str, ...], actor: str) -> bool:
    """Insert an empty section of `kind` after the last section of a kind in `after`, unless the
    report has one or is no longer a draft; whether it was added. Takes the report's row lock, so of
    two first openings at once the second sees the first's section."""
    lock_row(db.session, report)
    db.session.expire(report, ["sections"])
    if report.state not in ADDED_TO or any(s.kind == kind for s in report.sections):
        return False
    sections = list(report.sections)
    index = max((i + 1 for i, s in enumerate(sections) if s.kind in after), default=len(sections))
    section = ReportSection(kind=kind, title=title, body="")
    sections.insert(index, section)
    for position, s in enumerate(sections):
        if s.position != position:
            s.position = position
    report.sections = sections
    db.session.flush()
    audit.record(
        actor,
        "create",
        section,
        jurisdiction_id=report.cycle.jurisdiction_id,
        after={"title": title, "kind": kind},
        summary=f"为报告「{report.title}」补充生成「{title}」部分",
    )
    return True
