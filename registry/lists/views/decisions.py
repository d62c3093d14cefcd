"""§5: the queue of matters with no lead; deciding the lead or delegating to a lower level."""

from typing import Any

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.core.errors import DomainError
from registry.core.permissions import Permission, requires
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import forms, queries, rules, services
from registry.lists.views.blueprint import bp
from registry.lists.views.common import (
    _attempt,
    _can_edit,
    _department_choices,
    _departments_from,
    _jurisdiction,
    _matter,
)


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


def _decision_form(form_class, m):
    return form_class(data={"lock_version": m.lock_version, "basis_date": local_today()})


def _decision_page(template: str, form, action, done, **context):
    """A §5 decision on the matter `g.target`: on a valid submission run `action`, flash `done()` (what
    was decided) and go back to the matter; else show the form."""
    m = g.target
    if form.validate_on_submit() and _attempt(form, action):
        flash(done(), "success")
        return redirect(url_for(".matter", matter_id=m.id))
    return render_template(template, m=m, j=m.jurisdiction, form=form, **context)


@bp.route("/matters/<int:matter_id>/decide", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _matter)
def matter_decide(matter_id: int):
    m = g.target
    form = forms.DecideForm(
        data={"lock_version": m.lock_version, "basis_date": local_today(), "description": m.description}
    )
    choices = _department_choices(m.jurisdiction)
    form.lead.choices = forms.choices([(0, _("（请选择）"))] + choices)
    form.cooperating.choices = forms.choices(choices)

    def action():
        lead = _departments_from([form.lead.data], "lead")
        services.decide_lead(
            m,
            lead=lead[0] if lead else None,
            cooperating=_departments_from(form.cooperating.data or [], "cooperating"),
            description=form.description.data or "",
            **_basis_args(form),
        )

    return _decision_page(
        "lists/matter_decide.html",
        form,
        action,
        lambda: _("已明确「%(title)s」的牵头部门为%(lead)s。", title=m.title, lead=m.lead.name),
        text_says_pending=rules.says_lead_pending(form.description.data),
    )


@bp.route("/matters/<int:matter_id>/delegate", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _matter)
def matter_delegate(matter_id: int):
    m = g.target
    form = _decision_form(forms.DelegateForm, m)
    children = {c.id: c for c in m.jurisdiction.children}
    form.to_jurisdiction.choices = forms.choices([(c.id, c.name) for c in children.values()])

    def action():
        if form.all_children.data:
            targets = list(children.values())
        else:
            targets = [db.session.get(Jurisdiction, i) for i in form.to_jurisdiction.data or [] if i]
            if None in targets:
                raise DomainError(_("所选行政区划不存在。"), "to_jurisdiction")
        services.delegate_matter(m, to=targets, **_basis_args(form))

    return _decision_page(
        "lists/matter_delegate.html",
        form,
        action,
        lambda: _("已将「%(title)s」交由%(name)s研究明确。", title=m.title, name=m.delegated_to_label),
    )
