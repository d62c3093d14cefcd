"""Departments and offices: the 举报 inbox, a complaint's page with its timeline, the steps (each a
small form on that page, 转办 on its own page), the contact details on request, the photos and
attachments, and a jurisdiction's deadline settings."""

import io

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from PIL import Image, UnidentifiedImageError

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
    ExtensionState,
    RoutedBy,
)
from registry.core.errors import DomainError
from registry.core.forms import choices, show_error
from registry.core.http import content_disposition, paginate, whole_number
from registry.core.permissions import Permission, Role, can, requires
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


def _responsible_choices(complaint: Complaint):
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
    built["reject"].responsible.choices = choices(_responsible_choices(complaint))
    matter = db.session.get(VersionMatter, complaint.version_matter_id) if complaint.version_matter_id else None
    events = complaint.events
    files = complaint.files
    response = make_response(
        render_template(
            "complaints/show.html",
            complaint=complaint,
            matter=matter,
            events=events,
            photos=[f for f in files if f.kind == "photo"],
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


# -- the steps ---------------------------------------------------------------------------------------


def _step(form, do, done_message: str):
    """Validate a step's form, run the service, commit and go back to the page; on a refusal, the page
    again with the form's errors next to its fields and everything typed kept (400)."""
    complaint = g.target
    if form.validate():
        try:
            do(complaint, form)
        except handling.NotAllowed:
            db.session.rollback()
            abort(403)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(done_message, "success")
            if rules.can_read(current_user, complaint):
                return redirect(url_for("complaints.show", complaint_id=complaint.id))
            return redirect(url_for("complaints.inbox"))
    db.session.expire_all()
    return _page(db.session.get(Complaint, complaint.id), failed=form, status=400)


def _handler_only():
    if not rules.can_handle(current_user, g.target):
        abort(403)


def _overseer_only():
    if not rules.can_oversee(current_user, g.target):
        abort(403)


@bp.route("/manage/complaints/<int:complaint_id>/accept", methods=["POST"])
@requires(Permission.COMPLAINT_HANDLE, load_complaint)
def accept(complaint_id: int):
    _handler_only()
    return _step(
        forms.AcceptForm(),
        lambda c, f: handling.accept(c, current_user, expected_version=f.lock_version.data),
        _("已受理。请在答复期限内办结，并答复举报人。"),
    )


@bp.route("/manage/complaints/<int:complaint_id>/answer", methods=["POST"])
@requires(Permission.COMPLAINT_HANDLE, load_complaint)
def answer(complaint_id: int):
    _handler_only()
    form = forms.AnswerForm()
    uploads = [
        handling.Upload(f.filename or "", f.read())
        for f in request.files.getlist(form.attachments.name)
        if f and (f.filename or "").strip()
    ]
    return _step(
        form,
        lambda c, f: handling.answer(
            c, current_user, reply=f.reply.data, attachments=uploads, expected_version=f.lock_version.data
        ),
        _("已办结。答复已在举报查询页面向举报人公开。"),
    )


@bp.route("/manage/complaints/<int:complaint_id>/reject", methods=["POST"])
@requires(Permission.COMPLAINT_HANDLE, load_complaint)
def reject(complaint_id: int):
    _handler_only()
    form = forms.RejectForm()
    form.responsible.choices = choices(_responsible_choices(g.target))
    return _step(
        form,
        lambda c, f: handling.reject(
            c, current_user, reason=f.reason.data, responsible=f.responsible.data, expected_version=f.lock_version.data
        ),
        _("已决定不予受理，理由和负责的部门已告知举报人。"),
    )


@bp.route("/manage/complaints/<int:complaint_id>/extension", methods=["POST"])
@requires(Permission.COMPLAINT_HANDLE, load_complaint)
def request_extension(complaint_id: int):
    _handler_only()
    return _step(
        forms.ExtensionForm(),
        lambda c, f: handling.request_extension(
            c, current_user, reason=f.reason.data, expected_version=f.lock_version.data
        ),
        _("延期申请已提交本级办公室。"),
    )


@bp.route("/manage/complaints/<int:complaint_id>/extension/decide", methods=["POST"])
@requires(Permission.COMPLAINT_OVERSEE, load_complaint)
def decide_extension(complaint_id: int):
    _overseer_only()
    grant = "decide-grant" in request.form
    return _step(
        forms.DecideExtensionForm(),
        lambda c, f: handling.decide_extension(
            c, current_user, grant=grant, reason=f.reason.data, expected_version=f.lock_version.data
        ),
        _("已同意延期，答复期限已顺延。") if grant else _("已不同意延期，承办部门会收到通知。"),
    )


@bp.route("/manage/complaints/<int:complaint_id>/note", methods=["POST"])
@requires(Permission.COMPLAINT_READ, load_complaint)
def add_note(complaint_id: int):
    if not rules.can_add_note(current_user, g.target):
        abort(403)
    return _step(
        forms.NoteForm(),
        lambda c, f: handling.add_note(c, current_user, text=f.text.data),
        _("备注已添加（仅内部可见）。"),
    )


@bp.route("/manage/complaints/<int:complaint_id>/review", methods=["POST"])
@requires(Permission.COMPLAINT_OVERSEE, load_complaint)
def review(complaint_id: int):
    _overseer_only()
    redo = "review-redo" in request.form
    return _step(
        forms.ReviewForm(),
        lambda c, f: handling.review(
            c, current_user, redo=redo, comment=f.comment.data, expected_version=f.lock_version.data
        ),
        _("已要求承办部门重新办理。") if redo else _("已维持办结。"),
    )


@bp.route("/manage/complaints/<int:complaint_id>/files/<int:file_id>/publish", methods=["POST"])
@requires(Permission.COMPLAINT_HANDLE, load_complaint)
def publish_photo(complaint_id: int, file_id: int):
    _handler_only()
    photo = db.session.get(ComplaintFile, file_id)
    if photo is None or photo.complaint_id != complaint_id:
        abort(404)

    def do(complaint, form):
        handling._fresh(complaint, form.lock_version.data)
        handling.publish_photo(complaint, current_user, photo)

    return _step(forms.PhotoForm(), do, _("照片已设为公开，举报人可在查询页面看到。"))


# -- 转办 (its own page: the matter depends on the department chosen) -------------------------------


def _transfer_choices(form, complaint: Complaint) -> Department | None:
    targets = handling.transfer_targets(complaint)
    groups: dict[str, list[tuple[str, str]]] = {}
    for d in targets:
        groups.setdefault(d.jurisdiction.name, []).append((str(d.id), d.name))
    form.department.choices = {"": [("", _("请选择部门"))], **groups}
    chosen_id = whole_number(form.department.data or request.args.get("department") or "")
    chosen = next((d for d in targets if d.id == chosen_id), None)
    if chosen is None:
        form.matter.choices = [("", _("请先选择部门"))]
        return None
    form.department.data = str(chosen.id)
    matters = handling.matters_of(chosen)
    led = [(str(m.id), m.title) for m in matters if m.lead_department_id == chosen.id]
    other = [(str(m.id), m.title) for m in matters if m.lead_department_id != chosen.id]
    grouped = {"": [("", _("请选择事项") if matters else _("该部门所在地尚无现行清单"))]}
    if led:
        grouped[_("%(department)s牵头的事项", department=chosen.name)] = led
    if other:
        grouped[_("%(place)s的其他事项", place=chosen.jurisdiction.name)] = other
    form.matter.choices = grouped
    return chosen


@bp.route("/manage/complaints/<int:complaint_id>/transfer", methods=["GET", "POST"])
@requires(Permission.COMPLAINT_HANDLE, load_complaint)
def transfer(complaint_id: int):
    """转办: to a named department, with the matter it belongs to and a reason, after a confirmation."""
    complaint = g.target
    _handler_only()
    if complaint.state not in (ComplaintState.NEW, ComplaintState.ACCEPTED):
        flash(_("这件举报已办结或不予受理，不能再转办。"), "error")
        return redirect(url_for("complaints.show", complaint_id=complaint.id))
    form = forms.TransferForm() if request.method == "POST" else forms.TransferForm(formdata=None)
    if request.method == "GET":
        form.lock_version.data = complaint.lock_version
    chosen = _transfer_choices(form, complaint)
    status = 200
    if request.method == "POST" and "transfer-pick" not in request.form:
        if form.validate() and chosen is not None:
            try:
                handling.transfer(
                    complaint,
                    current_user,
                    to_department_id=chosen.id,
                    version_matter_id=whole_number(form.matter.data or ""),
                    reason=form.reason.data,
                    expected_version=form.lock_version.data,
                )
            except handling.NotAllowed:
                db.session.rollback()
                abort(403)
            except DomainError as error:
                db.session.rollback()
                show_error(form, error)
            else:
                db.session.commit()
                flash(
                    _(
                        "已转办给%(department)s（事项：%(matter)s）。",
                        department=chosen.name,
                        matter=complaint.matter_title,
                    ),
                    "success",
                )
                if rules.can_read(current_user, complaint):
                    return redirect(url_for("complaints.show", complaint_id=complaint.id))
                return redirect(url_for("complaints.inbox"))
        elif form.department.data and chosen is None:
            form.department.errors = [_("只能转办给举报所在地或其上级的其他部门。")]
        status = 400
        db.session.expire_all()
        complaint = db.session.get(Complaint, complaint_id)
    return render_template(
        "complaints/transfer.html", complaint=complaint, form=form, chosen=chosen, RoutedBy=RoutedBy
    ), status


# -- a jurisdiction's deadlines ----------------------------------------------------------------------


@bp.route("/manage/<code>/complaints/settings", methods=["GET", "POST"])
@requires(Permission.COMPLAINT_OVERSEE, load_jurisdiction)
def settings(code: str):
    """受理 / 答复 / 延期 in working days for a jurisdiction (and those below without their own)."""
    j = g.target
    current = handling.settings_view(j)
    form = forms.SettingsForm()
    status = 200
    if request.method == "GET":
        for name, value in current.values.items():
            getattr(form, name).data = str(value)
    elif form.validate():
        values = {
            name: whole_number(getattr(form, name).data, low=-1, high=10**6)
            for name in ("accept_days", "reply_days", "extension_days")
        }
        try:
            handling.update_settings(j, current_user, **values)
        except handling.NotAllowed:
            db.session.rollback()
            abort(403)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = 400
        else:
            db.session.commit()
            flash(_("举报办理期限已保存，自现在起收到和受理的举报按新期限计算。"), "success")
            return redirect(url_for("complaints.settings", code=j.code))
    else:
        status = 400
    return render_template(
        "complaints/settings.html",
        j=j,
        form=form,
        current=current,
        defaults=handling.ComplaintSettings.DEFAULTS,
        is_office=current_user.role == Role.OFFICE_ADMIN,
    ), status
