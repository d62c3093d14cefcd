"""The steps around the handling: the one extension (asked by the department, decided by the office),
notes, the office's review of a reopened complaint, publishing a photo, and looking at the person's
contact details."""

from datetime import date

from flask_babel import lazy_gettext as _l

from registry.complaints import rules
from registry.complaints.handling.common import (
    MAX_TEXT,
    NotAllowed,
    clean_text,
    fresh,
    handler,
    in_state,
    overseer,
    too_long,
)
from registry.complaints.models import Complaint, ComplaintFile, ComplaintState, EventKind, ExtensionState
from registry.complaints.services import add_event
from registry.core import audit
from registry.core.audit import Actor
from registry.core.db import lock_row
from registry.core.errors import DomainError
from registry.core.timezone import local_today
from registry.extensions import db

UNCHECKED = object()  # publish_photo called without a form (no page whose version to check)


def extension_used(complaint: Complaint) -> bool:
    """Whether the complaint's one extension was asked for (pending, granted or refused), also by a
    department that handled it before a transfer: then it gets no other."""
    return complaint.extension_state != ExtensionState.NONE


def request_extension(complaint: Complaint, actor: Actor, *, reason: str | None, expected_version: int | None) -> None:
    """申请延期: once, with a reason; the office decides."""
    handler(actor, complaint)
    fresh(complaint, expected_version)
    in_state(complaint, (ComplaintState.ACCEPTED,), _l("只有办理中的举报可以申请延期。"))
    if extension_used(complaint):
        raise DomainError(_l("每件举报只能申请一次延期，本件已经申请过（转办前的申请也算）。"))
    reason = clean_text(reason)
    if not reason:
        raise DomainError(_l("请填写延期理由。"), "reason")
    if too_long(reason):
        raise DomainError(_l("理由不能超过 %(n)s 个字。", n=MAX_TEXT), "reason")
    before = complaint.audit_data()
    complaint.extension_state = ExtensionState.REQUESTED
    complaint.extension_reason = reason
    add_event(
        complaint,
        EventKind.EXTENSION_REQUESTED,
        actor,
        before=before,
        department_id=complaint.department_id,
        text=reason,
    )
    db.session.flush()


def decide_extension(
    complaint: Complaint, actor: Actor, *, grant: bool, reason: str | None, expected_version: int | None
) -> None:
    """The office grants the extension (the reply is due extension_days working days later) or refuses
    it with a reason."""
    overseer(actor, complaint)
    fresh(complaint, expected_version)
    if complaint.extension_state != ExtensionState.REQUESTED or complaint.state != ComplaintState.ACCEPTED:
        raise DomainError(_l("这件举报没有待决定的延期申请。"))
    reason = clean_text(reason)
    if not grant and not reason:
        raise DomainError(_l("不同意延期时请说明理由。"), "reason")
    if too_long(reason):
        raise DomainError(_l("理由不能超过 %(n)s 个字。", n=MAX_TEXT), "reason")
    before = complaint.audit_data()
    if grant:
        complaint.extension_state = ExtensionState.GRANTED
        complaint.reply_due = rules.extended_due(
            complaint.reply_due or local_today(), complaint.department.jurisdiction
        )
    else:
        complaint.extension_state = ExtensionState.REFUSED
    add_event(
        complaint,
        EventKind.EXTENSION_GRANTED if grant else EventKind.EXTENSION_REFUSED,
        actor,
        before=before,
        text=reason,
    )
    db.session.flush()


def add_note(complaint: Complaint, actor: Actor, *, text: str | None) -> None:
    """备注 (internal): the handling department, a cooperating department or the office."""
    if not rules.can_add_note(actor, complaint):
        raise NotAllowed(_l("只有承办部门、配合部门和本级办公室可以添加备注。"))
    text = clean_text(text)
    if not text:
        raise DomainError(_l("请填写备注内容。"), "text")
    if too_long(text):
        raise DomainError(_l("备注不能超过 %(n)s 个字。", n=MAX_TEXT), "text")
    add_event(complaint, EventKind.NOTE, actor, department_id=getattr(actor, "department_id", None), text=text)
    db.session.flush()


def review(
    complaint: Complaint,
    actor: Actor,
    *,
    redo: bool,
    comment: str | None,
    expected_version: int | None,
    today: date | None = None,
) -> None:
    """The office on a reopened complaint (the person was 不满意): 重新办理 (handled again, a new reply
    deadline from today) or 维持办结 (the reply stands)."""
    overseer(actor, complaint)
    fresh(complaint, expected_version)
    in_state(complaint, (ComplaintState.REOPENED,), _l("只有举报人不满意、待复核的举报需要办公室复核。"))
    comment = clean_text(comment)
    if not comment:
        raise DomainError(_l("请填写复核意见。"), "comment")
    if too_long(comment):
        raise DomainError(_l("意见不能超过 %(n)s 个字。", n=MAX_TEXT), "comment")
    before = complaint.audit_data()
    today = today or local_today()
    if redo:
        complaint.state = ComplaintState.ACCEPTED
        complaint.reply_due = rules.reply_due(today, complaint.department.jurisdiction)
        complaint.answered_at = None
        complaint.contact_erase_after = None
    else:
        complaint.state = ComplaintState.ANSWERED
        complaint.contact_erase_after = rules.contact_erase_after(today)
    add_event(
        complaint,
        EventKind.REDO if redo else EventKind.UPHELD,
        actor,
        before=before,
        to_department_id=complaint.department_id if redo else None,
        text=comment,
    )
    db.session.flush()


def publish_photo(
    complaint: Complaint, actor: Actor, photo: ComplaintFile, *, expected_version: int | None | object = UNCHECKED
) -> None:
    """The handling department marks a photo publishable (shown on the public tracking page). From a
    form, `expected_version` is the page's lock_version (a stale page is refused)."""
    handler(actor, complaint)
    if expected_version is UNCHECKED:
        lock_row(db.session, complaint)
    else:
        fresh(complaint, expected_version)
    if photo.complaint_id != complaint.id or photo.kind != "photo":
        raise DomainError(_l("只有举报人上传的照片可以设为公开。"))
    if photo.publishable:
        return
    photo.publishable = True
    add_event(complaint, EventKind.PHOTO_PUBLISHED, actor, department_id=complaint.department_id, text=photo.filename)
    db.session.flush()


def show_contact(complaint: Complaint, actor: Actor):
    """The person's contact details for the handling department and its office; every look audited."""
    if not rules.may_see_contact(actor, complaint):
        raise NotAllowed(_l("只有承办部门和本级办公室可以查看举报人的联系方式。"))
    audit.record(
        actor,
        "view_contact",
        complaint,
        jurisdiction_id=complaint.department.jurisdiction_id,
        summary=f"查看举报 #{complaint.id} 的举报人联系方式",
    )
    db.session.flush()
    return complaint.contact
