"""The job runner (registry/jobs/runner.py) and the 任务 pages: eager in tests, a thread on the server."""

import re
import tempfile
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

import config
from registry import create_app
from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jobs import runner
from registry.jobs.models import Job, JobState
from tests.reports.conftest import user


@runner.task("test_count")
def _count(job_id: int, progress) -> runner.JobResult:
    """Counts to three, then hands back a small text file."""
    for i in range(1, 4):
        progress(i, 3, f"第 {i} 步")
    return runner.JobResult("结果.txt", "text/plain; charset=utf-8", "数到三".encode())


@runner.task("test_half_done")
def _half_done(job_id: int, progress) -> None:
    """Writes a row, then is refused: the row must not stay."""
    progress(0, 2)
    db.session.add(AuditEntry(actor_name="测试", entity_type="none", action="create", summary="半途而废"))
    db.session.flush()
    raise DomainError("报告周期已不存在，无法生成汇编。")


@runner.task("test_crash")
def _crash(job_id: int, progress) -> None:
    raise ZeroDivisionError("a programming error, not for users' eyes")


@runner.task("test_progress_with_rows")
def _progress_with_rows(job_id: int, progress) -> None:
    db.session.add(AuditEntry(actor_name="测试", entity_type="none", action="create", summary="未完成"))
    progress(1, 2)  # commits nothing: the row stays pending
    raise DomainError("第二步失败。")


def _start(kind: str, username: str = "province_office") -> Job:
    office = user(username)
    job = runner.start(kind, f"测试任务 {kind}", {}, office, office.jurisdiction_id)
    db.session.flush()
    return job


def test_eager_job_runs_to_the_end_and_its_result_downloads(client, auth, demo):
    job = _start("test_count")
    assert job.state == JobState.DONE and (job.progress, job.total) == (3, 3) and job.percent == 100
    auth.login("province_office")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "已完成" in page and "<progress" in page and 'value="3"' in page
    assert 'http-equiv="refresh"' not in page  # finished: nothing to wait for
    assert re.search(r"下载结果</a>\s*<span[^>]*>结果\.txt</span>", page)  # the button says what it downloads
    assert client.get(f"/jobs/{job.id}/status.json").get_json()["result_name"] == "结果.txt"
    download = client.get(f"/jobs/{job.id}/result")
    assert download.data == "数到三".encode() and "attachment" in download.headers["Content-Disposition"]
    listing = client.get("/jobs/").get_data(as_text=True)
    assert "测试任务 test_count" in listing and f"/jobs/{job.id}" in listing


def test_progress_json_and_the_page_of_a_running_job(client, auth, demo):
    office = user("province_office")
    job = Job(
        kind="test_count",
        title="进行中的任务",
        params={},
        state=JobState.RUNNING,
        progress=2,
        total=5,
        message="已整理：第二份",
        jurisdiction_id=office.jurisdiction_id,
        started_by_id=office.id,
    )
    db.session.add(job)
    db.session.flush()
    auth.login("province_office")
    status = client.get(f"/jobs/{job.id}/status.json")
    assert status.headers["Cache-Control"] == "no-store"
    body = status.get_json()
    assert body["state"] == "running" and body["state_label"] == "进行中"
    assert (body["progress"], body["total"], body["percent"], body["finished"]) == (2, 5, 40, False)
    assert body["message"] == "已整理：第二份" and body["error"] == "" and body["result_url"] is None
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'max="5" value="2"' in page and "已整理：第二份" in page
    assert '<noscript><meta http-equiv="refresh"' in page  # without JavaScript the page reloads itself
    assert "js/jobs.js" in page and "<script>" not in page  # no inline script (CSP)
    assert f'href="/jobs/{job.id}">刷新' in page


def test_a_job_is_seen_by_its_starter_and_its_office_only(client, auth, demo):
    job = _start("test_count", "sthj_head")  # a department head's job on 示例省
    for username, code in (
        ("sthj_head", 200),
        ("province_office", 200),
        ("nync_head", 404),
        ("jiangchuan_office", 404),
    ):
        auth.login(username)
        assert client.get(f"/jobs/{job.id}").status_code == code, username
        assert client.get(f"/jobs/{job.id}/status.json").status_code == code, username
        assert client.get(f"/jobs/{job.id}/result").status_code == code, username
        auth.logout()
    assert client.get(f"/jobs/{job.id}/status.json").status_code == 302  # anonymous: to the login page


def test_a_refused_task_leaves_nothing_and_says_why_in_chinese(demo):
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    job = _start("test_half_done")
    assert job.state == JobState.FAILED and job.error == "报告周期已不存在，无法生成汇编。"
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.summary == "半途而废")) is None


def test_a_crash_is_told_plainly_and_progress_commits_nothing_half_done(demo):
    crashed = _start("test_crash")
    assert crashed.state == JobState.FAILED and "内部错误" in crashed.error and "ZeroDivision" not in crashed.error
    failed = _start("test_progress_with_rows")
    assert failed.state == JobState.FAILED and failed.error == "第二步失败。"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.summary == "未完成")) is None


def test_unknown_kind_fails_in_chinese(demo):
    job = _start("no_such_kind")
    assert job.state == JobState.FAILED and "系统不认识这种任务" in job.error


# -- the thread mode, as on the server --------------------------------------------------------------


@pytest.mark.committing  # a database of its own, written for real: the thread has its own connection
def test_thread_mode_runs_the_job_after_the_commit():
    directory = Path(tempfile.mkdtemp(prefix="registry-jobs-"))

    class Threaded(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{directory / 'jobs.db'}"
        JOBS_EAGER = False

    app = create_app(Threaded)
    with app.app_context():
        upgrade()
        job = runner.start("test_count", "线程中的任务", {}, "测试", None)
        assert job.state == JobState.QUEUED  # nothing runs before the commit
        job_id = job.id
        db.session.commit()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            db.session.rollback()  # a new snapshot: see what the thread committed
            job = db.session.get(Job, job_id)
            if job.state in (JobState.DONE, JobState.FAILED):
                break
            time.sleep(0.05)
        assert job.state == JobState.DONE, job.error
        assert (job.progress, job.total) == (3, 3) and job.result_data == "数到三".encode()
        assert job.started_at is not None and job.finished_at >= job.started_at

        rolled_back = runner.start("test_count", "回滚的任务", {}, "测试", None)
        rolled_back_id = rolled_back.id
        db.session.rollback()  # the request failed: its job never starts
        time.sleep(0.3)
        assert db.session.get(Job, rolled_back_id) is None
        db.session.remove()
        db.engine.dispose()
