"""Indicators from a spreadsheet (the office): upload, preview, apply; the template to fill in."""

from flask import abort, flash, g, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry.core.errors import CONFLICT_MESSAGE, DomainError
from registry.core.forms import show_error
from registry.core.http import content_disposition
from registry.core.permissions import Permission, requires
from registry.extensions import db
from registry.imports import uploads
from registry.jurisdictions.models import Jurisdiction
from registry.targets import import_sheet
from registry.targets.forms import ApplyImportForm, ImportForm
from registry.targets.models import DIRECTION_LABELS
from registry.targets.views import _jurisdiction, bp

TEMPLATE_NAME = "目标指标导入模板.xlsx"


@bp.route("/<code>/indicators/import", methods=["GET", "POST"])
@requires(Permission.TARGET_MANAGE, _jurisdiction)
def import_upload(code: str):
    j = g.target
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not upload.filename:
            show_error(form, DomainError(_("请选择要导入的文件。"), "file"))
        else:
            data, filename = upload.read(), uploads.base_name(upload.filename)
            plan = import_sheet.plan_sheet(j, data, filename)
            if plan.file_error is not None:
                show_error(form, DomainError(plan.file_error, "file"))
            else:
                # Its own kind: a list import's preview the office has open stays.
                pending = uploads.keep_upload(
                    current_user, j, filename, data, create_departments=False, kind=uploads.INDICATORS
                )
                db.session.commit()
                return redirect(url_for(".import_preview", code=j.code, token=pending.token))
    return render_template("targets/import.html", j=j, form=form), (400 if form.is_submitted() else 200)


@bp.route("/<code>/indicators/import/template.xlsx")
@requires(Permission.TARGET_MANAGE, _jurisdiction)
def import_template(code: str):
    response = make_response(import_sheet.template_workbook(g.target))
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = content_disposition("attachment", TEMPLATE_NAME)
    return response


def _pending(j: Jurisdiction, token: str):
    pending = uploads.find_upload(current_user, j, token, kind=uploads.INDICATORS)
    if pending is None:
        abort(404)
    return pending


@bp.route("/<code>/indicators/import/<token>")
@requires(Permission.TARGET_MANAGE, _jurisdiction)
def import_preview(code: str, token: str):
    j = g.target
    pending = _pending(j, token)
    plan = import_sheet.plan_sheet(j, pending.data, pending.filename)
    return render_template(
        "targets/import_preview.html", j=j, plan=plan, pending=pending, form=ApplyImportForm(), labels=DIRECTION_LABELS
    )


@bp.route("/<code>/indicators/import/<token>", methods=["POST"])
@requires(Permission.TARGET_MANAGE, _jurisdiction)
def import_apply(code: str, token: str):
    j = g.target
    pending = _pending(j, token)
    if not ApplyImportForm().validate_on_submit():
        abort(400)
    # Read again from the stored file: the indicators may have changed since the preview.
    plan = import_sheet.plan_sheet(j, pending.data, pending.filename)
    if not plan.ok:
        flash(_("文件有错误，未导入任何指标。"), "error")
        return redirect(url_for(".import_preview", code=j.code, token=token))
    try:
        made = import_sheet.apply_sheet(j, plan, actor=current_user)
        uploads.discard_upload(pending)
        db.session.commit()
    except (DomainError, IntegrityError, StaleDataError) as error:
        db.session.rollback()
        reason = str(error) if isinstance(error, DomainError) else str(CONFLICT_MESSAGE)
        flash(_("未导入任何指标：%(reason)s", reason=reason), "error")
        return redirect(url_for(".import_preview", code=j.code, token=token))
    flash(_("已导入 %(n)d 项目标指标。", n=len(made)), "success")
    return redirect(url_for(".indicators", code=j.code))
