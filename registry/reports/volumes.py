"""A cycle's 汇编 (volume): its accepted and published reports in one PDF, compiled by a background
job (registry.jobs.runner), listed on the cycle page and, once published, on the jurisdiction's
public page. Services flush, never commit, and write the audit entry.

The compile job fans out (runner.FanOut): one part renders the volume (queued first: it is the
longest), one part per report gives that report's PDF (a published report's stored bytes, never
rendered again); on Celery the parts spread over the workers. After the last part, `_finish_compile`
stores the volume and gives the job a ZIP of every report's PDF and the volume, in one transaction.
"""

import hashlib
import io
import re
import zipfile

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from registry.auth.models import User
from registry.core import audit
from registry.core.audit import Actor
from registry.core.db import lock_row, utcnow
from registry.core.errors import DomainError
from registry.core.permissions import Permission, can
from registry.extensions import db
from registry.jobs import runner
from registry.jobs.models import Job, JobState
from registry.pdf import PdfError
from registry.reports.models import AnnualReport, ReportingCycle, ReportState, ReportVolume
from registry.reports.queries import cycle_reports
from registry.reports.rendering import render_report_context, render_volume, report_context, volume_title

COMPILE_KIND = "compile_volume"
REPORT_PART_KIND = "compile_volume.report"  # a part: one report's PDF
VOLUME_PART_KIND = "compile_volume.volume"  # a part: the 汇编's PDF
PDF = "application/pdf"
VOLUME_STATES = (ReportState.ACCEPTED, ReportState.PUBLISHED)  # what goes into a volume


class NotAllowed(DomainError):
    """The actor's role or scope does not allow this step."""


def volume_reports(cycle: ReportingCycle) -> list[AnnualReport]:
    """The reports a volume of this cycle holds: accepted and published ones, in the departments' order."""
    return [r for r in cycle_reports(cycle.id) if r.state in VOLUME_STATES]


def volumes_of(cycle_id: int) -> list[ReportVolume]:
    """A cycle's volumes, newest first (PDF bytes not loaded)."""
    return list(
        db.session.scalars(
            select(ReportVolume)
            .where(ReportVolume.cycle_id == cycle_id)
            .order_by(ReportVolume.compiled_at.desc(), ReportVolume.id.desc())
        )
    )


def safe_file_name(text: str) -> str:
    """A title as a file name on any system (no path separators, reserved characters or spaces)."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_")


def report_file_name(number: int, report: AnnualReport) -> str:
    return f"{number:02d}_{safe_file_name(report.title)}.pdf"


def volume_file_name(jurisdiction: str, year: int) -> str:
    return f"{safe_file_name(volume_title(jurisdiction, year))}.pdf"


def _unfinished(cycle: ReportingCycle) -> list[Job]:
    jobs = db.session.scalars(
        select(Job).where(
            Job.kind == COMPILE_KIND,
            Job.jurisdiction_id == cycle.jurisdiction_id,
            Job.state.in_((JobState.QUEUED, JobState.RUNNING)),
        )
    )
    return [j for j in jobs if (j.params or {}).get("cycle_id") == cycle.id]


def compile_in_progress(cycle: ReportingCycle) -> Job | None:
    """A compile job of this cycle still queued or running, if any (one abandoned by a process that
    ended does not count: runner.ABANDONED_AFTER)."""
    return next((j for j in _unfinished(cycle) if not runner.is_abandoned(j)), None)


def start_compile(cycle: ReportingCycle, *, actor: Actor) -> Job:
    """Start the job that compiles the cycle's volume (one at a time per cycle)."""
    if not can(actor, Permission.CYCLE_MANAGE, cycle):
        raise NotAllowed(_l("只有本级办公室可以生成本级报告周期的汇编。"))
    return _start_compile(cycle, actor)


def start_compile_from_cli(cycle: ReportingCycle, *, actor: str) -> Job:
    """The same job, started by `flask registry reports compile --queue` (the server's operator)."""
    return _start_compile(cycle, actor)


def _start_compile(cycle: ReportingCycle, actor: Actor) -> Job:
    lock_row(db.session, cycle)  # two clicks at once start one job
    runner.fail_abandoned(_unfinished(cycle))
    if compile_in_progress(cycle) is not None:
        raise DomainError(_l("本周期已有一个汇编任务正在进行，请等它完成后再生成。"))
    if not volume_reports(cycle):
        raise DomainError(_l("本周期还没有审核通过或已公开的报告，没有可汇编的内容。"))
    title = volume_title(cycle.jurisdiction.name, cycle.year)
    return runner.start(
        COMPILE_KIND, f"生成汇编：{title}", {"cycle_id": cycle.id}, actor, jurisdiction_id=cycle.jurisdiction_id
    )


def _volume_link(job: Job) -> tuple[str, str] | None:
    volume = db.session.scalar(select(ReportVolume).where(ReportVolume.job_id == job.id))
    if volume is None:
        return None
    return str(_l("查看汇编")), url_for("reports.cycle", cycle_id=volume.cycle_id, _anchor=f"volume-{volume.id}")


def _cycle_of(job: Job) -> ReportingCycle:
    cycle = db.session.get(ReportingCycle, (job.params or {}).get("cycle_id"))
    if cycle is None:
        raise DomainError(_l("报告周期已不存在，无法生成汇编。"))
    return cycle


def _finish_compile(job: Job, parts: list[Job]) -> runner.JobResult:
    """After the last part: store the volume (audited) and hand back every PDF as one ZIP."""
    cycle = _cycle_of(job)
    jurisdiction, year, jurisdiction_id = cycle.jurisdiction.name, cycle.year, cycle.jurisdiction_id
    volume_part = next(p for p in parts if p.kind == VOLUME_PART_KIND)
    report_parts = sorted((p for p in parts if p.kind == REPORT_PART_KIND), key=lambda p: p.params["number"])
    pdf = volume_part.result_data
    report_ids = list(volume_part.params["report_ids"])
    starter = db.session.get(User, job.started_by_id) if job.started_by_id else None
    volume = ReportVolume(
        cycle_id=cycle.id,
        title=volume_title(jurisdiction, year),
        report_ids=report_ids,
        pdf_data=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        pdf_size=len(pdf),
        compiled_at=utcnow(),
        compiled_by_id=job.started_by_id,
        job_id=job.id,
    )
    db.session.add(volume)
    db.session.flush()
    audit.record(
        starter or "后台任务",
        "create",
        volume,
        jurisdiction_id=jurisdiction_id,
        after={"title": volume.title, "reports": len(report_ids), "size": volume.pdf_size, "sha256": volume.pdf_sha256},
        summary=f"生成「{volume.title}」（{len(report_ids)}份报告）",
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as out:  # PDFs are compressed already
        for part in report_parts:
            out.writestr(part.result_name, part.result_data)
        out.writestr(volume_part.result_name, pdf)
    return runner.JobResult(f"{jurisdiction}{year}年度专题报告及汇编.zip", "application/zip", archive.getvalue())


@runner.task(COMPILE_KIND, link=_volume_link, finish=_finish_compile)
def compile_volume(job_id: int, progress: runner.Progress) -> runner.FanOut:
    """Split the compile into parts: the volume first (the longest), then one per report."""
    job = db.session.get(Job, job_id)
    cycle = _cycle_of(job)
    reports = volume_reports(cycle)
    if not reports:
        raise DomainError(_l("本周期还没有审核通过或已公开的报告，没有可汇编的内容。"))
    title = volume_title(cycle.jurisdiction.name, cycle.year)
    report_ids = [r.id for r in reports]
    parts = [runner.Part(VOLUME_PART_KIND, f"排版汇编：{title}", {"cycle_id": cycle.id, "report_ids": report_ids})]
    parts += [
        runner.Part(REPORT_PART_KIND, f"报告 PDF：{report.title}", {"report_id": report.id, "number": number})
        for number, report in enumerate(reports, start=1)
    ]
    return runner.FanOut(parts, message=f"共 {len(reports)} 份报告和 1 册汇编")


def _volume_report(report_id: int) -> AnnualReport:
    report = db.session.get(AnnualReport, report_id)
    if report is None or report.state not in VOLUME_STATES:
        raise DomainError(_l("有报告在汇编期间被退回或删除，已不能汇编。请刷新周期页面后重新生成。"))
    return report


@runner.task(REPORT_PART_KIND)
def compile_report_part(job_id: int, progress: runner.Progress) -> runner.JobResult:
    """One report's PDF for the ZIP: a published report's stored bytes as published, never rendered
    again; an accepted one rendered (no 「草稿」 mark)."""
    params = db.session.get(Job, job_id).params
    report = _volume_report(params["report_id"])
    name = report_file_name(params["number"], report)
    if report.state == ReportState.PUBLISHED and report.pdf_data:
        data = report.pdf_data
        runner.end_reads()
        return runner.JobResult(name, PDF, data)
    context = report_context(report)
    runner.end_reads()  # the render reads nothing more: no transaction stays open meanwhile
    try:
        data = render_report_context(context, draft=False)
    except PdfError as error:
        raise DomainError(str(error)) from error
    return runner.JobResult(name, PDF, data)


@runner.task(VOLUME_PART_KIND)
def compile_volume_part(job_id: int, progress: runner.Progress) -> runner.JobResult:
    """The 汇编's PDF: every report's content (attachments listed, not embedded), then the layout."""
    params = db.session.get(Job, job_id).params
    cycle = db.session.get(ReportingCycle, params["cycle_id"])
    if cycle is None:
        raise DomainError(_l("报告周期已不存在，无法生成汇编。"))
    report_ids = params["report_ids"]
    total = len(report_ids) + 1  # each report's content, then the volume's PDF
    contexts = []
    jurisdiction, year = cycle.jurisdiction.name, cycle.year
    with db.session.no_autoflush:  # progress is not written to the row meanwhile (a worker only reads here)
        for done, report_id in enumerate(report_ids, start=1):
            report = _volume_report(report_id)
            contexts.append(report_context(report, prefix=f"r{report.id}-", attachment_data=False))
            progress(done, total, f"已整理：{report.title}")
        progress(len(report_ids), total, "正在排版汇编 PDF")
    runner.end_reads()  # the render reads nothing more: no transaction stays open meanwhile
    try:
        pdf = render_volume(jurisdiction, year, contexts)
    except PdfError as error:
        raise DomainError(str(error)) from error
    return runner.JobResult(volume_file_name(jurisdiction, year), PDF, pdf)


def unpublished_reports(volume: ReportVolume) -> list[AnnualReport]:
    """The reports of a volume that are not published (yet), in the volume's order."""
    reports = {
        r.id: r
        for r in db.session.scalars(
            select(AnnualReport)
            .where(AnnualReport.id.in_(volume.report_ids or []))
            .options(joinedload(AnnualReport.department))
        )
    }
    return [reports[i] for i in volume.report_ids or [] if i in reports and reports[i].state != ReportState.PUBLISHED]


def publish_volume(volume: ReportVolume, *, actor: Actor) -> None:
    """Publish a volume: only when every report in it is published; afterwards it never changes."""
    cycle = volume.cycle
    if not can(actor, Permission.CYCLE_MANAGE, cycle):
        raise NotAllowed(_l("只有本级办公室可以公开本级的汇编。"))
    lock_row(db.session, volume)
    if volume.published_at is not None:
        raise DomainError(_l("该汇编已经公开。"))
    if waiting := unpublished_reports(volume):
        raise DomainError(
            _l(
                "汇编中还有 %(n)s 份报告尚未公开：%(titles)s。请待这些报告公开后再公开汇编。",
                n=len(waiting),
                titles="、".join(r.title for r in waiting),
            )
        )
    volume.published_at = utcnow()
    volume.published_by_id = actor.id
    db.session.flush()
    audit.record(
        actor,
        "publish",
        volume,
        jurisdiction_id=cycle.jurisdiction_id,
        before={"published": False},
        after={"published": True, "sha256": volume.pdf_sha256},
        summary=f"公开「{volume.title}」",
    )
