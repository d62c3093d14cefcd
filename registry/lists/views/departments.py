"""Departments, their units (内设机构、直属单位) and their duty lines."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.core.forms import show_problems
from registry.core.permissions import Permission, requires
from registry.jurisdictions.models import Jurisdiction
from registry.lists import forms, queries, services
from registry.lists.services.departments import ALIAS_KINDS
from registry.lists.services.reorganisation import successions_from, successions_to, successors_by_department
from registry.lists.views.blueprint import bp
from registry.lists.views.common import (
    _attempt,
    _can_edit,
    _citations_from,
    _department,
    _duty,
    _jurisdiction,
    _prepare_citations,
    _unit,
)
from registry.lists.views.reorganisation import users_of


@bp.route("/<code>/departments")
@requires(Permission.LIST_READ, _jurisdiction)
def departments(code: str):
    j = g.target
    return render_template(
        "lists/departments.html",
        j=j,
        departments=queries.departments(j, include_retired=True),
        counts=queries.assignment_counts(j),
        can_edit=_can_edit(j),
        successors=successors_by_department(j.id),
    )


def _validate_department(form, j: Jurisdiction, exclude_id: int | None) -> bool:
    """The form's own checks and, when they fail, the service's too (a name another department uses),
    so that one submit shows every problem."""
    valid = form.validate_on_submit()
    if form.is_submitted() and not valid:
        problems = services.department_problems(
            j,
            form.name.data or "",
            form.short_name.data or "",
            form.sector.data or "",
            exclude_id,
            kind=form.kind.data,
            aliases=form.aliases(),
        )
        show_problems(form, problems)
    return valid


@bp.route("/<code>/departments/new", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _jurisdiction)
def department_new(code: str):
    j = g.target
    form = forms.DepartmentForm()
    if _validate_department(form, j, None):
        created = []

        def action():
            created.append(
                services.create_department(
                    j,
                    name=form.name.data,
                    short_name=form.short_name.data or "",
                    sector=form.sector.data,
                    website=form.website.data or "",
                    sort_order=form.sort_order.data or 0,
                    kind=form.kind.data,
                    aliases=form.aliases(),
                    actor=current_user,
                )
            )

        if _attempt(form, action):
            flash(_("已新增部门「%(name)s」。", name=created[0].name), "success")
            return redirect(url_for(".department", department_id=created[0].id))
    return render_template("lists/department_form.html", j=j, form=form, department=None)


@bp.route("/departments/<int:department_id>")
@requires(Permission.DEPARTMENT_READ, _department)
def department(department_id: int):
    d = g.target
    return render_template(
        "lists/department.html",
        d=d,
        j=d.jurisdiction,
        led=queries.department_matters(d, "lead"),
        co_led=queries.department_matters(d, "co_lead"),
        cooperating=queries.department_matters(d, "cooperating"),
        can_edit=_can_edit(d),
        successors=successions_from(d),
        predecessors=[s for s in successions_to(d) if s.from_department_id != d.id],
        renames=[s for s in successions_to(d) if s.from_department_id == d.id],
        accounts=users_of([d.id]) if not d.active else 0,
        alias_kinds=ALIAS_KINDS,
    )


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _department)
def department_edit(department_id: int):
    d = g.target
    form = forms.DepartmentForm(obj=d)
    if request.method == "GET":
        form.fill_aliases(d)
    if _validate_department(form, d.jurisdiction, d.id):

        def action():
            services.update_department(
                d,
                name=form.name.data,
                short_name=form.short_name.data or "",
                sector=form.sector.data,
                website=form.website.data or "",
                sort_order=form.sort_order.data or 0,
                kind=form.kind.data,
                # A form without the other names' fields (an older page) leaves them as they are.
                aliases=form.aliases() if "aliases_short" in request.form else None,
                expected_version=form.lock_version.data,
                actor=current_user,
            )

        if _attempt(form, action):
            flash(_("已保存部门「%(name)s」。", name=d.name), "success")
            return redirect(url_for(".department", department_id=d.id))
    return render_template("lists/department_form.html", j=d.jurisdiction, form=form, department=d)


@bp.route("/departments/<int:department_id>/retire", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _department)
def department_retire(department_id: int):
    d = g.target
    form = forms.ConfirmForm(obj=d)
    if form.validate_on_submit() and _attempt(
        form, lambda: services.retire_department(d, expected_version=form.lock_version.data, actor=current_user)
    ):
        flash(_("已撤销部门「%(name)s」。", name=d.name), "success")
        return redirect(url_for(".departments", code=d.jurisdiction.code))
    return render_template(
        "lists/department_retire.html",
        d=d,
        j=d.jurisdiction,
        form=form,
        led=services.matters_led_by(d) if d.active else [],
        cooperating=services.matters_cooperated_by(d) if d.active else [],
    )


def _part_page(d, section: str, template: str, form, action, done, **context):
    """A page about a part of department `d`, listed in `section` of its page (units, duties): on a
    valid submission run `action`, flash `done()` and go back to that section; else show `template`."""
    if form.validate_on_submit() and _attempt(form, action):
        flash(done(), "success")
        return redirect(url_for(".department", department_id=d.id) + "#" + section)
    return render_template(template, d=d, j=d.jurisdiction, form=form, **context)


@bp.route("/departments/<int:department_id>/units/new", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _department)
def unit_new(department_id: int):
    d = g.target
    form = forms.UnitForm()
    return _part_page(
        d,
        "units",
        "lists/unit_form.html",
        form,
        action=lambda: services.create_unit(d, name=form.name.data, kind=form.kind.data, actor=current_user),
        done=lambda: _("已新增「%(name)s」。", name=form.name.data.strip()),
        unit=None,
    )


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _unit)
def unit_edit(unit_id: int):
    unit = g.target
    form = forms.UnitForm(obj=unit)
    return _part_page(
        unit.department,
        "units",
        "lists/unit_form.html",
        form,
        action=lambda: services.update_unit(unit, name=form.name.data, kind=form.kind.data, actor=current_user),
        done=lambda: _("已保存「%(name)s」。", name=unit.name),
        unit=unit,
    )


@bp.route("/units/<int:unit_id>/retire", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _unit)
def unit_retire(unit_id: int):
    unit = g.target
    d = unit.department
    return _part_page(
        d,
        "units",
        "lists/confirm.html",
        forms.ConfirmForm(),
        action=lambda: services.retire_unit(unit, actor=current_user),
        done=lambda: _("已撤销「%(name)s」。", name=unit.name),
        heading=_("撤销「%(name)s」", name=unit.name),
        message=_("撤销后，该机构不再出现在%(dept)s的内设机构和直属单位中。操作记入日志。", dept=d.name),
        button=_("确认撤销"),
        back=url_for(".department", department_id=d.id),
    )


@bp.route("/departments/<int:department_id>/duties/new", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _department)
def duty_new(department_id: int):
    d = g.target
    form = forms.DutyForm()
    _prepare_citations(form, d.jurisdiction)
    return _part_page(
        d,
        "duties",
        "lists/duty_form.html",
        form,
        action=lambda: services.add_duty(d, form.text.data, citations=_citations_from(form), actor=current_user),
        done=lambda: _("已新增职责。"),
        duty=None,
    )


@bp.route("/duties/<int:duty_id>/edit", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _duty)
def duty_edit(duty_id: int):
    duty = g.target
    d = duty.department
    form = forms.DutyForm(data={"text": duty.text, "lock_version": duty.lock_version})
    _prepare_citations(form, d.jurisdiction, duty.citations)

    def action():
        services.update_duty(
            duty,
            text=form.text.data,
            citations=_citations_from(form),
            expected_version=form.lock_version.data,
            actor=current_user,
        )

    return _part_page(
        d, "duties", "lists/duty_form.html", form, action=action, done=lambda: _("已保存职责。"), duty=duty
    )


@bp.route("/duties/<int:duty_id>/delete", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _duty)
def duty_delete(duty_id: int):
    duty = g.target
    d = duty.department
    form = forms.ConfirmForm(obj=duty)
    return _part_page(
        d,
        "duties",
        "lists/confirm.html",
        form,
        action=lambda: services.delete_duty(duty, expected_version=form.lock_version.data, actor=current_user),
        done=lambda: _("已删除职责。"),
        heading=_("删除职责"),
        message=_("将从%(dept)s的职责中删除：“%(text)s”。已发布的清单版本不受影响。", dept=d.name, text=duty.text),
        button=_("确认删除"),
        back=url_for(".department", department_id=d.id),
    )
