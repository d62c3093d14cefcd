"""What the workbench routes share: the loaders @requires scopes by, form helpers, the template context."""

from types import SimpleNamespace
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from registry.core.audit import ACTION_LABELS
from registry.core.errors import DomainError
from registry.core.forms import save_or_show
from registry.core.http import paginate
from registry.core.permissions import Permission
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import forms, queries, services
from registry.lists.models import STATUS_LABELS, Department, Duty, Matter, PolicyDocument, Unit
from registry.lists.views.blueprint import bp


def _jurisdiction(code: str) -> Jurisdiction | None:
    return queries.jurisdiction_by_code(code)


def _department(department_id: int) -> Department | None:
    return db.session.get(Department, department_id)


# Loaders for `requires`: the record itself (each knows its scope_jurisdiction), None when missing.


def _unit(unit_id: int) -> Unit | None:
    return db.session.get(Unit, unit_id)


def _duty(duty_id: int) -> Duty | None:
    return db.session.get(Duty, duty_id)


def _matter(matter_id: int) -> Matter | None:
    return db.session.get(Matter, matter_id)


def _document(document_id: int) -> PolicyDocument | None:
    return db.session.get(PolicyDocument, document_id)


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


_attempt = save_or_show  # registry/core/forms.py


def _paginate(stmt):
    return paginate(stmt, per_page=current_app.config.get("PER_PAGE", 50))


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
            raise DomainError(_("所选部门不存在。"), field)
        result.append(department)
    return result


def _citations_from(form) -> list[tuple[PolicyDocument, str]]:
    result = []
    for entry in form.citations:
        document_id, article = entry.form.document.data, (entry.form.article.data or "").strip()
        if not document_id:
            if article:
                raise DomainError(
                    _("填写了条款「%(article)s」，请选择其所在的政策文件。", article=article), "citations"
                )
            continue
        document = db.session.get(PolicyDocument, document_id)
        if document is None:
            raise DomainError(_("所选政策文件不存在。"), "citations")
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
