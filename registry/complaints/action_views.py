"""The steps on a complaint's page, each a POST (Post/Redirect/Get): 受理, 办结, 不予受理, 申请延期 and the
office's decision, 备注, 复核, 设为公开; and 转办 on its own page (the matter depends on the department)."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.complaints import forms, handling, rules
from registry.complaints.blueprint import bp
from registry.complaints.models import Complaint, ComplaintFile, ComplaintState, RoutedBy
from registry.complaints.views import _page, load_complaint, responsible_choices
from registry.core.errors import DomainError
from registry.core.forms import choices, show_error
from registry.core.http import whole_number
from registry.core.permissions import Permission, requires
from registry.extensions import db
from registry.lists.models import Department

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
    form.responsible.choices = choices(responsible_choices(g.target))
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

    return _step(
        forms.PhotoForm(),
        lambda c, f: handling.publish_photo(c, current_user, photo, expected_version=f.lock_version.data),
        _("照片已设为公开，举报人可在查询页面看到。"),
    )


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
            form.department.errors = [_("只能转办给举报所在地、其下级或上级的其他部门。")]
        status = 400
        db.session.expire_all()
        complaint = db.session.get(Complaint, complaint_id)
    return render_template(
        "complaints/transfer.html", complaint=complaint, form=form, chosen=chosen, RoutedBy=RoutedBy
    ), status
