"""督办 pages: the office issues a 提醒/督办/约谈 on a task (its own page, the next level preselected,
the answer's date in working days), the department answers it; the office's list of what needs its
attention (overdue 督办 first), which its 工作台 summarises. The task page shows the 督办 through
`task_supervision` (templates/supervision/_task_supervision.html)."""

from datetime import date

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.core.forms import choices, save_or_show, show_problems
from registry.core.http import paginate
from registry.core.permissions import Permission, Role, requires
from registry.core.timezone import local_today
from registry.extensions import db
from registry.supervision import queries, rules, supervise
from registry.supervision.action_forms import AnswerForm, SuperviseForm
from registry.supervision.blueprint import bp
from registry.supervision.models import LEVEL_LABELS, Supervision, Task

PER_PAGE = 20


def load_task(task_id: int, **_kwargs) -> Task | None:
    return db.session.get(Task, task_id)


def load_supervision(supervision_id: int, **_kwargs) -> Supervision | None:
    return db.session.get(Supervision, supervision_id)


def task_url(task: Task, anchor: str = "") -> str:
    """The task's page (H1's), or the office's desk while that page is not there."""
    if "supervision.task" in current_app.view_functions:
        return url_for("supervision.task", task_id=task.id) + (f"#{anchor}" if anchor else "")
    return url_for("supervision.desk")


def parse_date(text: str | None) -> date | None | str:
    """A typed date (YYYY-MM-DD); "" for none, "bad" for one that is not a date."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return "bad"


# -- the partial on the task page --------------------------------------------------------------------


@bp.app_template_global("task_supervision")
def task_supervision(task: Task, today: date | None = None) -> dict:
    """What _task_supervision.html shows: the 督办 of the task, which of them are overdue, which the
    signed-in user may answer, whether the user may issue one and why one is suggested."""
    today = today or local_today()
    may_issue = rules.can_manage(current_user, task) and task.state in rules.ALLOWED_FROM["supervise"]
    return {
        "supervisions": list(reversed(task.supervisions)),
        "overdue": {s.id for s in task.supervisions if rules.supervision_overdue(s, today)},
        "answerable": {s.id for s in task.supervisions if supervise.may_answer(current_user, s)},
        "may_issue": may_issue,
        # While a 督办 is still within its date, the next one is not urged (it stays possible).
        "suggestion": supervise.suggestion(task, today)
        if may_issue and not any(s.answered_at is None and s.respond_by >= today for s in task.supervisions)
        else None,
        "next_level": rules.next_level(task),
        "answer_form": AnswerForm(formdata=None),
    }


# -- issue -------------------------------------------------------------------------------------------


def _department_choices(task: Task):
    pairs = [(str(task.lead_department.id), _("%(name)s（牵头部门）", name=task.lead_department.name))]
    pairs += [(str(d.id), _("%(name)s（配合部门）", name=d.name)) for d in task.cooperating]
    return choices(pairs)


@bp.route("/tasks/<int:task_id>/supervise", methods=["GET", "POST"], endpoint="supervise")
@requires(Permission.TASK_MANAGE, load_task)
def supervise_page(task_id: int):
    task = g.target
    today = local_today()
    form = SuperviseForm()
    form.department.choices = _department_choices(task)
    if request.method == "GET":
        form.level.data = rules.next_level(task)
        form.department.data = str(task.lead_department_id)
        form.respond_by.data = supervise.default_respond_by(task, today).isoformat()
    status = 200
    if request.method == "POST":
        valid = form.validate()
        department = next((d for d in supervise.targets(task) if str(d.id) == form.department.data), None)
        respond_by = parse_date(form.respond_by.data)
        # The form's checks and the service's, all at once, each next to its field.
        problems = supervise.supervision_problems(
            task,
            level=form.level.data or "",
            text=form.text.data or "",
            respond_by=supervise.BAD_DATE if respond_by == "bad" else respond_by,
            department=department,
            number=form.number.data or "",
            today=today,
        )
        show_problems(form, problems)
        if valid and not problems:

            def issue():
                supervise.issue_supervision(
                    task,
                    level=form.level.data or "",
                    text=form.text.data or "",
                    respond_by=respond_by,
                    department=department,
                    number=form.number.data or "",
                    actor=current_user,
                    today=today,
                )

            if save_or_show(form, issue):
                flash(_("已发出%(level)s。", level=_(LEVEL_LABELS[form.level.data])), "success")
                return redirect(task_url(task, "supervision"), 303)
        status = 400
    return (
        render_template(
            "supervision/supervise.html",
            task=task,
            form=form,
            today=today,
            suggestion=supervise.suggestion(task, today),
            stateless=task.state not in rules.ALLOWED_FROM["supervise"],
            answer_days=rules.settings(task.jurisdiction_id)["answer_days"],
            default_respond_by=supervise.default_respond_by(task, today),
            back=task_url(task, "supervision"),
        ),
        status,
    )


# -- answer ------------------------------------------------------------------------------------------


@bp.route("/supervisions/<int:supervision_id>/answer", methods=["GET", "POST"], endpoint="answer_supervision")
@requires(Permission.TASK_REPORT, load_supervision)
def answer_page(supervision_id: int):
    supervision = g.target
    task = supervision.task
    form = AnswerForm()
    status = 200
    if request.method == "POST":
        if form.validate() and save_or_show(
            form, lambda: supervise.answer_supervision(supervision, answer=form.answer.data or "", actor=current_user)
        ):
            flash(_("已答复督办。"), "success")
            return redirect(task_url(task, "supervision"), 303)
        status = 400
    return (
        render_template(
            "supervision/answer.html",
            task=task,
            supervision=supervision,
            form=form,
            today=local_today(),
            back=task_url(task, "supervision"),
        ),
        status,
    )


# -- the office's desk -------------------------------------------------------------------------------

DESK_TABS = {
    "overdue_supervisions": _l("逾期未答复的督办"),
    "waiting_supervisions": _l("待答复的督办"),
    "overdue_tasks": _l("逾期未督办的任务"),
    "escalations": _l("牵头部门报告的推进不力"),
    "to_notice": _l("待公示的销号申请"),
    "certifying": _l("认定中的销号申请"),
    "on_notice": _l("公示中"),
    "to_decide": _l("公示期满待决定"),
    "objections": _l("待处理的异议"),
}


def desk_statement(tab: str, jurisdiction_id: int, today: date):
    return {
        "overdue_supervisions": lambda: queries.overdue_supervisions(jurisdiction_id, today),
        "waiting_supervisions": lambda: queries.waiting_supervisions(jurisdiction_id, today),
        "overdue_tasks": lambda: queries.overdue_unsupervised(jurisdiction_id, today),
        "escalations": lambda: queries.unanswered_escalations(jurisdiction_id),
        "to_notice": lambda: queries.closures_to_notice(jurisdiction_id),
        "certifying": lambda: queries.closures_certifying(jurisdiction_id),
        "on_notice": lambda: queries.closures_on_notice(jurisdiction_id, today),
        "to_decide": lambda: queries.closures_to_decide(jurisdiction_id, today),
        "objections": lambda: queries.new_objections(jurisdiction_id),
    }[tab]()


@bp.app_template_global("supervision_desk")
def supervision_desk(jurisdiction, today: date | None = None, limit: int = 5) -> dict | None:
    """The office's 工作台 figures and first rows of each list (None for anyone but its office)."""
    if not getattr(current_user, "is_authenticated", False) or current_user.role != Role.OFFICE_ADMIN:
        return None
    if jurisdiction is None or current_user.jurisdiction_id != jurisdiction.id:
        return None
    today = today or local_today()
    result = {"today": today, "counts": {}, "rows": {}}
    for tab in DESK_TABS:
        stmt = desk_statement(tab, jurisdiction.id, today)
        result["counts"][tab] = queries.count(stmt)
        result["rows"][tab] = list(db.session.scalars(stmt.limit(limit))) if result["counts"][tab] else []
    return result


@bp.route("/manage/supervision", endpoint="desk")
@requires(Permission.TASK_MANAGE)
def desk():
    """The office's lists of what needs it: 督办 overdue first, then waiting, tasks overdue without
    one, escalations, closures to put on notice or decide, new objections."""
    if current_user.role != Role.OFFICE_ADMIN or current_user.jurisdiction is None:
        abort(403)
    tab = request.args.get("show", "")
    if tab not in DESK_TABS:
        tab = "overdue_supervisions"
    today = local_today()
    j = current_user.jurisdiction
    page = paginate(desk_statement(tab, j.id, today), PER_PAGE)
    counts = {t: queries.count(desk_statement(t, j.id, today)) for t in DESK_TABS}
    return render_template("supervision/desk.html", j=j, tab=tab, tabs=DESK_TABS, counts=counts, page=page, today=today)
