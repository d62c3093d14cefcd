"""The government's yearly report (registry/targets/environment.py) for the office that writes it and
the offices above that read it, under /manage/<code>/environment-reports; and the published PDF for
everybody, /jurisdictions/<code>/environment-reports/<year>.pdf, listed on the jurisdiction's page
(templates/targets/environment/_published.html)."""

from typing import Any

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry.core.errors import DomainError
from registry.core.forms import show_error
from registry.core.http import content_disposition, whole_number
from registry.core.permissions import Permission, can, public, requires
from registry.extensions import db
from registry.jurisdictions import queries as jurisdiction_queries
from registry.reports.indicator_section import indicator_facts
from registry.targets import environment, queries, services
from registry.targets.environment_forms import CompileForm, NewReportForm, PublishForm, ReportForm
from registry.targets.models import EnvironmentReport, EnvironmentReportState
from registry.targets.rules import STATUS_LABELS

bp = Blueprint("environment", __name__)

FOREVER = "public, max-age=31536000, immutable"


def load_jurisdiction(code: str, **_kwargs):
    return jurisdiction_queries.by_code(code)


def load_report(code: str, year: int, **_kwargs):
    jurisdiction = jurisdiction_queries.by_code(code)
    return environment.report_for(jurisdiction.id, year) if jurisdiction is not None else None


def _may_manage(jurisdiction) -> bool:
    return can(current_user, Permission.TARGET_MANAGE, jurisdiction)


def _preview(report: EnvironmentReport) -> dict[str, Any]:
    """What the generated part of the report shows now: the summary, the table and the charts."""
    rows = queries.indicators(jurisdiction_id=report.jurisdiction_id)
    counts = queries.summary(rows, report.year)
    return {
        "year": report.year,
        "count": len(rows),
        "by_status": [(status, label, counts[status]) for status, label in STATUS_LABELS.items()],
        "indicators": [indicator_facts(row, report.year) for row in rows],
    }


def _pdf_state(report: EnvironmentReport) -> dict[str, Any]:
    """Whether there is a PDF, whether it still shows what the report holds, a compile under way."""
    if report.state == EnvironmentReportState.PUBLISHED:
        return {"compiled": True, "current": True, "running": None}
    running = environment.compile_in_progress(report)
    compiled = report.pdf_sha256 is not None
    return {"compiled": compiled, "current": compiled and environment.is_current(report), "running": running}


# -- the office's pages ---------------------------------------------------------------------------------------


@bp.route("/manage/<code>/environment-reports")
@requires(Permission.TARGET_READ, load_jurisdiction)
def index(code: str):
    """The jurisdiction's reports by year, and a new one for the office."""
    j = g.target
    return render_template(
        "targets/environment/index.html",
        j=j,
        reports=environment.reports_of(j.id),
        may_manage=_may_manage(j),
        form=NewReportForm(year=str(environment.suggested_year())),
        indicator_count=len(queries.indicators(jurisdiction_id=j.id)),
    )


@bp.route("/manage/<code>/environment-reports/new", methods=["GET", "POST"])
@requires(Permission.TARGET_MANAGE, load_jurisdiction)
def new(code: str):
    j = g.target
    form = NewReportForm()
    status = 200
    if request.method == "GET":
        form.year.data = request.args.get("year") or str(environment.suggested_year())
    elif form.validate():
        raw = (form.year.data or "").strip()
        year = whole_number(raw, low=1, high=9999)
        try:
            if raw and year is None:
                raise DomainError(_("请填写四位数字的年份，例如 %(year)s。", year=environment.suggested_year()), "year")
            report = environment.create_report(j, year, actor=current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            status = 400
        except IntegrityError:  # another click created the year's report after this one checked
            db.session.rollback()
            form.year.errors = [*form.year.errors, _("%(year)d年度的报告已经存在，请在列表中打开它。", year=year)]
            status = 409
        else:
            flash(_("已新建「%(title)s」，请填写正文和文号，然后生成 PDF。", title=report.title), "success")
            return redirect(url_for("environment.edit", code=j.code, year=report.year))
    else:
        status = 400
    return render_template("targets/environment/new.html", j=j, form=form), status


@bp.route("/manage/<code>/environment-reports/<int:year>")
@requires(Permission.TARGET_READ, load_report)
def report(code: str, year: int):
    """The report: its state, its PDF, the office's text and the generated part as it stands now."""
    report = g.target
    return render_template(
        "targets/environment/report.html",
        report=report,
        j=report.jurisdiction,
        preview=_preview(report),
        pdf=_pdf_state(report),
        may_manage=_may_manage(report.jurisdiction) and report.state == EnvironmentReportState.DRAFT,
        compile_form=CompileForm(),
        locked=services.is_locked(report.jurisdiction_id, report.year),
    )


@bp.route("/manage/<code>/environment-reports/<int:year>/edit", methods=["GET", "POST"])
@requires(Permission.TARGET_MANAGE, load_report)
def edit(code: str, year: int):
    """The office's text and the 文号, with the generated part below for reference."""
    report = g.target
    if report.state != EnvironmentReportState.DRAFT:
        flash(_("该报告已公开，不能再修改。"), "error")
        return redirect(url_for("environment.report", code=code, year=year))
    form = ReportForm()
    status, conflict = 200, False
    if request.method == "GET":
        form.lock_version.data = report.lock_version
        form.doc_number.data = report.doc_number
        form.body.data = report.body
    elif form.validate():
        try:
            environment.save_report(
                report,
                actor=current_user,
                expected_version=whole_number(form.lock_version.data),
                body=form.body.data or "",
                doc_number=form.doc_number.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            report = load_report(code, year)
            conflict = report is not None and str(form.lock_version.data) != str(report.lock_version)
            if report is None:
                abort(404)
            show_error(form, error)
            form.lock_version.data = report.lock_version  # saving again takes the typed text over theirs
            status = 409 if conflict else 400
        else:
            db.session.commit()
            flash(_("已保存。修改后请重新生成 PDF，预览无误后再公开。"), "success")
            return redirect(url_for("environment.report", code=code, year=year))
    else:
        status = 400
    return render_template(
        "targets/environment/edit.html",
        report=report,
        j=report.jurisdiction,
        form=form,
        conflict=conflict,
        preview=_preview(report),
    ), status


@bp.route("/manage/<code>/environment-reports/<int:year>/compile", methods=["POST"])
@requires(Permission.TARGET_MANAGE, load_report)
def compile_pdf(code: str, year: int):
    """生成 PDF: a background job; its page shows the progress and links back here."""
    report = g.target
    form = CompileForm()
    if not form.validate():
        flash(_("页面已过期，请刷新后再试。"), "error")
        return redirect(url_for("environment.report", code=code, year=year)), 303
    try:
        job = environment.start_compile(report, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("environment.report", code=code, year=year)), 303
    db.session.commit()
    return redirect(url_for("jobs.show", job_id=job.id)), 303


@bp.route("/manage/<code>/environment-reports/<int:year>/preview.pdf")
@requires(Permission.TARGET_READ, load_report)
def preview_pdf(code: str, year: int):
    """The compiled PDF (a draft's, which publishing will make public as it is; or the published one)."""
    report = g.target
    data = db.session.scalar(select(EnvironmentReport.pdf_data).where(EnvironmentReport.id == report.id))
    if not data:
        abort(404)
    response = _pdf_response(data, environment.file_name(report), report.pdf_sha256)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/manage/<code>/environment-reports/<int:year>/publish", methods=["GET", "POST"])
@requires(Permission.TARGET_MANAGE, load_report)
def publish(code: str, year: int):
    """公开: a confirmation page that says it is final and what it locks."""
    report = g.target
    form = PublishForm()
    status = 200
    if report.state == EnvironmentReportState.DRAFT and form.validate_on_submit():
        try:
            environment.publish_report(report, actor=current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            report = load_report(code, year)
            show_error(form, error)
            status = 400
        except (IntegrityError, StaleDataError):  # the year locked, or the report changed, meanwhile
            db.session.rollback()
            report = load_report(code, year)
            form.form_errors.append(_("报告或该年度的指标数据刚被他人修改，报告未公开。请查看最新状态后再试。"))
            status = 409
        else:
            flash(_("报告已公开，公众可在本地区页面下载；%(year)s年度目标指标数据已锁定。", year=year), "success")
            return redirect(url_for("environment.report", code=code, year=year))
    elif request.method == "POST":
        status = 400
    return render_template(
        "targets/environment/publish.html",
        report=report,
        j=report.jurisdiction,
        form=form,
        pdf=_pdf_state(report),
        locked=services.is_locked(report.jurisdiction_id, report.year),
        indicator_count=len(queries.indicators(jurisdiction_id=report.jurisdiction_id)),
    ), status


# -- the public ---------------------------------------------------------------------------------------------


def _pdf_response(data: bytes, filename: str, sha256: str | None):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = content_disposition("inline", filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if sha256:
        response.headers["X-Checksum-SHA256"] = sha256
    return response


@bp.route("/jurisdictions/<code>/environment-reports/<int:year>.pdf")
@public
def published_pdf(code: str, year: int):
    """A published report: the very bytes stored when it was compiled and then published."""
    report = load_report(code, year)
    if report is None or report.state != EnvironmentReportState.PUBLISHED:
        abort(404)
    data = db.session.scalar(select(EnvironmentReport.pdf_data).where(EnvironmentReport.id == report.id))
    response = _pdf_response(data, environment.file_name(report), report.pdf_sha256)
    response.set_etag(report.pdf_sha256)
    response.headers["Cache-Control"] = FOREVER
    return response.make_conditional(request)


@bp.app_template_global()
def public_environment_reports(jurisdiction_id: int) -> tuple[dict[str, Any], ...]:
    """The published reports the jurisdiction's public page lists (plain values, remembered)."""
    return environment.published_reports(jurisdiction_id)
