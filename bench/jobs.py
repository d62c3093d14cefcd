"""Batch compile through Celery: the cycle page's 生成汇编 (one job fanned out into a part per report
and one for the 汇编, registry/reports/volumes.py) run by a real Celery worker with `--concurrency 1`
against `--concurrency 2`, on a database of its own holding the demo data (`registry demo`), where
REPORTS further reports of 示例省's 2025 cycle are filled with the demo's section texts, submitted and
accepted through the report services, so that each compile renders REPORTS + 1 report PDFs (one
report is published: its stored PDF is used as is) and the 汇编 of them all.

Per concurrency: a worker process (`celery -A registry.jobs.worker worker --pool prefork`) on a queue
of its own in Redis db 7, a warm-up compile (the pool's processes load fonts and templates), then
ROUNDS compiles, timed from the click (`volumes.start_compile` + commit) to the whole job's end as the
database records it (its finish step stored the volume and the ZIP); the median is reported.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC

from sqlalchemy import select

from bench.machine import ROOT

REPORTS = 12
ROUNDS = 3
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")


def _spin(_=None) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(20_000_000):
        total += i
    return time.perf_counter() - started


def cores_free() -> float:
    """How many cores two CPU-bound processes get right now: one pure-Python loop alone, then two at
    once; 2.0 on an idle 2-core machine, about 1.0 when other work holds a core (then 2 workers
    cannot beat 1, whatever the code does)."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_spin, range(2)))  # start both processes first
        alone = pool.submit(_spin).result()
        started = time.perf_counter()
        list(pool.map(_spin, range(2)))
        together = time.perf_counter() - started
    return round(2 * alone / together, 2)


def _prepare(database, log) -> None:
    """A fresh database with the demo data and REPORTS more accepted reports."""
    from bench import databases
    from bench.generate import _user
    from registry.demo import load_demo
    from registry.demo.reports import _fill
    from registry.extensions import db
    from registry.jurisdictions.models import Jurisdiction
    from registry.reports import services
    from registry.reports.models import AnnualReport, ReportingCycle

    databases.create(database)
    app = databases.make_app(database)
    with app.app_context():
        load_demo()
        db.session.commit()
        province = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990000"))
        cycle = db.session.scalar(select(ReportingCycle).where(ReportingCycle.jurisdiction_id == province.id))
        office = _user("bench-office-990000", "office_admin", province, None)
        drafts = db.session.scalars(
            select(AnnualReport)
            .where(AnnualReport.cycle_id == cycle.id, AnnualReport.state == "draft")
            .order_by(AnnualReport.id)
        ).all()
        accepted = 0
        for report in drafts:
            if accepted == REPORTS:
                break
            if report.sections and any(s.body or s.progress for s in report.sections):
                continue  # the demo's partly filled draft stays as the demo has it
            head = _user(f"bench-head-{report.department_id}", "dept_head", province, report.department)
            _fill(report, head)
            services.submit_report(report, actor=head)
            services.accept_report(report, actor=office)
            db.session.commit()
            accepted += 1
        log(f"  {database.label}: demo data + {accepted} reports accepted")
        db.session.remove()
        db.engine.dispose()


def _worker(database, queue: str, concurrency: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database.env_url,
        "REDIS_URL": REDIS_URL,
        "JOBS_QUEUE": queue,
        "REDIS_KEY_PREFIX": queue,
        "JOBS_EAGER": "0",
    }
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "registry.jobs.worker",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_ready(celery, queue: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if celery.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1):
            return
        time.sleep(0.5)
    raise RuntimeError("the Celery worker did not answer within 2 minutes")


def _compile_once(app) -> tuple[float, int]:
    from registry.auth.models import User
    from registry.extensions import db
    from registry.jobs.models import Job, JobState
    from registry.reports.models import ReportingCycle
    from registry.reports.volumes import start_compile

    with app.app_context():
        office = db.session.scalar(select(User).where(User.username == "province_office"))
        cycle = db.session.scalar(
            select(ReportingCycle).where(ReportingCycle.jurisdiction_id == office.jurisdiction_id)
        )
        started = time.perf_counter()
        job = start_compile(cycle, actor=office)
        db.session.commit()  # sent to the queue
        job_id = job.id
        while True:
            db.session.rollback()
            job = db.session.get(Job, job_id)
            if job.state in (JobState.DONE, JobState.FAILED):
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        if job.state != JobState.DONE:
            raise RuntimeError(f"compile failed: {job.error}")
        parts = job.total
        db.session.remove()
    return seconds, parts


def run(database, *, log=print) -> dict:
    from registry.jobs.queue import celery_for

    _prepare(database, log)
    import config
    from registry import create_app

    timings: dict[int, list[float]] = {}
    free: list[float] = []
    parts = 0
    for concurrency in (1, 2):
        queue = f"bench-jobs-{uuid.uuid4().hex[:8]}"
        settings = {
            "SQLALCHEMY_DATABASE_URI": database.url,
            "SECRET_KEY": "bench",
            "REDIS_URL": REDIS_URL,
            "JOBS_QUEUE": queue,
            "REDIS_KEY_PREFIX": queue,
            "JOBS_EAGER": False,
        }
        app = create_app(type("BenchJobsConfig", (config.Config,), settings))
        celery = celery_for(app)
        worker = _worker(database, queue, concurrency)
        try:
            _wait_ready(celery, queue)
            warm, parts = _compile_once(app)
            log(f"  concurrency {concurrency}: warm-up compile {warm:.1f} s ({parts} parts)")
            timings[concurrency] = []
            for _ in range(ROUNDS):
                free.append(cores_free())
                seconds, _parts = _compile_once(app)
                timings[concurrency].append(seconds)
                log(f"  concurrency {concurrency}: {seconds:.1f} s (cores free just before: {free[-1]})")
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            keys = list(client.scan_iter(f"{queue}*"))
            if keys:
                client.delete(*keys)
            with app.app_context():
                from registry.extensions import db

                db.session.remove()
                db.engine.dispose()
    one, two = (sorted(timings[c])[len(timings[c]) // 2] for c in (1, 2))
    log(f"  batch compile ({parts} parts): 1 worker process {one:.1f} s, 2 → {two:.1f} s = {one / two:.2f}×")
    return {
        "database": database.label,
        "data": f"demo data + {REPORTS} accepted reports",
        "parts": parts,
        "reports": parts - 1,
        "rounds": ROUNDS,
        "one_worker_s": [round(x, 2) for x in timings[1]],
        "two_workers_s": [round(x, 2) for x in timings[2]],
        "one_worker_median_s": round(one, 2),
        "two_workers_median_s": round(two, 2),
        "speedup": round(one / two, 2),
        "cores_free": free,
        "measured_at": __import__("datetime").datetime.now(UTC).isoformat(timespec="seconds"),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "python": sys.version.split()[0],
    }
