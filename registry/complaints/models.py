"""Public complaints (公众举报, §4): what a person reported, where it went, what was done.

A complaint is routed to the lead department of the matter it concerns in that place, or to the
same-level ecology-environment department (the 12369 desk) when no matter is chosen or found. The
person's contact details live apart, in `ComplaintContact`, so that nothing public ever loads them and
the retention job can erase them while the complaint stays.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from registry.core.db import one_of, utcnow
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department


class ComplaintState(StrEnum):
    NEW = "new"  # 待受理: waiting for the handling department's decision
    ACCEPTED = "accepted"  # 办理中
    ANSWERED = "answered"  # 已办结: replied
    REJECTED = "rejected"  # 不予受理 (with a reason, naming who is responsible where somebody is)
    REOPENED = "reopened"  # 不满意: back with the office, once


STATE_LABELS = {
    "new": "待受理",
    "accepted": "办理中",
    "answered": "已办结",
    "rejected": "不予受理",
    "reopened": "不满意，待办公室复核",
}

# States in which nothing more is due from a department.
CLOSED_STATES = frozenset({ComplaintState.ANSWERED, ComplaintState.REJECTED})


class RoutedBy(StrEnum):
    MATTER = "matter"  # the lead department of the chosen matter
    DESK = "desk"  # no matter: the same-level ecology-environment department routes it


class Rating(StrEnum):
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"


class ExtensionState(StrEnum):
    NONE = "none"
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"


class EventKind(StrEnum):
    SUBMITTED = "submitted"  # 提交 (by the public)
    ACCEPTED = "accepted"  # 受理
    TRANSFERRED = "transferred"  # 转办 (to a named department, with the matter and a reason)
    ANSWERED = "answered"  # 办结 (the reply)
    REJECTED = "rejected"  # 不予受理
    EXTENSION_REQUESTED = "extension_requested"  # 申请延期
    EXTENSION_GRANTED = "extension_granted"  # 办公室同意延期
    EXTENSION_REFUSED = "extension_refused"  # 办公室不同意延期
    NOTE = "note"  # a note (cooperating departments, the handling department, the office); internal
    RATED = "rated"  # 评价 (by the public)
    REOPENED = "reopened"  # 不满意 → back to the office
    REDO = "redo"  # the office sends a reopened complaint back to be handled again
    UPHELD = "upheld"  # the office keeps the reply (办结 stands)
    PHOTO_PUBLISHED = "photo_published"  # the department marked a photo publishable
    CONTACT_ERASED = "contact_erased"  # the retention job erased the contact details


EVENT_LABELS = {
    "submitted": "提交举报",
    "accepted": "受理",
    "transferred": "转办",
    "answered": "办结回复",
    "rejected": "不予受理",
    "extension_requested": "申请延期",
    "extension_granted": "同意延期",
    "extension_refused": "不同意延期",
    "note": "备注",
    "rated": "评价",
    "reopened": "不满意，提请办公室复核",
    "redo": "办公室要求重新办理",
    "upheld": "办公室维持办结",
    "photo_published": "照片设为公开",
    "contact_erased": "联系方式已按期删除",
}

# Events the person who reported sees on the public tracking page (the rest are internal).
PUBLIC_EVENTS = frozenset(
    {
        EventKind.SUBMITTED,
        EventKind.ACCEPTED,
        EventKind.TRANSFERRED,
        EventKind.ANSWERED,
        EventKind.REJECTED,
        EventKind.EXTENSION_GRANTED,
        EventKind.RATED,
        EventKind.REOPENED,
        EventKind.REDO,
        EventKind.UPHELD,
    }
)


class ComplaintSettings(db.Model):
    """A jurisdiction's complaint deadlines in working days; without a row, DEFAULTS hold."""

    __tablename__ = "complaint_settings"

    DEFAULTS = {"accept_days": 2, "reply_days": 15, "extension_days": 15}

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), unique=True)
    accept_days: Mapped[int] = mapped_column(default=2)  # 受理 decision within
    reply_days: Mapped[int] = mapped_column(default=15)  # reply within, counted from acceptance
    extension_days: Mapped[int] = mapped_column(default=15)  # one extension, with the office's consent
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    jurisdiction: Mapped[Jurisdiction] = relationship()

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.jurisdiction

    def audit_data(self) -> dict[str, Any]:
        return {"accept_days": self.accept_days, "reply_days": self.reply_days, "extension_days": self.extension_days}


class Complaint(db.Model):
    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(one_of("state", ComplaintState), name="state_known"),
        CheckConstraint(one_of("routed_by", RoutedBy), name="routed_by_known"),
        CheckConstraint(one_of("extension_state", ExtensionState), name="extension_state_known"),
        CheckConstraint("rating IS NULL OR " + one_of("rating", Rating), name="rating_known"),
        Index("ix_complaints_department_state", "department_id", "state"),
        Index("ix_complaints_matter_jurisdiction", "matter_id", "jurisdiction_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 查询码: random, unguessable, shown once to the person; the only public handle of a complaint.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # Where it happens (down to the county) and what the person said.
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    place: Mapped[str] = mapped_column(String(300))
    happened_on: Mapped[date | None] = mapped_column(Date)
    happened_time: Mapped[str] = mapped_column(String(100), default="")  # 时间说明, e.g. 每天夜里
    description: Mapped[str] = mapped_column(Text)
    # The matter it concerns, as the person saw it in the list in force (None: 不确定 / none found).
    # matter_id is the stable working-matter id (VersionMatter.matter_id), shared by every version.
    version_matter_id: Mapped[int | None] = mapped_column(ForeignKey("version_matters.id"))
    matter_id: Mapped[int | None] = mapped_column()
    matter_title: Mapped[str] = mapped_column(String(300), default="")
    routed_by: Mapped[str] = mapped_column(String(16), default=RoutedBy.MATTER)
    # The department handling it now (changes on 转办).
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=ComplaintState.NEW, index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Deadlines in working days (rules.py computes them): the 受理 decision, then the reply.
    accept_due: Mapped[date] = mapped_column(Date)
    accepted_at: Mapped[datetime | None]
    reply_due: Mapped[date | None] = mapped_column(Date)
    answered_at: Mapped[datetime | None]  # 办结 or 不予受理
    reply: Mapped[str] = mapped_column(Text, default="")  # what was done (public on the tracking page)
    # 不予受理: the reason, and the department responsible where there is one.
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    responsible_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # One extension of the reply deadline, with a reason and the office's consent.
    extension_state: Mapped[str] = mapped_column(String(16), default=ExtensionState.NONE)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    # The person's rating of the reply; 不满意 reopens it once for the office.
    rating: Mapped[str | None] = mapped_column(String(16))
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None]
    reopened_count: Mapped[int] = mapped_column(default=0)
    # 重复举报: the first complaint about the same matter and place.
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    # When the contact details are to be erased (set on closing; the retention job clears them).
    contact_erase_after: Mapped[date | None] = mapped_column(Date, index=True)
    lock_version: Mapped[int] = mapped_column(default=1)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    department: Mapped[Department] = relationship(foreign_keys=[department_id])
    responsible_department: Mapped[Department | None] = relationship(foreign_keys=[responsible_department_id])
    repeat_of: Mapped["Complaint | None"] = relationship(remote_side=[id])
    contact: Mapped["ComplaintContact | None"] = relationship(back_populates="complaint", uselist=False)
    events: Mapped[list["ComplaintEvent"]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id", cascade="all, delete-orphan"
    )
    files: Mapped[list["ComplaintFile"]] = relationship(
        back_populates="complaint", order_by="ComplaintFile.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    # core.permissions: the handling department and its jurisdiction's office (offices above read);
    # `recipients_scope` lets the matter's cooperating departments read it too (rules.py fills it).
    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.department.jurisdiction

    @property
    def scope_department(self) -> Department:
        return self.department

    @property
    def recipients_scope(self) -> tuple[set[int], set[int]]:
        from registry.complaints.rules import cooperating_department_ids

        return cooperating_department_ids(self), set()

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    def audit_data(self) -> dict[str, Any]:
        """What the audit log keeps of a complaint: never the person's contact details."""
        return {
            "state": self.state,
            "department_id": self.department_id,
            "matter_title": self.matter_title,
            "accept_due": self.accept_due.isoformat() if self.accept_due else None,
            "reply_due": self.reply_due.isoformat() if self.reply_due else None,
            "extension_state": self.extension_state,
            "rating": self.rating,
        }


class ComplaintContact(db.Model):
    """The person's name, phone and e-mail (all optional: anonymous reports are allowed). Only the
    handling department and its office see them (rules.may_see_contact), each view audited."""

    __tablename__ = "complaint_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    erased_at: Mapped[datetime | None]

    complaint: Mapped[Complaint] = relationship(back_populates="contact")

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.phone or self.email)


class ComplaintEvent(db.Model):
    """One step on a complaint's timeline. actor_id None: the public (or a scheduled job, named in
    actor_name)."""

    __tablename__ = "complaint_events"
    __table_args__ = (CheckConstraint(one_of("kind", EventKind), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    # The department acting (the handling one, a cooperating one adding a note, …), and on 转办 the
    # department it went to, with the matter it belongs to.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    to_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    matter_title: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text, default="")  # the reason, reply, note or comment

    complaint: Mapped[Complaint] = relationship(back_populates="events")
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    to_department: Mapped[Department | None] = relationship(foreign_keys=[to_department_id])

    @property
    def label(self) -> str:
        return EVENT_LABELS[self.kind]

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_EVENTS


class ComplaintFile(db.Model):
    """A photo from the person (checked by content, metadata stripped, re-encoded) or an attachment of
    the reply. Served only to the users who may read the complaint, unless marked publishable."""

    __tablename__ = "complaint_files"
    __table_args__ = (CheckConstraint("kind IN ('photo', 'attachment')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_events.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    publishable: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="files")


class CaptchaChallenge(db.Model):
    """A CAPTCHA shown once: the answer's hash, checked once (used_at), expiring. Kept on the server
    because the session cookie is signed, not encrypted."""

    __tablename__ = "captcha_challenges"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    answer_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    used_at: Mapped[datetime | None]
