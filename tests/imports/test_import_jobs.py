"""Large imports run as jobs (registry/imports/jobs.py): the confirmation starts a job, the office
follows it on the 任务 page, which links to the result; a job plans again and is all or nothing."""

import csv
import gc
import io
import random
import re
import tempfile
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

import config
from bench import generate
from registry import create_app
from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.imports.jobs import IMPORT_KIND, estimated_rows
from registry.imports.models import PendingImport
from registry.jobs.models import Job, JobState
from registry.jurisdictions.models import Jurisdiction
from registry.lists import services
from registry.lists.models import Assignment, Department, Matter
from tests.conftest import CSRF_RE
from tests.jobs.conftest import celery_stack  # noqa: F401, F811  (fixture)
from tests.versions.conftest import text, token_of, upload

HEADER = "序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据\n"


def matter_count(j) -> int:
    return db.session.scalar(select(func.count()).select_from(Matter).where(Matter.jurisdiction_id == j.id))


def confirm(client, location):
    return client.post(location, data={"csrf_token": token_of(client, location)})


@pytest.fixture
def small_threshold(app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_JOB_THRESHOLD", 2)


def test_a_small_import_stays_in_the_request(office, client):
    location = upload(client, "970000", (HEADER + "1,大气,小文件事项,省生态环境厅,,,\n").encode()).headers["Location"]
    assert "在后台导入" not in text(client.get(location))
    response = confirm(client, location)
    assert "/imports/" in response.headers["Location"]  # straight to the result page
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == IMPORT_KIND)) == 0
    assert matter_count(office) == 65


def test_a_large_import_runs_as_a_job_that_links_to_its_result(office, client, small_threshold):
    csv = HEADER + "".join(f"{i},大气,后台导入的事项{i},省生态环境厅,省公安厅,内容{i},\n" for i in range(1, 4))
    location = upload(client, "970000", csv.encode()).headers["Location"]
    preview = text(client.get(location))
    assert "文件较大，确认后将在后台导入" in preview
    response = confirm(client, location)
    job_url = response.headers["Location"]
    assert re.fullmatch(r"/jobs/\d+", job_url)
    status = client.get(job_url + "/status.json").get_json()  # eager in tests: already done
    assert status["state"] == "done" and status["percent"] == 100 and status["error"] == ""
    assert status["link"]["label"] == "查看导入结果"
    # The bar weighs reading, checking and writing; the rows are in the message, not in "n / N".
    assert status["counts"] is False
    result = text(client.get(status["link"]["url"]))
    assert "导入结果" in result and "list.csv" in result
    assert re.search(r"新增事项</dt><dd>3<", result)
    page = text(client.get(job_url))
    assert "导入清单：参考省「list.csv」" in page and "查看导入结果" in page
    assert 'data-job-field="counts">100%<' in page
    assert matter_count(office) == 67
    added = db.session.scalar(select(Matter).where(Matter.title == "后台导入的事项2"))
    assert added.description == "内容2" and added.status == "assigned"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import").order_by(AuditEntry.id.desc()))
    assert entry.actor_name and "list.csv" in entry.summary  # audited as the office that confirmed it
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0


def test_a_job_whose_file_no_longer_fits_the_list_imports_nothing_and_says_why(office, client, small_threshold):
    new = services.create_department(office, name="参考省新设局", short_name="新设局", sector="其他", actor="测试")
    rows = "1,大气,甲事项,省生态环境厅,,,\n2,大气,乙事项,新设局,,,\n3,大气,丙事项,省生态环境厅,,,\n"
    location = upload(client, "970000", (HEADER + rows).encode()).headers["Location"]
    assert "确认导入" in text(client.get(location))
    # After the preview, the office retires a department the file names.
    services.retire_department(new, actor="测试")
    db.session.flush()
    job_url = confirm(client, location).headers["Location"]
    status = client.get(job_url + "/status.json").get_json()
    assert status["state"] == "failed" and status["link"] is None
    assert "未导入任何内容" in status["error"] and "第 3 行" in status["error"]
    assert "请重新上传预览" in status["error"]
    assert "未导入任何内容" in text(client.get(job_url))
    assert matter_count(office) == 64
    assert db.session.scalar(select(Matter).where(Matter.title == "甲事项")) is None
    # The upload stays: the office can look at the preview again, which now shows the row's error.
    assert "第 3 行" in text(client.get(location))


def test_the_estimate_counts_rows_of_each_kind_of_file(office):
    from tests.imports.test_import import xlsx

    assert estimated_rows((HEADER + "1,水,甲,乙,,,\n" * 5).encode()) == 6
    assert estimated_rows(xlsx([["序号", "事项类别"], *[[i, "水"] for i in range(10)]])) >= 11
    assert estimated_rows(b"PK\x03\x04 not a zip") == 0


# -- a province's list of 50,000 rows, followed on the 任务 page as on the server -------------------


def _login(client, username: str, password: str) -> None:
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.mark.committing  # a database of its own, written for real: the job runs in a thread
def test_a_50000_row_import_as_a_job_followed_to_the_end():
    directory = Path(tempfile.mkdtemp(prefix="registry-import-job-"))

    class Threaded(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{directory / 'import.db'}"
        JOBS_EAGER = False
        JOBS_LIVE_DIR = str(directory / "live")
        REDIS_URL = ""  # the thread of the app process, as on a laptop
        MAX_CONTENT_LENGTH = 50 * 1024 * 1024

    app = create_app(Threaded)
    with app.app_context():
        upgrade()
        j, departments = generate.province_with_departments("860000", "五万省")
        generate.office_user(j, "wuwan_office", "password-123")
        db.session.commit()
        data = generate.matters_csv(j, departments, 50_000, random.Random(15))
        sample = list(csv.reader(io.StringIO(data.decode())))[12_346]  # the 12,346th matter (after the header)
        db.session.remove()

    client = app.test_client()
    _login(client, "wuwan_office", "password-123")
    response = upload(client, "860000", data, "五万行.csv")
    response.request.environ["wsgi.input"].close()  # the test client spools a large body to a file it leaves open
    assert response.status_code == 302, text(response)[:500]
    location = response.headers["Location"]
    preview = text(client.get(location))
    assert re.search(r"将新增</dt><dd><strong>50000</strong>", preview) and "在后台导入" in preview
    job_url = confirm(client, location).headers["Location"]
    assert re.fullmatch(r"/jobs/\d+", job_url)

    seen = []
    deadline = time.monotonic() + 120  # a bound on a broken job, not a measure
    while time.monotonic() < deadline:
        status = client.get(job_url + "/status.json").get_json()
        seen.append((status["state"], status["progress"], status["total"], status["message"]))
        if status["finished"]:
            break
        time.sleep(0.05)
    assert status["state"] == "done", (status, seen[-5:])
    assert status["error"] == "" and status["percent"] == 100
    progress = [p for _s, p, _t, _m in seen]
    assert progress == sorted(progress), "progress never goes back"
    assert all(state in ("queued", "running", "done") for state, *_ in seen)
    result = text(client.get(status["link"]["url"]))
    assert re.search(r"新增事项</dt><dd>50000<", result) and "五万行.csv" in result

    with app.app_context():
        j = db.session.scalar(select(Matter.jurisdiction_id).limit(1))
        assert db.session.scalar(select(func.count()).select_from(Matter)) == 50_000
        seq, category, title, lead = sample[0], sample[1], sample[2], sample[3]
        matter = db.session.scalar(select(Matter).where(Matter.title == title))
        assert (str(matter.seq), matter.category) == (seq, category)
        if lead:
            lead_name = db.session.scalar(
                select(Department.short_name)
                .join(Assignment, Assignment.department_id == Department.id)
                .where(Assignment.matter_id == matter.id, Assignment.role == "lead")
            )
            assert lead_name == lead
        job = db.session.scalar(select(Job).where(Job.kind == IMPORT_KIND))
        assert job.state == JobState.DONE and job.started_by_id is not None
        assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0
        db.session.remove()
        db.engine.dispose()
    gc.collect()  # anything this test left open is reported here, not in whichever test runs next


@pytest.mark.committing  # the stack's own database, written for real by the worker
def test_an_import_job_through_a_real_celery_worker(celery_stack):  # noqa: F811
    stack = celery_stack(redis_db=9, demo=False)
    with stack.app.app_context():  # a province of its own: the stack's database outlives the test
        code = generate.free_province_code(range(85, 70, -1))
        j, departments = generate.province_with_departments(code, f"队列{code[:2]}省", n=5)
        generate.office_user(j, f"queue_office_{code}", "password-123")
        lead = departments[0].short_name
        db.session.commit()
        db.session.remove()
    rows = 2500  # past IMPORT_JOB_THRESHOLD (2000)
    csv_text = HEADER + "".join(f"{i},大气,经由队列导入的事项{i},{lead},,内容{i},\n" for i in range(1, rows + 1))
    client = stack.client()
    stack.login(client, f"queue_office_{code}", "password-123")
    location = upload(client, code, csv_text.encode(), "队列.csv").headers["Location"]
    assert "在后台导入" in text(client.get(location))
    job_url = confirm(client, location).headers["Location"]
    job = stack.wait(int(job_url.rsplit("/", 1)[-1]), timeout=120)
    assert job.state == JobState.DONE, job.error
    status = client.get(job_url + "/status.json").get_json()
    assert status["state"] == "done" and status["percent"] == 100
    assert re.search(r"新增事项</dt><dd>2500<", text(client.get(status["link"]["url"])))
    with stack.app.app_context():
        count = (
            select(func.count())
            .select_from(Matter)
            .join(Jurisdiction, Jurisdiction.id == Matter.jurisdiction_id)
            .where(Jurisdiction.code == code)
        )
        assert db.session.scalar(count) == rows
        matter = db.session.scalar(select(Matter).where(Matter.title == "经由队列导入的事项1234"))
        assert matter.description == "内容1234" and matter.status == "assigned"
        db.session.remove()


def test_the_command_line_shows_a_bar_while_it_checks_and_while_it_writes(runner, tmp_path):
    from tests import factories
    from tests.imports.test_cli import cli, statuses

    j = factories.jurisdiction("840000", name="进度省")
    factories.department(j, "进度省生态环境厅", short_name="生态环境厅")
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "".join(f"{i},水,事项{i},生态环境厅,,,\n" for i in range(1, 2502)), encoding="utf-8")
    result = cli(runner, "import-list", "--jurisdiction", "840000", path)
    assert result.exit_code == 0, result.output
    assert "检查中" in result.output and "导入中" in result.output
    assert statuses(j) == {"assigned": 2501}
