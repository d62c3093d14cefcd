"""A cycle's 汇编 (volume): its accepted and published reports in one PDF, compiled by a background
job (registry.jobs.runner), listed on the cycle page and, once published, on the jurisdiction's
public page. Services flush, never commit, and write the audit entry."""

import hashlib

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
from registry.reports.rendering import render_volume, report_context, volume_title

COMPILE_KIND = "compile_volume"
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


@runner.task(COMPILE_KIND, link=_volume_link)
def compile_volume(job_id: int, progress: runner.Progress) -> None:
    """Prepare each report's content, render the volume, and store it (with the job's success)."""
    job = db.session.get(Job, job_id)
    cycle = db.session.get(ReportingCycle, (job.params or {}).get("cycle_id"))
    if cycle is None:
        raise DomainError(_l("报告周期已不存在，无法生成汇编。"))
    reports = volume_reports(cycle)
    if not reports:
        raise DomainError(_l("本周期还没有审核通过或已公开的报告，没有可汇编的内容。"))
    total = len(reports) + 1  # each report's content, then the volume's PDF
    progress(0, total, "正在整理各部门报告")
    contexts, report_ids = [], []
    for done, report in enumerate(reports, start=1):
        contexts.append(report_context(report, prefix=f"r{report.id}-"))
        report_ids.append(report.id)
        progress(done, total, f"已整理：{report.title}")
    cycle = db.session.get(ReportingCycle, cycle.id)
    jurisdiction, year, jurisdiction_id = cycle.jurisdiction.name, cycle.year, cycle.jurisdiction_id
    progress(len(reports), total, "正在排版汇编 PDF")
    try:
        pdf = render_volume(jurisdiction, year, contexts)
    except PdfError as error:
        raise DomainError(str(error)) from error
    job = db.session.get(Job, job_id)
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


def published_volumes(jurisdiction_id: int) -> list[ReportVolume]:
    """A jurisdiction's published volumes, newest year first (PDF bytes not loaded)."""
    return list(
        db.session.scalars(
            select(ReportVolume)
            .join(ReportVolume.cycle)
            .where(ReportingCycle.jurisdiction_id == jurisdiction_id, ReportVolume.published_at.is_not(None))
            .order_by(ReportingCycle.year.desc(), ReportVolume.published_at.desc())
        )
    )
