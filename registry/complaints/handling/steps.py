"""The department's steps on a complaint: 受理, 转办 (to a named department, with the matter it belongs to
and a reason), 办结 (a reply with optional attachments), 不予受理 (naming who is responsible)."""

import hashlib
import os
from datetime import date

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l

from registry.complaints import rules
from registry.complaints.handling.common import (
    MAX_ATTACHMENTS,
    MAX_TEXT,
    MIN_NO_DEPARTMENT_REASON,
    NO_DEPARTMENT,
    Upload,
    clean_text,
    fresh,
    handler,
    in_state,
    matters_of,
    too_long,
    transfer_targets,
)
from registry.complaints.models import Complaint, ComplaintFile, ComplaintState, EventKind, ExtensionState
from registry.complaints.services import add_event
from registry.core.audit import Actor
from registry.core.db import utcnow
from registry.core.errors import refuse
from registry.core.timezone import local_today
from registry.extensions import db

# What a reply may carry, judged by content (filetype), never by the name or the browser's word.
ATTACHMENT_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}


def accept(complaint: Complaint, actor: Actor, *, expected_version: int | None, today: date | None = None) -> None:
    """受理: the reply is now due in the jurisdiction's reply_days working days."""
    handler(actor, complaint)
    fresh(complaint, expected_version)
    in_state(complaint, (ComplaintState.NEW,), _l("只有待受理的举报可以受理。"))
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
    handler(actor, complaint)
    fresh(complaint, expected_version)
    in_state(complaint, (ComplaintState.NEW, ComplaintState.ACCEPTED), _l("这件举报已办结或不予受理，不能再转办。"))
    reason = clean_text(reason)
    targets = {d.id: d for d in transfer_targets(complaint)}
    target = targets.get(to_department_id or 0)
    problems = []
    if not to_department_id:
        problems.append(("department", _l("请选择转办给哪个部门：转办必须指明承办部门。")))
    elif target is None:
        problems.append(("department", _l("只能转办给举报所在地、其下级或上级的其他部门。")))
    matter = None
    if not version_matter_id:
        problems.append(("matter", _l("请选择这件举报属于该部门的哪个事项。")))
    elif target is not None:
        matter = next((m for m in matters_of(target, today) if m.id == version_matter_id), None)
        if matter is None:
            problems.append(("matter", _l("所选事项不在该部门所在地现行的责任清单中，请重新选择。")))
    if not reason:
        problems.append(("reason", _l("请填写转办理由：为什么由该部门办理。")))
    elif too_long(reason):
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
    # One extension per complaint, whoever handles it: a granted or refused one stays on the complaint.
    # A request still undecided lapses with the transfer (it was the old department's).
    if complaint.extension_state == ExtensionState.REQUESTED:
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
    handler(actor, complaint)
    fresh(complaint, expected_version)
    in_state(complaint, (ComplaintState.ACCEPTED,), _l("只有办理中的举报可以办结；请先受理。"))
    reply = clean_text(reply)
    problems = []
    if not reply:
        problems.append(("reply", _l("请填写答复：向举报人说明核查和处理的情况。")))
    elif too_long(reply):
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
    handler(actor, complaint)
    fresh(complaint, expected_version)
    in_state(complaint, (ComplaintState.NEW,), _l("只有待受理的举报可以不予受理；已受理的请办结答复。"))
    reason = clean_text(reason)
    responsible = (responsible or "").strip()
    targets = {str(d.id): d for d in transfer_targets(complaint)}
    problems = []
    department = None
    if not responsible:
        problems.append(("responsible", _l("请指明负责的部门；确实没有其他责任部门的，请选择“无其他责任部门”。")))
    elif responsible != NO_DEPARTMENT:
        department = targets.get(responsible)
        if department is None:
            problems.append(("responsible", _l("只能指明举报所在地、其下级或上级的其他部门。")))
    if not reason:
        problems.append(("reason", _l("请填写不予受理的理由。")))
    elif too_long(reason):
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
