"""§8 分解落实: a task's decomposition to the lead department's units (its panel on the task page, the
forms on their own pages), and a department's page of what each of its units carries — its tasks and
the matters it leads or cooperates on — where it decomposes matters and adds or renames its units.
Every form of a row carries its lock_version; a stale save is refused with the input kept."""

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import HiddenInput

from registry.core.errors import DomainError, DomainErrors
from registry.core.forms import DbIntegerField, choices, record_id, save_or_show
from registry.core.permissions import Permission, can, requires
from registry.core.timezone import local_today
from registry.extensions import db
from registry.lists import queries as list_queries
from registry.lists.models import Department, Matter, Unit
from registry.lists.services.departments import UNIT_KINDS
from registry.supervision import decomposition, rules
from registry.supervision.blueprint import bp
from registry.supervision.models import MatterUnit, Task, TaskState, TaskUnit

TOO_LONG = _l("不能超过 %(max)d 个字。")
ROLE_LABELS = {"lead": _l("牵头"), "co_lead": _l("共同牵头"), "cooperating": _l("配合")}


class UnitRowForm(FlaskForm):
    """One decomposition row: the unit (chosen, or a new one typed), the responsible person, the work."""

    unit = SelectField(_l("承担单位"), coerce=record_id, validate_choice=False, choices=[])
    new_unit = StringField(_l("或新增本部门的单位"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    new_unit_kind = SelectField(
        _l("新增单位的类型"), choices=choices(list(UNIT_KINDS.items())), validate_choice=False, default="internal"
    )
    person = StringField(_l("责任人"), validators=[Length(max=decomposition.PERSON_MAX, message=TOO_LONG)])
    post = StringField(_l("职务"), validators=[Length(max=decomposition.POST_MAX, message=TOO_LONG)])
    work = TextAreaField(
        _l("承担的工作"), validators=[Length(max=decomposition.WORK_MAX, message=TOO_LONG)], render_kw={"rows": 3}
    )
    lock_version = DbIntegerField(widget=HiddenInput(), validators=[Optional()])


class UnitForm(FlaskForm):
    name = StringField(_l("单位名称"), validators=[Length(max=200, message=TOO_LONG)])
    kind = SelectField(_l("类型"), choices=choices(list(UNIT_KINDS.items())), validate_choice=False)
    lock_version = DbIntegerField(widget=HiddenInput(), validators=[Optional()])


class ConfirmForm(FlaskForm):
    lock_version = DbIntegerField(widget=HiddenInput(), validators=[Optional()])


def _unit_choices(department: Department, taken: set[int]) -> list:
    units = [u for u in department.units if u.active and u.id not in taken]
    units.sort(key=lambda u: (u.kind != "internal", u.name))
    pairs = [(0, _("— 请选择 —") if units else _("（本部门还没有单位，请在下面新增）"))]
    pairs += [(u.id, f"{u.name}（{UNIT_KINDS[u.kind]}）") for u in units]
    return choices(pairs)


def _save_row(form, department: Department, make) -> bool:
    """Resolve the unit (adding a new one), then run `make(unit)`; every problem shown at once."""

    def action():
        try:
            unit = decomposition.unit_for(
                department, form.unit.data, form.new_unit.data, form.new_unit_kind.data, actor=current_user
            )
        except decomposition.NotAllowed:
            raise
        except DomainError as error:
            problems = [error] + [
                DomainError(message, name)
                for name, message in decomposition.row_problems(
                    (form.person.data or "").strip(), (form.post.data or "").strip(), (form.work.data or "").strip()
                )
            ]
            raise DomainErrors(problems) from error
        make(unit)

    try:
        return save_or_show(form, action)
    except decomposition.NotAllowed:
        db.session.rollback()
        abort(403)


# -- a task's decomposition -----------------------------------------------------------------------------


def load_task(task_id: int, **_kwargs) -> Task | None:
    return db.session.get(Task, task_id)


def load_task_unit(task_id: int, row_id: int, **_kwargs) -> TaskUnit | None:
    row = db.session.get(TaskUnit, row_id)
    return row if row is not None and row.task_id == task_id else None


@bp.app_template_global()
def task_units_panel(task: Task) -> dict:
    """What the task page's 分解到单位 panel shows: the rows, whether the user may change them, and the
    empty form (its unit choices) for a new row."""
    may = rules.can_report(current_user, task) and task.state in rules.ALLOWED_FROM["decompose"]
    form = None
    if may:
        form = UnitRowForm(formdata=None)
        form.unit.choices = _unit_choices(task.lead_department, {r.unit_id for r in task.units})
    return {"rows": list(task.units), "may": may, "form": form, "today": local_today()}


def _task_page(task: Task, anchor: str = "units") -> str:
    return url_for("supervision.task", task_id=task.id, _anchor=anchor) if "supervision.task" in _endpoints() else "/"


def _endpoints() -> set[str]:
    from flask import current_app

    return set(current_app.view_functions)


@bp.route("/tasks/<int:task_id>/units/new", methods=["GET", "POST"])
@requires(Permission.TASK_REPORT, load_task)
def task_unit_new(task_id: int):
    task = g.target
    if not rules.can_report(current_user, task):
        abort(403)
    form = UnitRowForm()
    form.unit.choices = _unit_choices(task.lead_department, {r.unit_id for r in task.units})
    if form.validate_on_submit() and _save_row(
        form,
        task.lead_department,
        lambda unit: decomposition.decompose_task(
            task, unit, person=form.person.data, post=form.post.data, work=form.work.data, actor=current_user
        ),
    ):
        flash(_("已分解到单位。"), "success")
        return redirect(_task_page(task))
    if request.method == "POST":
        form.unit.choices = _unit_choices(task.lead_department, {r.unit_id for r in task.units})
    return render_template(
        "supervision/task_unit_form.html",
        task=task,
        form=form,
        row=None,
        back=_task_page(task),
    ), (400 if request.method == "POST" else 200)


@bp.route("/tasks/<int:task_id>/units/<int:row_id>/edit", methods=["GET", "POST"])
@requires(Permission.TASK_REPORT, load_task_unit)
def task_unit_edit(task_id: int, row_id: int):
    row = g.target
    task = row.task
    form = UnitRowForm(
        obj=None,
        data=None
        if request.method == "POST"
        else {
            "person": row.responsible_person,
            "post": row.responsible_post,
            "work": row.work,
            "lock_version": row.lock_version,
        },
    )
    if form.validate_on_submit():
        try:
            saved = save_or_show(
                form,
                lambda: decomposition.update_task_unit(
                    row,
                    person=form.person.data,
                    post=form.post.data,
                    work=form.work.data,
                    lock_version=form.lock_version.data,
                    actor=current_user,
                ),
            )
        except decomposition.NotAllowed:
            db.session.rollback()
            abort(403)
        if saved:
            flash(_("已保存「%(name)s」承担的工作。", name=row.unit.name), "success")
            return redirect(_task_page(task))
        db.session.expire_all()
    status = 400 if request.method == "POST" else 200
    return render_template(
        "supervision/task_unit_form.html", task=task, form=form, row=row, back=_task_page(task)
    ), status


@bp.route("/tasks/<int:task_id>/units/<int:row_id>/remove", methods=["GET", "POST"])
@requires(Permission.TASK_REPORT, load_task_unit)
def task_unit_remove(task_id: int, row_id: int):
    row = g.target
    task, name = row.task, row.unit.name
    form = ConfirmForm(data=None if request.method == "POST" else {"lock_version": row.lock_version})
    if form.validate_on_submit():
        try:
            saved = save_or_show(
                form,
                lambda: decomposition.remove_task_unit(row, lock_version=form.lock_version.data, actor=current_user),
            )
        except decomposition.NotAllowed:
            db.session.rollback()
            abort(403)
        if saved:
            flash(_("「%(name)s」不再承担该任务。", name=name), "success")
            return redirect(_task_page(task))
        db.session.expire_all()
    return render_template(
        "supervision/task_unit_remove.html",
        form=form,
        task=task,
        heading=_("取消分解：%(name)s", name=name),
        message=_(
            "「%(name)s」将不再承担该任务（责任人：%(person)s）。操作记入任务的办理过程和日志。",
            name=name,
            person=row.responsible_person,
        ),
        button=_("确认取消分解"),
        back=_task_page(task),
    ), (400 if request.method == "POST" else 200)


# -- a department's page: what each unit carries, its matters' decomposition ------------------------------


def load_department(department_id: int, **_kwargs) -> Department | None:
    return db.session.get(Department, department_id)


def load_matter_unit(row_id: int, **_kwargs) -> MatterUnit | None:
    return db.session.get(MatterUnit, row_id)


def _may_edit(department: Department) -> bool:
    return department.active and can(current_user, Permission.TASK_REPORT, department)


def department_matters(department: Department) -> list[dict]:
    """The matters the department leads, co-leads or cooperates on, each with its role and its units."""
    rows = db.session.scalars(
        select(MatterUnit).where(MatterUnit.department_id == department.id).order_by(MatterUnit.id)
    ).all()
    by_matter: dict[int, list[MatterUnit]] = {}
    for row in rows:
        by_matter.setdefault(row.matter_id, []).append(row)
    result = []
    for role in decomposition.MATTER_ROLES:
        for matter in list_queries.department_matters(department, role):
            result.append(
                {"matter": matter, "role": role, "role_label": ROLE_LABELS[role], "units": by_matter.get(matter.id, [])}
            )
    return result


@bp.app_template_global()
def department_unit_loads(department: Department) -> list[dict]:
    """Each unit of the department with the tasks and matters it carries (the 工作台's section)."""
    return decomposition.unit_loads(department)


@bp.route("/manage/decomposition")
@requires(Permission.TASK_REPORT)
def my_units():
    """The signed-in department user's own department's page."""
    if not current_user.department_id:
        abort(404)
    return redirect(url_for("supervision.department_units", department_id=current_user.department_id))


@bp.route("/manage/departments/<int:department_id>/decomposition")
@requires(Permission.DEPARTMENT_READ, load_department)
def department_units(department_id: int):
    d = g.target
    loads = decomposition.unit_loads(d)
    matters = department_matters(d)
    tasks = db.session.scalars(
        select(Task)
        .where(Task.lead_department_id == d.id, Task.state != TaskState.CLOSED)
        .order_by(Task.ledger_id, Task.position)
    ).all()
    return render_template(
        "supervision/department_units.html",
        d=d,
        j=d.jurisdiction,
        loads=loads,
        matters=matters,
        undecomposed_matters=[m for m in matters if not m["units"]],
        undecomposed_tasks=[t for t in tasks if not t.units],
        open_tasks=len(tasks),
        may_edit=_may_edit(d),
        unit_form=UnitForm(formdata=None),
        unit_kinds=UNIT_KINDS,
    )


def _department_page(d: Department, anchor: str = "") -> str:
    return url_for("supervision.department_units", department_id=d.id, _anchor=anchor or None)


@bp.route("/manage/departments/<int:department_id>/decomposition/units/new", methods=["POST"])
@requires(Permission.TASK_REPORT, load_department)
def department_unit_new(department_id: int):
    d = g.target
    form = UnitForm()
    if form.validate_on_submit():
        try:
            saved = save_or_show(
                form, lambda: decomposition.add_unit(d, name=form.name.data, kind=form.kind.data, actor=current_user)
            )
        except decomposition.NotAllowed:
            db.session.rollback()
            abort(403)
        if saved:
            flash(_("已新增「%(name)s」。", name=(form.name.data or "").strip()), "success")
            return redirect(_department_page(d, "units"))
    return render_template("supervision/unit_form.html", d=d, j=d.jurisdiction, form=form, unit=None), 400


@bp.route("/manage/departments/<int:department_id>/decomposition/units/<int:unit_id>/edit", methods=["GET", "POST"])
@requires(Permission.TASK_REPORT, load_department)
def department_unit_edit(department_id: int, unit_id: int):
    d = g.target
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.department_id != d.id:
        abort(404)
    form = UnitForm(
        data=None
        if request.method == "POST"
        else {"name": unit.name, "kind": unit.kind, "lock_version": unit.lock_version}
    )
    if form.validate_on_submit():
        try:
            saved = save_or_show(
                form,
                lambda: decomposition.rename_unit(
                    unit,
                    name=form.name.data,
                    kind=form.kind.data,
                    lock_version=form.lock_version.data,
                    actor=current_user,
                ),
            )
        except decomposition.NotAllowed:
            db.session.rollback()
            abort(403)
        if saved:
            flash(_("已保存「%(name)s」。", name=unit.name), "success")
            return redirect(_department_page(d, "units"))
        db.session.expire_all()
    return render_template("supervision/unit_form.html", d=d, j=d.jurisdiction, form=form, unit=unit), (
        400 if request.method == "POST" else 200
    )


def _matter_of(d: Department, matter_id: int) -> Matter:
    matter = db.session.get(Matter, matter_id)
    if matter is None or matter.jurisdiction_id != d.jurisdiction_id:
        abort(404)
    if decomposition.matter_role(matter, d) not in decomposition.MATTER_ROLES:
        abort(404)
    return matter


@bp.route("/manage/departments/<int:department_id>/decomposition/matters/<int:matter_id>/new", methods=["GET", "POST"])
@requires(Permission.TASK_REPORT, load_department)
def matter_unit_new(department_id: int, matter_id: int):
    d = g.target
    matter = _matter_of(d, matter_id)
    taken = set(db.session.scalars(select(MatterUnit.unit_id).where(MatterUnit.matter_id == matter.id)))
    form = UnitRowForm()
    form.unit.choices = _unit_choices(d, taken)
    if form.validate_on_submit() and _save_row(
        form,
        d,
        lambda unit: decomposition.decompose_matter(
            matter, d, unit, person=form.person.data, post=form.post.data, work=form.work.data, actor=current_user
        ),
    ):
        flash(_("已将「%(title)s」分解到单位。", title=matter.title), "success")
        return redirect(_department_page(d, "matters"))
    if request.method == "POST":
        form.unit.choices = _unit_choices(d, taken)
    return render_template(
        "supervision/matter_unit_form.html", d=d, j=d.jurisdiction, matter=matter, form=form, row=None
    ), (400 if request.method == "POST" else 200)


@bp.route("/manage/matter-units/<int:row_id>/edit", methods=["GET", "POST"])
@requires(Permission.TASK_REPORT, load_matter_unit)
def matter_unit_edit(row_id: int):
    row = g.target
    d = row.department
    form = UnitRowForm(
        data=None
        if request.method == "POST"
        else {
            "person": row.responsible_person,
            "post": row.responsible_post,
            "work": row.work,
            "lock_version": row.lock_version,
        }
    )
    if form.validate_on_submit():
        try:
            saved = save_or_show(
                form,
                lambda: decomposition.update_matter_unit(
                    row,
                    person=form.person.data,
                    post=form.post.data,
                    work=form.work.data,
                    lock_version=form.lock_version.data,
                    actor=current_user,
                ),
            )
        except decomposition.NotAllowed:
            db.session.rollback()
            abort(403)
        if saved:
            flash(_("已保存「%(name)s」承担的工作。", name=row.unit.name), "success")
            return redirect(_department_page(d, "matters"))
        db.session.expire_all()
    return render_template(
        "supervision/matter_unit_form.html", d=d, j=d.jurisdiction, matter=row.matter, form=form, row=row
    ), (400 if request.method == "POST" else 200)


@bp.route("/manage/matter-units/<int:row_id>/remove", methods=["GET", "POST"])
@requires(Permission.TASK_REPORT, load_matter_unit)
def matter_unit_remove(row_id: int):
    row = g.target
    d, name, title = row.department, row.unit.name, row.matter.title
    form = ConfirmForm(data=None if request.method == "POST" else {"lock_version": row.lock_version})
    if form.validate_on_submit():
        try:
            saved = save_or_show(
                form,
                lambda: decomposition.remove_matter_unit(row, lock_version=form.lock_version.data, actor=current_user),
            )
        except decomposition.NotAllowed:
            db.session.rollback()
            abort(403)
        if saved:
            flash(_("「%(name)s」不再承担「%(title)s」。", name=name, title=title), "success")
            return redirect(_department_page(d, "matters"))
        db.session.expire_all()
    return render_template(
        "supervision/matter_unit_remove.html",
        form=form,
        d=d,
        j=d.jurisdiction,
        heading=_("取消分解：%(name)s", name=name),
        message=_("「%(name)s」将不再承担事项「%(title)s」。操作记入日志。", name=name, title=title),
        button=_("确认取消分解"),
        back=_department_page(d, "matters"),
    ), (400 if request.method == "POST" else 200)


def open_task_count(department: Department) -> int:
    return db.session.scalar(
        select(func.count(Task.id)).where(Task.lead_department_id == department.id, Task.state != TaskState.CLOSED)
    )
