"""The Celery side of the job runner, used when REDIS_URL is set: Redis is the broker and the result
store, `runner.dispatch` sends a job's id here, and a worker (`celery -A registry.jobs.worker worker`)
runs it with `runner.execute` in an application context. Celery only carries ids: the tasks stay in
`runner.TASKS`, the periodic ones in `runner.PERIODIC` (Celery beat's schedule is built from it).

What happens when things go wrong:
- Redis away when a job is started: the request still succeeds (sending never raises and gives up at
  once), the job stays queued, and the requeue sweep (`runner.requeue_waiting`, run by beat every
  minute and when a worker starts) sends it once Redis answers. A job sent twice runs once
  (`runner.claim`).
- The process running a job dies (killed, out of memory): Celery's parent process notices
  (WorkerLostError) and the job goes back to the queue for one more attempt; after that it fails,
  saying why. Its writes were one transaction, never committed, so running it again is safe. If the
  whole worker machine goes away, the job fails after `runner.ABANDONED_AFTER` without progress.
"""

import logging
import time
from pathlib import Path

from celery import Celery, signals
from celery.exceptions import WorkerLostError
from flask import Flask, current_app

from registry.extensions import db
from registry.jobs import runner
from registry.jobs.models import Job, JobState

log = logging.getLogger(__name__)

RUN_TASK = "registry.jobs.run"
PERIODIC_TASK = "registry.jobs.periodic"
SENT_SECONDS = 600  # a job sent is not sent again by the sweep for this long (it may wait in a busy queue)
MAX_ATTEMPTS = 2  # runs of a job whose worker process died, before it is failed
WORKER_LOST = (
    "执行任务的进程两次意外终止（例如内存不足或被强制结束），未生成任何结果。"
    "请稍后重试；如果仍然失败，请联系系统管理员。"
)
REACHABLE_SECONDS = 5  # how long an answer to "is the queue reachable?" is reused


def celery_for(app: Flask) -> Celery:
    """The Celery application bound to a Flask application (made once, kept in app.extensions)."""
    if (existing := app.extensions.get("celery")) is not None:
        return existing
    url = app.config["REDIS_URL"]
    live_dir = Path(app.config["JOBS_LIVE_DIR"])
    try:
        live_dir.mkdir(parents=True, exist_ok=True)  # beat keeps its schedule's state there
    except OSError:
        log.warning("cannot create %s", live_dir)
    celery = Celery(app.import_name, broker=url, backend=url, set_as_current=False)
    celery.conf.update(
        task_default_queue=app.config.get("JOBS_QUEUE", "registry"),
        task_acks_late=True,  # a message is acknowledged when its job has ended, not when it is taken
        task_reject_on_worker_lost=False,  # a lost worker: on_worker_lost below decides, with a limit
        task_ignore_result=True,  # the job's row is its result
        worker_prefetch_multiplier=1,  # jobs are long: a worker takes one at a time, others stay free
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,
        broker_transport_options={"socket_connect_timeout": 2, "socket_timeout": 10},
        redis_socket_connect_timeout=2,
        redis_socket_timeout=10,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=beat_schedule(),
        beat_schedule_filename=str(live_dir / "celerybeat-schedule"),
    )
    celery.flask_app = app

    @celery.task(name=RUN_TASK, shared=False)
    def run_job(job_id: int) -> None:
        with app.app_context():
            try:
                runner.execute(int(job_id), commit=True)
            finally:
                db.session.remove()

    @celery.task(name=PERIODIC_TASK, shared=False)
    def run_periodic(name: str) -> None:
        from registry.jobs import scheduler

        scheduler.run_periodic(app, name)

    app.extensions["celery"] = celery
    return celery


def beat_schedule() -> dict:
    """Celery beat's schedule: each periodic task of `runner.PERIODIC` at its interval."""
    return {
        name: {"task": PERIODIC_TASK, "schedule": entry.every, "args": (name,), "options": {"expires": 3600}}
        for name, entry in runner.PERIODIC.items()
    }


def _sent_key(job_id: int) -> str:
    return f"{current_app.config.get('REDIS_KEY_PREFIX', 'registry')}:job:{int(job_id)}:sent"


def send(app: Flask, job_id: int) -> bool:
    """Put the job on the queue; False (and the job stays queued) if Redis does not answer."""
    from registry.jobs.connection import redis_client

    with app.app_context():
        try:
            # ignore_result: no subscription to a result (the job's row is its result), which with
            # Redis away would retry for 20 s inside the request
            celery_for(app).send_task(RUN_TASK, args=(int(job_id),), retry=False, ignore_result=True)
        except Exception:
            log.warning("job %s: the queue (REDIS_URL) is not reachable; it waits to be sent again", job_id)
            _reachable_cache[app.config["REDIS_URL"]] = (time.monotonic(), False)
            return False
        try:
            redis_client().set(_sent_key(job_id), "1", ex=SENT_SECONDS)
        except Exception:  # sent, not marked: the sweep may send it again, and it still runs once
            log.warning("job %s: sent, but not marked as sent", job_id)
        return True


def was_sent(job_id: int) -> bool:
    """Whether the job was put on the queue lately (then the sweep leaves it alone)."""
    from registry.jobs.connection import redis_client

    try:
        return bool(redis_client().exists(_sent_key(job_id)))
    except Exception:
        return False


_reachable_cache: dict[str, tuple[float, bool]] = {}


def reachable() -> bool:
    """Whether Redis answers now (the answer kept a few seconds, so a list page asks once)."""
    from registry.jobs.connection import redis_client

    url = current_app.config.get("REDIS_URL")
    if not url:
        return True
    now = time.monotonic()
    if (cached := _reachable_cache.get(url)) and now - cached[0] < REACHABLE_SECONDS:
        return cached[1]
    try:
        answer = bool(redis_client().ping())
    except Exception:
        answer = False
    _reachable_cache[url] = (now, answer)
    return answer


def _flask_app_of(sender) -> Flask | None:
    celery = getattr(sender, "app", None)
    return getattr(celery, "flask_app", None)


@signals.task_failure.connect(weak=False)
def on_worker_lost(sender=None, task_id=None, exception=None, args=None, **_):
    """The process that ran a job died: queue the job once more, or fail it saying why."""
    if not isinstance(exception, WorkerLostError) or getattr(sender, "name", None) != RUN_TASK or not args:
        return
    app = _flask_app_of(sender)
    if app is None:
        return
    job_id = int(args[0])
    with app.app_context():
        try:
            job = db.session.get(Job, job_id)
            if job is None or job.state != JobState.RUNNING:
                return
            runner.live.clear(job_id)
            if job.attempts < MAX_ATTEMPTS:
                job.state, job.started_at, job.progress, job.message = JobState.QUEUED, None, 0, ""
                db.session.commit()
                log.warning("job %s: its worker process died; queued again", job_id)
                send(app, job_id)
            else:  # through the runner's failure path: a part fails its whole at once, saying why
                runner.fail(job_id, WORKER_LOST, db.session.commit)
        except Exception:
            log.exception("job %s: could not be put back after its worker died", job_id)
        finally:
            db.session.remove()


@signals.worker_ready.connect(weak=False)
def on_worker_ready(sender=None, **_):
    """A worker starting sends again what waited while no worker (or no Redis) was there."""
    app = _flask_app_of(sender)
    if app is None:
        return
    from registry.jobs import scheduler

    try:
        scheduler.run_periodic(app, runner.REQUEUE)
    except Exception:
        log.exception("the requeue sweep failed at worker start")
