"""机构改革 pages: rename a department, merge departments, split one. Office only (LIST_EDIT), each
with a confirmation; the services write the audit entries and leave published versions alone."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from registry.auth.models import User
from registry.core.forms import choices, record_id
from registry.core.permissions import Permission, requires
from registry.extensions import db
from registry.lists import forms, queries
from registry.lists.models import Department
from registry.lists.naming import similarity
from registry.lists.services.departments import department_problems
from registry.lists.services.reorganisation import (
    Basis,
    NewDepartment,
    merge_departments,
    rename_department,
    split_department,
    split_plan,
)
from registry.lists.views.blueprint import bp
from registry.lists.views.common import _attempt, _department

NEW = "new"  # the "新设部门" choice of a successor select
SLOTS = 3  # successors a split page offers


def _basis(form) -> Basis:
    return Basis(
        doc_number=form.doc_number.data or "", effective_date=form.effective_date.data, note=form.note.data or ""
    )


def users_of(department_ids: list[int]) -> int:
    """How many accounts belong to these departments (left as they are: the office moves them)."""
    return db.session.scalar(select(func.count()).select_from(User).where(User.department_id.in_(department_ids)))


def _users_notice(departments: list[Department]) -> None:
    n = users_of([d.id for d in departments])
    if n:
        flash(
            _("原部门仍有 %(n)s 个用户账户，未作调整。请在用户管理中为其改属继任部门或停用。", n=n),
            "warning",
        )


@bp.route("/departments/<int:department_id>/rename", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _department)
def department_rename(department_id: int):
    d = g.target
    form = forms.RenameForm(data={"lock_version": d.lock_version} if request.method == "GET" else None)
    if d.active and form.validate_on_submit():
        old = d.name

        def action():
            rename_department(
                d,
                name=form.name.data,
                short_name=form.short_name.data or "",
                basis=_basis(form),
                expected_version=form.lock_version.data,
                actor=current_user,
            )

        if _attempt(form, action):
            flash(_("「%(old)s」已更名为「%(name)s」，原名称仍可用于导入匹配。", old=old, name=d.name), "success")
            return redirect(url_for(".department", department_id=d.id))
    return render_template("lists/department_rename.html", d=d, j=d.jurisdiction, form=form)


def _active_choices(j, exclude: set[int]) -> list[tuple[int, str]]:
    return [(x.id, x.name) for x in queries.departments(j) if x.id not in exclude]


@bp.route("/departments/<int:department_id>/merge", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _department)
def department_merge(department_id: int):
    d = g.target
    j = d.jurisdiction
    form = forms.MergeForm(data={"sources": [d.id]} if request.method == "GET" else None)
    form.sources.choices = choices(_active_choices(j, set()))
    form.target.choices = choices(
        [("", _("（请选择）")), (NEW, _("（新设部门）"))] + [(str(i), n) for i, n in _active_choices(j, set())]
    )
    if d.active and form.validate_on_submit():
        if not form.confirm.data:
            form.confirm.errors = [_("请勾选确认后再合并。")]
        else:
            sources, target = _merge_choices(form, j)
            done = []
            if sources is not None and _attempt(
                form,
                lambda: done.append(merge_departments(sources, target, basis=_basis(form), actor=current_user)),
            ):
                flash(
                    _(
                        "已将「%(sources)s」并入「%(target)s」。",
                        sources="、".join(s.name for s in sources),
                        target=done[0].name,
                    ),
                    "success",
                )
                _users_notice(sources)
                return redirect(url_for(".department", department_id=done[0].id))
    counts = queries.assignment_counts(j)
    return render_template("lists/department_merge.html", d=d, j=j, form=form, counts=counts)


def _merge_choices(form, j):
    """The departments chosen to merge and what they merge into; None (errors on the form) when wrong."""
    ok = True
    sources = [db.session.get(Department, i) for i in form.sources.data or [] if i]
    if not sources or any(s is None or s.jurisdiction_id != j.id for s in sources):
        form.sources.errors = [_("请选择本级的部门。")]
        ok = False
    target = None
    if form.target.data == NEW:
        if not (form.new_name.data or "").strip():
            form.new_name.errors = [_("请填写新设部门全称。")]
            ok = False
        if not (form.new_sector.data or "").strip():
            form.new_sector.errors = [_("请填写新设部门所属系统。")]
            ok = False
        target = NewDepartment(form.new_name.data or "", form.new_short_name.data or "", form.new_sector.data or "")
    else:
        target_id = record_id(form.target.data)
        target = db.session.get(Department, target_id) if target_id else None
        if target is None or target.jurisdiction_id != j.id:
            form.target.errors = [_("请选择合并后的部门，或新设部门。")]
            ok = False
    return (sources, target) if ok else (None, None)


def _slot_values(index: int) -> dict[str, str]:
    return {k: (request.form.get(f"s{index}-{k}") or "").strip() for k in ("department", "name", "short", "sector")}


def _successor_specs(d: Department) -> tuple[list, list[str], list[tuple[int, str]]]:
    """The successors the split page names: (specs, errors, [(slot, label)])."""
    specs, errors, labels = [], [], []
    for i in range(SLOTS):
        v = _slot_values(i)
        choice = NEW if v["department"] == NEW else record_id(v["department"])
        if choice == NEW:
            if not v["name"] or not v["sector"]:
                errors.append(_("继任部门%(n)s：新设部门请填写全称和所属系统。", n=i + 1))
                continue
            problems = department_problems(d.jurisdiction, v["name"], v["short"], v["sector"], None)
            if problems:
                errors.extend(_("继任部门%(n)s：%(problem)s", n=i + 1, problem=str(m)) for _field, m in problems)
                continue
            specs.append(NewDepartment(v["name"], v["short"], v["sector"]))
            labels.append((len(specs) - 1, v["name"] + _("（新设）")))
        elif choice:
            other = db.session.get(Department, choice)
            if other is None or other.jurisdiction_id != d.jurisdiction_id or not other.active or other.id == d.id:
                errors.append(_("继任部门%(n)s：请选择本级其他有效部门。", n=i + 1))
                continue
            specs.append(other)
            labels.append((len(specs) - 1, other.name))
    if not errors and len(specs) < 2:
        errors.append(_("拆分须至少有两个继任部门。"))
    return specs, errors, labels


def _likely(text: str, labels: list[tuple[int, str]], specs) -> int:
    """The successor whose name and system are most like a matter's text (the first on a tie)."""
    best, chosen = -1.0, 0
    for index, _label in labels:
        spec = specs[index]
        score = similarity(text, f"{spec.name}{spec.sector}")
        if score > best:
            best, chosen = score, index
    return chosen


@bp.route("/departments/<int:department_id>/split", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _department)
def department_split(department_id: int):
    d = g.target
    j = d.jurisdiction
    form = forms.SplitForm(data={"lock_version": d.lock_version} if request.method == "GET" else None)
    matters, duties, units = split_plan(d) if d.active else ([], [], [])
    specs, slot_errors, labels = [], [], []
    chosen: dict[str, int] = {}
    confirming = False
    if request.method == "POST" and d.active and form.validate_on_submit():
        specs, slot_errors, labels = _successor_specs(d)
        for kind, rows in (("m", matters), ("d", duties), ("u", units)):
            for row in rows:
                value = request.form.get(f"{kind}-{row.id}")
                index = record_id(value) if value not in (None, "") else None
                if index is None or index >= len(specs):
                    text = getattr(row, "title", None) or getattr(row, "text", None) or row.name
                    index = _likely(text, labels, specs) if labels else 0
                chosen[f"{kind}-{row.id}"] = index
        confirming = "confirm" in request.form and not slot_errors
        if confirming:
            done = []

            def action():
                done.extend(
                    split_department(
                        d,
                        specs,
                        matters={m.id: chosen[f"m-{m.id}"] for m in matters},
                        duties={t.id: chosen[f"d-{t.id}"] for t in duties},
                        units={u.id: chosen[f"u-{u.id}"] for u in units},
                        basis=_basis(form),
                        expected_version=form.lock_version.data,
                        actor=current_user,
                    )
                )

            name = d.name
            if _attempt(form, action):
                flash(
                    _(
                        "「%(name)s」已拆分为%(successors)s。",
                        name=name,
                        successors="、".join(f"「{t.name}」" for t in done),
                    ),
                    "success",
                )
                _users_notice([d])
                return redirect(url_for(".department", department_id=d.id))
            # The service's refusal is shown; the user's choices stay.
        form.form_errors.extend(slot_errors)
    options = [(0, _("（不使用）")), (NEW, _("（新设部门）"))] + _active_choices(j, {d.id})
    return render_template(
        "lists/department_split.html",
        d=d,
        j=j,
        form=form,
        matters=matters,
        duties=duties,
        units=units,
        options=options,
        slots=[_slot_values(i) for i in range(SLOTS)],
        labels=labels if not slot_errors else [],
        chosen=chosen,
        NEW=NEW,
        role_labels={"lead": _("牵头"), "co_lead": _("共同牵头"), "cooperating": _("配合")},
    )


def matter_role(matter, department: Department) -> str:
    return next((a.role for a in matter.assignments if a.department_id == department.id), "")


bp.add_app_template_global(matter_role, "matter_role")
