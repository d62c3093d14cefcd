"""The offices' import pages: upload a list file, preview what it would change, confirm, see the result."""

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.core.forms import show_error
from registry.core.permissions import Permission, requires
from registry.extensions import db
from registry.imports import uploads
from registry.imports.forms import ConfirmImportForm, ImportForm
from registry.imports.models import PendingImport
from registry.imports.planning import apply_import, plan_import
from registry.jurisdictions.models import Jurisdiction
from registry.versions import queries as versions

bp = Blueprint("imports", __name__, url_prefix="/manage")

PREVIEW_LIMIT = 200  # rows of each kind a preview lists; the counts are always complete


def _jurisdiction(code: str, **_: Any) -> Jurisdiction | None:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


@bp.route("/<code>/import", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _jurisdiction)
def upload(code: str):
    j = g.target
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data, filename = upload.read(), uploads.base_name(upload.filename)
        plan = plan_import(j, data, filename, create_departments=form.create_departments.data)
        file_problem = next((e for e in plan.errors if e.row is None), None)
        if file_problem is not None:
            show_error(form, DomainError(file_problem.reason, "file"))
        else:
            pending = uploads.keep_upload(
                current_user, j, filename, data, create_departments=bool(form.create_departments.data)
            )
            db.session.commit()
            return redirect(url_for(".preview", code=j.code, token=pending.token))
    return render_template("imports/upload.html", j=j, form=form)


def _pending_import(j: Jurisdiction, token: str) -> PendingImport:
    pending = uploads.find_upload(current_user, j, token)
    if pending is None:
        abort(404)
    return pending


@bp.route("/<code>/import/<token>")
@requires(Permission.LIST_EDIT, _jurisdiction)
def preview(code: str, token: str):
    j = g.target
    pending = _pending_import(j, token)
    plan = plan_import(j, pending.data, pending.filename, create_departments=pending.create_departments)
    return render_template(
        "imports/preview.html",
        j=j,
        plan=plan,
        pending=pending,
        form=ConfirmImportForm(),
        limit=PREVIEW_LIMIT,
    )


@bp.route("/<code>/import/<token>", methods=["POST"])
@requires(Permission.LIST_EDIT, _jurisdiction)
def confirm(code: str, token: str):
    j = g.target
    pending = _pending_import(j, token)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    # Planned again from the stored file: the list may have changed since the preview.
    plan = plan_import(j, pending.data, pending.filename, create_departments=pending.create_departments)
    if not plan.ok:
        flash(_("文件有错误，未导入任何内容。"), "error")
        return redirect(url_for(".preview", code=j.code, token=token))
    try:
        result = apply_import(plan, current_user)
        uploads.discard_upload(pending)
        db.session.commit()
    except (DomainError, IntegrityError) as error:
        db.session.rollback()
        message = str(error) if isinstance(error, DomainError) else _("清单在预览之后已被修改，请重新预览。")
        flash(_("未导入任何内容：%(reason)s", reason=message), "error")
        return redirect(url_for(".preview", code=j.code, token=token))
    flash(_("导入完成：%(summary)s", summary=result.summary()), "success")
    return redirect(url_for(".result", code=j.code, entry_id=result.audit_id))


@bp.route("/<code>/imports/<int:entry_id>")
@requires(Permission.LIST_READ, _jurisdiction)
def result(code: str, entry_id: int):
    j = g.target
    entry = db.session.get(AuditEntry, entry_id)
    if entry is None or entry.action != "import" or entry.jurisdiction_id != j.id:
        abort(404)
    return render_template("imports/result.html", j=j, entry=entry, latest=versions.latest_version(j))
