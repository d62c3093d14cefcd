"""`flask --app wsgi registry jobs …`: the jobs from the command line (list, follow one with a progress
bar, run the periodic tasks once for cron), and `follow(job_id)`, which other commands use to show the
progress of a job they started."""

import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from registry.core.cli import fail
from registry.extensions import db
from registry.jobs import live, runner
from registry.jobs.models import Job, JobState

jobs_cli = AppGroup("jobs", help="后台任务：查看、跟踪进度、执行定时任务。")

STATE_LABELS = {
    JobState.QUEUED: "排队中",
    JobState.RUNNING: "进行中",
    JobState.DONE: "已完成",
    JobState.FAILED: "失败",
}
POLL_SECONDS = 0.5


def _snapshot(job_id: int) -> Job | None:
    """The job's row as committed now (a new transaction: what the worker wrote since)."""
    db.session.rollback()
    return db.session.get(Job, job_id)


def follow(job_id: int, *, poll: float = POLL_SECONDS, timeout: float | None = None, echo: bool = True) -> Job:
    """Follow a job to its end with a click progress bar (the row's state, and while it runs the live
    progress that the 任务 page shows too); return the finished job. Needs an application context.

    The job must be committed (started with `runner.start(...)` and `db.session.commit()`); in eager
    mode (JOBS_EAGER) it is already finished and the bar is drawn full at once. Whatever the session
    held is rolled back on each look, so commit before calling. A failed job's reason is echoed in
    Chinese and the job returned: the caller decides the exit status (`fail(job.error)`).
    `timeout` (seconds): stop waiting and return the job as it stands (still queued or running)."""
    job = _snapshot(job_id)
    if job is None:
        raise click.ClickException(f"任务 {job_id} 不存在。")
    deadline = None if timeout is None else time.monotonic() + timeout
    label = f"任务 {job.id}：{job.title}"
    total = max(job.total, 1)
    waiting_told = False
    with click.progressbar(length=total, label=label, show_pos=True, file=None if echo else _Null()) as bar:
        shown = 0
        while True:
            if job.state in (JobState.DONE, JobState.FAILED):
                done, total_now = (
                    (job.total or 1, job.total or 1) if job.state == JobState.DONE else (job.progress, job.total)
                )
            else:
                now = live.get(job.id) if job.state == JobState.RUNNING else None
                done, total_now = (now["progress"], now["total"]) if now else (job.progress, job.total)
                if job.state == JobState.QUEUED and not waiting_told and echo:
                    waiting_told = True
                    bar.label = f"{label}（排队中）"
                elif job.state == JobState.RUNNING:
                    bar.label = label
            if total_now and total_now != bar.length:
                bar.length = total_now
            if done > shown:
                bar.update(done - shown)
                shown = done
            if job.state in (JobState.DONE, JobState.FAILED):
                if job.state == JobState.DONE and shown < bar.length:
                    bar.update(bar.length - shown)
                break
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(poll)
            job = _snapshot(job_id)
            if job is None:
                raise click.ClickException(f"任务 {job_id} 已不存在。")
    if echo:
        if job.state == JobState.DONE:
            click.echo(f"任务 {job.id} 已完成。")
        elif job.state == JobState.FAILED:
            click.echo(f"任务 {job.id} 失败：{job.error}", err=True)
        else:
            click.echo(f"任务 {job.id} 仍在{STATE_LABELS.get(job.state, job.state)}。")
    return job


class _Null:
    def write(self, _text: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@jobs_cli.command("list")
@click.option("--limit", type=int, default=20, show_default=True, help="显示最近多少个任务")
@click.option("--state", type=click.Choice([s.value for s in JobState]), default=None, help="只显示某一状态的任务")
@click.option("--parts", is_flag=True, help="也列出拆分出的子任务（如汇编中每份报告的 PDF）")
def list_command(limit: int, state: str | None, parts: bool):
    """列出最近的后台任务（时间为显示时区，默认北京时间）。"""
    from registry.core.timezone import format_local

    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(max(1, limit))
    if state:
        query = query.where(Job.state == state)
    if not parts:
        query = query.where(Job.parent_id.is_(None))
    jobs = db.session.scalars(query).all()
    if not jobs:
        click.echo("没有任务。")
        return
    for job in jobs:
        label = STATE_LABELS.get(job.state, job.state)
        created = format_local(job.created_at)
        click.echo(f"{job.id:>6}  {label:<4}  {job.percent:>3}%  {created}  {job.title}")
        if job.state == JobState.FAILED and job.error:
            click.echo(f"        原因：{job.error}")


@jobs_cli.command("watch")
@click.argument("job_id", type=int)
def watch_command(job_id: int):
    """用进度条跟踪一个任务，直到它结束。"""
    job = follow(job_id)
    if job.state == JobState.FAILED:
        fail("任务失败。")


@jobs_cli.command("tick")
def tick_command():
    """把每个定时任务执行一次，并把排队太久的任务重新交给执行者（供 cron 每几分钟调用一次）。"""
    from registry.jobs import scheduler

    failures = scheduler.tick_all(current_app._get_current_object())
    for name, error in failures:
        click.echo(f"定时任务 {name} 失败：{error}", err=True)
    if failures:
        fail(f"{len(failures)} 个定时任务失败。")
    click.echo(f"已执行 {len(runner.PERIODIC)} 个定时任务。")
