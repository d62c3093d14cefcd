"""Jobs on a real Celery worker against the local Redis (tests/jobs/conftest.py, `celery_stack`): a job
runs through the queue and its progress shows on its page, a failure leaves nothing, Redis away keeps
the web up and the job waiting until the requeue sweep sends it, a job sent twice runs once, and the
periodic tasks run from `registry jobs tick` (cron) and are what Celery beat schedules."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from registry.auth.models import User
from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jobs import queue, runner, scheduler
from registry.jobs.connection import redis_client
from registry.jobs.models import Job, JobState

pytestmark = pytest.mark.committing  # a database of its own, written for real: the worker commits

CLOSED_PORT = "redis://127.0.0.1:1/5"  # nothing listens there: Redis "down"
UNREACHABLE = "暂时无法连接任务队列"
NOTICE_HIDDEN = 'data-job-field="queue_unreachable" hidden'  # kept for the script, hidden


def _key(name: str) -> str:
    from flask import current_app

    return f"{current_app.config['REDIS_KEY_PREFIX']}:{name}"


@runner.task("celery_gate")
def _gate(job_id: int, progress) -> runner.JobResult:
    """Step one, then wait until the test opens the gate (a Redis key), then step two."""
    progress(1, 2, "第一步已完成")
    client = redis_client()
    for _ in range(600):
        if client.get(_key(f"gate:{job_id}")):
            break
        time.sleep(0.05)
    progress(2, 2, "第二步已完成")
    return runner.JobResult("结果.txt", "text/plain; charset=utf-8", "经由 Celery".encode())


@runner.task("celery_count_runs")
def _count_runs(job_id: int, progress) -> None:
    """Records in Redis which claims of the job ran it: a job sent twice must be claimed and run once.
    (A run that meets a concurrent writer at its end is run again within the same claim.)"""
    redis_client().sadd(_key(f"runs:{job_id}"), db.session.get(Job, job_id).attempts)
    progress(1, 1)


@runner.task("celery_half_done")
def _half_done(job_id: int, progress) -> None:
    progress(0, 2)
    db.session.add(AuditEntry(actor_name="测试", entity_type="none", action="create", summary=f"半途而废 {job_id}"))
    db.session.flush()
    raise DomainError("报告周期已不存在，无法生成汇编。")


@runner.periodic("test.celery_tick", every=timedelta(hours=1))
def _tick_counter() -> None:
    """Counts its runs in Redis, where there is one (elsewhere it does nothing)."""
    if (client := redis_client()) is not None:
        client.incr(_key("ticks"))


def _start(app, kind: str, username: str = "province_office") -> int:
    """Start a job as the user, the way a view does (commit → dispatch); its id."""
    with app.app_context():
        office = db.session.scalar(select(User).where(User.username == username))
        job = runner.start(kind, f"测试任务 {kind}", {}, office, office.jurisdiction_id)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    return job_id


def _poll_status(client, job_id: int, until, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/jobs/{job_id}/status.json").get_json()
        if until(body):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


def test_a_job_runs_on_the_celery_worker_and_its_progress_shows(celery_stack):
    stack = celery_stack(redis_db=5)
    client = stack.client()
    stack.login(client, "province_office")
    job_id = _start(stack.app, "celery_gate")

    running = _poll_status(client, job_id, lambda s: s["state"] == "running" and s["progress"] == 1)
    assert (running["total"], running["percent"], running["message"]) == (2, 50, "第一步已完成")
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "进行中" in page and 'max="2" value="1"' in page and NOTICE_HIDDEN in page

    with stack.app.app_context():
        redis_client().set(_key(f"gate:{job_id}"), "1")
    job = stack.wait(job_id)
    assert job.state == JobState.DONE and (job.progress, job.total) == (2, 2) and job.attempts == 1
    done = client.get(f"/jobs/{job_id}/status.json").get_json()
    assert done["state_label"] == "已完成" and done["finished"] and done["result_url"] == f"/jobs/{job_id}/result"
    assert client.get(f"/jobs/{job_id}/result").data == "经由 Celery".encode()


def test_a_failing_task_on_the_worker_leaves_nothing_and_says_why(celery_stack):
    stack = celery_stack(redis_db=5)
    job_id = _start(stack.app, "celery_half_done")
    job = stack.wait(job_id)
    assert job.state == JobState.FAILED and job.error == "报告周期已不存在，无法生成汇编。"
    with stack.app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.summary == f"半途而废 {job_id}")) is None
    client = stack.client()
    stack.login(client, "province_office")
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "失败" in page and "报告周期已不存在，无法生成汇编。" in page


def test_with_redis_down_the_web_stays_up_and_the_job_waits_until_the_sweep_sends_it(celery_stack):
    stack = celery_stack(redis_db=5)
    down = stack.other_app(REDIS_URL=CLOSED_PORT)
    client = stack.client(down)

    assert client.get("/").status_code == 200  # public pages
    assert client.get("/search?q=大气").status_code == 200
    assert stack.login(client, "province_office").status_code == 302  # login
    job_id = _start(down, "celery_count_runs")  # starting a job: the commit succeeds, the send fails quietly

    with down.app_context():
        assert db.session.get(Job, job_id).state == JobState.QUEUED
    status = client.get(f"/jobs/{job_id}/status.json").get_json()
    assert status["state"] == "queued" and status["queue_unreachable"] is True
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "排队中" in page and UNREACHABLE in page and NOTICE_HIDDEN not in page
    assert UNREACHABLE in client.get("/jobs/").get_data(as_text=True)

    # Redis answers again (the application with the right address): the sweep sends what waited
    # longer than REQUEUE_AFTER (the job's creation time is set back instead of waiting).
    with stack.app.app_context():
        job = db.session.get(Job, job_id)
        job.created_at -= runner.REQUEUE_AFTER * 2
        db.session.commit()
        db.session.remove()
    result = stack.app.test_cli_runner().invoke(args=["registry", "jobs", "tick"])
    assert result.exit_code == 0, result.output
    job = stack.wait(job_id)
    assert job.state == JobState.DONE and job.attempts == 1
    with stack.app.app_context():
        assert redis_client().smembers(_key(f"runs:{job_id}")) == {b"1"}
    good = stack.client()
    stack.login(good, "province_office")
    assert NOTICE_HIDDEN in good.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_a_job_sent_twice_runs_once(celery_stack):
    stack = celery_stack(redis_db=5, workers=0)
    job_id = _start(stack.app, "celery_count_runs")  # sent once by the commit, no worker yet
    assert queue.send(stack.app, job_id)  # and once more (a redelivery, the sweep meeting a late worker)
    client = stack.client()
    stack.login(client, "province_office")
    queued = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "排队中" in queued and NOTICE_HIDDEN in queued  # Redis answers: waiting for a worker, not "down"
    with stack.app.app_context():
        assert queue.was_sent(job_id)
        runner.requeue_waiting()  # a sweep now leaves a job just sent alone
        db.session.commit()
        db.session.remove()

    stack.start_worker()
    job = stack.wait(job_id)
    assert job.state == JobState.DONE and job.attempts == 1
    with stack.app.app_context():
        client = redis_client()
        deadline = time.monotonic() + 30  # the second message: taken and dropped (claim refused)
        while client.llen(stack.name) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.llen(stack.name) == 0
        assert client.smembers(_key(f"runs:{job_id}")) == {b"1"}
        assert not runner.claim(job_id)  # and a third executor would be refused as well
        db.session.rollback()


def test_periodic_tasks_run_from_the_cli_and_are_on_the_beat_schedule(celery_stack):
    stack = celery_stack(redis_db=5, workers=0, demo=False)
    result = stack.app.test_cli_runner().invoke(args=["registry", "jobs", "tick"])
    assert result.exit_code == 0, result.output
    assert f"已执行 {len(runner.PERIODIC)} 个定时任务" in result.output
    with stack.app.app_context():
        assert redis_client().get(_key("ticks")) == b"1"
        schedule = queue.beat_schedule()
    assert schedule["test.celery_tick"]["schedule"] == timedelta(hours=1)
    assert schedule["test.celery_tick"]["args"] == ("test.celery_tick",)
    assert schedule[runner.REQUEUE]["schedule"] == timedelta(minutes=1)
    assert stack.celery.conf.beat_schedule.keys() == schedule.keys()
    # a periodic task sent by beat runs on the worker like the others
    stack.start_worker()
    stack.celery.send_task(queue.PERIODIC_TASK, args=("test.celery_tick",), ignore_result=True)
    with stack.app.app_context():
        deadline = time.monotonic() + 30
        while redis_client().get(_key("ticks")) != b"2":
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_the_scheduler_thread_runs_what_is_due_once(celery_stack):
    """Without Redis the app process's thread runs the periodic tasks; their last runs are kept in the
    instance folder, so a round right after runs nothing again."""
    stack = celery_stack(redis_db=5, workers=0, demo=False)
    first = scheduler.run_due(stack.app)
    assert "test.celery_tick" in first and runner.REQUEUE in first
    assert scheduler.run_due(stack.app) == []
    with stack.app.app_context():
        assert redis_client().get(_key("ticks")) == b"1"


def test_the_list_command_and_following_a_finished_job(celery_stack):
    stack = celery_stack(redis_db=5)
    job_id = _start(stack.app, "celery_half_done")
    stack.wait(job_id)
    cli = stack.app.test_cli_runner()
    listing = cli.invoke(args=["registry", "jobs", "list", "--limit", "5"])
    assert listing.exit_code == 0 and f"{job_id}" in listing.output and "失败" in listing.output
    assert "原因：报告周期已不存在" in listing.output
    watched = cli.invoke(args=["registry", "jobs", "watch", str(job_id)])
    assert watched.exit_code != 0 and "失败：报告周期已不存在" in watched.output
    with stack.app.app_context():
        assert db.session.scalar(select(func.count(Job.id)).where(Job.id == job_id)) == 1
