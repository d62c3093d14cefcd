"""Tasks followed to the end (§7–§9, §12–§14; 督察整改, seed 003): rectification ledgers (整改台账) and
their tasks, decomposition to units (§8), monthly progress, 督办 and 销号 with a public notice.

An office keeps ledgers; each task has one lead department (and cooperating ones), a deadline (a date
or a phase), measures and a responsible person. The lead department reports progress at least
monthly, the office supervises (督办: 提醒 → 督办 → 约谈), and a task is closed (销号) only after the
department's application, the certifying departments' sign-off and a public notice whose objection
window has ended. A closed task can be reopened (反弹), keeping its history. `rules.py` holds every
transition's rule; `services.py` makes the changes (audit entry and signal in the same transaction).
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from registry.core.db import committed_value, one_of, refuse_changes, utcnow
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department, Matter, PolicyDocument, Unit


class SourceKind(StrEnum):
    INSPECTION = "inspection"  # 督察反馈问题 (an inspection round and its feedback document)
    ASSIGNMENT = "assignment"  # 上级交办
    KEY_TASKS = "key_tasks"  # 年度重点任务
    OTHER = "other"


SOURCE_LABELS = {
    "inspection": "生态环境保护督察反馈问题",
    "assignment": "上级交办任务",
    "key_tasks": "年度重点任务",
    "other": "其他",
}


class Phase(StrEnum):
    """A deadline given as a phase instead of (or as well as) a date."""

    IMMEDIATE = "immediate"  # 立行立改
    SHORT = "short"  # 短期攻坚
    MEDIUM = "medium"  # 中期推进
    LONG = "long"  # 长期坚持


PHASE_LABELS = {"immediate": "立行立改", "short": "短期攻坚", "medium": "中期推进", "long": "长期坚持"}


class TaskState(StrEnum):
    OPEN = "open"  # 整改中
    APPLIED = "applied"  # 申请销号，待审核（牵头部门、认定部门签署）
    NOTICE = "notice"  # 销号公示中（异议期）
    CLOSED = "closed"  # 已销号


TASK_STATE_LABELS = {"open": "整改中", "applied": "销号审核中", "notice": "销号公示中", "closed": "已销号"}


class ProgressStatus(StrEnum):
    """What a department says of its progress in a monthly report."""

    ON_TRACK = "on_track"  # 按进度推进
    BEHIND = "behind"  # 进度滞后
    DONE = "done"  # 已完成整改


PROGRESS_LABELS = {"on_track": "按进度推进", "behind": "进度滞后", "done": "已完成整改"}


class SupervisionLevel(StrEnum):
    """督办 escalates in three levels, each recorded."""

    REMIND = "remind"  # 提醒
    SUPERVISE = "supervise"  # 督办
    INTERVIEW = "interview"  # 约谈


LEVEL_LABELS = {"remind": "提醒", "supervise": "督办", "interview": "约谈"}
LEVEL_ORDER = ("remind", "supervise", "interview")


class ClosureState(StrEnum):
    CERTIFYING = "certifying"  # the lead and the certifying departments sign off
    NOTICE = "notice"  # 公示: the public may object until notice_ends
    CLOSED = "closed"  # 销号
    RETURNED = "returned"  # sent back (by a certifying department or the office)


CLOSURE_LABELS = {"certifying": "待认定", "notice": "公示中", "closed": "已销号", "returned": "已退回"}


class SignoffState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


SIGNOFF_LABELS = {"pending": "待签署", "approved": "同意销号", "refused": "不同意"}


class ObjectionState(StrEnum):
    NEW = "new"  # 待处理 (moderation)
    ACCEPTED = "accepted"  # 异议成立 / 已采纳 (counts against the closure)
    DISMISSED = "dismissed"  # 不成立 or not about the task (spam)


OBJECTION_LABELS = {"new": "待处理", "accepted": "异议成立", "dismissed": "异议不成立"}


class EventKind(StrEnum):
    CREATED = "created"  # 列入台账
    EDITED = "edited"  # 修改任务
    DECOMPOSED = "decomposed"  # 分解到单位 (§8)
    PROGRESS = "progress"  # 报送进展
    REMINDED = "reminded"  # 牵头部门提醒配合部门 (§7)
    ESCALATED = "escalated"  # 牵头部门向办公室报告配合部门推进不力
    SUPERVISION = "supervision"  # 办公室发出提醒/督办/约谈
    SUPERVISION_ANSWERED = "supervision_answered"  # 部门答复督办
    APPLIED = "applied"  # 申请销号
    SIGNED = "signed"  # 认定部门签署（同意或不同意）
    NOTICE_STARTED = "notice_started"  # 开始销号公示
    OBJECTION = "objection"  # 收到公众异议
    OBJECTION_HANDLED = "objection_handled"  # 办公室处理异议
    CLOSED = "closed"  # 销号
    RETURNED = "returned"  # 退回（不予销号）
    REOPENED = "reopened"  # 反弹，重新整改


EVENT_LABELS = {
    "created": "列入台账",
    "edited": "修改任务",
    "decomposed": "分解到单位",
    "progress": "报送进展",
    "reminded": "提醒配合部门",
    "escalated": "报告配合部门推进不力",
    "supervision": "督办",
    "supervision_answered": "答复督办",
    "applied": "申请销号",
    "signed": "认定签署",
    "notice_started": "开始销号公示",
    "objection": "收到公众异议",
    "objection_handled": "处理异议",
    "closed": "销号",
    "returned": "退回，不予销号",
    "reopened": "问题反弹，重新整改",
}


class SupervisionSettings(db.Model):
    """A jurisdiction's rules for its ledgers; without a row, DEFAULTS hold."""

    __tablename__ = "supervision_settings"

    DEFAULTS = {
        "objection_days": 15,
        "progress_day": 25,
        "remind_days": 3,
        "answer_days": 5,
        "publish_responsible": False,
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), unique=True)
    objection_days: Mapped[int] = mapped_column(default=15)  # 公示期, calendar days
    progress_day: Mapped[int] = mapped_column(default=25)  # monthly progress due on this day of the month
    remind_days: Mapped[int] = mapped_column(default=3)  # remind this many working days before it
    answer_days: Mapped[int] = mapped_column(default=5)  # default response deadline of a 督办, working days
    # Whether public pages name each task's responsible person and post (责任人、职务); never contacts.
    publish_responsible: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    jurisdiction: Mapped[Jurisdiction] = relationship()

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.jurisdiction

    def audit_data(self) -> dict[str, Any]:
        return {
            "objection_days": self.objection_days,
            "progress_day": self.progress_day,
            "remind_days": self.remind_days,
            "answer_days": self.answer_days,
            "publish_responsible": self.publish_responsible,
        }


# The departments an office designates to certify closures (认定部门), besides the task's lead.
certifying_departments = Table(
    "supervision_certifiers",
    db.metadata,
    Column("jurisdiction_id", ForeignKey("jurisdictions.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


class Ledger(db.Model):
    """整改台账: the tasks of one source (an inspection round's feedback, an assignment, a year's key
    tasks) that one office follows."""

    __tablename__ = "ledgers"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "title"),
        CheckConstraint(one_of("source_kind", SourceKind), name="source_kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))  # 第二轮中央生态环境保护督察反馈问题整改台账
    source_kind: Mapped[str] = mapped_column(String(16), default=SourceKind.INSPECTION)
    source_title: Mapped[str] = mapped_column(String(300), default="")  # 第二轮中央生态环境保护督察
    # The feedback document (督察反馈意见) or assignment, with its 文号.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("policy_documents.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lock_version: Mapped[int] = mapped_column(default=1)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    document: Mapped[PolicyDocument | None] = relationship()
    tasks: Mapped[list["Task"]] = relationship(back_populates="ledger", order_by="Task.position")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.jurisdiction

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source_kind]

    def audit_data(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "source_kind": self.source_kind,
            "source_title": self.source_title,
            "document": self.document.label if self.document else None,
            "archived": self.archived,
        }


task_cooperating = Table(
    "task_cooperating",
    db.metadata,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True),
)

task_matters = Table(
    "task_matters",
    db.metadata,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    # The matter's stable id in the working list (matters.id): its published copies share it.
    Column("matter_id", ForeignKey("matters.id", ondelete="CASCADE"), primary_key=True),
)


class Task(db.Model):
    """One task of a ledger: the problem, the target, the measures, who leads and cooperates, who is
    responsible, by when; its state (TaskState) moves only through services.py."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(one_of("state", TaskState), name="state_known"),
        CheckConstraint("phase IS NULL OR " + one_of("phase", Phase), name="phase_known"),
        CheckConstraint("due_date IS NOT NULL OR phase IS NOT NULL", name="has_deadline"),
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
        Index("ix_tasks_lead_state", "lead_department_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id"), index=True)
    # The ledger's jurisdiction, kept on the task so that scope and lists need no join.
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    number: Mapped[str] = mapped_column(String(20), default="")  # 序号 as the ledger gives it
    problem: Mapped[str] = mapped_column(Text)  # 反馈问题 / 任务
    target: Mapped[str] = mapped_column(Text, default="")  # 整改目标
    measures: Mapped[str] = mapped_column(Text, default="")  # 整改措施
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    responsible_person: Mapped[str] = mapped_column(String(100), default="")  # 责任人 (name)
    responsible_post: Mapped[str] = mapped_column(String(200), default="")  # 职务
    due_date: Mapped[date | None] = mapped_column(Date)  # 整改时限
    phase: Mapped[str | None] = mapped_column(String(16))  # or a phase (立行立改 …)
    state: Mapped[str] = mapped_column(String(16), default=TaskState.OPEN, index=True)
    percent: Mapped[int] = mapped_column(default=0)  # the latest reported progress
    last_progress_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reopened_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lock_version: Mapped[int] = mapped_column(default=1)

    ledger: Mapped[Ledger] = relationship(back_populates="tasks")
    jurisdiction: Mapped[Jurisdiction] = relationship()
    lead_department: Mapped[Department] = relationship()
    cooperating: Mapped[list[Department]] = relationship(secondary=task_cooperating, order_by="Department.name")
    matters: Mapped[list[Matter]] = relationship(secondary=task_matters, order_by="Matter.seq")
    units: Mapped[list["TaskUnit"]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskUnit.id"
    )
    events: Mapped[list["TaskEvent"]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskEvent.id"
    )
    progress: Mapped[list["TaskProgress"]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskProgress.id"
    )
    supervisions: Mapped[list["Supervision"]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="Supervision.id"
    )
    closures: Mapped[list["ClosureNotice"]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="ClosureNotice.id"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    # core.permissions: the office of the ledger's jurisdiction manages it (offices above read); the
    # lead department reports on it; cooperating and certifying departments read it (recipients_scope).
    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.jurisdiction

    @property
    def scope_department(self) -> Department:
        return self.lead_department

    @property
    def recipients_scope(self) -> tuple[set[int], set[int]]:
        from registry.supervision.rules import reader_department_ids

        return reader_department_ids(self), set()

    @property
    def state_label(self) -> str:
        return TASK_STATE_LABELS[self.state]

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[self.phase] if self.phase else ""

    @property
    def open_closure(self) -> "ClosureNotice | None":
        """The closure application under way (certifying or in notice), if any."""
        for closure in reversed(self.closures):
            if closure.state in (ClosureState.CERTIFYING, ClosureState.NOTICE):
                return closure
        return None

    def audit_data(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "problem": self.problem,
            "target": self.target,
            "measures": self.measures,
            "lead": self.lead_department.name if self.lead_department else None,
            "cooperating": [d.name for d in self.cooperating],
            "responsible_person": self.responsible_person,
            "responsible_post": self.responsible_post,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "phase": self.phase,
            "state": self.state,
            "percent": self.percent,
            "matters": [m.title for m in self.matters],
        }


class TaskUnit(db.Model):
    """§8: a unit (内设机构、直属单位) of the lead department that carries (part of) a task, with its
    responsible person."""

    __tablename__ = "task_units"
    __table_args__ = (UniqueConstraint("task_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    responsible_person: Mapped[str] = mapped_column(String(100), default="")
    responsible_post: Mapped[str] = mapped_column(String(200), default="")
    work: Mapped[str] = mapped_column(Text, default="")  # what the unit does of it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lock_version: Mapped[int] = mapped_column(default=1)

    task: Mapped[Task] = relationship(back_populates="units")
    unit: Mapped[Unit] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.task.jurisdiction

    @property
    def scope_department(self) -> Department:
        return self.task.lead_department

    def audit_data(self) -> dict[str, Any]:
        return {
            "unit": self.unit.name if self.unit else None,
            "responsible_person": self.responsible_person,
            "responsible_post": self.responsible_post,
            "work": self.work,
        }


class MatterUnit(db.Model):
    """§8: a unit of a department that carries a matter the department leads (or cooperates on),
    with its responsible person. Working-list data: it follows the matter, not a version."""

    __tablename__ = "matter_units"
    __table_args__ = (UniqueConstraint("matter_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    responsible_person: Mapped[str] = mapped_column(String(100), default="")
    responsible_post: Mapped[str] = mapped_column(String(200), default="")
    work: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lock_version: Mapped[int] = mapped_column(default=1)

    matter: Mapped[Matter] = relationship()
    department: Mapped[Department] = relationship()
    unit: Mapped[Unit] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.department.jurisdiction

    @property
    def scope_department(self) -> Department:
        return self.department

    def audit_data(self) -> dict[str, Any]:
        return {
            "matter": self.matter.title if self.matter else None,
            "unit": self.unit.name if self.unit else None,
            "responsible_person": self.responsible_person,
            "responsible_post": self.responsible_post,
            "work": self.work,
        }


class TaskEvent(db.Model):
    """One step on a task's timeline. actor_id None: the public (an objection) or a scheduled job."""

    __tablename__ = "task_events"
    __table_args__ = (CheckConstraint(one_of("kind", EventKind), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    # The department acting, and the one acted on (the cooperating department reminded or reported,
    # the department a 督办 goes to).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    other_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    # State after the event (for the ledger's progress over time, the bulletin's chart).
    state: Mapped[str] = mapped_column(String(16), default="")

    task: Mapped[Task] = relationship(back_populates="events")
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    other_department: Mapped[Department | None] = relationship(foreign_keys=[other_department_id])

    @property
    def label(self) -> str:
        return EVENT_LABELS[self.kind]


class TaskProgress(db.Model):
    """A department's progress report on a task (the lead's, or a cooperating department's input, §7)
    for a month."""

    __tablename__ = "task_progress"
    __table_args__ = (
        CheckConstraint(one_of("status", ProgressStatus), name="status_known"),
        CheckConstraint("percent IS NULL OR (percent >= 0 AND percent <= 100)", name="percent_range"),
        Index("ix_task_progress_task_month", "task_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month reported on
    status: Mapped[str] = mapped_column(String(16))
    percent: Mapped[int | None]  # 完成比例, or a milestone instead
    milestone: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)

    task: Mapped[Task] = relationship(back_populates="progress")
    department: Mapped[Department] = relationship()
    files: Mapped[list["TaskFile"]] = relationship(back_populates="progress", order_by="TaskFile.id")

    @property
    def status_label(self) -> str:
        return PROGRESS_LABELS[self.status]


class TaskFile(db.Model):
    """Evidence (佐证材料) attached to a progress report or a closure application. Served only to the
    users who may read the task."""

    __tablename__ = "task_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    progress_id: Mapped[int | None] = mapped_column(ForeignKey("task_progress.id", ondelete="CASCADE"))
    closure_id: Mapped[int | None] = mapped_column(ForeignKey("closure_notices.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    progress: Mapped[TaskProgress | None] = relationship(back_populates="files")
    closure: Mapped["ClosureNotice | None"] = relationship(back_populates="files")


class Supervision(db.Model):
    """督办: the office's notice on an overdue or stalled task, to a department, at a level, with a
    deadline for the answer."""

    __tablename__ = "supervisions"
    __table_args__ = (
        CheckConstraint(one_of("level", SupervisionLevel), name="level_known"),
        Index("ix_supervisions_department_open", "department_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))  # to whom (usually the lead)
    level: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(100), default="")  # 督办单编号, if the office numbers them
    text: Mapped[str] = mapped_column(Text)  # what is required
    respond_by: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    task: Mapped[Task] = relationship(back_populates="supervisions")
    department: Mapped[Department] = relationship()

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.task.jurisdiction

    @property
    def scope_department(self) -> Department:
        return self.department

    def audit_data(self) -> dict[str, Any]:
        return {
            "supervision_level": self.level,
            "department": self.department.name if self.department else None,
            "text": self.text,
            "respond_by": self.respond_by.isoformat() if self.respond_by else None,
            "answer": self.answer,
        }


class ClosureNotice(db.Model):
    """One application to close a task (销号): the statement and evidence, the sign-offs, the public
    notice (公示) and its objection window, the office's decision."""

    __tablename__ = "closure_notices"
    __table_args__ = (
        CheckConstraint(one_of("state", ClosureState), name="state_known"),
        CheckConstraint("state != 'notice' OR notice_ends IS NOT NULL", name="notice_has_end"),
        Index("ix_closure_notices_state_ends", "state", "notice_ends"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    # A short public code for the notice page and objections (no task id in public URLs needed).
    statement: Mapped[str] = mapped_column(Text)  # 整改完成情况说明
    state: Mapped[str] = mapped_column(String(16), default=ClosureState.CERTIFYING)
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 公示: the text published (the office may shorten the statement), from notice_starts to
    # notice_ends inclusive (local dates); no closure before notice_ends has passed.
    public_text: Mapped[str] = mapped_column(Text, default="")
    # What the notice published about the task, frozen when the notice starts (problem, target, measures,
    # lead, cooperating, deadline): the public notice shows this, never the task as later edited.
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    notice_starts: Mapped[date | None] = mapped_column(Date)
    notice_ends: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    lock_version: Mapped[int] = mapped_column(default=1)

    task: Mapped[Task] = relationship(back_populates="closures")
    signoffs: Mapped[list["ClosureSignoff"]] = relationship(
        back_populates="closure", cascade="all, delete-orphan", order_by="ClosureSignoff.id"
    )
    objections: Mapped[list["Objection"]] = relationship(
        back_populates="closure", cascade="all, delete-orphan", order_by="Objection.id"
    )
    files: Mapped[list[TaskFile]] = relationship(back_populates="closure", order_by="TaskFile.id")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def state_label(self) -> str:
        return CLOSURE_LABELS[self.state]

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.task.jurisdiction

    @property
    def scope_department(self) -> Department:
        return self.task.lead_department

    def audit_data(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "statement": self.statement,
            "public_text": self.public_text,
            "notice_starts": self.notice_starts.isoformat() if self.notice_starts else None,
            "notice_ends": self.notice_ends.isoformat() if self.notice_ends else None,
            "decision_note": self.decision_note,
        }


class ClosureSignoff(db.Model):
    """A certifying department's sign-off on a closure application: the lead (when the applicant is
    not the lead) and the departments the office designated (supervision_certifiers)."""

    __tablename__ = "closure_signoffs"
    __table_args__ = (
        UniqueConstraint("closure_id", "department_id"),
        CheckConstraint(one_of("state", SignoffState), name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    closure_id: Mapped[int] = mapped_column(ForeignKey("closure_notices.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=SignoffState.PENDING)
    note: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    closure: Mapped[ClosureNotice] = relationship(back_populates="signoffs")
    department: Mapped[Department] = relationship()

    @property
    def state_label(self) -> str:
        return SIGNOFF_LABELS[self.state]


class Objection(db.Model):
    """A person's objection to a closure during its public notice. Moderated by the office; the text is
    never published; the contact lives apart (ObjectionContact) and only the office sees it."""

    __tablename__ = "objections"
    __table_args__ = (CheckConstraint(one_of("state", ObjectionState), name="state_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    closure_id: Mapped[int] = mapped_column(ForeignKey("closure_notices.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=ObjectionState.NEW)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handling_note: Mapped[str] = mapped_column(Text, default="")

    closure: Mapped[ClosureNotice] = relationship(back_populates="objections")
    contact: Mapped["ObjectionContact | None"] = relationship(back_populates="objection", uselist=False)

    @property
    def state_label(self) -> str:
        return OBJECTION_LABELS[self.state]

    def audit_data(self) -> dict[str, Any]:
        """Never the person's contact details."""
        return {"state": self.state, "handling_note": self.handling_note}


class ObjectionContact(db.Model):
    """The objector's name and phone or e-mail (a contact is required so the office can follow up).
    Only the office of the task's jurisdiction sees it, after a POST, each view audited."""

    __tablename__ = "objection_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")

    objection: Mapped[Objection] = relationship(back_populates="contact")


class BulletinState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Bulletin(db.Model):
    """月度通报: an office's monthly bulletin on its ledgers (progress per department, new closures,
    overdue tasks, 督办 issued, the progress over time), compiled to PDF by a job and published once,
    stored with its SHA-256."""

    __tablename__ = "bulletins"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "year", "month"),
        CheckConstraint(one_of("state", BulletinState), name="state_known"),
        CheckConstraint("month >= 1 AND month <= 12", name="month_known"),
        CheckConstraint("(state = 'published') = (published_at IS NOT NULL)", name="published_when_published"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    year: Mapped[int]
    month: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    doc_number: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # the office's own text (sanitized HTML)
    state: Mapped[str] = mapped_column(String(16), default=BulletinState.DRAFT)
    pdf_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None]
    compiled_at: Mapped[datetime | None]
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lock_version: Mapped[int] = mapped_column(default=1)

    jurisdiction: Mapped[Jurisdiction] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.jurisdiction

    def audit_data(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "doc_number": self.doc_number,
            "state": self.state,
            "pdf_sha256": self.pdf_sha256,
        }


# Published bulletins never change.
refuse_changes(Bulletin, published=lambda b: committed_value(b, "state") == BulletinState.PUBLISHED)
