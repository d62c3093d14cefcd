"""Ledgers and their tasks behind the sign-in (#18, deliverable 1): the 整改任务 home (an office's
ledgers; a department's tasks), a ledger's heading and its task table, a task's form and its page (the
other helpers' partials included), and the office's ledger settings."""

import unicodedata
from datetime import date

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from registry.core.forms import save_or_show, show_problems
from registry.core.http import paginate, whole_number
from registry.core.permissions import DEPARTMENT_ROLES, Permission, Role, can, requires
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import queries as list_queries
from registry.lists.models import Department, Matter, PolicyDocument
from registry.lists.services import get_or_create_document
from registry.public.search import bigram_stream
from registry.supervision import ledger_queries as lq
from registry.supervision import queries, rules, services
from registry.supervision.blueprint import bp
from registry.supervision.forms import NEW_DOCUMENT, ArchiveForm, LedgerForm, SettingsForm, TaskForm
from registry.supervision.import_sheet import parse_deadline
from registry.supervision.models import (
    PHASE_LABELS,
    TASK_STATE_LABELS,
    Ledger,
    SupervisionSettings,
    Task,
    TaskEvent,
)

PER_PAGE = 50
SUGGESTED_MATTERS = 8
# Bigrams nearly every matter has: they say nothing about which matters a task belongs to.
_COMMON = {
    "生态",
    "态环",
    "环境",
    "保护",
    "工作",
    "管理",
    "建设",
    "推进",
    "加强",
    "落实",
    "治理",
    "污染",
    "防治",
    "整改",
    "问题",
}


def _jurisdiction(code: str, **_ignored) -> Jurisdiction | None:
    return list_queries.jurisdiction_by_code(code)


def _ledger(ledger_id: int) -> Ledger | None:
    return db.session.get(Ledger, ledger_id)


def _task(task_id: int) -> Task | None:
    return db.session.get(Task, task_id)


@bp.app_template_global("task_overdue_days")
def task_overdue_days(task: Task, today: date | None = None) -> int:
    """How many days a task is past its 整改时限 (0: not overdue; rules.is_overdue decides)."""
    today = today or local_today()
    return (today - task.due_date).days if rules.is_overdue(task, today) else 0


@bp.app_template_global("task_href")
def task_href(task_id: int) -> str:
    """Where a link to a task goes: its page behind the sign-in for those who may read it (the office,
    the lead, cooperating and certifying departments), else its public page (a report's copy
    recipients, say), which everybody may read."""
    task = db.session.get(Task, task_id)
    if task is None:
        return ""
    if rules.can_read(current_user, task):
        return url_for("supervision.task", task_id=task.id)
    return url_for("supervision.public_task", code=task.jurisdiction.code, task_id=task.id)


@bp.context_processor
def _labels():
    return {"task_state_labels": TASK_STATE_LABELS, "phase_labels": PHASE_LABELS}


# -- home ---------------------------------------------------------------------------------------------


@bp.route("/tasks/")
@requires(Permission.TASK_READ)
def home():
    """整改任务: an office's ledgers (and, read only, those below it); a department's tasks."""
    today = local_today()
    if current_user.role in DEPARTMENT_ROLES:
        department = current_user.department
        led, cooperating = lq.department_tasks(department.id)
        owed = lq.signoffs_owed(department.id)
        progress = lq.latest_progress([t.id for t in led + cooperating])
        supervisions = db.session.scalars(queries.open_supervisions(department.id)).all()
        return render_template(
            "supervision/home_department.html",
            department=department,
            led=led,
            cooperating=cooperating,
            owed=owed,
            supervisions=supervisions,
            progress=progress,
            today=today,
        )
    j = current_user.jurisdiction
    own = lq.ledgers([j.id])
    lower = lq.ledgers(lq.lower_jurisdiction_ids(j))
    counts = lq.counts([ledger.id for ledger in own + lower], today)
    return render_template(
        "supervision/home_office.html",
        j=j,
        own=own,
        lower=lower,
        counts=counts,
        can_manage=can(current_user, Permission.TASK_MANAGE, j),
    )


# -- ledgers ------------------------------------------------------------------------------------------


def _document_choices(form: LedgerForm, j: Jurisdiction) -> None:
    documents = list_queries.document_choices(j)
    form.document.choices = (
        [("", _("（不填）"))]
        + [(str(d.id), f"《{d.title}》（{d.doc_number}）" if d.doc_number else f"《{d.title}》") for d in documents]
        + [(NEW_DOCUMENT, _("新增文件（在下面填写名称和文号）"))]
    )


def _row(model, value):
    """The row a submitted id names, or None (for an id no row could have, too)."""
    number = whole_number(str(value)) if value not in (None, "") else None
    return db.session.get(model, number) if number else None


def _save_ledger(form: LedgerForm, j: Jurisdiction, ledger: Ledger | None) -> Ledger | None:
    if not form.is_submitted():
        return None
    valid = form.validate()
    problems = []
    document = None
    if form.document.data == NEW_DOCUMENT:
        if not (form.new_document_title.data or "").strip("《》 "):
            problems.append(("new_document_title", _("请填写新文件的名称。")))
    elif form.document.data:
        document = _row(PolicyDocument, form.document.data)
        if document is None:
            problems.append(("document", _("所选文件不存在。")))
    problems += [
        (e.field, str(e))
        for e in services.ledger_problems(
            j, title=form.title.data or "", source_kind=form.source_kind.data or "", document=document, ledger=ledger
        )
    ]
    if not valid or problems:
        show_problems(form, problems)
        return None
    done = []

    def action():
        chosen = document
        if form.document.data == NEW_DOCUMENT:
            chosen = get_or_create_document(
                j,
                title=form.new_document_title.data,
                doc_number=form.new_document_number.data or "",
                actor=current_user,
            )
        fields = dict(
            title=form.title.data,
            source_kind=form.source_kind.data,
            source_title=form.source_title.data or "",
            document=chosen,
            description=form.description.data or "",
            actor=current_user,
        )
        if ledger is None:
            done.append(services.create_ledger(j, **fields))
        else:
            done.append(services.update_ledger(ledger, expected_version=form.lock_version.data, **fields))

    return done[0] if save_or_show(form, action) else None


@bp.route("/manage/<code>/ledgers/new", methods=["GET", "POST"])
@requires(Permission.TASK_MANAGE, _jurisdiction)
def ledger_new(code: str):
    j = g.target
    form = LedgerForm()
    _document_choices(form, j)
    saved = _save_ledger(form, j, None)
    if saved is not None:
        flash(_("已新建台账「%(title)s」，可以逐项添加任务或从表格导入。", title=saved.title), "success")
        return redirect(url_for(".ledger", ledger_id=saved.id))
    return render_template("supervision/ledger_form.html", j=j, form=form, ledger=None), (
        400 if form.is_submitted() else 200
    )


@bp.route("/ledgers/<int:ledger_id>/edit", methods=["GET", "POST"])
@requires(Permission.TASK_MANAGE, _ledger)
def ledger_edit(ledger_id: int):
    ledger = g.target
    j = ledger.jurisdiction
    form = LedgerForm()
    if not form.is_submitted():
        form.title.data = ledger.title
        form.source_kind.data = ledger.source_kind
        form.source_title.data = ledger.source_title
        form.document.data = str(ledger.document_id) if ledger.document_id else ""
        form.description.data = ledger.description
        form.lock_version.data = ledger.lock_version
    _document_choices(form, j)
    saved = _save_ledger(form, j, ledger)
    if saved is not None:
        flash(_("已保存台账「%(title)s」。", title=saved.title), "success")
        return redirect(url_for(".ledger", ledger_id=saved.id))
    return render_template("supervision/ledger_form.html", j=j, form=form, ledger=ledger), (
        400 if form.is_submitted() else 200
    )


@bp.route("/ledgers/<int:ledger_id>/archive", methods=["GET", "POST"])
@requires(Permission.TASK_MANAGE, _ledger)
def ledger_archive(ledger_id: int):
    """归档 / 取消归档: a confirmation page; an archived ledger is listed last and left out of the bulletin."""
    ledger = g.target
    form = ArchiveForm()
    if not form.is_submitted():
        form.archived.data = "0" if ledger.archived else "1"
        form.lock_version.data = ledger.lock_version
    elif form.validate():
        if form.archived.data not in ("0", "1"):
            form.form_errors.append(_("请在台账页面点击“归档”或“取消归档”后再确认。"))
        elif save_or_show(
            form,
            lambda: services.archive_ledger(
                ledger,
                archived=form.archived.data == "1",
                actor=current_user,
                expected_version=form.lock_version.data,
            ),
        ):
            if ledger.archived:
                flash(
                    _("已归档台账「%(title)s」：它排在台账列表最后，不再列入月度通报。", title=ledger.title), "success"
                )
            else:
                flash(_("已取消归档台账「%(title)s」。", title=ledger.title), "success")
            return redirect(url_for(".ledger", ledger_id=ledger.id))
    archiving = form.archived.data != "0"
    return render_template(
        "supervision/ledger_archive.html", ledger=ledger, j=ledger.jurisdiction, form=form, archiving=archiving
    ), (400 if form.is_submitted() else 200)


@bp.route("/ledgers/<int:ledger_id>")
@requires(Permission.TASK_READ, _ledger)
def ledger(ledger_id: int):
    ledger = g.target
    today = local_today()
    state = request.args.get("state", "")
    state = state if state in TASK_STATE_LABELS else ""
    lead = whole_number(request.args.get("lead", ""))
    overdue = request.args.get("overdue") == "1"
    page = paginate(lq.ledger_tasks(ledger, state=state, lead=lead, overdue=overdue, today=today), PER_PAGE)
    return render_template(
        "supervision/ledger.html",
        ledger=ledger,
        j=ledger.jurisdiction,
        page=page,
        counts=lq.counts([ledger.id], today)[ledger.id],
        leads=lq.lead_departments(ledger),
        filters={"state": state, "lead": lead, "overdue": overdue},
        filtered=bool(state or lead or overdue),
        today=today,
        can_manage=rules.can_manage(current_user, ledger),
    )


# -- tasks --------------------------------------------------------------------------------------------


def _suggested(text: str, matters: list[Matter]) -> list[int]:
    """The matters whose title or description shares the most words (bigrams) with the task's text,
    as the targets' form suggests matters for an indicator."""
    wanted = {b for b in bigram_stream([text]) if b} - _COMMON
    if not wanted:
        return []
    scored = []
    for m in matters:
        score = len(wanted & {b for b in bigram_stream([m.title, m.description or ""]) if b})
        if score:
            scored.append((-score, m.seq, m.id))
    return [matter_id for _score, _seq, matter_id in sorted(scored)[:SUGGESTED_MATTERS]]


def _offer(form: TaskForm, j: Jurisdiction, task: Task | None) -> list[int]:
    """Fill the form's choices; the ids of the matters to offer first (suggested, or chosen)."""
    departments = list_queries.departments(j)
    if task is not None:
        for d in [task.lead_department, *task.cooperating]:
            if d not in departments:
                departments.append(d)  # a retired department stays shown until changed
    form.lead_department.choices = [(0, _("请选择"))] + [(d.id, d.name) for d in departments]
    form.cooperating.choices = [(d.id, d.name) for d in departments]
    matters = list(db.session.scalars(select(Matter).where(Matter.jurisdiction_id == j.id).order_by(Matter.seq)))
    text = " ".join(filter(None, [form.problem.data, form.target.data, form.measures.data]))
    if not text and task is not None:
        text = f"{task.problem} {task.target} {task.measures}"
    suggested = _suggested(text, matters)
    chosen = set(form.matters.data or [])
    first = suggested + [m.id for m in matters if m.id in chosen and m.id not in suggested]
    by_id = {m.id: m for m in matters}
    rest = [m.id for m in matters if m.id not in first]
    form.matters.choices = [(i, by_id[i].title) for i in first + rest]
    return first


def _fill(form: TaskForm, task: Task) -> None:
    form.number.data = task.number
    form.problem.data = task.problem
    form.target.data = task.target
    form.measures.data = task.measures
    form.lead_department.data = task.lead_department_id
    form.cooperating.data = [d.id for d in task.cooperating]
    form.responsible_person.data = task.responsible_person
    form.responsible_post.data = task.responsible_post
    form.due_date.data = task.due_date.isoformat() if task.due_date else ""
    form.phase.data = task.phase or ""
    form.matters.data = [m.id for m in task.matters]
    form.lock_version.data = task.lock_version


def _data_from(form: TaskForm) -> tuple[services.TaskData, list[tuple[str, str]]]:
    problems = []
    lead = _row(Department, form.lead_department.data)
    if form.lead_department.data and lead is None:
        problems.append(("lead_department", _("所选部门不存在。")))
    cooperating = [_row(Department, i) for i in form.cooperating.data or []]
    if any(d is None for d in cooperating):
        problems.append(("cooperating", _("所选部门不存在。")))
    matters = [_row(Matter, i) for i in form.matters.data or []]
    if any(m is None for m in matters):
        problems.append(("matters", _("所选事项不存在。")))
    due, _phase, understood = parse_deadline(form.due_date.data or "")
    if not understood or (form.due_date.data and due is None):
        problems.append(("due_date", _("请按“2026-06-30”的格式填写日期。")))
    phase = form.phase.data or None
    data = services.TaskData(
        number=form.number.data or "",
        problem=form.problem.data or "",
        target=form.target.data or "",
        measures=form.measures.data or "",
        lead_department=lead,
        cooperating=[d for d in cooperating if d is not None],
        responsible_person=form.responsible_person.data or "",
        responsible_post=form.responsible_post.data or "",
        due_date=due,
        phase=phase,
        matters=[m for m in matters if m is not None],
    )
    return data, problems


def _save_task(form: TaskForm, ledger: Ledger, task: Task | None) -> Task | None:
    if not form.is_submitted():
        return None
    valid = form.validate()
    data, problems = _data_from(form)
    had = {name for name, _message in problems}
    problems += [
        (e.field, str(e))
        for e in services.task_problems(ledger.jurisdiction, data)
        if not (e.field == "due_date" and "due_date" in had)
    ]
    if not valid or problems:
        show_problems(form, problems)
        return None
    done = []

    def action():
        if task is None:
            done.append(services.create_task(ledger, data, actor=current_user))
        else:
            services.update_task(task, data, actor=current_user, expected_version=form.lock_version.data)
            done.append(task)

    return done[0] if save_or_show(form, action) else None


def _task_form_page(form, ledger, task, first):
    return render_template(
        "supervision/task_form.html", form=form, ledger=ledger, j=ledger.jurisdiction, task=task, first=first
    ), (400 if form.is_submitted() else 200)


@bp.route("/ledgers/<int:ledger_id>/tasks/new", methods=["GET", "POST"])
@requires(Permission.TASK_MANAGE, _ledger)
def task_new(ledger_id: int):
    ledger = g.target
    form = TaskForm()
    first = _offer(form, ledger.jurisdiction, None)
    saved = _save_task(form, ledger, None)
    if saved is not None:
        flash(_("已添加任务。"), "success")
        return redirect(url_for(".task", task_id=saved.id))
    return _task_form_page(form, ledger, None, first)


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@requires(Permission.TASK_MANAGE, _task)
def task_edit(task_id: int):
    task = g.target
    if task.state not in rules.ALLOWED_FROM["edit"]:
        flash(str(rules.MESSAGES["edit"]), "error")
        return redirect(url_for(".task", task_id=task.id))
    form = TaskForm()
    if not form.is_submitted():
        _fill(form, task)
    first = _offer(form, task.jurisdiction, task)
    saved = _save_task(form, task.ledger, task)
    if saved is not None:
        flash(_("已保存任务。"), "success")
        return redirect(url_for(".task", task_id=saved.id))
    return _task_form_page(form, task.ledger, task, first)


@bp.route("/tasks/<int:task_id>")
@requires(Permission.TASK_READ, _task)
def task(task_id: int):
    task = g.target
    events = list(db.session.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id)))
    return render_template(
        "supervision/task.html",
        task=task,
        ledger=task.ledger,
        j=task.jurisdiction,
        events=events,
        today=local_today(),
        can_manage=rules.can_manage(current_user, task),
        can_read_ledger=can(current_user, Permission.TASK_READ, task.ledger),
        can_read_list=can(current_user, Permission.LIST_READ, task.jurisdiction),
    )


# -- settings -----------------------------------------------------------------------------------------


@bp.route("/manage/<code>/ledger-settings", methods=["GET", "POST"])
@requires(Permission.TASK_MANAGE, _jurisdiction)
def settings(code: str):
    """公示期, the monthly progress day, reminders, 督办 answer days and the certifying departments."""
    j = g.target
    form = SettingsForm()
    departments = list_queries.departments(j)
    form.certifiers.choices = [(d.id, d.name) for d in departments]
    current = rules.settings(j.id)
    if not form.is_submitted():
        for key, value in current.items():
            form[key].data = value if key == "publish_responsible" else str(value)
        form.certifiers.data = rules.certifier_ids(j.id)
    elif form.validate():
        values = {
            key: whole_number(unicodedata.normalize("NFKC", form[key].data or ""), low=0, high=10**6)
            for key in SupervisionSettings.DEFAULTS
            if key != "publish_responsible"
        }
        if save_or_show(
            form,
            lambda: services.save_settings(
                j,
                certifier_ids=list(form.certifiers.data or []),
                publish_responsible=bool(form.publish_responsible.data),
                actor=current_user,
                **values,
            ),
        ):
            flash(_("整改台账设置已保存。"), "success")
            return redirect(url_for(".settings", code=j.code))
    return render_template(
        "supervision/settings.html",
        j=j,
        form=form,
        defaults=SupervisionSettings.DEFAULTS,
        is_office=current_user.role == Role.OFFICE_ADMIN,
    ), (400 if form.is_submitted() else 200)
