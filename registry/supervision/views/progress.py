"""Progress on a task (§7): the lead's monthly report and each cooperating department's input (the same
form, each department its own rows), the lead's reminder to a cooperating department and its report of
a stalled one to the office, the evidence files (served only to those who may read the task); the
task page's progress panel and the department's 工作台 figures."""

from contextlib import suppress
from datetime import date

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation

import registry.supervision.progress  # noqa: F401  (the hourly progress reminders: registers the periodic job)
from registry.core.errors import DomainError
from registry.core.forms import DbIntegerField, choices, record_id, save_or_show, show_problems
from registry.core.http import content_disposition
from registry.core.permissions import DEPARTMENT_ROLES, Permission, requires
from registry.core.timezone import local_today
from registry.extensions import db
from registry.lists.models import Department
from registry.supervision import evidence, queries, rules
from registry.supervision import progress as services
from registry.supervision.blueprint import bp
from registry.supervision.models import (
    PROGRESS_LABELS,
    Supervision,
    Task,
    TaskFile,
    TaskProgress,
    TaskState,
    task_cooperating,
)
from registry.supervision.views.decomposition import load_task

TOO_LONG = _l("不能超过 %(max)d 个字。")


def _month_label(month: date) -> str:
    return _("%(year)s年%(month)s月", year=month.year, month=month.month)


def _not_a_number_said_once(form, field) -> None:
    """ "abc" is not a whole number: say that alone, not the range checks that follow as well."""
    if field.process_errors:
        raise StopValidation()


class ProgressForm(FlaskForm):
    month = SelectField(_l("月份"), choices=[], validate_choice=False)
    status = SelectField(
        _l("进展状态"),
        choices=choices(list(PROGRESS_LABELS.items())),
        validate_choice=False,
        validators=[DataRequired(_l("请选择进展状态。"))],
    )
    percent = DbIntegerField(
        _l("完成比例（%）"),
        validators=[
            Optional(),
            _not_a_number_said_once,
            NumberRange(0, 100, message=_l("完成比例须在 0 到 100 之间。")),
        ],
    )
    milestone = StringField(_l("节点"), validators=[Length(max=services.MILESTONE_MAX, message=TOO_LONG)])
    text = TextAreaField(
        _l("进展情况"), validators=[Length(max=services.TEXT_MAX, message=TOO_LONG)], render_kw={"rows": 5}
    )
    files = MultipleFileField(_l("佐证材料（可选）"))


class RemindForm(FlaskForm):
    department = SelectField(_l("配合部门"), coerce=record_id, choices=[], validate_choice=False)
    note = TextAreaField(
        _l("提醒内容"), validators=[Length(max=services.NOTE_MAX, message=TOO_LONG)], render_kw={"rows": 3}
    )


class EscalateForm(FlaskForm):
    department = SelectField(_l("配合部门"), coerce=record_id, choices=[], validate_choice=False)
    reason = TextAreaField(
        _l("推进不力的情况"), validators=[Length(max=services.NOTE_MAX, message=TOO_LONG)], render_kw={"rows": 4}
    )
    confirm = BooleanField(
        _l("我确认向本级办公室报告：报告记入任务的办理过程，办公室和该配合部门都能看到"),
        validators=[DataRequired(_l("请勾选确认后再报告。"))],
    )


def _acting_department(task: Task) -> Department | None:
    """The department the signed-in user reports for on this task: the lead's or a cooperating one's."""
    if rules.can_report(current_user, task):
        return task.lead_department
    if rules.can_give_input(current_user, task):
        return db.session.get(Department, current_user.department_id)
    return None


def _progress_form(task: Task, posted: bool = False) -> ProgressForm:
    form = ProgressForm() if posted else ProgressForm(formdata=None)
    months = services.reportable_months(task)
    form.month.choices = choices([(m.isoformat(), _month_label(m)) for m in months])
    if not posted:
        form.month.data = months[0].isoformat()
    return form


def _cooperating_choices(task: Task) -> list:
    return choices([(0, _("— 请选择 —"))] + [(d.id, d.name) for d in task.cooperating])


def _task_page(task: Task, anchor: str = "progress") -> str:
    from flask import current_app

    if "supervision.task" in current_app.view_functions:
        return url_for("supervision.task", task_id=task.id, _anchor=anchor)
    return url_for("lists.home")


@bp.app_template_global()
def task_progress_panel(task: Task, today: date | None = None) -> dict:
    """What the task page's progress panel shows: this month's state per department, the history, and
    which of the forms the signed-in user may use (empty forms, their choices set)."""
    today = today or local_today()
    acting = _acting_department(task) if task.state in rules.ALLOWED_FROM["report_progress"] else None
    lead = rules.can_report(current_user, task)
    may_remind = lead and bool(task.cooperating) and task.state in rules.ALLOWED_FROM["remind"]
    remind = escalate = None
    if may_remind:
        remind, escalate = RemindForm(formdata=None), EscalateForm(formdata=None)
        remind.department.choices = escalate.department.choices = _cooperating_choices(task)
    month = rules.month_start(today)
    return {
        "states": services.month_states(task, today),
        "month_label": _month_label(month),
        "due": rules.progress_due(month, task.jurisdiction_id),
        "history": services.history(task),
        "acting": acting,
        "form": _progress_form(task) if acting else None,
        "remind": remind,
        "escalate": escalate,
        "reminders": [e for e in task.events if e.kind in ("reminded", "escalated")][::-1],
        "max_mb": evidence.MAX_FILE_BYTES // (1024 * 1024),
        "max_files": evidence.MAX_FILES,
    }


def _uploads(form: ProgressForm) -> list[evidence.Upload]:
    return [
        evidence.Upload(f.filename or "", f.read())
        for f in request.files.getlist(form.files.name)
        if f and (f.filename or "").strip()
    ]


def _forbid_on(error_class, action):
    """Run a save; a NotAllowed refusal is a 403."""
    try:
        return action()
    except error_class:
        db.session.rollback()
        abort(403)


@bp.route("/tasks/<int:task_id>/progress", methods=["GET", "POST"])
@requires(Permission.TASK_READ, load_task)
def task_progress(task_id: int):
    """The progress form of the lead or a cooperating department (its own page: the task page shows it
    too, and a refused submit comes back here with the errors and the input kept)."""
    task = g.target
    department = _acting_department(task)
    if department is None:
        abort(403)
    form = _progress_form(task, posted=request.method == "POST")
    if request.method == "POST":
        valid = form.validate()
        month = None
        with suppress(ValueError):
            month = date.fromisoformat(form.month.data or "")
        # The form's checks and the service's, all at once, each next to its field.
        problems = services.report_problems(
            task,
            lead=department.id == task.lead_department_id,
            month=month,
            status=form.status.data or "",
            percent=form.percent.data if not form.percent.errors else None,
            milestone=form.milestone.data or "",
            text=form.text.data or "",
        )
        uploads = _uploads(form)
        try:
            evidence.check_files(uploads)
        except DomainError as error:
            problems += [(e.field, e.message) for e in getattr(error, "errors", [error])]
        show_problems(form, problems)
        if valid and not problems:
            duplicate = []

            def report():
                try:
                    services.report_progress(
                        task,
                        department=department,
                        status=form.status.data,
                        text=form.text.data,
                        percent=form.percent.data,
                        milestone=form.milestone.data,
                        files=uploads,
                        month=month,
                        actor=current_user,
                    )
                except services.DuplicateReport:
                    duplicate.append(True)  # a double click: the first submit's report stands

            saved = _forbid_on(services.NotAllowed, lambda: save_or_show(form, report))
            if saved and duplicate:
                flash(_("该进展刚刚已报送，未重复保存。"), "info")
                return redirect(_task_page(task))
            if saved:
                if department.id == task.lead_department_id:
                    flash(_("已报送%(month)s进展。", month=_month_label(month)), "success")
                else:
                    flash(_("已报送配合落实情况，牵头部门会收到通知。"), "success")
                return redirect(_task_page(task))
    if request.method == "POST" and any((f.filename or "").strip() for f in request.files.getlist(form.files.name)):
        form.files.errors = [
            *form.files.errors,
            _("请重新选择要上传的文件（出于安全原因，浏览器不会保留已选择的文件）。"),
        ]
    status = 400 if request.method == "POST" else 200
    return render_template(
        "supervision/progress_form.html",
        task=task,
        department=department,
        form=form,
        lead=department.id == task.lead_department_id,
        max_mb=evidence.MAX_FILE_BYTES // (1024 * 1024),
        max_files=evidence.MAX_FILES,
        due_date=rules.progress_due(rules.month_start(local_today()), task.jurisdiction_id),
        back=_task_page(task),
    ), status


def _cooperating_action(kind: str):
    task = g.target
    if not rules.can_report(current_user, task):
        abort(403)
    form = RemindForm() if kind == "remind" else EscalateForm()
    form.department.choices = _cooperating_choices(task)
    if request.method == "GET" and (chosen := request.args.get("department", type=int)):
        form.department.data = chosen
    if form.validate_on_submit():
        department = db.session.get(Department, form.department.data) if form.department.data else None
        if kind == "remind":
            act = lambda: services.remind_cooperating(task, department, note=form.note.data, actor=current_user)  # noqa: E731
        else:
            act = lambda: services.escalate(task, department, reason=form.reason.data, actor=current_user)  # noqa: E731
        if _forbid_on(services.NotAllowed, lambda: save_or_show(form, act)):
            if kind == "remind":
                flash(_("已提醒%(name)s，该部门会收到通知。", name=department.name), "success")
            else:
                flash(_("已向本级办公室报告%(name)s推进不力。", name=department.name), "success")
            return redirect(_task_page(task))
    elif form.is_submitted():
        # The form's own check failed (the confirmation): show the service's problems with it.
        department = db.session.get(Department, form.department.data) if form.department.data else None
        written = form.note.data if kind == "remind" else form.reason.data
        show_problems(form, services.cooperating_problems(task, department, written, escalating=kind != "remind"))
    return render_template(
        "supervision/cooperating_action.html", task=task, form=form, kind=kind, back=_task_page(task)
    ), (400 if request.method == "POST" else 200)


@bp.route("/tasks/<int:task_id>/remind", methods=["GET", "POST"])
@requires(Permission.TASK_REPORT, load_task)
def task_remind(task_id: int):
    """提醒 (§7): the lead reminds a cooperating department."""
    return _cooperating_action("remind")


@bp.route("/tasks/<int:task_id>/escalate", methods=["GET", "POST"])
@requires(Permission.TASK_REPORT, load_task)
def task_escalate(task_id: int):
    """The lead reports a cooperating department that does not deliver to the office."""
    return _cooperating_action("escalate")


@bp.route("/tasks/<int:task_id>/files/<int:file_id>")
@requires(Permission.TASK_READ, load_task)
def task_file(task_id: int, file_id: int):
    """An evidence file, to those who may read the task only; never cached by a shared cache."""
    stored = db.session.get(TaskFile, file_id)
    if stored is None or stored.task_id != g.target.id:
        abort(404)
    response = make_response(stored.data)
    response.headers["Content-Type"] = stored.content_type
    inline = stored.content_type.startswith("image/") or stored.content_type == "application/pdf"
    response.headers["Content-Disposition"] = content_disposition("inline" if inline else "attachment", stored.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- the department's 工作台 ------------------------------------------------------------------------------


@bp.app_template_global()
def department_task_counts(department: Department | None = None, today: date | None = None) -> dict | None:
    """The department's figures on the 工作台: open tasks it leads, tasks whose progress (or input) for
    this month it has not reported yet, 督办 to answer, closure sign-offs owed."""
    if not getattr(current_user, "is_authenticated", False) or current_user.role not in DEPARTMENT_ROLES:
        return None
    department_id = department.id if department is not None else current_user.department_id
    if department_id is None:
        return None
    today = today or local_today()
    month = rules.month_start(today)
    led_ids = set(
        db.session.scalars(
            select(Task.id).where(Task.lead_department_id == department_id, Task.state != TaskState.CLOSED)
        )
    )
    open_ids = set(
        db.session.scalars(
            select(Task.id).where(Task.lead_department_id == department_id, Task.state == TaskState.OPEN)
        )
    ) | set(
        db.session.scalars(
            select(Task.id)
            .join(task_cooperating, task_cooperating.c.task_id == Task.id)
            .where(task_cooperating.c.department_id == department_id, Task.state == TaskState.OPEN)
        )
    )
    reported = set(
        db.session.scalars(
            select(TaskProgress.task_id).where(TaskProgress.department_id == department_id, TaskProgress.month == month)
        )
    )
    due_ids = sorted(open_ids - reported)
    due_tasks = (
        db.session.scalars(select(Task).where(Task.id.in_(due_ids)).order_by(Task.ledger_id, Task.position)).all()
        if due_ids
        else []
    )
    due_date = None
    if due_tasks:
        due_date = rules.progress_due(month, due_tasks[0].jurisdiction_id)
    supervisions = db.session.scalar(
        select(func.count(Supervision.id)).where(
            Supervision.department_id == department_id, Supervision.answered_at.is_(None)
        )
    )
    signoffs = queries.count(queries.signoffs_owed(department_id))
    return {
        "led": len(led_ids),
        "progress_due": len(due_tasks),
        "due_tasks": due_tasks,
        "due_date": due_date,
        "late": due_date is not None and today > due_date,
        "month_label": _month_label(month),
        "supervisions": supervisions or 0,
        "signoffs": signoffs or 0,
    }
