"""Departments and offices: the 举报 inbox, a complaint's page with its timeline, the contact details on
request, the photos and attachments. The steps (each a small form on that page, 转办 on its own page) are
in action_views.py, a jurisdiction's deadline settings in settings_views.py: all on the same blueprint,
imported at the end of this module so that registering it registers them all."""

import io

from flask import abort, current_app, g, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

import registry.complaints.deadlines  # noqa: F401  (the periodic reminders)
import registry.complaints.public_views  # noqa: F401  (routes on the same blueprint)
import registry.complaints.stats_views  # noqa: F401
from registry.complaints import forms, handling, inbox, rules
from registry.complaints.blueprint import bp
from registry.complaints.models import (
    EVENT_LABELS,
    STATE_LABELS,
    Complaint,
    ComplaintFile,
    ComplaintState,
    EventKind,
    ExtensionState,
    RoutedBy,
)
from registry.core.forms import choices
from registry.core.http import content_disposition, paginate, whole_number
from registry.core.permissions import Permission, can, requires
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions import queries as jurisdiction_queries
from registry.lists.models import Department
from registry.versions.models import VersionMatter

__all__ = ["bp"]

THUMBNAIL = (320, 240)


def load_complaint(complaint_id: int, **_kwargs) -> Complaint | None:
    return db.session.get(Complaint, complaint_id)


def load_jurisdiction(code: str):
    return jurisdiction_queries.by_code(code)


# -- the inbox ---------------------------------------------------------------------------------------


@bp.route("/manage/complaints", endpoint="inbox")
@requires(Permission.COMPLAINT_READ)
def inbox_page():
    """A department's complaints (and those it cooperates on); an office's: every department's of its
    jurisdiction, overdue first, or of a jurisdiction below it (read only)."""
    scope = inbox.scope_of(current_user)
    if scope is None:
        abort(403)
    below = None
    if scope.is_office and (code := request.args.get("jurisdiction")):
        below = jurisdiction_queries.by_code(code)
        if below is None:
            abort(404)
        if not below.is_within(current_user.jurisdiction):
            abort(403)
        scope = inbox.Scope(jurisdiction=below, read_only=below.id != current_user.jurisdiction_id)
    tabs = inbox.OFFICE_TABS if scope.is_office else inbox.DEPARTMENT_TABS
    tab = request.args.get("state", "")
    if tab not in tabs:
        tab = tabs[0]
    department_id = whole_number(request.args.get("department")) if scope.is_office else None
    departments = inbox.departments_of(scope.jurisdiction) if scope.is_office else []
    if department_id is not None and department_id not in {d.id for d in departments}:
        department_id = None
    today = local_today()
    page = paginate(inbox.listing(scope, tab, today, department_id=department_id), inbox.PER_PAGE)
    return render_template(
        "complaints/inbox.html",
        scope=scope,
        tabs=[inbox.TABS[t] for t in tabs],
        tab=tab,
        counts=inbox.counts(scope, today, department_id=department_id),
        page=page,
        departments=departments,
        department_id=department_id,
        below=_below(current_user.jurisdiction) if scope.is_office else [],
        today=today,
    )


def _below(jurisdiction):
    result, stack = [], list(jurisdiction.children)
    while stack:
        j = stack.pop(0)
        result.append(j)
        stack[0:0] = list(j.children)
    return result


@bp.app_template_global("complaint_workbench")
def complaint_workbench():
    """The 工作台's complaint counts of the signed-in user (None for those with no inbox)."""
    if not can(current_user, Permission.COMPLAINT_READ):
        return None
    scope = inbox.scope_of(current_user)
    return inbox.counts(scope, local_today()) if scope else None


# -- a complaint's page ------------------------------------------------------------------------------


def _fresh_form(form_class, complaint: Complaint):
    form = form_class(formdata=None)
    form.lock_version.data = complaint.lock_version
    return form


def responsible_choices(complaint: Complaint):
    return [("", _("请选择")), (handling.NO_DEPARTMENT, _("无其他责任部门"))] + [
        (str(d.id), _department_label(d, complaint)) for d in handling.transfer_targets(complaint)
    ]


def _department_label(department: Department, complaint: Complaint) -> str:
    if department.jurisdiction_id == complaint.jurisdiction_id:
        return department.name
    return f"{department.name}（{department.jurisdiction.name}）"


def _page(complaint: Complaint, *, failed=None, contact=None, show_contact: bool = False, status: int = 200):
    """The complaint's page; `failed`: the form of a refused step, shown with its errors and what was
    typed; `contact`: the contact details asked for (the 查看联系方式 button)."""
    may = {
        "handle": rules.can_handle(current_user, complaint),
        "oversee": rules.can_oversee(current_user, complaint),
        "note": rules.can_add_note(current_user, complaint),
        "contact": rules.may_see_contact(current_user, complaint),
    }
    built = {}
    for key, form_class in (
        ("accept", forms.AcceptForm),
        ("answer", forms.AnswerForm),
        ("reject", forms.RejectForm),
        ("extension", forms.ExtensionForm),
        ("decide", forms.DecideExtensionForm),
        ("note", forms.NoteForm),
        ("review", forms.ReviewForm),
        ("photo", forms.PhotoForm),
    ):
        built[key] = failed if failed is not None and key == failed.PREFIX else _fresh_form(form_class, complaint)
    built["reject"].responsible.choices = choices(responsible_choices(complaint))
    matter = db.session.get(VersionMatter, complaint.version_matter_id) if complaint.version_matter_id else None
    events = complaint.events
    # Only what the user may open is linked (rules.may_see_file): private photos and the reply's
    # attachments are for the handling department and its office.
    files = [f for f in complaint.files if rules.may_see_file(current_user, complaint, f)]
    hidden_photos = sum(1 for f in complaint.files if f.kind == "photo") - sum(1 for f in files if f.kind == "photo")
    response = make_response(
        render_template(
            "complaints/show.html",
            complaint=complaint,
            matter=matter,
            events=events,
            photos=[f for f in files if f.kind == "photo"],
            hidden_photos=hidden_photos,
            extension_before_transfer=_extension_before_transfer(events),
            attachments={e.id: [f for f in files if f.kind == "attachment" and f.event_id == e.id] for e in events},
            may=may,
            forms=built,
            contact=contact,
            show_contact=show_contact,
            repeats=inbox.repeats_of(complaint),
            cooperating=rules.cooperating_department_ids(complaint),
            state_labels=STATE_LABELS,
            event_labels=EVENT_LABELS,
            ComplaintState=ComplaintState,
            ExtensionState=ExtensionState,
            RoutedBy=RoutedBy,
            overdue=rules.is_overdue(complaint),
            current_due=rules.current_due(complaint),
            on_time=rules.answered_on_time(complaint),
            deadline_settings=rules.settings_for(complaint.department.jurisdiction),
            attachment_mb=current_app.config["COMPLAINT_ATTACHMENT_MAX_BYTES"] // (1024 * 1024),
        ),
        status,
    )
    if show_contact:
        response.headers["Cache-Control"] = "no-store"
    return response


def _extension_before_transfer(events) -> bool:
    """Whether the one extension was asked for by a department that handled the complaint before a
    transfer (the page says why the department now handling it cannot ask again)."""
    asked = [i for i, e in enumerate(events) if e.kind == EventKind.EXTENSION_REQUESTED]
    moved = [i for i, e in enumerate(events) if e.kind == EventKind.TRANSFERRED]
    return bool(asked and moved and moved[-1] > asked[-1])


@bp.app_template_global("complaint_due")
def complaint_due(complaint: Complaint):
    """What is due next on a complaint and by when (rules.current_due), for the inbox's deadline column."""
    return rules.current_due(complaint)


@bp.route("/manage/complaints/<int:complaint_id>")
@requires(Permission.COMPLAINT_READ, load_complaint)
def show(complaint_id: int):
    complaint = g.target
    if not rules.can_read(current_user, complaint):
        abort(403)
    return _page(complaint)


@bp.route("/manage/complaints/<int:complaint_id>/contact", methods=["POST"])
@requires(Permission.COMPLAINT_READ, load_complaint)
def contact(complaint_id: int):
    """查看联系方式: shown in this response only, and audited every time."""
    complaint = g.target
    if not rules.may_see_contact(current_user, complaint):
        abort(403)
    details = handling.show_contact(complaint, current_user)
    db.session.commit()
    return _page(complaint, contact=details, show_contact=True)


@bp.route("/manage/complaints/<int:complaint_id>/files/<int:file_id>")
@requires(Permission.COMPLAINT_READ, load_complaint)
def file(complaint_id: int, file_id: int):
    """A photo (`?thumb=1`: a small copy for the page) or a reply's attachment."""
    complaint = g.target
    stored = db.session.get(ComplaintFile, file_id)
    if stored is None or stored.complaint_id != complaint.id:
        abort(404)
    if not rules.may_see_file(current_user, complaint, stored):
        abort(403)
    data, content_type = stored.data, stored.content_type
    if request.args.get("thumb") and content_type.startswith("image/"):
        from PIL import Image, UnidentifiedImageError  # here: a worker that shows no photo need not load it

        try:
            with Image.open(io.BytesIO(data)) as image:
                image.thumbnail(THUMBNAIL)
                out = io.BytesIO()
                image.convert("RGB").save(out, "JPEG", quality=80)
                data, content_type = out.getvalue(), "image/jpeg"
        except (UnidentifiedImageError, OSError, ValueError):
            pass  # the stored file as it is
    response = make_response(data)
    response.headers["Content-Type"] = content_type
    inline = content_type.startswith("image/") or content_type == "application/pdf"
    response.headers["Content-Disposition"] = content_disposition("inline" if inline else "attachment", stored.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# The other routes of the department side, on the same blueprint (they use _page and the loaders above).
import registry.complaints.action_views  # noqa: E402,F401
import registry.complaints.settings_views  # noqa: E402,F401
