"""Reporting cycles, drafting and the report workflow (§10–§11)."""

import io
from datetime import date

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from registry.core.errors import DomainError
from registry.core.forms import show_error, show_problems
from registry.core.http import content_disposition, page_arg, whole_number
from registry.core.permissions import Permission, can, public, requires
from registry.core.timezone import local_today
from registry.extensions import db
from registry.pdf import PdfError
from registry.reports import (
    complaint_section,
    cooperation,
    drafting,
    history,
    indicator_section,
    queries,
    services,
    task_section,
)
from registry.reports.content import plain_paragraphs, safe_html
from registry.reports.forms import (
    AcceptForm,
    AttachmentForm,
    ConfirmForm,
    CycleForm,
    EmptyForm,
)
from registry.reports.models import (
    STATE_LABELS,
    AnnualReport,
    ReportAttachment,
    ReportingCycle,
    ReportSection,
    ReportState,
)
from registry.reports.rendering import LED_FIELDS, render_report

bp = Blueprint("reports", __name__, url_prefix="/reports")
# The same matter's section in the department's previous report (templates/reports/_last_year.html).
bp.add_app_template_global(history.last_year, "last_year_section")

RECIPIENT_LABELS = {"to": "报送", "cc": "抄送"}


@bp.app_template_filter("sanitized")
def sanitized(stored: str):
    """Stored section HTML, cleaned again by nh3 before it is marked safe."""
    return safe_html(stored)


# A structured field (plain text) as escaped paragraphs; legacy HTML values through safe_html.
bp.app_template_filter("paragraphs")(plain_paragraphs)


# -- loaders: return the object in scope, or None (404) ------------------------------------------


def own_jurisdiction(**_kwargs):
    return current_user.jurisdiction


def load_cycle(cycle_id: int):
    return db.session.get(ReportingCycle, cycle_id)


def load_report(report_id: int, **_kwargs):
    return db.session.get(AnnualReport, report_id)


def load_section_report(report_id: int, section_id: int):
    section = db.session.get(ReportSection, section_id)
    return section.report if section is not None and section.report_id == report_id else None


def load_attachment_report(report_id: int, attachment_id: int):
    attachment = db.session.get(ReportAttachment, attachment_id)
    return attachment.report if attachment is not None and attachment.report_id == report_id else None


# -- pages ---------------------------------------------------------------------------------------


@bp.route("/")
@requires(Permission.ACCOUNT)  # every signed-in user lands here; what they see is scoped by role
def home():
    cycles, reports = [], []
    if current_user.role == "office_admin":
        cycles = queries.cycles_of(current_user.jurisdiction_id)
    elif current_user.department_id is not None:
        reports = queries.reports_of_department(current_user.department_id)
    return render_template(
        "reports/home.html",
        cycles=cycles,
        reports=reports,
        can_open=can(current_user, Permission.CYCLE_MANAGE, current_user.jurisdiction),
        today=local_today(),
    )


@bp.route("/inbox")
@requires(Permission.ACCOUNT)
def inbox():
    rows = queries.inbox(current_user)
    page = page_arg()
    per_page = 50
    pages = max((len(rows) + per_page - 1) // per_page, 1)
    return render_template(
        "reports/inbox.html",
        rows=rows[(page - 1) * per_page : page * per_page],
        page=page,
        pages=pages,
        recipient_labels=RECIPIENT_LABELS,
    )


@bp.route("/cycles/new", methods=["GET", "POST"])
@requires(Permission.CYCLE_MANAGE, own_jurisdiction)
def new_cycle():
    jurisdiction = g.target
    form = CycleForm()
    if request.method == "GET":
        form.year.data = local_today().year - 1
        form.deadline.data = date(local_today().year, 3, 31)
    from registry.reports.deadline_views import compute_deadline  # "N 个工作日后" (working days)

    if compute_deadline(form, jurisdiction):
        pass  # the date is filled in (or the error shown): the office confirms before opening
    elif form.validate_on_submit():
        try:
            cycle = services.open_cycle(
                jurisdiction,
                year=form.year.data,
                deadline=form.deadline.data,
                actor=current_user,
                with_cover=form.with_cover.data,
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(
                _("已开启%(year)s年度报告周期，并为%(n)s个部门生成了报告草稿。", year=cycle.year, n=len(cycle.reports)),
                "success",
            )
            return redirect(url_for("reports.cycle", cycle_id=cycle.id))
    return render_template("reports/cycle_new.html", form=form, jurisdiction=jurisdiction)


@bp.route("/cycles/<int:cycle_id>")
@requires(Permission.REPORT_READ, load_cycle)
def cycle(cycle_id: int):
    cycle = g.target
    reports = queries.cycle_reports(cycle.id)
    today = local_today()
    counts = queries.state_counts(reports)
    return render_template(
        "reports/cycle.html",
        cycle=cycle,
        reports=reports,
        counts=counts,
        chart_max=max([c for _s, _l, c in counts] + [1]),
        overdue={r.id for r in reports if queries.is_overdue(r, today)},
        today=today,
    )


def _ensure_generated_sections(report: AnnualReport) -> bool:
    """Add to a draft the generated sections it lacks: of cycles opened before they existed, or drawn
    before its department led an indicator or had a task; whether any was added (to commit)."""
    added = complaint_section.ensure_section(report)
    added = indicator_section.ensure_section(report) or added
    return task_section.ensure_section(report) or added


@bp.route("/<int:report_id>")
@requires(Permission.REPORT_READ, load_report)
def report(report_id: int):
    report = g.target
    if _ensure_generated_sections(report):
        db.session.commit()
    published = report.state == ReportState.PUBLISHED
    return render_template(
        "reports/report.html",
        report=report,
        # A published report's figures are those of its PDF: not computed anew (they may have changed).
        complaint_figures=None if published else complaint_section.figures_of(report),
        indicator_figures=None if published else indicator_section.figures_of(report),
        task_figures=None if published else task_section.figures_of(report),
        led_fields=LED_FIELDS,
        matter_fields=drafting.PLAIN_FIELDS,
        field_labels=drafting.FIELD_LABELS,
        matter_leads=drafting.lead_names(report.sections),
        may_edit=can(current_user, Permission.REPORT_EDIT, report) and report.state in services.EDITABLE_STATES,
        may_submit=can(current_user, Permission.REPORT_SUBMIT, report) and report.state in services.EDITABLE_STATES,
        may_review=can(current_user, Permission.REPORT_REVIEW, report) and report.state == ReportState.SUBMITTED,
        may_publish=can(current_user, Permission.REPORT_PUBLISH, report) and report.state == ReportState.ACCEPTED,
        attachment_form=g.get("attachment_form") or AttachmentForm(),  # a refused upload keeps its errors
        return_form=submission_views.return_form_for(report),  # with what a refused return typed
        accept_form=AcceptForm(prefix="accept"),
        action_form=EmptyForm(),
        event_labels=services.EVENT_LABELS,
        state_labels=STATE_LABELS,
        recipient_labels=RECIPIENT_LABELS,
        overdue=queries.is_overdue(report, local_today()),
    )


@bp.route("/<int:report_id>/sections/<int:section_id>", methods=["GET", "POST"])
@requires(Permission.REPORT_EDIT, load_section_report)
def edit_section(report_id: int, section_id: int):
    report = g.target
    section = db.session.get(ReportSection, section_id)
    if report.state not in services.EDITABLE_STATES:
        flash(_("报告当前状态为「%(state)s」，不能修改。", state=_(STATE_LABELS[report.state])), "error")
        return redirect(url_for("reports.report", report_id=report.id))
    led = section.kind == "led_matter"
    form = drafting.form_class(section)()
    page = {
        "led": led,
        "plain_fields": drafting.plain_fields(section),
        "field_hints": drafting.hints(section),
        "field_labels": drafting.FIELD_LABELS,
        "lead_name": drafting.lead_names([section]).get(section.version_matter_id),
        "complaint_figures": complaint_section.figures_of(report) if section.kind == "complaints" else None,
        "indicator_figures": indicator_section.figures(report) if section.kind == "indicators" else None,
        "task_figures": task_section.figures(report) if section.kind == "tasks" else None,
    }
    status = 200
    if request.method == "GET":
        drafting.fill_form(form, section)
    if form.validate_on_submit():
        try:
            services.save_section(
                section,
                actor=current_user,
                expected_version=whole_number(form.lock_version.data),
                fields=cooperation.add_quotes(  # §7: the cooperating departments' answers ticked to quote
                    section,
                    drafting.submitted_fields(form, section),
                    request.form.getlist("quote_department"),
                    request.form.get("quote_field"),
                ),
                indicators=drafting.indicator_rows(form) if led else None,
            )
            db.session.commit()
        except (services.StaleSection, StaleDataError):
            db.session.rollback()
            section = db.session.get(ReportSection, section_id)
            flash(str(services.STALE_MESSAGE), "error")
            # Keep the user's text; the next save is made knowingly over the version shown below.
            form.lock_version.data = section.lock_version
            status = 409
            return render_template(
                "reports/section_edit.html", report=report, section=section, form=form, conflict=True, **page
            ), status
        except DomainError as error:
            db.session.rollback()
            section = db.session.get(ReportSection, section_id)
            show_error(form, error)
            status = 400
        else:
            flash(_("已保存「%(title)s」。", title=section.title), "success")
            return redirect(url_for("reports.report", report_id=report.id, _anchor=f"s{section.id}"))
    elif request.method == "POST":
        status = 400
    return render_template("reports/section_edit.html", report=report, section=section, form=form, **page), status


@bp.route("/<int:report_id>/attachments", methods=["POST"])
@requires(Permission.REPORT_EDIT, load_report)
def upload_attachment(report_id: int):
    target = g.target
    form = AttachmentForm()
    valid = form.validate_on_submit()
    upload = form.file.data if form.is_submitted() and not form.csrf_token.errors else None
    if upload:  # the service checks the file even when the title is missing: every problem at once
        try:
            services.add_attachment(
                target, actor=current_user, title=form.title.data or "", filename=upload.filename, data=upload.read()
            )
            if not valid:
                raise DomainError(form.title.errors[0] if form.title.errors else "", "title")
        except DomainError as error:
            db.session.rollback()
            errors = getattr(error, "errors", [error])
            if any(e.field is None for e in errors):  # the report takes no attachment now (its state)
                flash(str(error), "error")
                return redirect(url_for("reports.report", report_id=report_id, _anchor="attachments"))
            show_problems(form, [(e.field, e.message) for e in errors if e.message])
        else:
            db.session.commit()
            flash(_("附件已上传。"), "success")
            return redirect(url_for("reports.report", report_id=report_id, _anchor="attachments"))
    # The report page again, with every error of the upload next to its field.
    flash(_("附件未上传，请按「附件」部分的提示修改。"), "error")
    g.attachment_form = form
    return report(report_id=report_id), 400


@bp.route("/<int:report_id>/attachments/<int:attachment_id>")
@requires(Permission.REPORT_READ, load_attachment_report)
def attachment(report_id: int, attachment_id: int):
    item = db.session.get(ReportAttachment, attachment_id)
    response = send_file(
        io.BytesIO(item.data), mimetype=item.content_type, as_attachment=True, download_name=item.filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<int:report_id>/attachments/<int:attachment_id>/delete", methods=["GET", "POST"])
@requires(Permission.REPORT_EDIT, load_attachment_report)
def delete_attachment(report_id: int, attachment_id: int):
    item = db.session.get(ReportAttachment, attachment_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        return _after_step(
            report_id,
            lambda: services.remove_attachment(item, actor=current_user),
            _("附件已删除。"),
            anchor="attachments",
        )
    return render_template(
        "reports/confirm.html",
        report=g.target,
        form=form,
        heading=_("删除附件"),
        question=_("确定删除附件「%(name)s」吗？删除后无法恢复。", name=item.title or item.filename),
        button=_("删除附件"),
        danger=True,
    )


# -- workflow ------------------------------------------------------------------------------------


def _after_step(report_id: int, step, message: str, anchor: str | None = None):
    """Run a service's step on the report and commit, flashing `message`; on refusal roll back and
    flash why. Either way, back to the report (at `anchor`)."""
    try:
        step()
    except DomainError as e:
        db.session.rollback()
        flash(str(e), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("reports.report", report_id=report_id, _anchor=anchor))


# Submission (reports.submit), 提请审核, 退回填报人 and the office's return (reports.return_report):
# registry/reports/submission_views.py, imported at the end of this module.


@bp.route("/<int:report_id>/accept", methods=["POST"])
@requires(Permission.REPORT_REVIEW, load_report)
def accept(report_id: int):
    form = AcceptForm(prefix="accept")
    if not form.validate_on_submit():
        abort(400)
    report = g.target
    return _after_step(
        report_id,
        lambda: services.accept_report(report, actor=current_user, comment=form.comment.data or ""),
        _("报告已审核通过，部门负责人可将其公开。"),
    )


@bp.route("/<int:report_id>/publish", methods=["GET", "POST"])
@requires(Permission.REPORT_PUBLISH, load_report)
def publish(report_id: int):
    report = g.target
    form = ConfirmForm()
    if form.validate_on_submit():
        return _after_step(
            report_id,
            lambda: services.publish_report(report, actor=current_user),
            _("报告已公开：PDF 已生成并存档，公众下载的就是这份文件。"),
        )
    return render_template(
        "reports/confirm.html",
        report=report,
        form=form,
        heading=_("公开报告"),
        question=_(
            "公开后将生成正式 PDF 并永久存档，公众可在部门页面下载；报告内容不能再修改。确定公开「%(title)s」吗？",
            title=report.title,
        ),
        button=_("公开报告"),
        danger=False,
    )


# -- PDFs ----------------------------------------------------------------------------------------


def _pdf_response(data: bytes, filename: str, *, etag: str | None = None):
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = content_disposition("inline", filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if etag:
        response.set_etag(etag)
    return response


@bp.route("/<int:report_id>/preview.pdf")
@requires(Permission.REPORT_READ, load_report)
def preview(report_id: int):
    report = g.target
    if report.state == ReportState.PUBLISHED:
        return redirect(url_for("reports.published_pdf", report_id=report.id))
    if _ensure_generated_sections(report):
        db.session.commit()
    try:
        data = render_report(report, draft=True)
    except PdfError as e:
        flash(str(e), "error")
        return redirect(url_for("reports.report", report_id=report_id))
    response = _pdf_response(data, f"{report.title}（草稿）.pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/published/<int:report_id>.pdf")
@public
def published_pdf(report_id: int):
    """The stored PDF of a published report: the very bytes stored when it was published."""
    report = db.session.get(AnnualReport, report_id)
    if report is None or report.state != ReportState.PUBLISHED:
        abort(404)
    response = _pdf_response(report.pdf_data, f"{report.title}.pdf", etag=report.pdf_sha256)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Checksum-SHA256"] = report.pdf_sha256
    return response.make_conditional(request)


# The submission side's routes and template globals register themselves on bp.
from registry.reports import submission_views  # noqa: E402
