"""The offices' workbench: editing a jurisdiction's working list (departments, units, duties, matters,
policy documents), settling matters with no lead (§5), list health and the audit trail."""

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from wtforms import FieldList

from registry.core.audit import ACTION_LABELS
from registry.core.permissions import DEPARTMENT_ROLES, Permission, Role, requires
from registry.extensions import db
from registry.jurisdictions import queries as jurisdiction_queries
from registry.jurisdictions.models import Jurisdiction
from registry.lists import forms, queries, services
from registry.lists.models import STATUS_LABELS, Department, Duty, Matter, PolicyDocument, Unit
from registry.lists.services import ListError

bp = Blueprint("lists", __name__, url_prefix="/manage")

STALE_MESSAGE = "该记录已被他人修改并保存，您的修改未保存。请重新打开页面，在最新内容上修改。"


@dataclass
class InScope:
    """A record together with the jurisdiction (and department) whose scope it falls in."""

    obj: Any
    scope_jurisdiction: Jurisdiction
    scope_department: Department | None = None


# -- loaders: what each route acts on, for @requires ----------------------------------------------


def _jurisdiction(code: str) -> Jurisdiction | None:
    return queries.jurisdiction_by_code(code)


def _department(department_id: int) -> Department | None:
    return db.session.get(Department, department_id)


def _unit(unit_id: int) -> InScope | None:
    unit = db.session.get(Unit, unit_id)
    return InScope(unit, unit.department.jurisdiction, unit.department) if unit else None


def _duty(duty_id: int) -> InScope | None:
    duty = db.session.get(Duty, duty_id)
    return InScope(duty, duty.department.jurisdiction, duty.department) if duty else None


def _matter(matter_id: int) -> InScope | None:
    matter = db.session.get(Matter, matter_id)
    return InScope(matter, matter.jurisdiction) if matter else None


def _document(document_id: int) -> InScope | None:
    document = db.session.get(PolicyDocument, document_id)
    return InScope(document, db.session.get(Jurisdiction, document.jurisdiction_id)) if document else None


@bp.context_processor
def _helpers():
    return {
        "Permission": Permission,
        "status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
        "entity_labels": queries.ENTITY_LABELS,
        "field_labels": queries.FIELD_LABELS,
        "basis_kinds": services.BASIS_KINDS,
        "unit_kinds": services.UNIT_KINDS,
        "show_value": _show_value,
    }


def _show_value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if value in STATUS_LABELS:
        return _(STATUS_LABELS[value])
    return str(value)


# -- helpers ---------------------------------------------------------------------------------------


def _show_error(form, error: ListError) -> None:
    """Put a service's refusal next to the field it concerns (or above the form)."""
    message = str(error)
    field = form._fields.get(error.field) if error.field else None
    if isinstance(field, FieldList):
        form.extra_errors = {**getattr(form, "extra_errors", {}), error.field: [message]}
    elif field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def _attempt(form, action) -> bool:
    """Run a service and commit; on refusal roll back, keep the user's input and show why."""
    try:
        action()
        db.session.commit()
        return True
    except ListError as error:
        db.session.rollback()
        _show_error(form, error)
    except StaleDataError:
        # Another save got between our check and our write: same outcome as a refused stale edit.
        db.session.rollback()
        form.form_errors.append(_(STALE_MESSAGE))
    return False


def _paginate(stmt):
    return db.paginate(stmt, per_page=current_app.config.get("PER_PAGE", 50), error_out=False)


def _can_edit(target: Any) -> bool:
    from registry.core.permissions import can

    return can(current_user, Permission.LIST_EDIT, target)


def _department_choices(jurisdiction: Jurisdiction) -> list[tuple[int, str]]:
    return [(d.id, d.name) for d in queries.departments(jurisdiction)]


def _departments_from(ids: list[int], field: str) -> list[Department]:
    result = []
    for department_id in ids:
        if not department_id:
            continue
        department = db.session.get(Department, department_id)
        if department is None:
            raise ListError(_("所选部门不存在。"), field)
        result.append(department)
    return result


def _citations_from(form) -> list[tuple[PolicyDocument, str]]:
    result = []
    for entry in form.citations:
        document_id, article = entry.form.document.data, (entry.form.article.data or "").strip()
        if not document_id:
            if article:
                raise ListError(_("填写了条款「%(article)s」，请选择其所在的政策文件。", article=article), "citations")
            continue
        document = db.session.get(PolicyDocument, document_id)
        if document is None:
            raise ListError(_("所选政策文件不存在。"), "citations")
        result.append((document, article))
    return result


def _prepare_citations(form, jurisdiction: Jurisdiction, existing=()) -> None:
    if request.method == "GET":
        for citation in existing:
            form.citations.append_entry(SimpleNamespace(document=citation.document_id, article=citation.article))
        for _i in range(2):
            form.citations.append_entry()
    elif not any(not e.form.document.data for e in form.citations):
        form.citations.append_entry()
    choices = [(0, _("（不引用）"))] + [(d.id, d.label) for d in queries.document_choices(jurisdiction)]
    for entry in form.citations:
        entry.form.document.choices = forms.choices(choices)


# -- workbench -------------------------------------------------------------------------------------


@bp.route("/")
@requires(Permission.ACCOUNT)
def workbench():
    if current_user.role == Role.OFFICE_ADMIN:
        return redirect(url_for(".jurisdiction", code=current_user.jurisdiction.code))
    if current_user.role in DEPARTMENT_ROLES:
        return redirect(url_for(".department", department_id=current_user.department_id))
    return render_template("lists/index.html", tree=jurisdiction_queries.tree())


@bp.route("/<code>/")
@requires(Permission.LIST_READ, _jurisdiction)
def jurisdiction(code: str):
    j = g.target
    return render_template(
        "lists/workbench.html",
        j=j,
        counts=queries.counts(j),
        below=queries.below(j),
        can_edit=_can_edit(j),
    )


# -- departments -----------------------------------------------------------------------------------


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
    )


@bp.route("/<code>/departments/new", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _jurisdiction)
def department_new(code: str):
    j = g.target
    form = forms.DepartmentForm()
    if form.validate_on_submit():
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
        cooperating=queries.department_matters(d, "cooperating"),
        can_edit=_can_edit(d),
    )


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _department)
def department_edit(department_id: int):
    d = g.target
    form = forms.DepartmentForm(obj=d)
    if form.validate_on_submit():

        def action():
            services.update_department(
                d,
                name=form.name.data,
                short_name=form.short_name.data or "",
                sector=form.sector.data,
                website=form.website.data or "",
                sort_order=form.sort_order.data or 0,
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


# -- units -----------------------------------------------------------------------------------------


@bp.route("/departments/<int:department_id>/units/new", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _department)
def unit_new(department_id: int):
    d = g.target
    form = forms.UnitForm()
    if form.validate_on_submit() and _attempt(
        form, lambda: services.create_unit(d, name=form.name.data, kind=form.kind.data, actor=current_user)
    ):
        flash(_("已新增「%(name)s」。", name=form.name.data.strip()), "success")
        return redirect(url_for(".department", department_id=d.id) + "#units")
    return render_template("lists/unit_form.html", d=d, j=d.jurisdiction, form=form, unit=None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _unit)
def unit_edit(unit_id: int):
    unit = g.target.obj
    form = forms.UnitForm(obj=unit)
    if form.validate_on_submit() and _attempt(
        form, lambda: services.update_unit(unit, name=form.name.data, kind=form.kind.data, actor=current_user)
    ):
        flash(_("已保存「%(name)s」。", name=unit.name), "success")
        return redirect(url_for(".department", department_id=unit.department_id) + "#units")
    d = unit.department
    return render_template("lists/unit_form.html", d=d, j=d.jurisdiction, form=form, unit=unit)


@bp.route("/units/<int:unit_id>/retire", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _unit)
def unit_retire(unit_id: int):
    unit = g.target.obj
    form = forms.ConfirmForm()
    if form.validate_on_submit() and _attempt(form, lambda: services.retire_unit(unit, actor=current_user)):
        flash(_("已撤销「%(name)s」。", name=unit.name), "success")
        return redirect(url_for(".department", department_id=unit.department_id) + "#units")
    d = unit.department
    return render_template(
        "lists/confirm.html",
        j=d.jurisdiction,
        d=d,
        form=form,
        heading=_("撤销「%(name)s」", name=unit.name),
        message=_("撤销后，该机构不再出现在%(dept)s的内设机构和直属单位中。操作记入日志。", dept=d.name),
        button=_("确认撤销"),
        back=url_for(".department", department_id=d.id),
    )


# -- duties ----------------------------------------------------------------------------------------


@bp.route("/departments/<int:department_id>/duties/new", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _department)
def duty_new(department_id: int):
    d = g.target
    form = forms.DutyForm()
    _prepare_citations(form, d.jurisdiction)
    if form.validate_on_submit() and _attempt(
        form,
        lambda: services.add_duty(d, form.text.data, citations=_citations_from(form), actor=current_user),
    ):
        flash(_("已新增职责。"), "success")
        return redirect(url_for(".department", department_id=d.id) + "#duties")
    return render_template("lists/duty_form.html", d=d, j=d.jurisdiction, form=form, duty=None)


@bp.route("/duties/<int:duty_id>/edit", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _duty)
def duty_edit(duty_id: int):
    duty = g.target.obj
    d = duty.department
    form = forms.DutyForm(data={"text": duty.text, "lock_version": duty.lock_version})
    _prepare_citations(form, d.jurisdiction, duty.citations)
    if form.validate_on_submit():

        def action():
            services.update_duty(
                duty,
                text=form.text.data,
                citations=_citations_from(form),
                expected_version=form.lock_version.data,
                actor=current_user,
            )

        if _attempt(form, action):
            flash(_("已保存职责。"), "success")
            return redirect(url_for(".department", department_id=d.id) + "#duties")
    return render_template("lists/duty_form.html", d=d, j=d.jurisdiction, form=form, duty=duty)


@bp.route("/duties/<int:duty_id>/delete", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _duty)
def duty_delete(duty_id: int):
    duty = g.target.obj
    d = duty.department
    form = forms.ConfirmForm(obj=duty)
    if form.validate_on_submit() and _attempt(
        form, lambda: services.delete_duty(duty, expected_version=form.lock_version.data, actor=current_user)
    ):
        flash(_("已删除职责。"), "success")
        return redirect(url_for(".department", department_id=d.id) + "#duties")
    return render_template(
        "lists/confirm.html",
        j=d.jurisdiction,
        d=d,
        form=form,
        heading=_("删除职责"),
        message=_("将从%(dept)s的职责中删除：“%(text)s”。已发布的清单版本不受影响。", dept=d.name, text=duty.text),
        button=_("确认删除"),
        back=url_for(".department", department_id=d.id),
    )


# -- matters ---------------------------------------------------------------------------------------


@bp.route("/<code>/matters")
@requires(Permission.LIST_READ, _jurisdiction)
def matters(code: str):
    j = g.target
    args = request.args
    department_id = args.get("department", type=int)
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
        can_edit=_can_edit(j),
    )


def _matter_form_page(j: Jurisdiction, form, matter: Matter | None):
    return render_template(
        "lists/matter_form.html",
        j=j,
        form=form,
        matter=matter,
        categories=queries.categories(j),
    )


def _prepare_matter_form(form, j: Jurisdiction, matter: Matter | None = None) -> None:
    choices = _department_choices(j)
    form.lead.choices = forms.choices([(0, _("（待明确牵头部门）"))] + choices)
    form.cooperating.choices = forms.choices(choices)
    _prepare_citations(form, j, matter.citations if matter else ())


@bp.route("/<code>/matters/new", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _jurisdiction)
def matter_new(code: str):
    j = g.target
    form = forms.MatterForm()
    _prepare_matter_form(form, j)
    if form.validate_on_submit():
        created = []

        def action():
            lead = _departments_from([form.lead.data], "lead")
            created.append(
                services.create_matter(
                    j,
                    title=form.title.data,
                    category=form.category.data,
                    description=form.description.data or "",
                    lead=lead[0] if lead else None,
                    cooperating=_departments_from(form.cooperating.data or [], "cooperating"),
                    citations=_citations_from(form),
                    actor=current_user,
                )
            )

        if _attempt(form, action):
            flash(_("已新增事项「%(title)s」。", title=created[0].title), "success")
            return redirect(url_for(".matter", matter_id=created[0].id))
    return _matter_form_page(j, form, None)


@bp.route("/matters/<int:matter_id>")
@requires(Permission.LIST_READ, _matter)
def matter(matter_id: int):
    m = g.target.obj
    return render_template(
        "lists/matter.html",
        m=m,
        j=m.jurisdiction,
        history=queries.decision_history(m),
        lower=queries.lower_matters(m),
        recent=db.session.scalars(queries.matter_audit(m.id).limit(5)).all(),
        can_edit=_can_edit(m.jurisdiction),
    )


@bp.route("/matters/<int:matter_id>/edit", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _matter)
def matter_edit(matter_id: int):
    m = g.target.obj
    j = m.jurisdiction
    form = forms.MatterForm(
        data={
            "category": m.category,
            "title": m.title,
            "description": m.description,
            "lead": m.lead.id if m.lead else 0,
            "cooperating": [d.id for d in m.cooperating],
            "lock_version": m.lock_version,
        }
    )
    _prepare_matter_form(form, j, m)
    if form.validate_on_submit():

        def action():
            lead = _departments_from([form.lead.data], "lead")
            services.update_matter(
                m,
                title=form.title.data,
                category=form.category.data,
                description=form.description.data or "",
                lead=lead[0] if lead else None,
                cooperating=_departments_from(form.cooperating.data or [], "cooperating"),
                citations=_citations_from(form),
                expected_version=form.lock_version.data,
                actor=current_user,
            )

        if _attempt(form, action):
            flash(_("已保存事项「%(title)s」。", title=m.title), "success")
            return redirect(url_for(".matter", matter_id=m.id))
    return _matter_form_page(j, form, m)


@bp.route("/matters/<int:matter_id>/delete", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _matter)
def matter_delete(matter_id: int):
    m = g.target.obj
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


# -- §5: matters with no lead -------------------------------------------------------------------------


@bp.route("/<code>/queue")
@requires(Permission.LIST_READ, _jurisdiction)
def queue(code: str):
    j = g.target
    return render_template("lists/queue.html", j=j, queue=queries.queue(j), can_edit=_can_edit(j))


def _basis_args(form) -> dict[str, Any]:
    return {
        "basis_kind": form.basis_kind.data or "",
        "basis_doc_number": form.basis_doc_number.data or "",
        "basis_date": form.basis_date.data,
        "note": form.note.data or "",
        "expected_version": form.lock_version.data,
        "actor": current_user,
    }


@bp.route("/matters/<int:matter_id>/decide", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _matter)
def matter_decide(matter_id: int):
    m = g.target.obj
    j = m.jurisdiction
    form = forms.DecideForm(data={"lock_version": m.lock_version, "basis_date": date.today()})
    choices = _department_choices(j)
    form.lead.choices = forms.choices([(0, _("（请选择）"))] + choices)
    form.cooperating.choices = forms.choices(choices)
    if form.validate_on_submit():

        def action():
            lead = _departments_from([form.lead.data], "lead")
            services.decide_lead(
                m,
                lead=lead[0] if lead else None,
                cooperating=_departments_from(form.cooperating.data or [], "cooperating"),
                **_basis_args(form),
            )

        if _attempt(form, action):
            flash(_("已明确「%(title)s」的牵头部门为%(lead)s。", title=m.title, lead=m.lead.name), "success")
            return redirect(url_for(".matter", matter_id=m.id))
    return render_template("lists/matter_decide.html", m=m, j=j, form=form)


@bp.route("/matters/<int:matter_id>/delegate", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _matter)
def matter_delegate(matter_id: int):
    m = g.target.obj
    j = m.jurisdiction
    form = forms.DelegateForm(data={"lock_version": m.lock_version, "basis_date": date.today()})
    form.to_jurisdiction.choices = forms.choices([(0, _("（请选择）"))] + [(c.id, c.name) for c in j.children])
    if form.validate_on_submit():

        def action():
            to = db.session.get(Jurisdiction, form.to_jurisdiction.data) if form.to_jurisdiction.data else None
            services.delegate_matter(m, to=to, **_basis_args(form))

        if _attempt(form, action):
            flash(_("已将「%(title)s」交由%(name)s研究明确。", title=m.title, name=m.delegated_to.name), "success")
            return redirect(url_for(".matter", matter_id=m.id))
    return render_template("lists/matter_delegate.html", m=m, j=j, form=form)


# -- policy documents ------------------------------------------------------------------------------


@bp.route("/<code>/documents")
@requires(Permission.LIST_READ, _jurisdiction)
def documents(code: str):
    j = g.target
    text = request.args.get("q", "").strip()
    page = _paginate(queries.documents(j, text))
    return render_template(
        "lists/documents.html",
        j=j,
        page=page,
        text=text,
        cited=queries.citation_counts([d.id for d in page.items]),
        can_edit=_can_edit(j),
    )


def _document_args(form) -> dict[str, Any]:
    return {
        "title": form.title.data,
        "doc_number": form.doc_number.data or "",
        "issuer": form.issuer.data or "",
        "issued_on": form.issued_on.data,
        "actor": current_user,
    }


@bp.route("/<code>/documents/new", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _jurisdiction)
def document_new(code: str):
    j = g.target
    form = forms.DocumentForm()
    if form.validate_on_submit() and _attempt(form, lambda: services.create_document(j, **_document_args(form))):
        flash(_("已登记政策文件《%(title)s》。", title=form.title.data.strip().strip("《》")), "success")
        return redirect(url_for(".documents", code=j.code))
    return render_template("lists/document_form.html", j=j, form=form, document=None)


@bp.route("/documents/<int:document_id>/edit", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _document)
def document_edit(document_id: int):
    document = g.target.obj
    j = g.target.scope_jurisdiction
    form = forms.DocumentForm(obj=document)
    if form.validate_on_submit():

        def action():
            services.update_document(document, expected_version=form.lock_version.data, **_document_args(form))

        if _attempt(form, action):
            flash(_("已保存政策文件《%(title)s》。", title=document.title), "success")
            return redirect(url_for(".documents", code=j.code))
    return render_template("lists/document_form.html", j=j, form=form, document=document)


# -- list health and audit -----------------------------------------------------------------------------


@bp.route("/<code>/health")
@requires(Permission.LIST_READ, _jurisdiction)
def health(code: str):
    j = g.target
    return render_template("lists/health.html", j=j, health=queries.health(j), can_edit=_can_edit(j))


@bp.route("/<code>/audit")
@requires(Permission.AUDIT_READ, _jurisdiction)
def audit(code: str):
    j = g.target
    entity_type = request.args.get("type", "")
    return render_template(
        "lists/audit.html",
        j=j,
        page=_paginate(queries.audit_entries(j, entity_type)),
        entity_type=entity_type,
        entity_types=queries.audit_entity_types(j),
    )


@bp.route("/matters/<int:matter_id>/audit")
@requires(Permission.AUDIT_READ, _matter)
def matter_audit(matter_id: int):
    m = g.target.obj
    return render_template("lists/matter_audit.html", m=m, j=m.jurisdiction, page=_paginate(queries.matter_audit(m.id)))
