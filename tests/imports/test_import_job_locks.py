"""A large import job and the rest of the application (registry/imports/jobs.py): while it reads and
checks its file, others go on writing; an edit of the list meanwhile is noticed before the job writes;
the upload an unfinished job holds survives the user's next upload."""

import time

import pytest
from sqlalchemy import func, select

import config
from bench import generate
from registry import create_app
from registry.extensions import db
from registry.imports.jobs import IMPORT_KIND
from registry.imports.models import PendingImport
from registry.jobs import runner
from registry.jobs.models import Job, JobState
from registry.jurisdictions.models import Jurisdiction
from registry.lists import services
from registry.lists.models import Department, Matter
from tests.imports.test_import_jobs import HEADER, _login, confirm, matter_count
from tests.jobs.conftest import _own_database_url, _prepare
from tests.versions.conftest import text, upload


@pytest.fixture
def small_threshold(app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_JOB_THRESHOLD", 2)


def _rows(prefix: str, n: int, lead: str = "省生态环境厅") -> bytes:
    return (HEADER + "".join(f"{i},大气,{prefix}{i},{lead},,内容{i},\n" for i in range(1, n + 1))).encode()


# -- the job and the other writers -------------------------------------------------------------------


@pytest.mark.committing  # a database of its own, written for real: the job runs in a thread of the app
def test_others_write_while_a_big_import_is_checked_and_their_edit_is_noticed(tmp_path):
    url = _own_database_url()  # SQLite: a file; PostgreSQL: <testdb>_jobs

    class Threaded(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        JOBS_EAGER = False
        JOBS_LIVE_DIR = str(tmp_path / "live")
        REDIS_URL = ""  # the thread of the app process
        RATELIMIT_STORAGE_URI = "memory://"

    app = create_app(Threaded)
    _prepare(app, url, demo=False)
    rows = 20_000
    with app.app_context():
        code = generate.free_province_code(range(69, 50, -1))  # a province of its own: the database outlives the test
        j, departments = generate.province_with_departments(code, f"锁测{code[:2]}省", n=3)
        username = f"lock_office_{code}"
        generate.office_user(j, username, "password-123")
        lead = departments[0].short_name
        db.session.commit()
        db.session.remove()

    client = app.test_client()
    _login(client, username, "password-123")
    response = upload(client, code, _rows("锁测试事项", rows, lead), "锁测试.csv")
    response.request.environ["wsgi.input"].close()  # the test client spools a large body to a file it leaves open
    location = response.headers["Location"]
    job_url = confirm(client, location).headers["Location"]
    job_id = int(job_url.rsplit("/", 1)[-1])

    # Wait until the job is in the middle of checking the file (its bar says so) …
    seen: list[str] = []
    deadline = time.monotonic() + 120  # a bound on a broken job, not a measure
    while time.monotonic() < deadline:
        status = client.get(job_url + "/status.json").get_json()
        seen.append(status["message"])
        if status["finished"] or ("正在检查" in status["message"] and status["progress"] < status["total"] * 0.3):
            break
        time.sleep(0.02)
    assert not status["finished"] and "正在检查" in status["message"], seen[-5:]

    # … and another user of the application writes: a matter the file also brings, described otherwise.
    with app.app_context():
        j = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
        department = db.session.scalar(select(Department).where(Department.jurisdiction_id == j.id).limit(1))
        services.create_matter(
            j, title="锁测试事项7", category="大气", description="另一位同事刚录入", lead=department, actor="测试"
        )
        db.session.commit()  # would wait for the job's write lock (and give up after 5 s) if it held one
        db.session.remove()

    job_status = None
    while time.monotonic() < deadline:
        job_status = client.get(job_url + "/status.json").get_json()
        seen.append(job_status["message"])
        if job_status["finished"]:
            break
        time.sleep(0.05)
    # The job noticed the new matter and checked the file again: it changes that matter instead of
    # failing on a duplicate title (or adding a second one).
    assert job_status["state"] == "done", (job_status, seen[-5:])
    assert any("清单在检查期间有修改，正在重新检查" in m for m in seen), seen[-20:]
    result = text(client.get(job_status["link"]["url"]))
    assert f"新增事项</dt><dd>{rows - 1}<" in result and "修改事项</dt><dd>1<" in result, result[:3000]
    with app.app_context():
        j = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
        assert matter_count(j) == rows
        edited = db.session.scalar(select(Matter).where(Matter.jurisdiction_id == j.id, Matter.title == "锁测试事项7"))
        assert edited.description == "内容7"  # the file's, written after the colleague's
        assert db.session.get(Job, job_id).state == JobState.DONE
        db.session.remove()
        db.engine.dispose()


# -- the upload a job holds ----------------------------------------------------------------------------


def _queued_import(client, location) -> Job:
    """The job a confirmation records, not yet taken by the executor (as when the workers are busy):
    recorded here as `start_import` records it, without handing it to an executor."""
    pending = db.session.scalar(select(PendingImport).where(PendingImport.token == location.rsplit("/", 1)[-1]))
    j = db.session.get(Jurisdiction, pending.jurisdiction_id)
    job = Job(
        kind=IMPORT_KIND,
        title="导入清单",
        params={"pending_id": pending.id, "token": pending.token, "code": j.code, "file": pending.filename},
        state=JobState.QUEUED,
        jurisdiction_id=j.id,
        started_by_id=pending.user_id,
    )
    db.session.add(job)
    db.session.flush()
    return job


def test_a_new_upload_leaves_the_file_of_a_queued_import(office, client, small_threshold):
    location = upload(client, "970000", _rows("排队导入的事项", 3)).headers["Location"]
    job = _queued_import(client, location)
    held = db.session.get(PendingImport, job.params["pending_id"])
    # Meanwhile the office uploads another file (to look at it): the queued import's file stays.
    second = upload(client, "970000", _rows("另一个文件的事项", 3), "另一个.csv").headers["Location"]
    assert "另一个文件的事项1" in text(client.get(second))
    assert db.session.get(PendingImport, held.id) is not None
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 2

    runner.execute(job.id, commit=False)  # the executor takes the job now
    db.session.refresh(job)
    assert job.state == JobState.DONE, job.error
    assert matter_count(office) == 64 + 3
    assert db.session.scalar(select(Matter).where(Matter.title == "排队导入的事项2")) is not None
    assert db.session.scalar(select(Matter).where(Matter.title == "另一个文件的事项2")) is None
    # The second upload is still there to confirm; a third upload now replaces it as before.
    assert "确认导入" in text(client.get(second))
    upload(client, "970000", _rows("第三个文件的事项", 3), "第三个.csv")
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 1


def test_a_job_whose_upload_went_away_says_so_plainly(office, client, small_threshold):
    location = upload(client, "970000", _rows("消失的文件的事项", 3)).headers["Location"]
    job = _queued_import(client, location)
    db.session.delete(db.session.get(PendingImport, job.params["pending_id"]))
    db.session.flush()
    runner.execute(job.id, commit=False)
    db.session.refresh(job)
    assert job.state == JobState.FAILED
    assert "上传的文件已不在服务器上" in job.error and "未导入任何内容" in job.error
    assert matter_count(office) == 64


def test_a_finished_or_abandoned_import_holds_no_upload(office, client, small_threshold):
    location = upload(client, "970000", _rows("失败的导入的事项", 3)).headers["Location"]
    job = _queued_import(client, location)
    job.state = JobState.FAILED
    db.session.flush()
    upload(client, "970000", _rows("下一个文件的事项", 3), "下一个.csv")
    assert db.session.scalars(select(PendingImport.filename)).all() == ["下一个.csv"]
