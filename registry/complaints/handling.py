"""What departments and offices do with a complaint (§4): accept it, transfer it to a named department
with the matter it belongs to, answer it, refuse it naming who is responsible, ask for (and grant or
refuse) the one extension, add notes, review a reopened one, publish a photo, look at the contact
details, and set a jurisdiction's deadlines.

Every service takes the actor and the data, checks the rule of rules.py that says who may, refuses a
stale form (the complaint's lock_version) and puts its step on the timeline through services.add_event
(event + audit entry + signal, in the caller's transaction). They flush, never commit.
"""

import hashlib
import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.complaints import rules
from registry.complaints.models import (
    Complaint,
    ComplaintFile,
    ComplaintSettings,
    ComplaintState,
    EventKind,
    ExtensionState,
)
from registry.complaints.services import add_event
from registry.core import audit
from registry.core.audit import Actor
from registry.core.db import lock_row, utcnow
from registry.core.errors import CONFLICT_MESSAGE, DomainError, refuse
from registry.core.permissions import Permission, can
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department
from registry.versions.models import VersionMatter
from registry.versions.queries import in_force

MAX_TEXT = 5000  # a reply, a reason, a note
MAX_ATTACHMENTS = 5
MIN_NO_DEPARTMENT_REASON = 10  # 不予受理 with nobody else responsible: say why, in a sentence
SETTING_RANGE = (1, 60)  # working days a jurisdiction may set for each deadline

# What a reply may carry, judged by content (filetype), never by the name or the browser's word.
ATTACHMENT_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
NO_DEPARTMENT = "none"  # 不予受理: "无其他责任部门"


class NotAllowed(DomainError):
    """The actor may not take this step on this complaint (views answer 403)."""


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


# -- shared checks ------------------------------------------------------------------------------------


def _fresh(complaint: Complaint, expected_version: int | None) -> None:
    """Refuse a form opened before someone else's step (optimistic lock), judged on the locked row."""
    lock_row(db.session, complaint)
    if expected_version is None or complaint.lock_version != expected_version:
        raise DomainError(CONFLICT_MESSAGE)


def _state(complaint: Complaint, allowed: tuple[str, ...], message) -> None:
    if complaint.state not in allowed:
        raise DomainError(message)


def _text(value: str | None) -> str:
    return (value or "").strip()


def _too_long(value: str) -> bool:
    return len(value) > MAX_TEXT


def _handler(actor: Actor, complaint: Complaint) -> None:
    if not rules.can_handle(actor, complaint):
        raise NotAllowed(_l("只有承办部门可以办理这件举报。"))


def _overseer(actor: Actor, complaint: Complaint) -> None:
    if not rules.can_oversee(actor, complaint):
        raise NotAllowed(_l("只有承办部门所在地的办公室可以作出这个决定。"))


# -- choices the forms offer --------------------------------------------------------------------------


def transfer_targets(complaint: Complaint) -> list[Department]:
    """Where a complaint may be transferred (or named as responsible): the active departments of the
    complaint's place and of the places above it, nearest first, never the one handling it."""
    places = [complaint.jurisdiction, *complaint.jurisdiction.ancestors()]
    order = {p.id: i for i, p in enumerate(places)}
    found = db.session.scalars(
        select(Department).where(
            Department.jurisdiction_id.in_(order),
            Department.active.is_(True),
            Department.id != complaint.department_id,
        )
    ).all()
    return sorted(found, key=lambda d: (order[d.jurisdiction_id], d.sort_order, d.id))


def matters_of(department: Department, today: date | None = None) -> list[VersionMatter]:
    """The in-force matters of the department's jurisdiction, those it leads first."""
    version_id = in_force(department.jurisdiction_id, today or local_today())
    if version_id is None:
        return []
    matters = db.session.scalars(
        select(VersionMatter).where(VersionMatter.version_id == version_id).order_by(VersionMatter.seq)
    ).all()
    return sorted(matters, key=lambda m: (m.lead_department_id != department.id, m.seq, m.id))


# -- the steps ----------------------------------------------------------------------------------------


def accept(complaint: Complaint, actor: Actor, *, expected_version: int | None, today: date | None = None) -> None:
    """受理: the reply is now due in the jurisdiction's reply_days working days."""
    _handler(actor, complaint)
    _fresh(complaint, expected_version)
    _state(complaint, (ComplaintState.NEW,), _l("只有待受理的举报可以受理。"))
    before = complaint.audit_data()
    today = today or local_today()
    complaint.state = ComplaintState.ACCEPTED
    complaint.accepted_at = utcnow()
    complaint.reply_due = rules.reply_due(today, complaint.department.jurisdiction)
    add_event(complaint, EventKind.ACCEPTED, actor, before=before, department_id=complaint.department_id)
    db.session.flush()


def transfer(
    complaint: Complaint,
    actor: Actor,
    *,
    to_department_id: int | None,
    version_matter_id: int | None,
    reason: str | None,
    expected_version: int | None,
    today: date | None = None,
) -> None:
    """转办: to a department that is named, with the matter it belongs to and a reason (never a bare
    "not ours"). The new department decides on 受理 within its own accept_days."""
    _handler(actor, complaint)
    _fresh(complaint, expected_version)
    _state(complaint, (ComplaintState.NEW, ComplaintState.ACCEPTED), _l("这件举报已办结或不予受理，不能再转办。"))
    reason = _text(reason)
    targets = {d.id: d for d in transfer_targets(complaint)}
    target = targets.get(to_department_id or 0)
    problems = []
    if not to_department_id:
        problems.append(("department", _l("请选择转办给哪个部门：转办必须指明承办部门。")))
    elif target is None:
        problems.append(("department", _l("只能转办给举报所在地或其上级的其他部门。")))
    matter = None
    if not version_matter_id:
        problems.append(("matter", _l("请选择这件举报属于该部门的哪个事项。")))
    elif target is not None:
        matter = next((m for m in matters_of(target, today) if m.id == version_matter_id), None)
        if matter is None:
            problems.append(("matter", _l("所选事项不在该部门所在地现行的责任清单中，请重新选择。")))
    if not reason:
        problems.append(("reason", _l("请填写转办理由：为什么由该部门办理。")))
    elif _too_long(reason):
        problems.append(("reason", _l("理由不能超过 %(n)s 个字。", n=MAX_TEXT)))
    refuse(problems)
    before = complaint.audit_data()
    from_department_id = complaint.department_id
    complaint.department_id = target.id
    complaint.department = target
    complaint.version_matter_id = matter.id
    complaint.matter_id = matter.matter_id
    complaint.matter_title = matter.title
    complaint.state = ComplaintState.NEW
    complaint.accept_due = rules.accept_due(today or local_today(), target.jurisdiction)
    complaint.accepted_at = None
    complaint.reply_due = None
    complaint.extension_state = ExtensionState.NONE
    complaint.extension_reason = ""
    add_event(
        complaint,
        EventKind.TRANSFERRED,
        actor,
        before=before,
        department_id=from_department_id,
        to_department_id=target.id,
        matter_title=matter.title,
        text=reason,
    )
    db.session.flush()


def check_attachment(upload: Upload) -> tuple[str, str] | None:
    """(content type, extension) of an acceptable reply attachment, judged by its content; None else."""
    kind = filetype.guess(upload.data)
    if kind is None or kind.mime not in ATTACHMENT_TYPES:
        return None
    return kind.mime, ATTACHMENT_TYPES[kind.mime]


def _clean_name(filename: str, extension: str) -> str:
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*') or "附件"
    stem, _dot, ext = name.rpartition(".")
    if not stem or ext.lower() != extension:
        name = f"{name}.{extension}"
    return name[-200:]


def answer(
    complaint: Complaint,
    actor: Actor,
    *,
    reply: str | None,
    attachments: list[Upload] = (),
    expected_version: int | None,
    today: date | None = None,
) -> None:
    """办结: the reply (public on the tracking page) and optional attachments (PDF, images, DOCX)."""
    _handler(actor, complaint)
    _fresh(complaint, expected_version)
    _state(complaint, (ComplaintState.ACCEPTED,), _l("只有办理中的举报可以办结；请先受理。"))
    reply = _text(reply)
    problems = []
    if not reply:
        problems.append(("reply", _l("请填写答复：向举报人说明核查和处理的情况。")))
    elif _too_long(reply):
        problems.append(("reply", _l("答复不能超过 %(n)s 个字。", n=MAX_TEXT)))
    limit = current_app.config["COMPLAINT_ATTACHMENT_MAX_BYTES"]
    checked = []
    if len(attachments) > MAX_ATTACHMENTS:
        problems.append(("attachments", _l("附件最多 %(n)s 个。", n=MAX_ATTACHMENTS)))
    for upload in attachments:
        if len(upload.data) > limit:
            problems.append(
                ("attachments", _l("「%(name)s」超过 %(mb)s MB。", name=upload.filename, mb=limit // (1024 * 1024)))
            )
        elif (kind := check_attachment(upload)) is None:
            problems.append(
                ("attachments", _l("「%(name)s」不是 PDF、图片或 Word（DOCX）文件。", name=upload.filename))
            )
        else:
            checked.append((upload, *kind))
    refuse(problems)
    before = complaint.audit_data()
    today = today or local_today()
    complaint.state = ComplaintState.ANSWERED
    complaint.reply = reply
    complaint.answered_at = utcnow()
    complaint.contact_erase_after = rules.contact_erase_after(today)
    event = add_event(
        complaint, EventKind.ANSWERED, actor, before=before, department_id=complaint.department_id, text=reply
    )
    db.session.flush()
    for upload, content_type, extension in checked:
        db.session.add(
            ComplaintFile(
                complaint_id=complaint.id,
                event_id=event.id,
                kind="attachment",
                filename=_clean_name(upload.filename, extension),
                content_type=content_type,
                size=len(upload.data),
                sha256=hashlib.sha256(upload.data).hexdigest(),
                data=upload.data,
            )
        )
    db.session.flush()


def reject(
    complaint: Complaint,
    actor: Actor,
    *,
    reason: str | None,
    responsible: str | None,
    expected_version: int | None,
    today: date | None = None,
) -> None:
    """不予受理: with a reason, and the department responsible named where there is one (`responsible`:
    a department id, or NO_DEPARTMENT, which then needs the reason to say why nobody else is)."""
    _handler(actor, complaint)
    _fresh(complaint, expected_version)
    _state(complaint, (ComplaintState.NEW,), _l("只有待受理的举报可以不予受理；已受理的请办结答复。"))
    reason = _text(reason)
    responsible = (responsible or "").strip()
    targets = {str(d.id): d for d in transfer_targets(complaint)}
    problems = []
    department = None
    if not responsible:
        problems.append(("responsible", _l("请指明负责的部门；确实没有其他责任部门的，请选择“无其他责任部门”。")))
    elif responsible != NO_DEPARTMENT:
        department = targets.get(responsible)
        if department is None:
            problems.append(("responsible", _l("只能指明举报所在地或其上级的其他部门。")))
    if not reason:
        problems.append(("reason", _l("请填写不予受理的理由。")))
    elif _too_long(reason):
        problems.append(("reason", _l("理由不能超过 %(n)s 个字。", n=MAX_TEXT)))
    elif responsible == NO_DEPARTMENT and len(reason) < MIN_NO_DEPARTMENT_REASON:
        problems.append(
            ("reason", _l("没有其他责任部门时，请在理由中说明为什么（至少 %(n)s 个字）。", n=MIN_NO_DEPARTMENT_REASON))
        )
    refuse(problems)
    before = complaint.audit_data()
    complaint.state = ComplaintState.REJECTED
    complaint.reject_reason = reason
    complaint.responsible_department_id = department.id if department else None
    complaint.responsible_department = department
    complaint.answered_at = utcnow()
    complaint.contact_erase_after = rules.contact_erase_after(today or local_today())
    add_event(
        complaint,
        EventKind.REJECTED,
        actor,
        before=before,
        department_id=complaint.department_id,
        to_department_id=department.id if department else None,
        text=reason,
    )
    db.session.flush()


def request_extension(complaint: Complaint, actor: Actor, *, reason: str | None, expected_version: int | None) -> None:
    """申请延期: once, with a reason; the office decides."""
    _handler(actor, complaint)
    _fresh(complaint, expected_version)
    _state(complaint, (ComplaintState.ACCEPTED,), _l("只有办理中的举报可以申请延期。"))
    if complaint.extension_state != ExtensionState.NONE:
        raise DomainError(_l("每件举报只能申请一次延期，本件已经申请过。"))
    reason = _text(reason)
    if not reason:
        raise DomainError(_l("请填写延期理由。"), "reason")
    if _too_long(reason):
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
    _overseer(actor, complaint)
    _fresh(complaint, expected_version)
    if complaint.extension_state != ExtensionState.REQUESTED or complaint.state != ComplaintState.ACCEPTED:
        raise DomainError(_l("这件举报没有待决定的延期申请。"))
    reason = _text(reason)
    if not grant and not reason:
        raise DomainError(_l("不同意延期时请说明理由。"), "reason")
    if _too_long(reason):
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
    text = _text(text)
    if not text:
        raise DomainError(_l("请填写备注内容。"), "text")
    if _too_long(text):
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
    _overseer(actor, complaint)
    _fresh(complaint, expected_version)
    _state(complaint, (ComplaintState.REOPENED,), _l("只有举报人不满意、待复核的举报需要办公室复核。"))
    comment = _text(comment)
    if not comment:
        raise DomainError(_l("请填写复核意见。"), "comment")
    if _too_long(comment):
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


def publish_photo(complaint: Complaint, actor: Actor, photo: ComplaintFile) -> None:
    """The handling department marks a photo publishable (shown on the public tracking page)."""
    _handler(actor, complaint)
    if photo.complaint_id != complaint.id or photo.kind != "photo":
        raise DomainError(_l("只有举报人上传的照片可以设为公开。"))
    if photo.publishable:
        return
    lock_row(db.session, complaint)
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


# -- a jurisdiction's deadlines -----------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsView:
    values: dict[str, int]
    own: bool  # set for this jurisdiction itself
    source: Jurisdiction | None  # the ancestor they are inherited from (None: the defaults)
    updated_at: datetime | None


def settings_view(jurisdiction: Jurisdiction) -> SettingsView:
    """The deadlines in force for a jurisdiction (rules.settings_for) and where they come from."""
    values = rules.settings_for(jurisdiction)
    place: Jurisdiction | None = jurisdiction
    while place is not None:
        row = db.session.scalar(select(ComplaintSettings).where(ComplaintSettings.jurisdiction_id == place.id))
        if row is not None:
            return SettingsView(values, place.id == jurisdiction.id, place, row.updated_at)
        place = place.parent
    return SettingsView(values, False, None, None)


def update_settings(jurisdiction: Jurisdiction, actor: Actor, **values: Any) -> ComplaintSettings:
    """Set a jurisdiction's complaint deadlines in working days (the office of the jurisdiction); they
    hold for the complaints received (and accepted) from now on, and for the places below without
    their own."""
    if not can(actor, Permission.COMPLAINT_OVERSEE, jurisdiction):
        raise NotAllowed(_l("只有本级办公室可以设置本级的举报办理期限。"))
    low, high = SETTING_RANGE
    problems = []
    for name in ("accept_days", "reply_days", "extension_days"):
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.append((name, _l("请填写 %(low)s 到 %(high)s 之间的整数（工作日）。", low=low, high=high)))
    refuse(problems)
    row = db.session.scalar(select(ComplaintSettings).where(ComplaintSettings.jurisdiction_id == jurisdiction.id))
    before = row.audit_data() if row is not None else None
    if row is None:
        row = ComplaintSettings(jurisdiction_id=jurisdiction.id, jurisdiction=jurisdiction)
        db.session.add(row)
    else:
        lock_row(db.session, row)
    row.accept_days, row.reply_days, row.extension_days = (
        values["accept_days"],
        values["reply_days"],
        values["extension_days"],
    )
    row.updated_by_id = getattr(actor, "id", None)
    row.updated_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "update" if before else "create",
        row,
        jurisdiction_id=jurisdiction.id,
        before=before,
        after=row.audit_data(),
        summary=(
            f"{jurisdiction.name}举报办理期限：受理 {row.accept_days}、答复 {row.reply_days}、"
            f"延期 {row.extension_days} 个工作日"
        ),
    )
    return row
