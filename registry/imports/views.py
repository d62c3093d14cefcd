"""The offices' import pages: upload a list file, preview what it would change, confirm, see the result."""

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from registry.core.audit import AuditEntry
from registry.core.db import lock_row
from registry.core.errors import DomainError
from registry.core.forms import show_error
from registry.core.permissions import Permission, requires
from registry.extensions import db
from registry.imports import jobs as import_jobs
from registry.imports import recognition, uploads
from registry.imports.forms import ConfirmImportForm, ImportForm, mapping_form
from registry.imports.layout import Mapping
from registry.imports.models import PendingImport
from registry.imports.planning import ImportPlan, apply_import, plan_import
from registry.jurisdictions.models import Jurisdiction
from registry.versions import queries as versions

bp = Blueprint("imports", __name__, url_prefix="/manage")

PREVIEW_LIMIT = 200  # rows of each kind a preview lists; the counts are always complete
PASTED_NAME = "粘贴的文字.txt"


def _jurisdiction(code: str, **_: Any) -> Jurisdiction | None:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


@bp.route("/<code>/import", methods=["GET", "POST"])
@requires(Permission.LIST_EDIT, _jurisdiction)
def upload(code: str):
    j = g.target
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        if upload:
            data, filename = upload.read(), uploads.base_name(upload.filename)
        else:  # pasted text (copied from a PDF, say): read as a document
            data, filename = form.text.data.strip().encode("utf-8"), PASTED_NAME
        plan = plan_import(j, data, filename, create_departments=form.create_departments.data)
        file_problem = next((e for e in plan.errors if e.row is None), None)
        # A file in another layout goes to the preview all the same: its mapping can be corrected there.
        if file_problem is not None and not plan.mapped:
            show_error(form, DomainError(file_problem.reason, "file" if upload else "text"))
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


def _plan(j: Jurisdiction, pending: PendingImport) -> ImportPlan:
    """The upload planned with the mapping the office applied on the preview (else the proposal)."""
    return import_jobs.plan_upload(j, pending)


def _preview(j: Jurisdiction, pending: PendingImport, plan: ImportPlan, remap=None):
    return render_template(
        "imports/preview.html",
        j=j,
        plan=plan,
        pending=pending,
        form=ConfirmImportForm(),
        remap=remap if remap is not None else (mapping_form(plan) if plan.mapped else None),
        columns=recognition.column_previews(plan.source, plan.mapping) if plan.mapped else [],
        header_rows=recognition.header_rows_shown(plan.source, plan.mapping) if plan.mapped else [],
        asks_means=plan.mapped and recognition.asks_responsible_means(plan.source, plan.mapping),
        limit=PREVIEW_LIMIT,
        as_job=import_jobs.runs_as_job(pending),
    )


@bp.route("/<code>/import/<token>")
@requires(Permission.LIST_EDIT, _jurisdiction)
def preview(code: str, token: str):
    j = g.target
    pending = _pending_import(j, token)
    return _preview(j, pending, _plan(j, pending))


@bp.route("/<code>/import/<token>/mapping", methods=["POST"])
@requires(Permission.LIST_EDIT, _jurisdiction)
def remap(code: str, token: str):
    """应用映射: the office's correction of the layout, kept with the upload; the preview is planned again."""
    j = g.target
    pending = _pending_import(j, token)
    plan = _plan(j, pending)
    if not plan.mapped:
        flash(_("该文件为本系统的表格格式，无需识别版式。"), "info")
        return redirect(url_for(".preview", code=j.code, token=token))
    form = mapping_form(plan)
    if not form.validate_on_submit():
        return _preview(j, pending, plan, remap=form), 400
    mapping = Mapping.from_dict(plan.mapping.as_dict())
    mapping.target = form.target.data
    if mapping.kind == "table":
        for column in recognition.column_previews(plan.source, plan.mapping):
            mapping.columns[column.index] = form[f"column_{column.index}"].data
    else:
        mapping.notation, mapping.category_level = form.notation.data, form.category_level.data
    mapping.responsible_means = form.responsible_means.data
    for number, written, closest in form.name_choices:
        choice, named = form[f"name_{number}"].data, form[f"name_{number}_text"].data
        if choice and named == written and int(choice) in {id_ for id_, _name in closest}:
            mapping.names[written] = int(choice)
    pending.mapping = mapping.as_dict()
    db.session.commit()
    flash(_("已应用映射，下面的预览已按改正后的版式重新生成。"), "success")
    return redirect(url_for(".preview", code=j.code, token=token))


@bp.route("/<code>/import/<token>", methods=["POST"])
@requires(Permission.LIST_EDIT, _jurisdiction)
def confirm(code: str, token: str):
    j = g.target
    pending = _pending_import(j, token)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    if import_jobs.runs_as_job(pending):
        # A large file is imported by a job (planned again there, all or nothing): the office watches
        # its progress on the 任务 page, which links to the result once it is done.
        lock_row(db.session, pending)  # two clicks at once start one job
        job = import_jobs.unfinished_job(pending) or import_jobs.start_import(j, pending, current_user)
        db.session.commit()
        return redirect(url_for("jobs.show", job_id=job.id))
    # Planned again from the stored file and mapping: the list may have changed since the preview.
    plan = _plan(j, pending)
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
