"""Matters of the working list: browse, add, edit, delete."""

from types import SimpleNamespace
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.core.errors import DomainError
from registry.core.forms import show_problems
from registry.core.http import whole_number
from registry.core.permissions import Permission, requires
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import auditlog, forms, queries, services
from registry.lists.models import ALL_LOWER, STATUS_LABELS, Matter
from registry.lists.territorial import deadline_of, territorial_plain
from registry.lists.views.blueprint import bp
from registry.lists.views.common import (
    _attempt,
    _can_edit,
    _citations_from,
    _department_choices,
    _departments_from,
    _jurisdiction,
    _matter,
    _paginate,
    _prepare_citations,
)


@bp.route("/<code>/matters")
@requires(Permission.LIST_READ, _jurisdiction)
def matters(code: str):
    j = g.target
    args = request.args
    department_id = whole_number(args.get("department"))
    filters = {
        "category": args.get("category", "").strip(),
        "department_id": department_id,
        "role": args.get("role", ""),
        "status": args.get("status", "") if args.get("status", "") in STATUS_LABELS else "",
        "text": args.get("q", "").strip(),
    }
    page = _paginate(queries.matters(j, **filters))
    return render_template(
        "lists/matters.html",
        j=j,
        page=page,
        filters=filters,
        categories=queries.categories(j),
        departments=queries.departments(j, include_retired=True),
        defaults=[(d, territorial_plain(d.territorial)) for d in queries.list_defaults(j)],
        can_edit=_can_edit(j),
    )


def _matter_form_page(j: Jurisdiction, form, matter: Matter | None):
    return render_template(
        "lists/matter_form.html",
        j=j,
        form=form,
        matter=matter,
        categories=queries.categories(j),
        deadline_date=deadline_of(form.deadline_text.data or ""),
    )


def _prepare_matter_form(form, j: Jurisdiction, matter: Matter | None = None) -> None:
    choices = _department_choices(j)
    form.lead.choices = forms.choices([(0, _("（待明确牵头部门）"))] + choices)
    form.co_leads.choices = forms.choices(choices)
    form.cooperating.choices = forms.choices(choices)
    lower = [(c.code, _("%(name)s人民政府", name=c.name)) for c in j.children]
    form.territorial.choices = forms.choices([(ALL_LOWER, _("各下级人民政府（全部下级）"))] + lower)
    _prepare_citations(form, j, matter.citations if matter else ())
    _prepare_targets(form, matter)


def _prepare_targets(form, matter: Matter | None) -> None:
    """The targets' rows: the matter's own, one blank row to add another (no script needed), and a
    further blank row each time 再加一项目标 is pressed; rows ticked 删除此项 go."""
    if request.method == "GET":
        for t in matter.targets if matter else ():
            form.targets.append_entry(
                SimpleNamespace(
                    indicator=t.indicator,
                    comparison=t.comparison,
                    value=_shown_number(t.value),
                    unit=t.unit,
                    stretch_value=_shown_number(t.stretch_value),
                    text=t.text,
                    remove=False,
                )
            )
    else:
        kept = [e.data for e in form.targets if not e.form.remove.data]
        while form.targets.entries:
            form.targets.pop_entry()
        for data in kept:
            form.targets.append_entry({**data, "remove": False})
    blank = sum(1 for e in form.targets if e.form.is_blank())
    wanted = 1 + (1 if form.add_target.data else 0)
    while blank < wanted and len(form.targets) < (form.targets.max_entries or 30):
        form.targets.append_entry()
        blank += 1


def _shown_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _targets_from(form) -> list[dict[str, Any]]:
    return [
        {
            "indicator": (e.form.indicator.data or "").strip(),
            "comparison": e.form.comparison.data or "",
            "value": (e.form.value.data or "").strip(),
            "unit": (e.form.unit.data or "").strip(),
            "stretch_value": (e.form.stretch_value.data or "").strip(),
            "text": (e.form.text.data or "").strip(),
        }
        for e in form.targets
        if not e.form.is_blank()
    ]


def _validate(form, j: Jurisdiction, matter: Matter | None) -> bool:
    """The form's own checks and, when they fail, the service's checks of name and category too, so
    that one submit shows every problem (a taken name beside a missing category)."""
    if form.add_target.data:
        return False  # 再加一项目标: show the form again with a blank row, save nothing
    valid = form.validate_on_submit()
    if form.is_submitted() and not valid:
        title, category = (form.title.data or "").strip(), (form.category.data or "").strip()
        show_problems(form, services.matter_text_problems(j, title, category, matter))
        show_problems(form, services.detail_problems(j, form.territorial.data or [], None, _targets_from(form)))
        try:
            args = _matter_args(form)
        except DomainError:
            return valid  # a department or document that does not exist: the service says so on the next submit
        show_problems(form, services.assignment_problems(j, args["lead"], args["cooperating"], args["co_leads"]))
    return valid


def _matter_args(form) -> dict[str, Any]:
    """The matter form as a service's arguments; refuses departments or documents that do not exist."""
    lead = _departments_from([form.lead.data], "lead")
    return {
        "title": form.title.data,
        "category": form.category.data,
        "description": form.description.data or "",
        "lead": lead[0] if lead else None,
        "co_leads": _departments_from(form.co_leads.data or [], "co_leads"),
        "cooperating": _departments_from(form.cooperating.data or [], "cooperating"),
        "territorial": list(form.territorial.data or []),
        "deadline_text": form.deadline_text.data or "",
        "targets": _targets_from(form),
        "citations": _citations_from(form),
        "actor": current_user,
    }


@bp.route("/<code>/matters/new", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _jurisdiction)
def matter_new(code: str):
    j = g.target
    form = forms.MatterForm()
    _prepare_matter_form(form, j)
    if _validate(form, j, None):
        created = []

        def action():
            created.append(services.create_matter(j, **_matter_args(form)))

        if _attempt(form, action):
            flash(_("已新增事项「%(title)s」。", title=created[0].title), "success")
            return redirect(url_for(".matter", matter_id=created[0].id))
    return _matter_form_page(j, form, None)


@bp.route("/matters/<int:matter_id>")
@requires(Permission.LIST_READ, _matter)
def matter(matter_id: int):
    m = g.target
    return render_template(
        "lists/matter.html",
        m=m,
        j=m.jurisdiction,
        history=queries.decision_history(m),
        lower=queries.lower_matters(m),
        territorial=territorial_plain(m.territorial),
        recent=auditlog.present(db.session.scalars(queries.matter_audit(m.id).limit(5)).all()),
        can_edit=_can_edit(m.jurisdiction),
    )


@bp.route("/matters/<int:matter_id>/edit", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _matter)
def matter_edit(matter_id: int):
    m = g.target
    j = m.jurisdiction
    form = forms.MatterForm(
        data={
            "category": m.category,
            "title": m.title,
            "description": m.description,
            "lead": m.lead.id if m.lead else 0,
            "co_leads": [d.id for d in m.co_leads],
            "cooperating": [d.id for d in m.cooperating],
            "territorial": list(m.territorial or []),
            "deadline_text": m.deadline_text,
            "lock_version": m.lock_version,
        }
    )
    _prepare_matter_form(form, j, m)
    if _validate(form, j, m):

        def action():
            services.update_matter(m, expected_version=form.lock_version.data, **_matter_args(form))

        if _attempt(form, action):
            flash(_("已保存事项「%(title)s」。", title=m.title), "success")
            return redirect(url_for(".matter", matter_id=m.id))
    return _matter_form_page(j, form, m)


@bp.route("/matters/<int:matter_id>/delete", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _matter)
def matter_delete(matter_id: int):
    m = g.target
    j = m.jurisdiction
    form = forms.ConfirmForm(obj=m)
    if form.validate_on_submit():
        title = m.title
        if _attempt(
            form, lambda: services.delete_matter(m, expected_version=form.lock_version.data, actor=current_user)
        ):
            flash(_("已删除事项「%(title)s」。", title=title), "success")
            return redirect(url_for(".matters", code=j.code))
    return render_template(
        "lists/confirm.html",
        j=j,
        form=form,
        heading=_("删除事项「%(title)s」", title=m.title),
        message=_(
            "将从%(name)s的工作清单中删除该事项及其牵头、配合部门和依据。已发布的清单版本不受影响。", name=j.name
        ),
        button=_("确认删除"),
        back=url_for(".matter", matter_id=m.id),
    )
