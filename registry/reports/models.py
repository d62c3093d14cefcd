"""Reporting cycles and departments' annual special reports (年度专题报告, §10–§11)."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import gettext
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from registry.core.db import committed_value, one_of, refuse_changes, utcnow
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department
from registry.versions.models import ListVersion


class SectionKind(StrEnum):
    LED_MATTER = "led_matter"
    COOPERATING_MATTER = "coop_matter"  # one matter the department cooperates on (§7)
    COOPERATING = "cooperating"  # before 2026-12: one table of every cooperating matter (older reports)
    DUTIES = "duties"
    FREE = "free"
    # 公众举报办理情况: figures generated from the complaints about the matters the department leads
    # (registry/complaints/stats.py), with the department's commentary in body.
    COMPLAINTS = "complaints"
    # 目标指标完成情况: the table and charts of the indicators the department leads, generated from
    # their recorded values (registry/targets), with the department's commentary in body.
    INDICATORS = "indicators"
    # 整改任务落实情况: the tasks of the ledgers the department leads (registry/supervision) for the year —
    # closed, in progress, overdue — generated, with the department's commentary in body.
    TASKS = "tasks"


class RecipientRole(StrEnum):
    TO = "to"  # 报送
    CC = "cc"  # 抄送


class ReportState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    PUBLISHED = "published"


STATE_LABELS = {
    "not_started": "未开始",
    "draft": "起草中",
    "submitted": "已报送",
    "returned": "已退回修改",
    "accepted": "已审核通过",
    "published": "已公开",
}


class ReportingCycle(db.Model):
    __tablename__ = "reporting_cycles"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    year: Mapped[int]
    deadline: Mapped[date] = mapped_column(Date)
    # The list version in force for the reporting year: the drafts are generated from it.
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The reports' PDFs open with a cover, contents and bookmarks (as 汇编 volumes always do);
    # otherwise they are plain GB/T 9704 documents.
    with_cover: Mapped[bool] = mapped_column(default=False, server_default=false())

    jurisdiction: Mapped[Jurisdiction] = relationship()
    version: Mapped[ListVersion] = relationship()
    reports: Mapped[list["AnnualReport"]] = relationship(back_populates="cycle")

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.jurisdiction


class AnnualReport(db.Model):
    __tablename__ = "annual_reports"
    __table_args__ = (
        UniqueConstraint("cycle_id", "department_id"),
        CheckConstraint(one_of("state", ReportState), name="state_known"),
        CheckConstraint("(state = 'published') = (pdf_sha256 IS NOT NULL)", name="published_has_pdf"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("reporting_cycles.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16), default=ReportState.DRAFT, index=True)
    started_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    pdf_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None]
    # 发文字号, the department's own, entered when the head submits (GB/T 9704 版头).
    doc_number: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # 提请审核: the editor hands the draft to the head; cleared when the head sends it back or submits.
    review_requested_at: Mapped[datetime | None]
    review_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lock_version: Mapped[int] = mapped_column(default=1)

    cycle: Mapped[ReportingCycle] = relationship(back_populates="reports")
    department: Mapped[Department] = relationship()
    sections: Mapped[list["ReportSection"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportSection.position"
    )
    attachments: Mapped[list["ReportAttachment"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportAttachment.id"
    )
    events: Mapped[list["ReportEvent"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportEvent.at"
    )
    recipients: Mapped[list["ReportRecipient"]] = relationship(back_populates="report", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.cycle.jurisdiction

    @property
    def scope_department(self) -> Department:
        return self.department

    @property
    def display_state(self) -> str:
        return "not_started" if self.state == ReportState.DRAFT and self.started_at is None else self.state

    @property
    def display_state_label(self) -> str:
        return STATE_LABELS[self.display_state]

    @property
    def recipients_scope(self) -> tuple[set[int], set[int]]:
        """(department ids, jurisdiction ids) it was sent or copied to (§11); core.permissions lets
        them read it."""
        return (
            {r.department_id for r in self.recipients if r.department_id is not None},
            {r.jurisdiction_id for r in self.recipients if r.jurisdiction_id is not None},
        )


class ReportSection(db.Model):
    __tablename__ = "report_sections"
    __table_args__ = (CheckConstraint(one_of("kind", SectionKind), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("annual_reports.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    version_matter_id: Mapped[int | None] = mapped_column(ForeignKey("version_matters.id"))
    # Led and cooperating matters use the structured fields, plain text as typed (services.PLAIN_FIELDS;
    # shown through content.plain_paragraphs); every other kind uses body, sanitized HTML (a safe subset).
    progress: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[str] = mapped_column(Text, default="")
    plans: Mapped[str] = mapped_column(Text, default="")
    # 配合落实情况 of a cooperating-matter section: what the lead department sees of this department (§7).
    cooperation: Mapped[str] = mapped_column(Text, default="", server_default="")
    # 本年度无进展的说明: a led matter left empty must say why before the report can be submitted.
    no_progress_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None]
    lock_version: Mapped[int] = mapped_column(default=1)

    report: Mapped[AnnualReport] = relationship(back_populates="sections")
    indicators: Mapped[list["Indicator"]] = relationship(
        back_populates="section", cascade="all, delete-orphan", order_by="Indicator.position"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def shown_title(self) -> str:
        """The title on screen: the fixed sections' titles (总体情况 …) are interface text, shown in the
        reader's language; a led or cooperating matter's section bears the matter's title, which stays
        as listed. The stored title, in Chinese, is the PDF's."""
        if self.kind in (SectionKind.LED_MATTER, SectionKind.COOPERATING_MATTER):
            return self.title
        return gettext(self.title)

    def audit_data(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "progress": self.progress,
            "measures": self.measures,
            "problems": self.problems,
            "plans": self.plans,
            "cooperation": self.cooperation,
            "no_progress_reason": self.no_progress_reason,
            "body": self.body,
            "indicators": [i.plain() for i in self.indicators],
        }


class Indicator(db.Model):
    """A quantitative indicator row of a led-matter section (e.g. PM2.5 年均浓度, μg/m³, 28)."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("report_sections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(50), default="")
    target: Mapped[str] = mapped_column(String(50), default="")
    actual: Mapped[str] = mapped_column(String(50), default="")
    met: Mapped[bool | None]

    section: Mapped[ReportSection] = relationship(back_populates="indicators")

    def plain(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "target": self.target,
            "actual": self.actual,
            "met": self.met,
        }


class ReportAttachment(db.Model):
    __tablename__ = "report_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("annual_reports.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[AnnualReport] = relationship(back_populates="attachments")


class ReportEvent(db.Model):
    """One step of a report's workflow, shown as its timeline."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("annual_reports.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")

    report: Mapped[AnnualReport] = relationship(back_populates="events")


class ReportRecipient(db.Model):
    """Where a submitted report goes: to the office (the same-level government), cc the upper-level
    competent department and the same-level ecology-environment department."""

    __tablename__ = "report_recipients"
    __table_args__ = (
        CheckConstraint(one_of("recipient_role", RecipientRole), name="recipient_role_known"),
        CheckConstraint("(jurisdiction_id IS NULL) <> (department_id IS NULL)", name="office_or_department"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("annual_reports.id", ondelete="CASCADE"), index=True)
    recipient_role: Mapped[str] = mapped_column(String(4))
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[AnnualReport] = relationship(back_populates="recipients")
    jurisdiction: Mapped[Jurisdiction | None] = relationship()
    department: Mapped[Department | None] = relationship()


class SectionComment(db.Model):
    """The office's comment on one section when it returns a report: shown next to that section."""

    __tablename__ = "section_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("annual_reports.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("report_sections.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("report_events.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[AnnualReport] = relationship()
    section: Mapped[ReportSection] = relationship()
    event: Mapped[ReportEvent | None] = relationship()


class CooperationReminder(db.Model):
    """§7 提醒: a lead department reminds a cooperating department to give its input on a matter."""

    __tablename__ = "cooperation_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("reporting_cycles.id"), index=True)
    version_matter_id: Mapped[int] = mapped_column(ForeignKey("version_matters.id"))
    from_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    to_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    cycle: Mapped[ReportingCycle] = relationship()
    from_department: Mapped[Department] = relationship(foreign_keys=[from_department_id])
    to_department: Mapped[Department] = relationship(foreign_keys=[to_department_id])


class ReportVolume(db.Model):
    """A cycle's 汇编: its accepted and published reports in one PDF, compiled by a job. Published
    (shown on the jurisdiction's public page) only when every report in it is published."""

    __tablename__ = "report_volumes"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("reporting_cycles.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    report_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    pdf_data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_size: Mapped[int]
    compiled_at: Mapped[datetime] = mapped_column(default=utcnow)
    compiled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    cycle: Mapped[ReportingCycle] = relationship()


# A published report (and its sections) is what the public downloaded: never edited afterwards.
refuse_changes(AnnualReport, published=lambda r: committed_value(r, "state") == ReportState.PUBLISHED)
refuse_changes(ReportSection, published=lambda s: committed_value(s.report, "state") == ReportState.PUBLISHED)
refuse_changes(ReportVolume, published=lambda v: committed_value(v, "published_at") is not None)
