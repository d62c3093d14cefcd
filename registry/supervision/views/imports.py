"""A ledger from a spreadsheet (the office): upload (into a new ledger or an existing one), preview with
every bad row, confirm all or nothing; the template to fill in, and on the demo's 江川市 the 示例台账."""

from flask import abort, flash, g, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry.core.errors import CONFLICT_MESSAGE, DomainError, DomainErrors
from registry.core.forms import show_error
from registry.core.http import content_disposition, whole_number
from registry.core.permissions import Permission, requires
from registry.extensions import db
from registry.imports import uploads
from registry.jurisdictions.models import Jurisdiction
from registry.supervision import import_sheet, sample_ledger, services
from registry.supervision import ledger_queries as lq
from registry.supervision.blueprint import bp
from registry.supervision.forms import NEW_LEDGER, ApplyImportForm, ImportForm
from registry.supervision.models import SOURCE_LABELS, Ledger, SourceKind
from registry.supervision.views.ledgers import _jurisdiction

TEMPLATE_NAME = "整改台账导入模板.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _ledger_choices(form: ImportForm, j: Jurisdiction) -> list[Ledger]:
    ledgers = [ledger for ledger in lq.ledgers([j.id]) if not ledger.archived]
    form.ledger.choices = [(NEW_LEDGER, _("新建台账（在下面填写名称）"))] + [(str(x.id), x.title) for x in ledgers]
    return ledgers


def _target(j: Jurisdiction, mapping: dict | None, plan: import_sheet.LedgerPlan) -> tuple[Ledger | None, dict, list]:
    """The ledger an upload goes into (None: a new one, described by the returned fields) and the
    problems with that choice."""
    mapping = mapping or {}
    ledger_id = mapping.get("ledger_id")
    if ledger_id:
        ledger = db.session.get(Ledger, ledger_id)
        if ledger is None or ledger.jurisdiction_id != j.id:
            return None, {}, [_("所选台账不存在。")]
        return ledger, {}, []
    fields = {
        "title": (mapping.get("title") or plan.title or "").strip(),
        "source_kind": mapping.get("source_kind") or SourceKind.INSPECTION,
        "source_title": mapping.get("source_title") or "",
    }
    problems = [
        str(e)
        for e in services.ledger_problems(j, title=fields["title"], source_kind=fields["source_kind"], document=None)
    ]
    return None, fields, problems


@bp.route("/manage/<code>/ledgers/import", methods=["GET", "POST"])
@requires(Permission.TASK_MANAGE, _jurisdiction)
def import_upload(code: str):
    j = g.target
    form = ImportForm()
    _ledger_choices(form, j)
    if form.validate_on_submit():
        upload = form.file.data
        ledger_id = whole_number(form.ledger.data or "") if form.ledger.data != NEW_LEDGER else None
        if form.ledger.data != NEW_LEDGER and (ledger_id is None or db.session.get(Ledger, ledger_id) is None):
            show_error(form, DomainError(_("所选台账不存在。"), "ledger"))
        elif form.source_kind.data not in SOURCE_LABELS:
            show_error(form, DomainError(_("请选择任务来源类型。"), "source_kind"))
        elif not upload or not upload.filename:
            show_error(form, DomainError(_("请选择要导入的文件。"), "file"))
        else:
            data, filename = upload.read(), uploads.base_name(upload.filename)
            plan = import_sheet.plan_sheet(j, data, filename)
            if plan.file_error is not None:
                show_error(form, DomainError(plan.file_error, "file"))
            else:
                pending = uploads.keep_upload(
                    current_user, j, filename, data, create_departments=False, kind=uploads.LEDGER
                )
                pending.mapping = {
                    "ledger_id": ledger_id,
                    "title": (form.title.data or "").strip(),
                    "source_kind": form.source_kind.data,
                    "source_title": (form.source_title.data or "").strip(),
                }
                db.session.commit()
                return redirect(url_for(".import_preview", code=j.code, token=pending.token))
    return render_template("supervision/import.html", j=j, form=form, demo=j.code == sample_ledger.JURISDICTION_CODE), (
        400 if form.is_submitted() else 200
    )


@bp.route("/manage/<code>/ledgers/import/template.xlsx")
@requires(Permission.TASK_MANAGE, _jurisdiction)
def import_template(code: str):
    response = make_response(import_sheet.template_workbook(g.target))
    response.headers["Content-Type"] = XLSX
    response.headers["Content-Disposition"] = content_disposition("attachment", TEMPLATE_NAME)
    return response


@bp.route("/manage/<code>/ledgers/import/sample.xlsx")
@requires(Permission.TASK_MANAGE, _jurisdiction)
def import_sample(code: str):
    """示例台账: the demo's ledger file, for 江川市 only."""
    if g.target.code != sample_ledger.JURISDICTION_CODE:
        abort(404)
    response = make_response(sample_ledger.demo_workbook())
    response.headers["Content-Type"] = XLSX
    response.headers["Content-Disposition"] = content_disposition("attachment", sample_ledger.FILENAME)
    return response


def _pending(j: Jurisdiction, token: str):
    pending = uploads.find_upload(current_user, j, token, kind=uploads.LEDGER)
    if pending is None:
        abort(404)
    return pending


@bp.route("/manage/<code>/ledgers/import/<token>")
@requires(Permission.TASK_MANAGE, _jurisdiction)
def import_preview(code: str, token: str):
    j = g.target
    pending = _pending(j, token)
    plan = import_sheet.plan_sheet(j, pending.data, pending.filename)
    ledger, fields, problems = _target(j, pending.mapping, plan)
    return render_template(
        "supervision/import_preview.html",
        j=j,
        plan=plan,
        pending=pending,
        ledger=ledger,
        fields=fields,
        target_problems=problems,
        form=ApplyImportForm(),
    )


@bp.route("/manage/<code>/ledgers/import/<token>", methods=["POST"])
@requires(Permission.TASK_MANAGE, _jurisdiction)
def import_apply(code: str, token: str):
    j = g.target
    pending = _pending(j, token)
    if not ApplyImportForm().validate_on_submit():
        abort(400)
    # Read again from the stored file: the departments may have changed since the preview.
    plan = import_sheet.plan_sheet(j, pending.data, pending.filename)
    ledger, fields, problems = _target(j, pending.mapping, plan)
    if not plan.ok or problems:
        flash(_("文件有错误，未导入任何任务。"), "error")
        return redirect(url_for(".import_preview", code=j.code, token=token))
    try:
        if ledger is None:
            ledger = services.create_ledger(j, actor=current_user, **fields)
        made = import_sheet.apply_sheet(ledger, plan, actor=current_user)
        uploads.discard_upload(pending)
        db.session.commit()
    except (DomainError, IntegrityError, StaleDataError) as error:
        db.session.rollback()
        if isinstance(error, DomainErrors):
            reason = "；".join(str(e) for e in error.errors)
        else:
            reason = str(error) if isinstance(error, DomainError) else str(CONFLICT_MESSAGE)
        flash(_("未导入任何任务：%(reason)s", reason=reason), "error")
        return redirect(url_for(".import_preview", code=j.code, token=token))
    flash(_("已导入 %(n)d 项任务到台账「%(title)s」。", n=len(made), title=ledger.title), "success")
    return redirect(url_for(".ledger", ledger_id=ledger.id))
