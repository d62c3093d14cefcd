"""Reporting cycles, drafting and the report workflow. Services flush, never commit, and write the
audit entry; they take the actor explicitly and check the actor's role and scope themselves."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.core import audit, signals
from registry.core.audit import Actor
from registry.core.db import lock_row, utcnow
from registry.core.errors import DomainError, refuse
from registry.core.permissions import Permission, can
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department
from registry.pdf import PdfError
from registry.reports import complaint_section, indicator_section, task_section
from registry.reports.content import MAX_ATTACHMENT_BYTES, detect_type, normalize_plain, sanitize_html
from registry.reports.models import (
    STATE_LABELS,
    AnnualReport,
    Indicator,
    ReportAttachment,
    ReportEvent,
    ReportingCycle,
    ReportRecipient,
    ReportSection,
    ReportState,
    SectionKind,
)
from registry.versions.models import ListVersion, VersionDepartment, VersionDuty, VersionMatter
from registry.versions.queries import version_in_force

ECOLOGY_SECTOR = "生态环境"
FREE_SECTIONS_BEFORE = ("总体情况",)
FREE_SECTIONS_AFTER = ("存在的主要问题", "下一年度工作计划")
EDITABLE_STATES = (ReportState.DRAFT, ReportState.RETURNED)
EVENT_LABELS = {
    "open": "生成草稿",
    "submit": "报送",
    "return": "退回修改",
    "accept": "审核通过",
    "publish": "公开",
    "request_review": "提请审核",  # the editor hands the draft to the head (registry/reports/submission.py)
    "send_back": "退回填报人",  # the head hands it back to the editors with a note
}


# The structured fields of a matter's section, edited as plain text (stored as typed); every other
# kind of section has one rich-text body. 配合落实情况 comes first: it is what the lead department reads.
PLAIN_FIELDS: dict[str, tuple[str, ...]] = {
    SectionKind.LED_MATTER: ("progress", "measures", "problems", "plans", "no_progress_reason"),
    SectionKind.COOPERATING_MATTER: ("cooperation", "progress", "measures", "problems", "plans"),
}


STALE_MESSAGE = _l("该部分已被他人修改并保存，您的修改未保存。您填写的内容仍保留在下方，请对照最新内容后重新提交。")


class StaleSection(DomainError):
    """Someone else saved the section since this edit began."""


class NotAllowed(DomainError):
    """The actor's role or scope does not allow this step."""


def report_title(department: Department, year: int) -> str:
    return f"{department.name}{year}年度生态环境保护工作专题报告"


# -- cycles --------------------------------------------------------------------------------------


def open_cycle(
    jurisdiction: Jurisdiction, *, year: int, deadline: date, actor: Actor, with_cover: bool = False
) -> ReportingCycle:
    """Open a reporting cycle and give every active department of the version in force a draft.
    `with_cover`: the reports' PDFs open with a cover and contents (otherwise plain GB/T 9704 documents)."""
    if not can(actor, Permission.CYCLE_MANAGE, jurisdiction):
        raise NotAllowed(_l("只有本级办公室可以开启本级的报告周期。"))
    if year < 2000 or year > 2100:
        raise DomainError(_l("请填写正确的报告年度。"), "year")
    if db.session.scalar(
        select(ReportingCycle.id).where(ReportingCycle.jurisdiction_id == jurisdiction.id, ReportingCycle.year == year)
    ):
        raise DomainError(
            _l(
                "%(jurisdiction)s%(year)s年度的报告周期已经开启，不能重复开启。",
                jurisdiction=jurisdiction.name,
                year=year,
            ),
            "year",
        )
    if deadline < date(year, 1, 1):
        raise DomainError(_l("截止日期应在报告年度开始之后。"), "deadline")
    version = version_in_force(jurisdiction, date(year, 12, 31))
    if version is None:
        raise DomainError(
            _l(
                "%(jurisdiction)s尚无在%(year)s年度有效的已发布责任清单版本，请先发布清单再开启报告周期。",
                jurisdiction=jurisdiction.name,
                year=year,
            ),
            "year",
        )
    cycle = ReportingCycle(
        jurisdiction_id=jurisdiction.id,
        year=year,
        deadline=deadline,
        version_id=version.id,
        opened_by_id=actor.id,
        with_cover=bool(with_cover),
    )
    db.session.add(cycle)
    db.session.flush()
    count = _generate_drafts(cycle, version, actor)
    audit.record(
        actor,
        "create",
        cycle,
        jurisdiction_id=jurisdiction.id,
        after={
            "year": year,
            "deadline": deadline.isoformat(),
            "version": version.label,
            "reports": count,
            "with_cover": bool(with_cover),
        },
        summary=f"开启{year}年度报告周期（依据清单版本「{version.label}」，生成{count}份草稿）",
    )
    return cycle


def _generate_drafts(cycle: ReportingCycle, version: ListVersion, actor: Actor) -> int:
    department_ids = set(
        db.session.scalars(select(VersionDepartment.department_id).where(VersionDepartment.version_id == version.id))
    )
    departments = db.session.scalars(
        select(Department)
        .where(Department.id.in_(department_ids), Department.active.is_(True))
        .order_by(Department.sort_order, Department.id)
    ).all()
    leading = indicator_section.leading_departments(cycle.jurisdiction_id)
    with_tasks = task_section.involved_departments(cycle.jurisdiction_id, cycle.year)
    matters = db.session.scalars(
        select(VersionMatter)
        .where(VersionMatter.version_id == version.id)
        .options(selectinload(VersionMatter.assignments))
        .order_by(VersionMatter.seq, VersionMatter.id)
    ).all()
    duties: dict[int, list[VersionDuty]] = {}
    for duty in db.session.scalars(
        select(VersionDuty).where(VersionDuty.version_id == version.id).order_by(VersionDuty.seq, VersionDuty.id)
    ):
        duties.setdefault(duty.department_id, []).append(duty)
    for department in departments:
        led = [m for m in matters if m.lead_department_id == department.id]
        cooperating = [
            m
            for m in matters
            if any(a.department_id == department.id and a.role == "cooperating" for a in m.assignments)
        ]
        report = AnnualReport(cycle=cycle, department=department, title=report_title(department, cycle.year))
        report.sections = _draft_sections(
            led,
            cooperating,
            duties.get(department.id, []),
            indicators=department.id in leading,
            tasks=department.id in with_tasks,
        )
        db.session.add(report)
        db.session.flush()
        report.events.append(
            ReportEvent(actor_id=actor.id, actor_name=actor.display_name, action="open", to_state=ReportState.DRAFT)
        )
    db.session.flush()
    return len(departments)


def _draft_sections(
    led: Sequence[VersionMatter],
    cooperating: Sequence[VersionMatter],
    duties: Sequence[VersionDuty],
    *,
    indicators: bool = False,
    tasks: bool = False,
) -> list[ReportSection]:
    """Free sections, the duties, one section per led matter, one per cooperating matter (§7: each
    gets its own 配合落实情况 and fields, which the lead department reads), the complaint figures of the
    led matters (registry/reports/complaint_section.py), the indicators it leads when it leads any
    (registry/reports/indicator_section.py), the rectification tasks it leads or cooperates on when it has
    any (registry/reports/task_section.py), then the closing free sections."""
    sections = [ReportSection(kind="free", title=title, body="") for title in FREE_SECTIONS_BEFORE]
    duty_items = "".join(f"<li>{escape(d.text)}</li>" for d in duties)
    sections.append(
        ReportSection(
            kind="duties",
            title="生态环境保护职责履行情况",
            body=f"<p>本部门承担的生态环境保护职责：</p><ol>{duty_items}</ol>" if duties else "",
        )
    )
    for matter in led:
        sections.append(ReportSection(kind="led_matter", title=matter.title, version_matter_id=matter.id))
    for matter in cooperating:
        sections.append(ReportSection(kind="coop_matter", title=matter.title, version_matter_id=matter.id))
    if led:  # 公众举报办理情况: figures on the complaints about the matters it leads, and its commentary
        sections.append(complaint_section.new_section())
    if indicators:  # 目标指标完成情况: the table and charts of the indicators it leads, and its commentary
        sections.append(indicator_section.new_section())
    if tasks:  # 整改任务落实情况: its tasks of the ledgers in the year, and its commentary
        sections.append(task_section.new_section())
    sections.extend(ReportSection(kind="free", title=title, body="") for title in FREE_SECTIONS_AFTER)
    for position, section in enumerate(sections):
        section.position = position
    return sections


# -- drafting ------------------------------------------------------------------------------------


@dataclass
class IndicatorRow:
    name: str
    unit: str = ""
    target: str = ""
    actual: str = ""
    met: bool | None = None


def _require_editable(report: AnnualReport, actor: Actor) -> None:
    if not can(actor, Permission.REPORT_EDIT, report):
        raise NotAllowed(_l("只有本部门的填报人和负责人可以修改本部门的报告。"))
    if _locked_state(report) not in EDITABLE_STATES:  # waits for a submission under way, then sees it
        raise DomainError(_l("报告当前状态为「%(state)s」，不能修改。", state=_state_label(report)))


def _answered(section: ReportSection) -> bool:
    """Whether a cooperating department's section holds its input (配合落实情况) on the matter."""
    from registry.reports.cooperation import answer_paragraphs

    return section.kind == SectionKind.COOPERATING_MATTER and bool(answer_paragraphs(section.cooperation))


def save_section(
    section: ReportSection,
    *,
    actor: Actor,
    expected_version: int | None,
    fields: dict[str, str],
    indicators: Sequence[IndicatorRow] | None = None,
) -> ReportSection:
    """Save a section's text (sanitized) and indicator rows; refuse saves based on a stale copy."""
    report = section.report
    _require_editable(report, actor)
    if expected_version is not None and section.lock_version != expected_version:
        raise StaleSection(STALE_MESSAGE)
    before = section.audit_data()
    answered_before = _answered(section)
    plain = PLAIN_FIELDS.get(section.kind)
    for name, value in fields.items():
        if plain is not None and name in plain:
            setattr(section, name, normalize_plain(value))
        elif plain is None and name == "body":
            setattr(section, name, sanitize_html(value))
    if indicators is not None and section.kind == "led_matter":
        rows = [r for r in indicators if r.name.strip()]
        for r in indicators:
            if not r.name.strip() and (r.unit.strip() or r.target.strip() or r.actual.strip()):
                raise DomainError(_l("指标行填写了数值但缺少指标名称。"), "indicators")
        section.indicators.clear()
        db.session.flush()
        for position, r in enumerate(rows):
            section.indicators.append(
                Indicator(
                    position=position,
                    name=r.name.strip()[:200],
                    unit=r.unit.strip()[:50],
                    target=r.target.strip()[:50],
                    actual=r.actual.strip()[:50],
                    met=r.met,
                )
            )
    now = utcnow()
    section.updated_by_id = actor.id
    section.updated_at = now  # always changes the row, so lock_version moves even for indicator-only edits
    if report.started_at is None:
        report.started_at = now
    db.session.flush()
    audit.record(
        actor,
        "update",
        section,
        jurisdiction_id=report.cycle.jurisdiction_id,
        before=before,
        after=section.audit_data(),
        summary=f"修改报告「{report.title}」的「{section.title}」",
    )
    if not answered_before and _answered(section):
        # §7: a cooperating department's input on a matter, where there was none: the lead is told.
        from registry.reports.cooperation import lead_report_for

        if (lead := lead_report_for(section)) is not None:
            signals.cooperation_answered.send(section, report=lead, actor=actor)
    return section


def add_attachment(report: AnnualReport, *, actor: Actor, title: str, filename: str, data: bytes) -> ReportAttachment:
    """Attach a PDF, PNG/JPEG image or XLSX workbook, checked by its content and size, under a title
    (what the public sees it listed as once the report is published)."""
    _require_editable(report, actor)
    problems = []  # the title's and the file's, told together
    title = " ".join((title or "").split())
    if not title:
        problems.append(("title", _l("请填写附件标题，说明附件是什么。")))
    elif len(title) > 200:
        problems.append(("title", _l("附件标题不能超过200字。")))
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    checked = detect_type(data) if data and len(data) <= MAX_ATTACHMENT_BYTES else None
    if not data:
        problems.append(("file", _l("请选择要上传的文件。")))
    elif len(data) > MAX_ATTACHMENT_BYTES:
        problems.append(("file", _l("附件不能超过 %(mb)s MB。", mb=MAX_ATTACHMENT_BYTES // (1024 * 1024))))
    elif checked is None:
        problems.append(("file", _l("只能上传 PDF、PNG、JPEG 图片或 XLSX 表格（按文件内容识别，与扩展名无关）。")))
    refuse(problems)
    attachment = ReportAttachment(
        title=title,
        filename=checked.stored_name(filename),
        content_type=checked.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        uploaded_by_id=actor.id,
    )
    report.attachments.append(attachment)
    db.session.flush()
    audit.record(
        actor,
        "create",
        attachment,
        jurisdiction_id=report.cycle.jurisdiction_id,
        after={
            "title": attachment.title,
            "filename": attachment.filename,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
        summary=f"为报告「{report.title}」上传附件「{attachment.title}」",
    )
    return attachment


def remove_attachment(attachment: ReportAttachment, *, actor: Actor) -> None:
    """Delete an attachment of an editable report."""
    report = attachment.report
    _require_editable(report, actor)
    audit.record(
        actor,
        "delete",
        attachment,
        jurisdiction_id=report.cycle.jurisdiction_id,
        before={
            "title": attachment.title,
            "filename": attachment.filename,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
        summary=f"删除报告「{report.title}」的附件「{attachment.title or attachment.filename}」",
    )
    report.attachments.remove(attachment)
    db.session.flush()


# -- workflow ------------------------------------------------------------------------------------


def _transition(
    report: AnnualReport, actor: Actor, action: str, to_state: str, comment: str = "", extra: dict | None = None
) -> ReportEvent:
    from_state = report.state
    report.state = to_state
    event = ReportEvent(
        actor_id=actor.id,
        actor_name=actor.display_name,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
    )
    report.events.append(event)
    db.session.flush()
    audit.record(
        actor,
        "transition",
        report,
        jurisdiction_id=report.cycle.jurisdiction_id,
        before={"state": from_state},
        after={"state": to_state, **({"comment": comment} if comment else {}), **(extra or {})},
        summary=f"报告「{report.title}」{EVENT_LABELS[action]}",
    )
    return event


def _state_label(report: AnnualReport) -> LazyString:
    return _l(STATE_LABELS[report.state])


def _locked_state(report: AnnualReport) -> str:
    lock_row(db.session, report)  # of two simultaneous transitions, the second sees the first's state
    return report.state


def recipients_for(report: AnnualReport) -> list[tuple[str, Jurisdiction | None, Department | None]]:
    """§11: to the same-level government (its office); cc the upper-level competent department
    (same sector, parent jurisdiction) and the same-level ecology-environment department."""
    department, jurisdiction = report.department, report.cycle.jurisdiction
    result: list[tuple[str, Jurisdiction | None, Department | None]] = [("to", jurisdiction, None)]
    if jurisdiction.parent_id is not None:
        upper = db.session.scalar(
            select(Department)
            .where(
                Department.jurisdiction_id == jurisdiction.parent_id,
                Department.sector == department.sector,
                Department.active.is_(True),
            )
            .order_by(Department.sort_order, Department.id)
            .limit(1)
        )
        if upper is not None:
            result.append(("cc", None, upper))
    ecology = db.session.scalar(
        select(Department)
        .where(
            Department.jurisdiction_id == jurisdiction.id,
            Department.sector == ECOLOGY_SECTOR,
            Department.active.is_(True),
        )
        .order_by(Department.sort_order, Department.id)
        .limit(1)
    )
    if ecology is not None and ecology.id != department.id:
        result.append(("cc", None, ecology))
    return result


def submit_report(report: AnnualReport, *, actor: Actor, doc_number: str | None = None) -> None:
    """Submit (or resubmit after return) to the office, copying the §11 recipients. Refused while a
    led matter is empty without a stated reason (registry/reports/completeness.py); `doc_number`, the
    发文字号, is checked and stored (None: scripted callers keep the stored one)."""
    from registry.reports.submission import normalize_doc_number, submission_problems

    if not can(actor, Permission.REPORT_SUBMIT, report):
        raise NotAllowed(_l("只有本部门负责人可以报送本部门的报告。"))
    if _locked_state(report) not in EDITABLE_STATES:
        raise DomainError(_l("报告当前状态为「%(state)s」，不能报送。", state=_state_label(report)))
    refuse(submission_problems(report, doc_number))
    extra = {}
    if doc_number is not None:
        report.doc_number = normalize_doc_number(doc_number)
        extra["doc_number"] = report.doc_number
    report.review_requested_at = None  # whatever was handed to the head is now submitted
    report.review_requested_by_id = None
    now = utcnow()
    report.submitted_at = now
    if report.started_at is None:
        report.started_at = now
    existing = {(r.recipient_role, r.jurisdiction_id, r.department_id) for r in report.recipients}
    for role, jurisdiction, department in recipients_for(report):
        key = (role, jurisdiction.id if jurisdiction else None, department.id if department else None)
        if key not in existing:
            report.recipients.append(
                ReportRecipient(recipient_role=role, jurisdiction=jurisdiction, department=department)
            )
    _transition(report, actor, "submit", ReportState.SUBMITTED, extra=extra)
    signals.report_handed_over.send(report, action="submit", actor=actor, note="")


def return_report(
    report: AnnualReport, *, actor: Actor, comment: str, section_comments: Sequence[tuple[int | None, str]] = ()
) -> None:
    """The office returns a submitted report for revision, saying why, and optionally what to fix in
    single sections ((section id, text) rows, shown next to those sections)."""
    from registry.reports.submission import add_section_comments, checked_section_comments

    if not can(actor, Permission.REPORT_REVIEW, report):
        raise NotAllowed(_l("只有报告报送的本级办公室可以审核该报告。"))
    if _locked_state(report) != ReportState.SUBMITTED:
        raise DomainError(_l("报告当前状态为「%(state)s」，不能退回。", state=_state_label(report)))
    comment = (comment or "").strip()
    pairs, problems = checked_section_comments(report, section_comments)
    if not comment:
        problems.insert(0, ("comment", _l("请填写退回意见，说明需要修改的内容。")))
    refuse(problems)
    extra = {"section_comments": [f"{s.title}：{text}" for s, text in pairs]} if pairs else None
    event = _transition(report, actor, "return", ReportState.RETURNED, comment, extra=extra)
    if pairs:
        add_section_comments(report, event, actor, pairs)
    signals.report_handed_over.send(report, action="return", actor=actor, note=comment)


def accept_report(report: AnnualReport, *, actor: Actor, comment: str = "") -> None:
    """The office accepts a submitted report."""
    if not can(actor, Permission.REPORT_REVIEW, report):
        raise NotAllowed(_l("只有报告报送的本级办公室可以审核该报告。"))
    if _locked_state(report) != ReportState.SUBMITTED:
        raise DomainError(_l("报告当前状态为「%(state)s」，不能审核通过。", state=_state_label(report)))
    report.accepted_at = utcnow()
    _transition(report, actor, "accept", ReportState.ACCEPTED, (comment or "").strip())
    signals.report_handed_over.send(report, action="accept", actor=actor, note=(comment or "").strip())


def publish_report(report: AnnualReport, *, actor: Actor) -> None:
    """Render the accepted report once, store the PDF and its SHA-256, and make it public."""
    from registry.reports.rendering import render_report

    if not can(actor, Permission.REPORT_PUBLISH, report):
        raise NotAllowed(_l("只有本部门负责人可以公开本部门的报告。"))
    if _locked_state(report) != ReportState.ACCEPTED:
        raise DomainError(_l("报告当前状态为「%(state)s」，不能公开。", state=_state_label(report)))
    try:
        pdf = render_report(report, draft=False)
    except PdfError as e:
        raise DomainError(str(e)) from e
    report.pdf_data = pdf
    report.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    report.pdf_size = len(pdf)
    report.published_at = utcnow()
    _transition(report, actor, "publish", ReportState.PUBLISHED)
    signals.report_handed_over.send(report, action="publish", actor=actor, note="")
