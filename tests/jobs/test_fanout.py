"""A job fanned out into parts (runner.FanOut): all or nothing, progress counting parts, the whole's
`finish` after the last part, a failing part failing the whole in Chinese."""

import threading

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
from tests.conftest import committing_database
from tests.reports.conftest import user


@runner.task("test_fan_part")
def _part(job_id: int, progress) -> runner.JobResult:
    """A part: writes a row (which must go if the whole fails), then gives its number back, or fails."""
    params = db.session.get(Job, job_id).params
    db.session.add(AuditEntry(actor_name="测试", entity_type="none", action="create", summary=f"部分 {params['n']}"))
    db.session.flush()
    if params.get("fail"):
        raise DomainError("第二部分的数据有误，请核对后重试。")
    progress(1, 1)
    return runner.JobResult(f"{params['n']}.txt", "text/plain", str(params["n"]).encode())


@runner.task("test_fan_quick")
def _quick_part(job_id: int, progress) -> runner.JobResult:
    """A part that reads, then works without a transaction open (as the compile's parts do)."""
    n = db.session.get(Job, job_id).params["n"]
    runner.end_reads()
    return runner.JobResult(f"{n}.txt", "text/plain", str(n).encode())


def _join(whole: Job, parts: list[Job]) -> runner.JobResult:
    """The whole's last step: one row, and the parts' results joined."""
    if whole.params.get("finish_fails"):
        db.session.add(AuditEntry(actor_name="测试", entity_type="none", action="create", summary="汇总未完成"))
        db.session.flush()
        raise DomainError("汇总时发现缺少一个部分。")
    db.session.add(AuditEntry(actor_name="测试", entity_type="none", action="create", summary="汇总完成"))
    return runner.JobResult("合计.txt", "text/plain", b",".join(p.result_data for p in parts))


@runner.task("test_fan", finish=_join)
def _fan(job_id: int, progress) -> runner.FanOut:
    params = db.session.get(Job, job_id).params
    fail = params.get("fail_part")
    return runner.FanOut(
        [
            runner.Part(params.get("kind", "test_fan_part"), f"第 {n} 部分", {"n": n, "fail": n == fail})
            for n in range(1, params["n"] + 1)
        ]
    )


def _start(params: dict, username: str = "province_office") -> Job:
    office = user(username)
    job = runner.start("test_fan", "分部分的测试任务", params, office, office.jurisdiction_id)
    db.session.flush()
    return job


def _parts(job: Job) -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.parent_id == job.id).order_by(Job.id)))


def _summaries() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.summary).where(AuditEntry.actor_name == "测试")))


def test_parts_run_then_finish_once_and_only_the_whole_is_listed(client, auth, demo):
    job = _start({"n": 3})
    assert job.state == JobState.DONE and (job.total, job.progress, job.percent) == (3, 3, 100)
    assert job.result_data == b"1,2,3" and job.result_name == "合计.txt"
    parts = _parts(job)
    assert [p.title for p in parts] == ["第 1 部分", "第 2 部分", "第 3 部分"]
    assert all(p.state == JobState.DONE and p.started_by_id == job.started_by_id for p in parts)
    assert all(p.result_data is None and p.result_name is None for p in parts)  # dropped once finished
    assert sorted(_summaries()) == sorted(["部分 1", "部分 2", "部分 3", "汇总完成"])

    auth.login("province_office")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "已完成" in page and "3 / 3" in page
    assert client.get(f"/jobs/{job.id}/result").data == b"1,2,3"
    listing = client.get("/jobs/").get_data(as_text=True)
    assert f'href="/jobs/{job.id}"' in listing
    assert all(f'href="/jobs/{p.id}"' not in listing for p in parts)  # only the whole is listed


def test_a_failing_part_fails_the_whole_in_chinese_and_keeps_nothing(client, auth, demo):
    job = _start({"n": 3, "fail_part": 2})
    assert job.state == JobState.FAILED and job.result_data is None
    assert job.error == "「第 2 部分」未能完成，整个任务未生成任何结果。原因：第二部分的数据有误，请核对后重试。"
    first, failed, skipped = _parts(job)
    assert first.state == JobState.DONE and first.result_data is None  # its result dropped
    assert failed.state == JobState.FAILED and failed.error == "第二部分的数据有误，请核对后重试。"
    assert skipped.state == JobState.FAILED and skipped.error == runner.PART_SKIPPED and skipped.progress == 0
    assert "部分 2" not in _summaries() and "部分 3" not in _summaries()  # the failing part's row went too
    assert "汇总完成" not in _summaries()  # finish never ran
    assert job.progress == 1  # one part was counted before the failure
    auth.login("province_office")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "失败" in page and "「第 2 部分」未能完成" in page
    assert client.get(f"/jobs/{job.id}/result").status_code == 404


def test_a_failing_finish_fails_the_whole_and_its_rows_go(demo):
    job = _start({"n": 2, "finish_fails": True})
    assert job.state == JobState.FAILED and job.error == "汇总时发现缺少一个部分。"
    assert "汇总未完成" not in _summaries() and job.result_data is None
    assert all(p.state == JobState.DONE and p.result_data is None for p in _parts(job))


def test_no_parts_finishes_at_once(demo):
    job = _start({"n": 0})
    assert job.state == JobState.DONE and job.total == 0 and job.result_data == b""


# -- parts finishing at once on several executors --------------------------------------------------


@pytest.mark.committing
def test_parts_finishing_at_once_are_each_counted_and_finish_runs_once():
    url, drop = committing_database("fanout")

    class Committing(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        JOBS_EAGER = False
        REDIS_URL = ""

    app = create_app(Committing)
    try:
        with app.app_context():
            upgrade()
            whole = Job(
                kind="test_fan",
                title="并发的分部分任务",
                params={"n": 8, "kind": "test_fan_quick"},
                state=JobState.QUEUED,
            )
            db.session.add(whole)
            db.session.commit()
            whole_id = whole.id
            # The whole runs its task and records its parts; here no executor takes them yet …
            runner.claim(whole_id)
            parts = runner._fan_out(whole_id, runner.TASKS["test_fan"].run(whole_id, lambda *a, **k: None))
            db.session.commit()
            db.session.remove()

        # … then four executors (Celery workers would) take the eight parts at the same time.
        barrier = threading.Barrier(4)

        def worker(ids: list[int]) -> None:
            with app.app_context():
                barrier.wait()
                try:
                    for part_id in ids:
                        runner.execute(part_id, commit=True)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=worker, args=(parts[i::4],)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        with app.app_context():
            whole = db.session.get(Job, whole_id)
            assert whole.state == JobState.DONE, whole.error
            assert (whole.progress, whole.total) == (8, 8)
            assert sorted(whole.result_data.split(b",")) == sorted(str(n).encode() for n in range(1, 9))
            assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.summary == "汇总完成")) == 1
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
