"""Run long work (a 汇编 …) outside the request that asked for it, with progress a page can show.

The shape is a task queue's, so that issue #15 can move it onto Celery without touching the tasks:
a registry of kind → `fn(job_id, progress)`, and `start(...)` which records the job and hands it to
the executor. Today the executor is a thread of the application process with its own application
context and database session; with `JOBS_EAGER` (the tests) the task runs at once, inside the
caller's transaction, so that what a test asserts does not depend on timing.

What a task may rely on:
- `progress(done, total=None, message="")` says how far it is: on the job object and in the live
  store (registry/jobs/live.py: Redis, or a file per job), which the 任务 page and the CLI read while
  it runs. It never commits: everything a task writes (rows, the job's success) is committed at the
  end in one transaction, so a task may report progress at any point, rows pending or not.
- On any exception nothing the task added is kept, and the job says why in Chinese (`Job.error`):
  a `DomainError`'s message as it is, anything else as a generic sentence (the details go to the
  log, not to the user).
- A task may return a `JobResult` (bytes to download from the job page); a task that made rows
  instead gives its kind a `link(job)` that says where they are.
"""

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from registry.core.audit import Actor
from registry.core.db import utcnow
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jobs import live
from registry.jobs.models import Job, JobState

log = logging.getLogger(__name__)

Progress = Callable[..., None]
INTERNAL_ERROR = "任务执行时发生内部错误，未生成任何结果。请稍后重试；如果仍然失败，请联系系统管理员。"
UNKNOWN_KIND = "系统不认识这种任务（{kind}），未执行。"


@dataclass(frozen=True)
class JobResult:
    """A file the task made, stored on the job and downloaded from its page."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Task:
    run: Callable[[int, Progress], JobResult | None]
    link: Callable[[Job], tuple[str, str] | None] | None = None  # (label, url) of what it made


TASKS: dict[str, Task] = {}


def task(kind: str, *, link: Callable[[Job], tuple[str, str] | None] | None = None):
    """Register `fn(job_id, progress)` as the task of `kind` (a Celery task's name, later)."""

    def decorator(fn: Callable[[int, Progress], JobResult | None]):
        TASKS[kind] = Task(run=fn, link=link)
        return fn

    return decorator


@dataclass(frozen=True)
class Periodic:
    run: Callable[[], None]  # idempotent: it may run twice (two schedulers, a retry) with no harm
    every: timedelta


PERIODIC: dict[str, Periodic] = {}


def periodic(name: str, *, every: timedelta):
    """Register `fn()` to run every `every`, inside an application context, its writes committed by
    the scheduler (Celery beat with REDIS_URL; else the app process's scheduler thread, or
    `flask registry jobs tick` from cron)."""

    def decorator(fn: Callable[[], None]):
        PERIODIC[name] = Periodic(run=fn, every=every)
        return fn

    return decorator


def start(kind: str, title: str, params: dict[str, Any], actor: Actor, jurisdiction_id: int | None) -> Job:
    """Record a job and have it run: at once (JOBS_EAGER), or in a thread once the caller commits
    (the thread must see the job row, and a rolled-back request starts nothing)."""
    job = Job(
        kind=kind,
        title=title[:300],
        params=params,
        state=JobState.QUEUED,
        jurisdiction_id=jurisdiction_id,
        started_by_id=getattr(actor, "id", None),
    )
    db.session.add(job)
    db.session.flush()
    if current_app.config.get("JOBS_EAGER"):
        execute(job.id, commit=False)
    else:
        db.session.info.setdefault("jobs_to_start", []).append((current_app._get_current_object(), job.id))
    return job


@event.listens_for(Session, "after_commit")
def _start_committed(session: Session) -> None:
    for app, job_id in session.info.pop("jobs_to_start", []):
        dispatch(app, job_id)


def dispatch(app: Flask, job_id: int) -> None:
    """Hand a committed, queued job to the executor: a thread of this process (no REDIS_URL).
    The one seam where the executor is chosen (#15 adds Celery)."""
    threading.Thread(target=_run_in_thread, args=(app, job_id), name=f"job-{job_id}", daemon=True).start()


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop("jobs_to_start", None)


def _run_in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            execute(job_id, commit=True)
        except Exception:  # the job could not even be marked failed (database away): say so in the log
            log.exception("job %s: could not be run", job_id)
        finally:
            db.session.remove()


def execute(job_id: int, *, commit: bool) -> None:
    """Run the job's task. `commit`: each step is its own transaction (a worker); otherwise all of it
    is flushed into the caller's transaction, the task's rows inside a savepoint (eager mode)."""

    def save() -> None:
        db.session.commit() if commit else db.session.flush()

    job = db.session.get(Job, job_id)
    if job is None or job.state != JobState.QUEUED:
        return  # gone, or already taken: a task runs once
    entry = TASKS.get(job.kind)
    job.state, job.started_at = JobState.RUNNING, utcnow()
    if entry is None:
        _fail(job_id, UNKNOWN_KIND.format(kind=job.kind), save)
        return
    save()

    def progress(done: int, total: int | None = None, message: str = "") -> None:
        # On the job object (committed with the task's result) and in the live store (read by the
        # 任务 page and the CLI meanwhile): never a commit, so nothing half-done is ever kept.
        current = db.session.get(Job, job_id)
        current.progress = max(0, int(done))
        if total is not None:
            current.total = max(0, int(total))
        if message:
            current.message = message[:300]
        live.put(job_id, current.progress, current.total, current.message)

    savepoint = None if commit else db.session.begin_nested()
    try:
        result = entry.run(job_id, progress)
        job = db.session.get(Job, job_id)
        job.state, job.finished_at = JobState.DONE, utcnow()
        job.progress = max(job.progress, job.total)
        job.message = ""
        if result is not None:
            job.result_name, job.result_type, job.result_data = result.name[:255], result.content_type, result.data
        if savepoint is not None:
            savepoint.commit()  # the task's rows and the job's success: one transaction
        else:
            db.session.commit()
        live.clear(job_id)
    except Exception as error:
        if savepoint is None:
            db.session.rollback()
        else:  # the savepoint's commit is the try's last step: it is still open (even when inactive)
            savepoint.rollback()
        if isinstance(error, DomainError):
            with force_locale("zh"):
                reason = str(error)
        else:
            log.exception("job %s (%s) failed", job_id, entry.run.__name__)
            reason = INTERNAL_ERROR
        _fail(job_id, reason, save)


# A job runs in a thread of the process that started it: if that process ends (a restart, a crash)
# the job never finishes. Past this age a queued or running job is taken for abandoned.
ABANDONED_AFTER = timedelta(minutes=30)
ABANDONED = "任务超过 30 分钟没有完成，可能因服务重启而中断，未生成任何结果。请重新开始。"


def is_abandoned(job: Job, now: datetime | None = None) -> bool:
    if job.state not in (JobState.QUEUED, JobState.RUNNING):
        return False
    return (now or utcnow()) - (job.started_at or job.created_at) > ABANDONED_AFTER


def fail_abandoned(jobs: Iterable[Job]) -> None:
    """Mark the abandoned ones among `jobs` failed (in the caller's transaction)."""
    now = utcnow()
    for job in jobs:
        if is_abandoned(job, now):
            job.state, job.finished_at, job.error, job.message = JobState.FAILED, now, ABANDONED, ""


def _fail(job_id: int, reason: str, save: Callable[[], None]) -> None:
    job = db.session.get(Job, job_id)
    job.state, job.finished_at = JobState.FAILED, utcnow()
    job.error, job.message = reason, ""
    save()
    live.clear(job_id)


# -- who sees a job, and what it links to -----------------------------------------------------------


def may_see(user: Any, job: Job) -> bool:
    """The one rule for a job's page, status and result: whoever started it, and the office of the
    jurisdiction it works on."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if job.started_by_id is not None and job.started_by_id == user.id:
        return True
    return (
        user.role == "office_admin" and job.jurisdiction_id is not None and job.jurisdiction_id == user.jurisdiction_id
    )


def result_link(job: Job) -> tuple[str, str] | None:
    """Where what a finished job made can be seen: (label, url), or None."""
    entry = TASKS.get(job.kind)
    if job.state != JobState.DONE or entry is None or entry.link is None:
        return None
    return entry.link(job)


def jobs_of(user: Any):
    """A user's own jobs, newest first (a select, for pagination)."""
    return select(Job).where(Job.started_by_id == user.id).order_by(Job.created_at.desc(), Job.id.desc())
