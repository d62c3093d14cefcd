"""Who may end a job (issue #15's fixes): every failure goes through the runner's failure path, so a
part lost with its worker or abandoned fails its whole at once; a run whose job was ended meanwhile
(marked abandoned) keeps nothing and the failure stands; a whole lives while its parts do; the 任务
page gets the job's start and end times (Beijing time) from status.json."""

import tempfile
from datetime import timedelta

import pytest
import time_machine
from celery.exceptions import WorkerLostError
from flask_migrate import upgrade
from sqlalchemy import func, select

import config
from registry import create_app
from registry.core.audit import AuditEntry
from registry.core.db import utcnow
from registry.core.timezone import format_local
from registry.extensions import db
from registry.jobs import live, queue, runner
from registry.jobs.models import Job, JobState
from tests.conftest import committing_database
from tests.reports.conftest import user

LATE_APP = {}  # the application of the committing test, for the task that ends its own job from outside


@runner.task("test_own_part")
def _part(job_id: int, progress) -> runner.JobResult:
    return runner.JobResult("部分.txt", "text/plain", b"part")


def _join(whole: Job, parts: list[Job]) -> runner.JobResult:
    return runner.JobResult("合计.txt", "text/plain", b"whole")


@runner.task("test_own_whole", finish=_join)
def _whole(job_id: int, progress) -> runner.FanOut:
    return runner.FanOut([runner.Part("test_own_part", f"第 {n} 部分", {"n": n}) for n in (1, 2, 3)])


@runner.task("test_own_abandoned_meanwhile")
def _abandoned_meanwhile(job_id: int, progress) -> runner.JobResult:
    """Works past the abandoned timeout: meanwhile another process (the requeue sweep) marks it failed;
    then it writes a row and would finish."""
    progress(1, 2, "第一步")
    runner.end_reads()
    app = LATE_APP["app"]
    with app.app_context(), time_machine.travel(utcnow() + runner.ABANDONED_AFTER + timedelta(minutes=1), tick=False):
        runner.fail_abandoned(db.session.scalars(select(Job).where(Job.id == job_id)).all())
        db.session.commit()
        db.session.remove()
    db.session.add(AuditEntry(actor_name="测试", entity_type="none", action="create", summary=f"迟到的结果 {job_id}"))
    progress(2, 2, "第二步")
    return runner.JobResult("迟到.txt", "text/plain", b"late")


def _fanned_out(office=None) -> tuple[int, list[int]]:
    """A whole recorded with its three parts, queued; nothing run yet (no executor takes them)."""
    whole = Job(
        kind="test_own_whole",
        title="分部分的任务",
        params={},
        state=JobState.QUEUED,
        jurisdiction_id=getattr(office, "jurisdiction_id", None),
        started_by_id=getattr(office, "id", None),
    )
    db.session.add(whole)
    db.session.flush()
    assert runner.claim(whole.id)
    parts = runner._fan_out(whole.id, runner.TASKS["test_own_whole"].run(whole.id, lambda *a, **k: None))
    db.session.flush()
    return whole.id, parts


# -- 1. a part whose worker process died twice fails its whole at once ------------------------------


@pytest.mark.committing
def test_a_part_lost_with_its_worker_twice_fails_the_whole_at_once_in_chinese(celery_stack):
    stack = celery_stack(redis_db=13, workers=0)  # nothing takes the parts: the test plays the worker
    task = stack.celery.tasks[queue.RUN_TASK]
    with stack.app.app_context():
        whole_id, parts = _fanned_out()
        db.session.commit()
        lost = parts[1]
        for attempt in (1, 2):
            assert runner.claim(lost)  # a worker takes the part …
            db.session.commit()
            # … and its process dies: Celery's parent reports WorkerLostError (the signal it sends)
            from celery import signals

            signals.task_failure.send(
                sender=task, task_id=f"t{attempt}", exception=WorkerLostError("killed"), args=(lost,), kwargs={}
            )
            db.session.remove()
            part = db.session.get(Job, lost)
            if attempt == 1:
                assert part.state == JobState.QUEUED  # once more
        assert part.state == JobState.FAILED and part.error == queue.WORKER_LOST
        whole = db.session.get(Job, whole_id)
        assert whole.state == JobState.FAILED  # at once, not after the 30-minute abandoned timeout
        assert whole.error == runner.PART_FAILED.format(part="第 2 部分", reason=queue.WORKER_LOST)
        assert "「第 2 部分」未能完成" in whole.error and "进程两次意外终止" in whole.error
        # the parts not run yet are skipped when a worker takes them
        runner.execute(parts[0], commit=True)
        db.session.remove()
        assert db.session.get(Job, parts[0]).error == runner.PART_SKIPPED
        db.session.remove()


# -- 1b. an abandoned part fails its whole; a whole lives while its parts do ------------------------


def test_a_whole_lives_while_its_parts_do_and_an_abandoned_part_fails_it(app):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        whole_id, parts = _fanned_out()  # the whole starts
    with time_machine.travel(start + timedelta(minutes=25), tick=False):
        runner.execute(parts[0], commit=False)  # the first part done after 25 minutes
        assert runner.claim(parts[1])
        db.session.flush()
    with time_machine.travel(start + timedelta(minutes=40), tick=False):
        live.put(parts[1], 1, 2, "一半")  # the second part reports progress
    try:
        with time_machine.travel(start + timedelta(minutes=45), tick=False):
            runner.fail_abandoned(db.session.scalars(select(Job).where(Job.state == JobState.RUNNING)).all())
            whole = db.session.get(Job, whole_id)
            assert whole.state == JobState.RUNNING, whole.error  # 45 minutes old, but its parts are alive
            assert db.session.get(Job, parts[1]).state == JobState.RUNNING
        with time_machine.travel(
            start + timedelta(minutes=40) + runner.ABANDONED_AFTER + timedelta(minutes=1), tick=False
        ):
            # the second part silent for over 30 minutes: it is abandoned, and its whole fails with it
            # (whichever the sweep looks at first, the whole is failed saying why)
            runner.fail_abandoned(db.session.scalars(select(Job).where(Job.state == JobState.RUNNING)).all())
            assert db.session.get(Job, parts[1]).state == JobState.FAILED
            whole = db.session.get(Job, whole_id)
            assert whole.state == JobState.FAILED and "30 分钟没有进展" in whole.error
            assert db.session.get(Job, parts[0]).result_data is None  # no part's result is kept
    finally:
        live.clear(parts[1])


def test_a_part_abandoned_alone_fails_its_whole_saying_which(app):
    whole_id, parts = _fanned_out()
    assert runner.claim(parts[2])
    db.session.flush()
    part = db.session.get(Job, parts[2])
    with time_machine.travel(utcnow() + runner.ABANDONED_AFTER + timedelta(minutes=1), tick=False):
        runner.fail_abandoned([part])  # the sweep's list holds the part only
    whole = db.session.get(Job, whole_id)
    assert part.state == JobState.FAILED and part.error == runner.ABANDONED
    assert whole.state == JobState.FAILED
    assert whole.error == runner.PART_FAILED.format(part="第 3 部分", reason=runner.ABANDONED)


# -- 2. a run whose job was marked failed meanwhile keeps nothing ------------------------------------


@pytest.mark.committing
def test_a_job_marked_abandoned_that_then_finishes_stays_failed_and_keeps_nothing():
    url, drop = committing_database("ownership")

    class Committing(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        JOBS_EAGER = False
        REDIS_URL = ""
        JOBS_LIVE_DIR = tempfile.mkdtemp(prefix="registry-ownership-live-")

    app = create_app(Committing)
    LATE_APP["app"] = app
    try:
        with app.app_context():
            upgrade()
            job = Job(kind="test_own_abandoned_meanwhile", title="迟到的任务", params={}, state=JobState.QUEUED)
            db.session.add(job)
            db.session.commit()
            job_id = job.id
            db.session.remove()
            runner.execute(job_id, commit=True)  # as a worker runs it
            db.session.remove()
            job = db.session.get(Job, job_id)
            assert job.state == JobState.FAILED, "a job marked failed must not turn 已完成 afterwards"
            assert job.error == runner.ABANDONED
            assert job.result_data is None and job.result_name is None
            assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.actor_name == "测试")) == 0
            assert live.get(job_id) is None
            db.session.remove()
            db.engine.dispose()
    finally:
        LATE_APP.clear()
        drop()


# -- 3. the 任务 page's start and end times, for the script ---------------------------------------------


def test_status_json_gives_start_and_end_in_beijing_time_as_the_page_shows_them(client, auth, demo):
    office = user("province_office")
    job = Job(
        kind="test_own_part",
        title="等待中的任务",
        params={},
        state=JobState.QUEUED,
        jurisdiction_id=office.jurisdiction_id,
        started_by_id=office.id,
    )
    db.session.add(job)
    db.session.flush()
    auth.login("province_office")
    body = client.get(f"/jobs/{job.id}/status.json").get_json()
    assert body["started_at"] == "" and body["finished_at"] == ""
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'data-job-time="finished_at" hidden' in page and 'data-job-field="finished_at" hidden' in page

    runner.execute(job.id, commit=False)  # it runs and ends while the page is open
    job = db.session.get(Job, job.id)
    body = client.get(f"/jobs/{job.id}/status.json").get_json()
    assert body["finished"] and body["finished_at"] == format_local(job.finished_at)
    assert body["started_at"] == format_local(job.started_at)
    # Beijing time: eight hours ahead of the stored UTC time
    assert body["finished_at"] == (job.finished_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f'<dd data-job-field="finished_at">{body["finished_at"]}</dd>' in page  # the same text on a reload
