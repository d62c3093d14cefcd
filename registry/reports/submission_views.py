"""Pages of the submission side (issue #13, points 3 and 5): the submission page with its
completeness check, 发文字号 and confirmation; the editor's 提请审核 and the head's 退回填报人; the
office's return with comments on single sections. Routes are on the reports blueprint
(registry/reports/views.py imports this module)."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.core.errors import DomainError
from registry.core.forms import record_id, show_error, show_problems
from registry.core.permissions import Permission, requires
from registry.extensions import db
from registry.reports import services, submission
from registry.reports.completeness import Completeness, completeness
from registry.reports.models import STATE_LABELS, AnnualReport, ReportEvent
from registry.reports.submission_forms import RequestReviewForm, SectionReturnForm, SendBackForm, SubmitForm
from registry.reports.views import bp, load_report

# -- what the templates ask for --------------------------------------------------------------------


def _per_request(key: str) -> dict:
    """A cache that lives as long as the request (not `g`: an app context may outlive a request)."""
    return request.environ.setdefault(key, {})


@bp.app_template_global("report_completeness")
def report_completeness(report: AnnualReport) -> Completeness:
    """The completeness summary (templates/reports/_completeness.html), computed once per request."""
    cache = _per_request("registry.report_completeness")
    if report.id not in cache:
        cache[report.id] = completeness(report)
    return cache[report.id]


@bp.app_template_global("report_section_comments")
def report_section_comments(report: AnnualReport) -> submission.ReportComments:
    """The office's section comments (templates/reports/_section_comments.html), one query per request."""
    cache = _per_request("registry.report_section_comments")
    if report.id not in cache:
        cache[report.id] = submission.report_comments(report)
    return cache[report.id]


@bp.app_template_global("report_handoff")
def report_handoff(report: AnnualReport) -> ReportEvent | None:
    """The latest 提请审核 / 退回填报人 / 报送 step (templates/reports/_handoff.html, the 工作台)."""
    return submission.last_handoff(report)


def return_form_for(report: AnnualReport, formdata=None) -> SectionReturnForm:
    """The office's return form with the report's sections to choose from (the report page's 审核 card);
    after a refused return, the form as submitted, with its errors."""
    refused = request.environ.get("registry.return_form")
    if refused is not None and formdata is None:
        return refused
    form = SectionReturnForm(formdata=formdata) if formdata is not None else SectionReturnForm()
    choices = [("", _("（不选择）"))] + [(str(s.id), s.shown_title) for s in report.sections]
    for entry in form.section_comments.entries:
        entry.form.section.choices = choices
    return form


def _not_editable(report: AnnualReport, message: str):
    flash(message % {"state": _(STATE_LABELS[report.state])}, "error")
    return redirect(url_for("reports.report", report_id=report.id))


def _has_errors(form) -> bool:
    return bool(form.form_errors) or any(f.errors for f in form)


# -- submission --------------------------------------------------------------------------------------


@bp.route("/<int:report_id>/submit", methods=["GET", "POST"])
@requires(Permission.REPORT_SUBMIT, load_report)
def submit(report_id: int):
    """The head submits: the completeness check, the 发文字号 and a confirmation, every problem at once."""
    report = g.target
    if report.state not in services.EDITABLE_STATES:
        return _not_editable(report, _("报告当前状态为「%(state)s」，不能报送。"))
    form = SubmitForm()
    status = 200
    if request.method == "GET":
        form.doc_number.data = report.doc_number
    else:
        form.validate()
        show_problems(form, submission.submission_problems(report, form.doc_number.data or ""))
        if not _has_errors(form):
            try:
                services.submit_report(report, actor=current_user, doc_number=form.doc_number.data)
            except DomainError as error:
                db.session.rollback()
                show_error(form, error)
            else:
                db.session.commit()
                flash(_("报告已报送本级办公室，并抄送上级主管部门和同级生态环境部门。"), "success")
                return redirect(url_for("reports.report", report_id=report.id))
        status = 400
    return render_template("reports/submit.html", report=report, form=form), status


# -- 提请审核 / 退回填报人 ---------------------------------------------------------------------------


@bp.route("/<int:report_id>/request-review", methods=["GET", "POST"])
@requires(Permission.REPORT_EDIT, load_report)
def request_review(report_id: int):
    """An editor marks the draft ready for the head, after seeing what is still empty."""
    report = g.target
    if report.state not in services.EDITABLE_STATES:
        return _not_editable(report, _("报告当前状态为「%(state)s」，不能提请审核。"))
    form = RequestReviewForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                submission.request_review(report, actor=current_user, note=form.note.data or "")
            except DomainError as error:
                db.session.rollback()
                show_error(form, error)
            else:
                db.session.commit()
                flash(_("已提请部门负责人审核。负责人可以报送，或退回并说明需要修改的内容。"), "success")
                return redirect(url_for("reports.report", report_id=report.id))
        status = 400
    return render_template("reports/request_review.html", report=report, form=form), status


@bp.route("/<int:report_id>/send-back", methods=["GET", "POST"])
@requires(Permission.REPORT_SUBMIT, load_report)
def send_back(report_id: int):
    """The head sends a report handed over for review back to the editors, with a note."""
    report = g.target
    if report.state not in services.EDITABLE_STATES:
        return _not_editable(report, _("报告当前状态为「%(state)s」，不能退回填报人。"))
    if report.review_requested_at is None:
        flash(_("填报人尚未提请审核，无需退回。"), "error")
        return redirect(url_for("reports.report", report_id=report.id))
    form = SendBackForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                submission.send_back(report, actor=current_user, note=form.note.data)
            except DomainError as error:
                db.session.rollback()
                show_error(form, error)
            else:
                db.session.commit()
                flash(_("报告已退回填报人，退回说明会显示在报告页面上。"), "success")
                return redirect(url_for("reports.report", report_id=report.id))
        status = 400
    return render_template("reports/send_back.html", report=report, form=form), status


# -- the office's return -----------------------------------------------------------------------------


@bp.route("/<int:report_id>/return", methods=["POST"])
@requires(Permission.REPORT_REVIEW, load_report)
def return_report(report_id: int):
    """The office returns the report: a general comment and comments on single sections. A refused
    return shows the report page again with every error next to its field and what was typed kept."""
    from registry.reports import views

    report = g.target
    form = return_form_for(report, request.form)
    valid = form.validate()
    for entry in form.section_comments.entries:
        section, text = entry.form.section, (entry.form.text.data or "").strip()
        if text and not section.data:
            section.errors = [*section.errors, _("请选择这条意见针对的部分。")]
        elif section.data and not text:
            entry.form.text.errors = [*entry.form.text.errors, _("请填写对该部分的意见，或把部分改回“不选择”。")]
    rows = [(record_id(e.form.section.data) or None, e.form.text.data or "") for e in form.section_comments.entries]
    if valid and not _has_errors(form) and not any(e.form.errors for e in form.section_comments.entries):
        try:
            services.return_report(report, actor=current_user, comment=form.comment.data, section_comments=rows)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("报告已退回修改。"), "success")
            return redirect(url_for("reports.report", report_id=report.id))
    request.environ["registry.return_form"] = form
    return views.report(report_id=report_id), 400
