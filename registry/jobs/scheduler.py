"""The periodic tasks (`runner.PERIODIC`: reminders, the requeue sweep …) and who runs them:
- with REDIS_URL, Celery beat (`celery -A registry.jobs.worker beat`), its schedule built from the
  registry (registry/jobs/queue.py);
- without, a thread of the application process, started with the first request it serves; of the
  processes of one machine (gunicorn's workers) only the one holding a file lock in the instance
  folder runs them, and another takes over if it ends. Not in the tests, not in CLI commands;
- or cron: `flask --app wsgi registry jobs tick` runs each once.
Each run is in an application context of its own, its writes committed after it; a periodic task is
idempotent, so a run twice (two schedulers for a moment, a restart) does no harm."""

import fcntl
import json
import logging
import os
import threading
import time
from pathlib import Path

from flask import Flask

from registry.extensions import db
from registry.jobs import runner

log = logging.getLogger(__name__)
TICK_SECONDS = 15  # how often the thread looks whether a task is due (and retries the lock)

_started: set[int] = set()
_started_lock = threading.Lock()


def run_periodic(app: Flask, name: str) -> None:
    """Run one periodic task now, in an application context, and commit what it wrote (nothing if
    it fails: the error is raised after the rollback)."""
    entry = runner.PERIODIC.get(name)
    if entry is None:
        log.warning("periodic task %s is not known here", name)
        return
    with app.app_context():
        try:
            # On SQLite a task that reads and then writes (reminders) would fail at once if a job in
            # another process wrote meanwhile (WAL's snapshot rule): take the write lock at BEGIN,
            # waiting for it as busy_timeout allows. PostgreSQL ignores the option.
            db.session.connection(execution_options={"sqlite_immediate": True})
            entry.run()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def tick_all(app: Flask) -> list[tuple[str, str]]:
    """Run every periodic task once (cron, `registry jobs tick`); (name, error) of those that failed."""
    failures = []
    for name in list(runner.PERIODIC):
        try:
            run_periodic(app, name)
        except Exception as error:
            log.exception("periodic task %s failed", name)
            failures.append((name, f"{type(error).__name__}: {error}"[:300]))
    return failures


def init_app(app: Flask) -> None:
    """Start the scheduler thread with the first request this process serves, when it is the one to
    run the periodic tasks (no REDIS_URL: beat does it then; not in the tests)."""
    if app.config.get("TESTING") or app.config.get("REDIS_URL") or not app.config.get("JOBS_SCHEDULER", True):
        return

    def start_once() -> None:
        if id(app) in _started:
            return
        with _started_lock:
            if id(app) in _started:
                return
            _started.add(id(app))
        threading.Thread(target=_loop, args=(app,), name="registry-scheduler", daemon=True).start()

    app.before_request(start_once)


def _lock_path(app: Flask) -> Path:
    return Path(app.config["JOBS_LIVE_DIR"]) / "scheduler.lock"


def _state_path(app: Flask) -> Path:
    return Path(app.config["JOBS_LIVE_DIR"]) / "scheduler.json"


def _try_lock(app: Flask):
    path = _lock_path(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 (kept open: the lock lives as long as the process)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _load_last_runs(app: Flask) -> dict[str, float]:
    try:
        return {k: float(v) for k, v in json.loads(_state_path(app).read_text()).items()}
    except Exception:
        return {}


def _save_last_runs(app: Flask, last: dict[str, float]) -> None:
    path = _state_path(app)
    try:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(last))
        os.replace(tmp, path)
    except OSError:
        log.warning("scheduler: could not record when the periodic tasks ran", exc_info=True)


def _loop(app: Flask) -> None:
    lock = None
    while True:
        try:
            if lock is None:
                lock = _try_lock(app)
            if lock is not None:
                run_due(app)
        except Exception:
            log.exception("scheduler: a round failed")
        time.sleep(TICK_SECONDS)


def run_due(app: Flask) -> list[str]:
    """Run the periodic tasks whose time has come (by the times recorded in the instance folder, so
    that a restart does not run them all again); the names of those run."""
    last = _load_last_runs(app)
    ran = []
    for name, entry in list(runner.PERIODIC.items()):
        now = time.time()
        if now - last.get(name, 0) < entry.every.total_seconds():
            continue
        last[name] = now
        _save_last_runs(app, last)
        ran.append(name)
        try:
            run_periodic(app, name)
        except Exception:
            log.exception("periodic task %s failed", name)
    return ran
