"""The register of policy documents that matters and duties cite."""

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.core.permissions import Permission, requires
from registry.lists import forms, queries, services
from registry.lists.views.blueprint import bp
from registry.lists.views.common import (
    _attempt,
    _can_edit,
    _document,
    _jurisdiction,
    _paginate,
)


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
    document = g.target
    j = g.target.scope_jurisdiction
    form = forms.DocumentForm(obj=document)
    if form.validate_on_submit():

        def action():
            services.update_document(document, expected_version=form.lock_version.data, **_document_args(form))

        if _attempt(form, action):
            flash(_("已保存政策文件《%(title)s》。", title=document.title), "success")
            return redirect(url_for(".documents", code=j.code))
    return render_template("lists/document_form.html", j=j, form=form, document=document)
