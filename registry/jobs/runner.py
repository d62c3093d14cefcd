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
- A task may instead return a `FanOut` of `Part`s: each part becomes a job of its own (parent_id =
  the whole), handed to the executor like any job, so that on Celery the parts spread over the
  workers. The whole's total is the number of parts and its progress counts the finished ones (one
  atomic UPDATE per part); after the last, the kind's `finish(whole, parts)` runs, and what it writes
  and the whole's success are one transaction. A part that fails fails the whole (saying which part):
  parts not yet run are skipped, finished parts' results are dropped, `finish` never runs.
"""

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from registry.core.audit import Actor
from registry.core.db import is_write_conflict, lock_row, utcnow
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jobs import live
from registry.jobs.models import Job, JobState

log = logging.getLogger(__name__)

Progress = Callable[..., None]
INTERNAL_ERROR = "任务执行时发生内部错误，未生成任何结果。请稍后重试；如果仍然失败，请联系系统管理员。"
UNKNOWN_KIND = "系统不认识这种任务（{kind}），未执行。"
PART_FAILED = "「{part}」未能完成，整个任务未生成任何结果。原因：{reason}"
PART_SKIPPED = "整个任务已失败，这一部分未执行。"


@dataclass(frozen=True)
class JobResult:
    """A file the task made, stored on the job and downloaded from its page."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Part:
    """One part of a fanned-out job: a job of its own, of a registered `kind`, given `params`."""

    kind: str
    title: str
    params: dict[str, Any]


@dataclass(frozen=True)
class FanOut:
    """What a task returns to split its work into parts, dispatched in this order (the longest first)."""

    parts: list[Part]
    message: str = ""  # the whole's message while its parts run


Finish = Callable[[Job, list[Job]], JobResult | None]  # (the whole, its parts in order) → its result


@dataclass(frozen=True)
class Task:
    run: Callable[[int, Progress], JobResult | FanOut | None]
    link: Callable[[Job], tuple[str, str] | None] | None = None  # (label, url) of what it made
    finish: Finish | None = None  # a fanned-out job's last step, after its last part
    # Whether `progress(done, total)` counts things a user would recognise (reports, rows); False: the
    # numbers only weigh phases against each other, so the 任务 page shows the percentage alone.
    counts: bool = True


TASKS: dict[str, Task] = {}


def task(
    kind: str,
    *,
    link: Callable[[Job], tuple[str, str] | None] | None = None,
    finish: Finish | None = None,
    counts: bool = True,
):
    """Register `fn(job_id, progress)` as the task of `kind` (a Celery task's name, later); `finish`
    is the step that puts together the parts of a kind whose task returns a `FanOut`."""

    def decorator(fn: Callable[[int, Progress], JobResult | FanOut | None]):
        TASKS[kind] = Task(run=fn, link=link, finish=finish, counts=counts)
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
    """Hand a committed, queued job to the executor: the Celery queue in Redis (REDIS_URL), else a
    thread of this process. The one seam where the executor is chosen. Never raises: with Redis away
    the job stays queued and the requeue sweep (`requeue_waiting`) sends it once Redis is back."""
    if app.config.get("REDIS_URL") and not app.config.get("JOBS_EAGER"):
        from registry.jobs import queue

        queue.send(app, job_id)
        return
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


def claim(job_id: int) -> bool:
    """Take a queued job for this run, atomically: of two executors given the same job (a message
    delivered twice, the requeue sweep and a late worker) one sees a row updated, the other none."""
    taken = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.QUEUED)
        .values(state=JobState.RUNNING, started_at=utcnow(), attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken and (job := db.session.get(Job, job_id)) is not None:
        db.session.refresh(job)  # the session's copy (eager mode: the caller's) says running too
    return bool(taken)


def execute(job_id: int, *, commit: bool) -> None:
    """Run the job's task. `commit`: each step is its own transaction (a worker); otherwise all of it
    is flushed into the caller's transaction, the task's rows inside a savepoint (eager mode)."""

    def save() -> None:
        db.session.commit() if commit else db.session.flush()

    if not claim(job_id):
        return  # gone, or already taken: a task sent twice runs once
    job = db.session.get(Job, job_id)
    attempt = job.attempts  # this run's: if the job is ended (or run again) meanwhile, it is no longer ours
    entry = TASKS.get(job.kind)
    if entry is None:
        fail(job_id, UNKNOWN_KIND.format(kind=job.kind), save)
        return
    save()
    parent_id, title = job.parent_id, job.title
    if parent_id is not None and not _whole_running(parent_id):
        if commit:  # a short write of its own (the look at the whole was a read)
            db.session.rollback()
            begin_write()
        fail(job_id, PART_SKIPPED, save)  # its whole failed meanwhile: nothing to run it for
        return

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
    parts, last_part = None, False
    rounds = 0
    while True:
        rounds += 1
        try:
            committing = _committing.set(commit)
            try:
                result = entry.run(job_id, progress)
            finally:
                _committing.reset(committing)
            if commit:
                begin_write()
            if not _still_ours(job_id, attempt):
                raise _Disowned
            if isinstance(result, FanOut):  # the whole goes on running: its parts are now jobs to run
                parts = _fan_out(job_id, result)
            else:
                job = db.session.get(Job, job_id)
                job.state, job.finished_at = JobState.DONE, utcnow()
                job.progress = max(job.progress, job.total)
                job.message = ""
                if result is not None:
                    job.result_name, job.result_type, job.result_data = (
                        result.name[:255],
                        result.content_type,
                        result.data,
                    )
                if parent_id is not None:
                    last_part = _part_done(job_id, parent_id, title)
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
            if commit and rounds < CONFLICT_ROUNDS and is_write_conflict(error):
                # Another writer got in between the task's reads and its write (SQLite refuses such a
                # transaction; PostgreSQL may too): all of it was rolled back, so run it again.
                log.info("job %s: write conflict, running it again (round %s)", job_id, rounds + 1)
                time.sleep(0.2 * rounds)
                parts, last_part = None, False
                continue
            if isinstance(error, _Disowned):  # failed meanwhile (abandoned): that stands, its result goes
                log.warning(
                    "job %s: ended elsewhere while it ran (attempt %s); its result is discarded", job_id, attempt
                )
                live.clear(job_id)
                return
            if commit:
                begin_write()
            fail(job_id, _reason(error, job_id, entry.run.__name__), save)  # a part's whole fails with it
            return
        break
    if parts is not None:
        _run_parts(job_id, parts, commit)
    elif last_part:
        _finish_whole(parent_id, commit)


CONFLICT_ROUNDS = 3  # a task whose transaction met a concurrent writer is run again, this many times in all


class _Disowned(Exception):
    """The job this run claimed was ended (or claimed again) by someone else meanwhile."""


def _still_ours(job_id: int, attempt: int) -> bool:
    """Whether this run still owns the job: it is still running, on the attempt this run claimed.
    Read under the row's lock (PostgreSQL: FOR UPDATE; SQLite: the one writer), so that the job
    cannot be marked failed (`fail_abandoned`, a lost worker) between this look and the commit."""
    db.session.flush()
    row = db.session.execute(select(Job.state, Job.attempts).where(Job.id == job_id).with_for_update()).first()
    return row is not None and row.state == JobState.RUNNING and row.attempts == attempt


_committing = contextvars.ContextVar("job_committing", default=False)


def end_reads() -> None:
    """Say that the running task has read all it needs and has written nothing it means to keep:
    a worker then ends its transaction before the long part (a render), so that no transaction
    stays open meanwhile and the job's end is recorded in a short write of its own (on SQLite a
    read transaction that writes after another process did is refused). Eager mode: nothing."""
    if _committing.get():
        db.session.rollback()


def begin_write() -> None:
    """If the task left no transaction open (`end_reads`), the next one starts as a writer: on SQLite
    the write transaction takes the write lock at BEGIN (registry/core/db.py), waiting for it
    (busy_timeout) instead of failing because another process wrote since this one's reads.
    PostgreSQL, or a transaction still open (eager mode): nothing."""
    if not db.session().in_transaction() and db.session.get_bind().dialect.name == "sqlite":
        db.session.connection(execution_options={"sqlite_immediate": True})


def _reason(error: Exception, job_id: int, name: str) -> str:
    """Why a job failed, for its user: a DomainError's message in Chinese, else a generic sentence
    (the details go to the log)."""
    if isinstance(error, DomainError):
        with force_locale("zh"):
            return str(error)
    log.exception("job %s (%s) failed", job_id, name)
    return INTERNAL_ERROR


# -- fan-out: a job in parts ------------------------------------------------------------------------

_jobs = Job.__table__


def _expire_jobs() -> None:
    """After an UPDATE past the ORM: the Job objects the session holds read their rows again."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Job):
            db.session.expire(obj)


def _whole_running(whole_id: int) -> bool:
    return db.session.scalar(select(Job.state).where(Job.id == whole_id)) == JobState.RUNNING


def _fan_out(whole_id: int, fan: FanOut) -> list[int]:
    """Record the parts as queued jobs of the whole (in its transaction); return their ids in order."""
    whole = db.session.get(Job, whole_id)
    if whole.parent_id is not None:
        raise TypeError(f"job {whole_id}: a part cannot fan out again")
    if unknown := [p.kind for p in fan.parts if p.kind not in TASKS]:
        raise TypeError(f"job {whole_id}: parts of unregistered kinds {unknown}")
    parts = [
        Job(
            kind=p.kind,
            title=p.title[:300],
            params=p.params,
            state=JobState.QUEUED,
            parent_id=whole_id,
            jurisdiction_id=whole.jurisdiction_id,
            started_by_id=whole.started_by_id,
        )
        for p in fan.parts
    ]
    db.session.add_all(parts)
    whole.progress, whole.total = 0, len(parts)
    whole.message = (fan.message or f"共 {len(parts)} 个部分")[:300]
    db.session.flush()
    return [p.id for p in parts]


def _run_parts(whole_id: int, part_ids: list[int], commit: bool) -> None:
    """Eager (tests): each part at once, in order, inside the caller's transaction. With Celery
    (REDIS_URL): each part to the queue through `dispatch`, so that the workers share them. In the
    thread of an app process (no Redis): one after the other in this thread (threads of one
    process render no faster side by side, and each would hold a PDF's memory at once)."""
    if not part_ids:
        _finish_whole(whole_id, commit)
    elif not commit:
        for part_id in part_ids:
            execute(part_id, commit=False)
    elif current_app.config.get("REDIS_URL"):
        app = current_app._get_current_object()
        for part_id in part_ids:
            dispatch(app, part_id)
    else:
        for part_id in part_ids:
            execute(part_id, commit=True)


def _part_done(part_id: int, whole_id: int, title: str) -> bool:
    """Count a finished part on its whole (one UPDATE: parts finishing at once on several workers
    each add one; PostgreSQL's row lock and SQLite's single writer order them); True for the last.
    If the whole failed meanwhile, this part's result is dropped."""
    db.session.flush()
    row = db.session.execute(
        update(_jobs)
        .where(_jobs.c.id == whole_id, _jobs.c.state == JobState.RUNNING)
        .values(progress=_jobs.c.progress + 1, message=f"已完成：{title}"[:300])
        .returning(_jobs.c.progress, _jobs.c.total)
    ).first()
    if row is None:
        db.session.execute(
            update(_jobs).where(_jobs.c.id == part_id).values(result_data=None, result_name=None, result_type=None)
        )
    _expire_jobs()
    return row is not None and row.progress >= row.total


def _drop_part_results(whole_id: int) -> None:
    db.session.execute(
        update(_jobs).where(_jobs.c.parent_id == whole_id).values(result_data=None, result_name=None, result_type=None)
    )


def _fail_whole(whole_id: int, reason: str) -> None:
    """A part failed: so does its whole (in the part's transaction), and no part's result is kept."""
    db.session.flush()
    db.session.execute(
        update(_jobs)
        .where(_jobs.c.id == whole_id, _jobs.c.state.in_((JobState.QUEUED, JobState.RUNNING)))
        .values(state=JobState.FAILED, finished_at=utcnow(), error=reason, message="")
    )
    _drop_part_results(whole_id)
    _expire_jobs()
    live.clear(whole_id)


def _finish_whole(whole_id: int, commit: bool) -> None:
    """After the last part: the kind's `finish(whole, parts)`; its rows, the whole's success and
    the parts' results dropped are one transaction. If it fails, the whole fails and nothing stays."""

    def save() -> None:
        db.session.commit() if commit else db.session.flush()

    if commit:
        begin_write()
    whole = db.session.get(Job, whole_id)
    if whole is None:
        return
    lock_row(db.session, whole)  # against anything else ending it meanwhile (fail_abandoned)
    if whole.state != JobState.RUNNING:
        if commit:
            db.session.rollback()
        return
    entry = TASKS.get(whole.kind)
    parts = list(db.session.scalars(select(Job).where(Job.parent_id == whole_id).order_by(Job.id)))
    savepoint = None if commit else db.session.begin_nested()
    try:
        result = entry.finish(whole, parts) if entry is not None and entry.finish is not None else None
        whole = db.session.get(Job, whole_id)
        whole.state, whole.finished_at = JobState.DONE, utcnow()
        whole.progress, whole.message = max(whole.progress, whole.total), ""
        if result is not None:
            whole.result_name, whole.result_type = result.name[:255], result.content_type
            whole.result_data = result.data
        _drop_part_results(whole_id)
        if savepoint is not None:
            savepoint.commit()
        else:
            db.session.commit()
        live.clear(whole_id)
    except Exception as error:
        if savepoint is None:
            db.session.rollback()
        else:
            savepoint.rollback()
        reason = _reason(error, whole_id, getattr(entry.finish, "__name__", "finish"))
        if commit:
            begin_write()
        _drop_part_results(whole_id)
        fail(whole_id, reason, save)


# A running job whose process ends (a restart, a crash, a worker killed) never finishes, and leaves
# nothing (its writes are one transaction). Past this time with no sign of life (its start, or its
# last progress in the live store) it is taken for abandoned. A queued job is not: it waits for the
# executor (Redis away, workers busy), and the requeue sweep sends it again.
ABANDONED_AFTER = timedelta(minutes=30)
ABANDONED = "任务超过 30 分钟没有进展，执行它的进程可能已中断（例如服务重启），未生成任何结果。请重新开始。"


def is_abandoned(job: Job, now: datetime | None = None) -> bool:
    if job.state != JobState.RUNNING:
        return False
    last = job.started_at or job.created_at
    if (seen := live.last_seen(job.id)) is not None:
        last = max(last, seen)
    now = now or utcnow()
    if now - last <= ABANDONED_AFTER:
        return False
    if job.parent_id is None:  # a whole lives while its parts do: their starts, ends and progress count
        for part_id, started, finished in db.session.execute(
            select(Job.id, Job.started_at, Job.finished_at).where(Job.parent_id == job.id)
        ):
            seen = live.last_seen(part_id) if started is not None and finished is None else None
            last = max([last, *(t for t in (started, finished, seen) if t is not None)])
    return now - last > ABANDONED_AFTER


def unfinished(kind: str, jurisdiction_id: int | None, **params: Any) -> list[Job]:
    """The queued or running jobs of `kind` in the jurisdiction whose params include `params` (the
    compile jobs of one document, say)."""
    jobs = db.session.scalars(
        select(Job).where(
            Job.kind == kind,
            Job.jurisdiction_id == jurisdiction_id,
            Job.state.in_((JobState.QUEUED, JobState.RUNNING)),
        )
    )
    return [j for j in jobs if all((j.params or {}).get(k) == v for k, v in params.items())]


def in_progress(kind: str, jurisdiction_id: int | None, **params: Any) -> Job | None:
    """One of `unfinished(...)` still alive (an abandoned one does not count)."""
    return next((j for j in unfinished(kind, jurisdiction_id, **params) if not is_abandoned(j)), None)


def fail_abandoned(jobs: Iterable[Job]) -> None:
    """Mark the abandoned ones among `jobs` failed (in the caller's transaction), through `fail`:
    an abandoned part fails its whole at once."""
    now = utcnow()
    for job in list(jobs):
        if is_abandoned(job, now):
            fail(job.id, ABANDONED, db.session.flush)


# -- the requeue sweep ------------------------------------------------------------------------------

REQUEUE = "jobs.requeue"
REQUEUE_AFTER = timedelta(seconds=30)  # a job queued this long and not taken was not delivered


@periodic(REQUEUE, every=timedelta(minutes=1))
def requeue_waiting() -> None:
    """Hand again to the executor the jobs that wait and were not delivered: started while Redis was
    away, or queued in a process that ended before its thread took them. With Redis, a job put on the
    queue lately is left there (it may wait behind others). A job sent twice still runs once (`claim`).
    Also marks failed the running jobs that show no sign of life (`is_abandoned`)."""
    app = current_app._get_current_object()
    celery = bool(app.config.get("REDIS_URL")) and not app.config.get("JOBS_EAGER")
    waiting = db.session.scalars(
        select(Job.id)
        .where(Job.state == JobState.QUEUED, Job.created_at < utcnow() - REQUEUE_AFTER)
        .order_by(Job.id)
        .limit(1000)
    ).all()
    if celery:
        from registry.jobs import queue

        waiting = [job_id for job_id in waiting if not queue.was_sent(job_id)]
    else:  # in a thread, a whole runs its parts one after another itself (`_run_parts`)
        parts = set(db.session.scalars(select(Job.id).where(Job.id.in_(waiting), Job.parent_id.is_not(None))))
        waiting = [job_id for job_id in waiting if job_id not in parts]
    for job_id in waiting:
        dispatch(app, job_id)
    fail_abandoned(db.session.scalars(select(Job).where(Job.state == JobState.RUNNING)).all())


def fail(job_id: int, reason: str, save: Callable[[], None]) -> None:
    """Fail the job saying why, and its whole with it if it is a part (every failure goes here).
    A job already ended meanwhile (marked abandoned) keeps its state and reason."""
    job = db.session.get(Job, job_id)
    if job.state not in (JobState.QUEUED, JobState.RUNNING):
        save()
        live.clear(job_id)
        return
    job.state, job.finished_at = JobState.FAILED, utcnow()
    job.error, job.message = reason, ""
    if job.parent_id is not None:
        _fail_whole(job.parent_id, PART_FAILED.format(part=job.title, reason=reason))
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


def shows_counts(job: Job) -> bool:
    """Whether the job's progress numbers mean something to its user (Task.counts)."""
    entry = TASKS.get(job.kind)
    return entry is None or entry.counts


def result_link(job: Job) -> tuple[str, str] | None:
    """Where what a finished job made can be seen: (label, url), or None."""
    entry = TASKS.get(job.kind)
    if job.state != JobState.DONE or entry is None or entry.link is None:
        return None
    return entry.link(job)


def jobs_of(user: Any):
    """A user's own jobs, newest first (a select, for pagination)."""
    return (
        select(Job)
        .where(Job.started_by_id == user.id, Job.parent_id.is_(None))  # a fanned-out job's parts are on its page
        .order_by(Job.created_at.desc(), Job.id.desc())
    )
