"""The government's yearly report to its people's congress (seed 000: 县级以上人民政府每年向本级人民代表
大会或人民代表大会常务委员会报告环境状况和环境保护目标完成情况): 「<地区><年度>年度环境状况和环境保护目标完成
情况报告」.

The office drafts one per jurisdiction and year: its own text and the 文号; everything else is
generated from the indicators (registry/targets/queries.py, statuses by registry/targets/rules.py, the
same table and charts as a department's report section, registry/reports/indicator_section.py).
A background job (registry/jobs/runner.py) compiles the PDF in the official style and stores it on
the report with its SHA-256, together with a fingerprint of what it was compiled from (on the job's
params). Publishing takes the very bytes the office compiled and previewed, never a new rendering:
what the office read is what the public downloads. It is therefore refused when anything the PDF
shows has changed since (the office's text, a value, a definition): compile again, look, publish.
Publishing locks the year's indicator values (services.lock_year, unless locked already) in the same
transaction, so the published figures can no longer change underneath it.

Services flush, never commit, and write the audit entry.
"""

import hashlib
import json
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from registry.auth.models import User
from registry.core import audit
from registry.core.audit import Actor
from registry.core.db import lock_row, utcnow
from registry.core.errors import CONFLICT_MESSAGE, DomainError, refuse
from registry.core.permissions import Permission, can
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jobs import live, runner
from registry.jobs.models import Job
from registry.jurisdictions.models import Jurisdiction, Level
from registry.pdf import PdfError, official_locale, render_pdf
from registry.public.cache import remembered
from registry.reports.content import safe_html, sanitize_html
from registry.reports.indicator_section import indicator_figures, summary_text
from registry.reports.official import chinese_date
from registry.targets import queries, services
from registry.targets.models import EnvironmentReport, EnvironmentReportState
from registry.targets.rules import STATUS_LABELS

COMPILE_KIND = "compile_environment_report"
TEMPLATE = "pdf/environment_report.html"
PDF = "application/pdf"
MAX_DOC_NUMBER = 100
MAX_BODY = 200_000  # characters of the office's (sanitized) text


class NotAllowed(DomainError):
    """The actor's role or scope does not allow this step."""


# -- names -------------------------------------------------------------------------------------------


def report_title(jurisdiction_name: str, year: int) -> str:
    return f"{jurisdiction_name}{year}年度环境状况和环境保护目标完成情况报告"


def issuer(jurisdiction: Jurisdiction) -> str:
    """Who reports: the people's government of the jurisdiction (发文机关标志 and 落款)."""
    return "国务院" if jurisdiction.level == Level.CENTRAL else f"{jurisdiction.name}人民政府"


def addressee(jurisdiction: Jurisdiction) -> str:
    """To whom: the standing committee of the same-level people's congress (主送机关)."""
    if jurisdiction.level == Level.CENTRAL:
        return "全国人民代表大会常务委员会"
    return f"{jurisdiction.name}人民代表大会常务委员会"


def file_name(report: EnvironmentReport) -> str:
    return f"{report.title}.pdf"


# -- reading -----------------------------------------------------------------------------------------


def reports_of(jurisdiction_id: int) -> list[EnvironmentReport]:
    """A jurisdiction's reports, newest year first (PDF bytes not loaded)."""
    return list(
        db.session.scalars(
            select(EnvironmentReport)
            .where(EnvironmentReport.jurisdiction_id == jurisdiction_id)
            .order_by(EnvironmentReport.year.desc())
        )
    )


def report_for(jurisdiction_id: int, year: int) -> EnvironmentReport | None:
    return db.session.scalar(
        select(EnvironmentReport).where(
            EnvironmentReport.jurisdiction_id == jurisdiction_id, EnvironmentReport.year == year
        )
    )


@remembered  # under the publication token: registry/public/queries/targets.py watches the table
def _every_published_report() -> dict[int, tuple[dict[str, Any], ...]]:
    """Every published report by jurisdiction, newest year first, as plain values (with its id):
    one query a publication, for every jurisdiction's page."""
    rows = db.session.execute(
        select(
            EnvironmentReport.jurisdiction_id,
            EnvironmentReport.id,
            EnvironmentReport.year,
            EnvironmentReport.title,
            EnvironmentReport.doc_number,
            EnvironmentReport.pdf_size,
            EnvironmentReport.pdf_sha256,
            EnvironmentReport.published_at,
        )
        .where(EnvironmentReport.state == EnvironmentReportState.PUBLISHED)
        .order_by(EnvironmentReport.year.desc())
    )
    from registry.public.queries.jurisdictions import by_jurisdiction

    return by_jurisdiction(rows)


def published_reports(jurisdiction_id: int) -> tuple[dict[str, Any], ...]:
    """The published reports the jurisdiction's public page lists, newest year first, as plain values."""
    return _every_published_report().get(jurisdiction_id, ())


def suggested_year() -> int:
    """The year a new report is usually about: the last one (reported to the congress this spring)."""
    return local_today().year - 1


# -- what the PDF shows ----------------------------------------------------------------------------------


def _source(report: EnvironmentReport, rows: list[queries.IndicatorRow]) -> dict[str, Any]:
    """What the PDF is made of, as stored: the office's text and 文号, the jurisdiction, and of every
    indicator its definition, its yearly values (the chart) and the report year's source (the table).
    Raw values, no formatted or translated text, so that its fingerprint is the same whoever
    computes it in whatever interface language. Not whether the year is locked: the PDF does not say
    it (publishing locks it)."""
    jurisdiction = report.jurisdiction
    return {
        "title": report.title,
        "year": report.year,
        "jurisdiction": [jurisdiction.id, jurisdiction.name, str(jurisdiction.level)],
        "doc_number": report.doc_number,
        "body": report.body,
        "indicators": [
            [
                row.id,
                row.name,
                row.unit,
                row.direction,
                row.binding,
                [row.baseline_year, row.baseline_value],
                [row.target_year, row.target_value, row.stretch_value],
                row.plan_label,
                row.lead_department_name,
                [[v.year, v.value] for v in row.yearly],
                found.source if (found := row.value_in(report.year)) else "",
            ]
            for row in rows
        ],
    }


def fingerprint(source: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(source, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def current_fingerprint(report: EnvironmentReport) -> str:
    """The fingerprint of what a PDF compiled now would show."""
    return fingerprint(_source(report, queries.indicators(jurisdiction_id=report.jurisdiction_id)))


def pdf_context(report: EnvironmentReport, *, signed=None) -> tuple[dict[str, Any], str]:
    """The template's plain data (the office's text, the table and charts of every indicator in the
    report's year, and the parts of an official document: templates/pdf/_official.html's 版头, 主送,
    落款, 版记), built in Chinese whatever the interface's language, and the fingerprint of its source."""
    jurisdiction = report.jurisdiction
    rows = queries.indicators(jurisdiction_id=jurisdiction.id)
    counts = queries.summary(rows, report.year)
    central = jurisdiction.level == Level.CENTRAL
    with official_locale():  # the charts' legends and the targets' 力争 are gettext'ed
        indicators = [indicator_figures(row, report.year, pdf=True) for row in rows]
    context = {
        "title": report.title,
        "year": report.year,
        "jurisdiction": jurisdiction.name,
        "issuer": issuer(jurisdiction),
        "doc_number": report.doc_number,
        "counts": counts,
        "summary": summary_text(counts),
        "anchor": f"environment-{report.id}",
        "body": safe_html(report.body),
        "indicators": indicators,
        "by_status": [(status, label, counts[status]) for status, label in STATUS_LABELS.items()],
        "addressee": addressee(jurisdiction),
        "addressees": addressee(jurisdiction),
        "copies": [],
        "attachments": [],
        "signed_date": signed,
        "signed_date_text": chinese_date(signed),
        "printed_by": "国务院办公厅" if central else f"{issuer(jurisdiction)}办公厅",
    }
    return context, fingerprint(_source(report, rows))


def render(context: dict[str, Any]) -> bytes:
    """The PDF: a GB/T 9704 document (no cover), the charts as the same SVG as on the pages."""
    return render_pdf(TEMPLATE, {"report": context, "draft": False, "today": local_today()}, front=False)


# -- the office's draft ------------------------------------------------------------------------------------


def _require_manage(actor: Actor, jurisdiction: Jurisdiction) -> None:
    if not can(actor, Permission.TARGET_MANAGE, jurisdiction):
        raise NotAllowed(_l("只有本级办公室可以编制本级的年度环境状况和环境保护目标完成情况报告。"))


def _require_draft(report: EnvironmentReport) -> None:
    if report.state != EnvironmentReportState.DRAFT:
        raise DomainError(_l("该报告已公开，不能再修改。已公开的报告不会改变。"))


def year_problems(jurisdiction: Jurisdiction, year: int | None) -> list[tuple[str, Any]]:
    last_year = local_today().year - 1  # the report is on an ended year, whose values publishing locks
    if year is None:
        return [("year", _l("请填写报告年度。"))]
    if not services.EARLIEST_YEAR <= year <= last_year:
        return [("year", _l("年度应在%(low)d至%(high)d之间。", low=services.EARLIEST_YEAR, high=last_year))]
    if report_for(jurisdiction.id, year) is not None:
        return [("year", _l("%(year)d年度的报告已经存在，请在列表中打开它。", year=year))]
    return []


def create_report(jurisdiction: Jurisdiction, year: int | None, *, actor: Actor) -> EnvironmentReport:
    """Start the report of a jurisdiction and year (the office): a draft with an empty text."""
    _require_manage(actor, jurisdiction)
    refuse(year_problems(jurisdiction, year))
    report = EnvironmentReport(
        jurisdiction=jurisdiction,
        year=year,
        title=report_title(jurisdiction.name, year),
        body="",
        doc_number="",
        state=EnvironmentReportState.DRAFT,
        updated_by_id=getattr(actor, "id", None),
        updated_at=utcnow(),
    )
    db.session.add(report)
    db.session.flush()
    audit.record(
        actor,
        "create",
        report,
        jurisdiction_id=jurisdiction.id,
        after=report.audit_data(),
        summary=f"新建「{report.title}」",
    )
    return report


def save_report(
    report: EnvironmentReport, *, actor: Actor, expected_version: int | None, body: str, doc_number: str
) -> None:
    """Save the office's text (sanitized) and the 文号; refused on a stale copy and once published."""
    _require_manage(actor, report.jurisdiction)
    _require_draft(report)
    if expected_version is None or report.lock_version != expected_version:
        raise DomainError(CONFLICT_MESSAGE)
    doc_number = doc_number.strip()
    clean = sanitize_html(body or "")
    found = []
    if len(doc_number) > MAX_DOC_NUMBER:
        found.append(("doc_number", _l("文号不能超过%(n)d字。", n=MAX_DOC_NUMBER)))
    if len(clean) > MAX_BODY:
        found.append(("body", _l("正文过长（不能超过%(n)d字）。", n=MAX_BODY)))
    refuse(found)
    before = report.audit_data()
    if before["body"] == clean and before["doc_number"] == doc_number:
        return  # nothing changed: no new version, no entry
    report.body = clean
    report.doc_number = doc_number
    report.updated_by_id = getattr(actor, "id", None)
    report.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError as error:
        raise DomainError(CONFLICT_MESSAGE) from error
    audit.record(
        actor,
        "update",
        report,
        jurisdiction_id=report.jurisdiction_id,
        before=before,
        after=report.audit_data(),
        summary=f"修改「{report.title}」",
    )


# -- compiling (a background job) ---------------------------------------------------------------------------


def compile_in_progress(report: EnvironmentReport) -> Job | None:
    """A compile job of this report still queued or running (an abandoned one does not count)."""
    return runner.in_progress(COMPILE_KIND, report.jurisdiction_id, report_id=report.id)


def start_compile(report: EnvironmentReport, *, actor: Actor, signed: date | None = None) -> Job:
    """Start the job that compiles the report's PDF (one at a time per report); `signed`, the 成文日期
    it prints, is the day it is compiled unless given (the demo's back-dated report)."""
    _require_manage(actor, report.jurisdiction)
    lock_row(db.session, report)  # two clicks at once start one job
    _require_draft(report)
    runner.fail_abandoned(runner.unfinished(COMPILE_KIND, report.jurisdiction_id, report_id=report.id))
    if compile_in_progress(report) is not None:
        raise DomainError(_l("该报告正在生成 PDF，请等它完成。"))
    return runner.start(
        COMPILE_KIND,
        f"生成 PDF：{report.title}",
        {"report_id": report.id, **({"signed": signed.isoformat()} if signed else {})},
        actor,
        jurisdiction_id=report.jurisdiction_id,
    )


def _report_link(job: Job) -> tuple[str, str] | None:
    report = db.session.get(EnvironmentReport, (job.params or {}).get("report_id"))
    if report is None:
        return None
    return str(_l("查看报告和 PDF")), url_for(
        "environment.report", code=report.jurisdiction.code, year=report.year, _anchor="pdf"
    )


def _gone() -> DomainError:
    return DomainError(_l("报告已不存在或已公开，未生成 PDF。"))


@runner.task(COMPILE_KIND, link=_report_link, counts=False)
def compile_report(job_id: int, progress: runner.Progress) -> None:
    """Gather the facts and the charts, render the PDF (no transaction open meanwhile), then store it
    on the draft with its SHA-256 and the fingerprint of what it shows."""
    job = db.session.get(Job, job_id)
    params = dict(job.params or {})
    report = db.session.get(EnvironmentReport, params.get("report_id"))
    if report is None or report.state != EnvironmentReportState.DRAFT:
        raise _gone()
    report_id, starter_id = report.id, job.started_by_id
    live.put(job_id, 1, 4, "正在整理指标数据")
    # 成文日期: the day the office compiled what it will publish (unless the job was given one)
    signed = date.fromisoformat(params["signed"]) if params.get("signed") else local_today()
    context, compiled = pdf_context(report, signed=signed)
    live.put(job_id, 2, 4, f"正在排版 PDF（{len(context['indicators'])}项指标）")
    runner.end_reads()  # the render reads nothing more: no transaction stays open meanwhile
    try:
        pdf = render(context)
    except PdfError as error:
        raise DomainError(str(error)) from error
    runner.begin_write()
    report = db.session.get(EnvironmentReport, report_id)
    if report is None:
        raise _gone()
    lock_row(db.session, report)
    if report.state != EnvironmentReportState.DRAFT:
        raise _gone()
    report.pdf_data = pdf
    report.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    report.pdf_size = len(pdf)
    report.compiled_at = utcnow()
    report.job_id = job_id
    job = db.session.get(Job, job_id)
    job.params = {**params, "fingerprint": compiled, "signed": signed.isoformat()}
    progress(3, 4, "正在保存")
    starter = db.session.get(User, starter_id) if starter_id else None
    audit.record(
        starter or "后台任务",
        "update",
        report,
        jurisdiction_id=report.jurisdiction_id,
        after={"size": report.pdf_size, "sha256": report.pdf_sha256},
        summary=f"生成「{report.title}」PDF（{len(context['indicators'])}项指标）",
    )


def compiled_fingerprint(report: EnvironmentReport) -> str | None:
    """The fingerprint of what the stored PDF shows (None: no PDF)."""
    if report.pdf_sha256 is None or report.job_id is None:
        return None
    job = db.session.get(Job, report.job_id)
    return (job.params or {}).get("fingerprint") if job else None


def is_current(report: EnvironmentReport) -> bool:
    """Whether the stored PDF still shows what the report holds now (text, 文号, every value)."""
    compiled = compiled_fingerprint(report)
    return compiled is not None and compiled == current_fingerprint(report)


# -- publishing ------------------------------------------------------------------------------------------------


def publish_report(report: EnvironmentReport, *, actor: Actor) -> None:
    """Publish the compiled PDF as it is (the bytes the office previewed) and lock the year's values;
    refused without a PDF, while one is being compiled, and when the PDF no longer shows what the
    report holds. Final: the report never changes afterwards."""
    jurisdiction = report.jurisdiction
    _require_manage(actor, jurisdiction)
    # The jurisdiction's row first: recording a value and locking a year take it before they check
    # whether the year is locked (services.record_value, lock_year), so no value can commit between
    # the check below that the PDF shows the values as they are and the year's lock.
    lock_row(db.session, jurisdiction)
    lock_row(db.session, report)
    _require_draft(report)
    if compile_in_progress(report) is not None:
        raise DomainError(_l("该报告正在生成 PDF，请等它完成、预览后再公开。"))
    if report.pdf_sha256 is None:
        raise DomainError(_l("请先生成 PDF 并预览，再公开。"))
    if not is_current(report):
        raise DomainError(_l("生成 PDF 之后，报告正文、文号或指标数据又有变化。请重新生成 PDF，预览无误后再公开。"))
    locked_now = not services.is_locked(jurisdiction.id, report.year)
    if locked_now:
        services.lock_year(jurisdiction, report.year, actor=actor)
    before = report.audit_data()
    report.state = EnvironmentReportState.PUBLISHED
    report.published_at = utcnow()
    report.published_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(
        actor,
        "publish",
        report,
        jurisdiction_id=jurisdiction.id,
        before=before,
        after={**report.audit_data(), "sha256": report.pdf_sha256, "size": report.pdf_size},
        summary=f"公开「{report.title}」" + (f"，同时锁定{report.year}年度目标指标数据" if locked_now else ""),
    )
