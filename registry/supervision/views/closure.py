"""销号 pages behind the login: the lead department applies (statement, evidence), the certifying
departments sign, the office starts the public notice, handles the objections (the objector's contact
on a POST, audited), closes the task or sends it back, and reopens a closed one. Each step is its own
page (the irreversible ones are their confirmation step); the task page shows the application and
links to them through `task_closure` (templates/supervision/_task_closure.html)."""

from datetime import date

from flask import abort, flash, g, make_response, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from registry.core.forms import save_or_show
from registry.core.http import content_disposition
from registry.core.permissions import Permission, requires
from registry.core.timezone import local_today
from registry.extensions import db
from registry.supervision import closure as closing
from registry.supervision import evidence, rules
from registry.supervision.action_forms import (
    ApplyForm,
    ContactForm,
    DecisionForm,
    HandleObjectionForm,
    NoticeForm,
    ReopenForm,
    SignForm,
)
from registry.supervision.blueprint import bp
from registry.supervision.models import ClosureNotice, ClosureState, Objection, ObjectionState, Task, TaskFile
from registry.supervision.views.supervise import load_task, task_url


def _closure(closure_id: int) -> ClosureNotice | None:
    return db.session.get(ClosureNotice, closure_id)


def load_closure_task(closure_id: int, **_kwargs) -> Task | None:
    """The task of a closure application: scope is the task's (recipients: certifying departments)."""
    closure = _closure(closure_id)
    return closure.task if closure is not None else None


def load_objection_task(objection_id: int, **_kwargs) -> Task | None:
    objection = db.session.get(Objection, objection_id)
    return objection.closure.task if objection is not None else None


# -- the partial on the task page --------------------------------------------------------------------


@bp.app_template_global("task_closure")
def task_closure(task: Task, today: date | None = None) -> dict:
    """What _task_closure.html shows: every closure application of the task, newest first, with its
    sign-offs, notice and objections; which steps the signed-in user may take."""
    today = today or local_today()
    manage = rules.can_manage(current_user, task)
    current = task.open_closure
    pending = rules.pending_signoff(current_user, current) if current is not None else None
    window_open = current is not None and rules.objections_open(current, today)
    may_close = False
    close_refusal = ""
    if manage and current is not None and current.state == ClosureState.NOTICE:
        try:
            rules.check_may_close(current, today)
            may_close = True
        except Exception as refusal:  # noqa: BLE001 — a DomainError: the reason is shown
            close_refusal = str(refusal)
    return {
        "closures": list(reversed(task.closures)),
        "current": current,
        "manage": manage,
        # The lead department reads what an objection says once the office has handled it (moderated);
        # never who made it.
        "objection_text": manage or rules.is_department_user(current_user, task.lead_department_id),
        "may_apply": rules.can_report(current_user, task) and task.state in rules.ALLOWED_FROM["apply_closure"],
        "pending_signoff": pending,
        "may_start_notice": manage
        and current is not None
        and current.state == ClosureState.CERTIFYING
        and closing.certified(current),
        "window_open": window_open,
        "days_left": (current.notice_ends - today).days + 1 if window_open else None,
        "may_close": may_close,
        "close_refusal": close_refusal,
        "may_send_back": manage and current is not None,
        "may_reopen": manage and task.state in rules.ALLOWED_FROM["reopen"],
        "new_objections": sum(1 for o in current.objections if o.state == ObjectionState.NEW) if current else 0,
    }


def _page(template: str, task: Task, form, status: int = 200, **context):
    return (
        render_template(template, task=task, form=form, today=local_today(), back=task_url(task, "closure"), **context),
        status,
    )


def _evidence() -> dict:
    """What the evidence field's hint says (evidence.py's rules)."""
    return {
        "evidence_kinds": evidence.KINDS_TEXT,
        "evidence_mb": evidence.MAX_FILE_BYTES // (1024 * 1024),
        "evidence_max": evidence.MAX_FILES,
    }


# -- apply -------------------------------------------------------------------------------------------


@bp.route("/tasks/<int:task_id>/closure/apply", methods=["GET", "POST"], endpoint="apply_closure")
@requires(Permission.TASK_REPORT, load_task)
def apply_page(task_id: int):
    task = g.target
    if not rules.can_report(current_user, task):
        abort(403)
    form = ApplyForm()
    certifiers = [d for d in rules.certifier_ids(task.jurisdiction_id) if d != task.lead_department_id]
    if request.method == "POST":
        uploads = [
            (f.filename, f.read(evidence.MAX_FILE_BYTES + 1))
            for f in request.files.getlist(form.files.name)
            if f and f.filename
        ]
        if form.validate() and save_or_show(
            form,
            lambda: closing.apply_closure(task, statement=form.statement.data or "", files=uploads, actor=current_user),
        ):
            flash(_("已提交销号申请。"), "success")
            return redirect(task_url(task, "closure"), 303)
        return _page(
            "supervision/closure_apply.html",
            task,
            form,
            400,
            certifiers=len(certifiers),
            files_lost=bool(uploads),
            **_evidence(),
        )
    return _page(
        "supervision/closure_apply.html", task, form, certifiers=len(certifiers), files_lost=False, **_evidence()
    )


@bp.route("/closures/<int:closure_id>/files/<int:file_id>", endpoint="closure_file")
@requires(Permission.TASK_READ, load_closure_task)
def closure_file(closure_id: int, file_id: int):
    stored = db.session.get(TaskFile, file_id)
    if stored is None or stored.closure_id != closure_id:
        abort(404)
    response = make_response(stored.data)
    response.headers["Content-Type"] = stored.content_type
    inline = stored.content_type.startswith("image/") or stored.content_type == "application/pdf"
    response.headers["Content-Disposition"] = content_disposition("inline" if inline else "attachment", stored.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- sign --------------------------------------------------------------------------------------------


@bp.route("/closures/<int:closure_id>/sign", methods=["GET", "POST"], endpoint="sign_closure")
@requires(Permission.TASK_READ, load_closure_task)
def sign_page(closure_id: int):
    closure = _closure(closure_id)
    task = g.target
    signoff = next((s for s in closure.signoffs if s.department_id == current_user.department_id), None)
    if signoff is None or not rules.is_department_user(current_user, signoff.department_id):
        abort(403)
    if Permission.TASK_REPORT not in rules.permissions(current_user):
        abort(403)
    form = SignForm()
    status = 200
    if request.method == "POST":
        if form.validate() and save_or_show(
            form,
            lambda: closing.sign(
                closure,
                signoff.department,
                approve=form.decision.data == "approve",
                note=form.note.data or "",
                actor=current_user,
            ),
        ):
            flash(_("已签署认定意见。"), "success")
            return redirect(task_url(task, "closure"), 303)
        status = 400
    return _page("supervision/closure_sign.html", task, form, status, closure=closure, signoff=signoff)


# -- the notice --------------------------------------------------------------------------------------


@bp.route("/closures/<int:closure_id>/notice", methods=["GET", "POST"], endpoint="start_notice")
@requires(Permission.TASK_MANAGE, load_closure_task)
def notice_page(closure_id: int):
    closure = _closure(closure_id)
    task = g.target
    today = local_today()
    form = NoticeForm()
    if request.method == "GET":
        form.public_text.data = closure.public_text or closure.statement
    status = 200
    if request.method == "POST":
        if form.validate() and save_or_show(
            form,
            lambda: closing.start_notice(closure, public_text=form.public_text.data or "", actor=current_user),
        ):
            flash(_("销号公示已开始。"), "success")
            return redirect(task_url(task, "closure"), 303)
        status = 400
    starts, ends = rules.notice_window(today, task.jurisdiction_id)
    return _page(
        "supervision/closure_notice.html",
        task,
        form,
        status,
        closure=closure,
        starts=starts,
        ends=ends,
        days=rules.settings(task.jurisdiction_id)["objection_days"],
        ready=closure.state == ClosureState.CERTIFYING and closing.certified(closure),
    )


# -- objections --------------------------------------------------------------------------------------


def _objection_page(objection: Objection, form, status: int = 200, contact=None, show_contact: bool = False):
    task = objection.closure.task
    body, code = _page(
        "supervision/objection.html",
        task,
        form,
        status,
        objection=objection,
        closure=objection.closure,
        contact=contact,
        show_contact=show_contact,
        contact_form=ContactForm(formdata=None),
    )
    response = make_response(body, code)
    if show_contact:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/objections/<int:objection_id>", methods=["GET", "POST"], endpoint="handle_objection")
@requires(Permission.TASK_MANAGE, load_objection_task)
def objection_page(objection_id: int):
    objection = db.session.get(Objection, objection_id)
    form = HandleObjectionForm()
    if request.method == "POST":
        if form.validate() and save_or_show(
            form,
            lambda: closing.handle_objection(
                objection, upheld=form.decision.data == "upheld", note=form.note.data or "", actor=current_user
            ),
        ):
            flash(_("已处理异议。"), "success")
            return redirect(task_url(objection.closure.task, "closure"), 303)
        return _objection_page(objection, form, 400)
    return _objection_page(objection, form)


@bp.route("/objections/<int:objection_id>/contact", methods=["POST"], endpoint="objection_contact")
@requires(Permission.TASK_MANAGE, load_objection_task)
def objection_contact(objection_id: int):
    """查看联系方式: in this response only (no-store), every look audited."""
    objection = db.session.get(Objection, objection_id)
    if not ContactForm().validate():
        abort(400)
    contact = closing.show_contact(objection, current_user)
    db.session.commit()
    return _objection_page(objection, HandleObjectionForm(formdata=None), contact=contact, show_contact=True)


# -- the decision ------------------------------------------------------------------------------------


@bp.route("/closures/<int:closure_id>/close", methods=["GET", "POST"], endpoint="close_task")
@requires(Permission.TASK_MANAGE, load_closure_task)
def close_page(closure_id: int):
    """销号's confirmation step: what the window and the objections say, then the button."""
    closure = _closure(closure_id)
    task = g.target
    form = DecisionForm()
    status = 200
    if request.method == "POST":
        if form.validate() and save_or_show(
            form, lambda: closing.close_task(closure, note=form.note.data or "", actor=current_user)
        ):
            flash(_("任务已销号。"), "success")
            return redirect(task_url(task, "closure"), 303)
        status = 400
    refusal = ""
    try:
        rules.check_may_close(closure)
    except Exception as error:  # noqa: BLE001 — a DomainError: shown as the reason
        refusal = str(error)
    return _page(
        "supervision/closure_decide.html", task, form, status, closure=closure, action="close", refusal=refusal
    )


@bp.route("/closures/<int:closure_id>/send-back", methods=["GET", "POST"], endpoint="send_back")
@requires(Permission.TASK_MANAGE, load_closure_task)
def send_back_page(closure_id: int):
    closure = _closure(closure_id)
    task = g.target
    form = DecisionForm()
    status = 200
    if request.method == "POST":
        if form.validate() and save_or_show(
            form, lambda: closing.send_back(closure, note=form.note.data or "", actor=current_user)
        ):
            flash(_("已退回牵头部门重新整改。"), "success")
            return redirect(task_url(task, "closure"), 303)
        status = 400
    refusal = "" if closure.state in (ClosureState.CERTIFYING, ClosureState.NOTICE) else _(rules.MESSAGES["send_back"])
    return _page(
        "supervision/closure_decide.html", task, form, status, closure=closure, action="send_back", refusal=refusal
    )


@bp.route("/tasks/<int:task_id>/reopen", methods=["GET", "POST"], endpoint="reopen_task")
@requires(Permission.TASK_MANAGE, load_task)
def reopen_page(task_id: int):
    task = g.target
    form = ReopenForm()
    status = 200
    if request.method == "POST":
        if form.validate() and save_or_show(
            form, lambda: closing.reopen(task, reason=form.reason.data or "", actor=current_user)
        ):
            flash(_("任务已重新整改。"), "success")
            return redirect(task_url(task, "closure"), 303)
        status = 400
    return _page("supervision/reopen.html", task, form, status, allowed=task.state in rules.ALLOWED_FROM["reopen"])
