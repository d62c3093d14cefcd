"""Who is told of a step on a complaint (the receiver in registry/notify/receivers.py calls `tell`):
the handling department of what reaches it (a new or transferred complaint, the office's decisions, a
note, a rating, a redo or an upheld reply), the office of its jurisdiction of what it must decide (an
extension, a reopened complaint), the department a refusal names as responsible. Written in the site's
default language; never the person's contact details."""

from flask_babel import gettext as _

from registry.complaints.models import Complaint, ComplaintEvent, EventKind
from registry.extensions import db
from registry.lists.models import Department
from registry.notify import notify, path_for

EXCERPT = 300


def _department_name(department_id: int | None) -> str:
    # The event may not be flushed yet: its relationships are not loaded, its ids are set.
    department = db.session.get(Department, department_id) if department_id else None
    return department.name if department else ""


def _excerpt(text: str) -> str:
    text = (text or "").strip()
    return text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + "……"


def tell(complaint: Complaint, event: ComplaintEvent, actor) -> None:
    from registry.notify.receivers import _default_locale, _others, department_users, office_users

    url = path_for("complaints.show", complaint_id=complaint.id)
    department = complaint.department
    name = f"#{complaint.id}"
    with _default_locale():
        about = _("地点：%(place)s", place=complaint.place)
        if complaint.matter_title:
            about += "；" + _("事项：%(matter)s", matter=complaint.matter_title)
        kind = event.kind
        if kind == EventKind.SUBMITTED:
            notify(
                department_users(complaint.department_id),
                "complaint_received",
                _("收到公众举报 %(id)s", id=name),
                body="\n\n".join(
                    [
                        about,
                        _excerpt(complaint.description),
                        _("请在 %(date)s 前决定是否受理。", date=complaint.accept_due),
                    ]
                ),
                url=url,
            )
        elif kind == EventKind.TRANSFERRED:
            origin = _department_name(event.department_id)
            notify(
                _others(department_users(event.to_department_id), actor),
                "complaint_received",
                _("%(department)s转办来举报 %(id)s", department=origin, id=name),
                body="\n\n".join(
                    [
                        about,
                        _("转办理由：%(reason)s", reason=_excerpt(event.text)),
                        _("请在 %(date)s 前决定是否受理。", date=complaint.accept_due),
                    ]
                ),
                url=url,
            )
        elif kind == EventKind.EXTENSION_REQUESTED:
            notify(
                _others(office_users(department.jurisdiction_id), actor),
                "complaint_extension",
                _("%(department)s申请延期答复举报 %(id)s", department=department.name, id=name),
                body="\n\n".join(
                    [
                        _("延期理由：%(reason)s", reason=_excerpt(event.text)),
                        _("现答复期限：%(date)s。请同意或不同意延期。", date=complaint.reply_due),
                    ]
                ),
                url=url,
            )
        elif kind in (EventKind.EXTENSION_GRANTED, EventKind.EXTENSION_REFUSED):
            granted = kind == EventKind.EXTENSION_GRANTED
            lines = [
                _("答复期限延至 %(date)s。", date=complaint.reply_due)
                if granted
                else _("答复期限仍为 %(date)s。", date=complaint.reply_due)
            ]
            if event.text:
                lines.insert(0, _("办公室意见：%(comment)s", comment=_excerpt(event.text)))
            notify(
                _others(department_users(complaint.department_id), actor),
                "complaint_extension",
                _("办公室同意举报 %(id)s 延期答复", id=name)
                if granted
                else _("办公室不同意举报 %(id)s 延期答复", id=name),
                body="\n\n".join(lines),
                url=url,
            )
        elif kind == EventKind.NOTE:
            author = _department_name(event.department_id) or event.actor_name
            notify(
                _others(department_users(complaint.department_id), actor),
                "complaint_note",
                _("%(author)s在举报 %(id)s 上添加了备注", author=author, id=name),
                body=_excerpt(event.text),
                url=url,
            )
        elif kind == EventKind.REOPENED:
            notify(
                office_users(department.jurisdiction_id),
                "complaint_reopened",
                _("举报人对举报 %(id)s 的答复不满意，待办公室复核", id=name),
                body="\n\n".join(
                    [
                        _("承办部门：%(department)s", department=department.name),
                        _("举报人意见：%(comment)s", comment=_excerpt(complaint.rating_comment or event.text)),
                        _("请复核：要求重新办理，或维持办结。"),
                    ]
                ),
                url=url,
            )
        elif kind == EventKind.RATED:
            satisfied = complaint.rating == "satisfied"
            notify(
                department_users(complaint.department_id),
                "complaint_rated",
                _("举报人对举报 %(id)s 的答复：满意", id=name)
                if satisfied
                else _("举报人对举报 %(id)s 的答复：不满意", id=name),
                body=_excerpt(complaint.rating_comment or event.text),
                url=url,
            )
        elif kind == EventKind.REDO:
            notify(
                _others(department_users(complaint.department_id), actor),
                "complaint_received",
                _("办公室要求重新办理举报 %(id)s", id=name),
                body="\n\n".join(
                    [
                        _("复核意见：%(comment)s", comment=_excerpt(event.text)),
                        _("请在 %(date)s 前重新答复。", date=complaint.reply_due),
                    ]
                ),
                url=url,
            )
        elif kind == EventKind.UPHELD:
            notify(
                _others(department_users(complaint.department_id), actor),
                "complaint_reopened",
                _("办公室复核举报 %(id)s：维持办结", id=name),
                body="\n\n".join(
                    [
                        _("举报人不满意，办公室复核后维持原答复，无需重新办理。"),
                        _("复核意见：%(comment)s", comment=_excerpt(event.text)),
                    ]
                ),
                url=url,
            )
        elif kind == EventKind.REJECTED and event.to_department_id:
            # The department named as responsible: the person was told to turn to it. It cannot open the
            # complaint (no link) and never sees the contact details.
            notify(
                department_users(event.to_department_id),
                "complaint_received",
                _(
                    "%(department)s对举报 %(id)s 不予受理，并指明由你部门负责",
                    department=_department_name(event.department_id),
                    id=name,
                ),
                body="\n\n".join(
                    [
                        about,
                        _excerpt(complaint.description),
                        _("不予受理的理由：%(reason)s", reason=_excerpt(event.text)),
                        _("举报人已被告知由你部门负责，可能会直接向你部门反映。"),
                    ]
                ),
            )
