"""生成汇编 fanned out (runner.FanOut): one part per report and one for the volume, then the volume
stored and a ZIP of every PDF on the job; a part that fails leaves no volume; the same through a
real Celery worker."""

import io
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from registry.extensions import db
from registry.jobs import runner
from registry.jobs.models import Job, JobState
from registry.reports import volumes
from registry.reports.models import AnnualReport, ReportState, ReportVolume
from tests.jobs.conftest import celery_stack  # noqa: F401
from tests.reports.conftest import post, user

JTT = "省交通运输厅2025年度生态环境保护工作专题报告"
NYNC = "省农业农村厅2025年度生态环境保护工作专题报告"
VOLUME = "示例省2025年度职能部门生态环境保护工作专题报告汇编"
ZIP_NAME = "示例省2025年度专题报告及汇编.zip"


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "".join(page.extract_text() or "" for page in reader.pages)


def _check_zip(data: bytes, published: bytes) -> None:
    """The ZIP holds each report's PDF (the published one as stored) and the 汇编, all real PDFs."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == [f"01_{JTT}.pdf", f"02_{NYNC}.pdf", f"{VOLUME}.pdf"]
    assert archive.read(f"02_{NYNC}.pdf") == published  # published: never rendered again
    for name, title in ((f"01_{JTT}.pdf", JTT), (f"02_{NYNC}.pdf", NYNC), (f"{VOLUME}.pdf", VOLUME)):
        pages, text = _pdf_text(archive.read(name))
        assert pages > 0 and title.replace(" ", "") in text.replace(" ", "").replace("\n", ""), name
    _, volume_text = _pdf_text(archive.read(f"{VOLUME}.pdf"))
    assert "柴油货车污染治理与老旧车辆淘汰" in _pdf_text(archive.read(f"01_{JTT}.pdf"))[1]
    assert JTT in volume_text.replace("\n", "") and NYNC in volume_text.replace("\n", "")


def test_compile_fans_out_per_report_and_gives_the_volume_and_a_zip(client, auth, reports):
    cycle_id = reports["省交通运输厅"].cycle_id
    auth.login("province_office")
    response = post(
        client, f"/reports/cycles/{cycle_id}/compile", {"confirm": "y"}, form_page=f"/reports/cycles/{cycle_id}/compile"
    )
    assert response.status_code == 302
    job = db.session.get(Job, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert job.state == JobState.DONE and (job.progress, job.total) == (3, 3), job.error

    parts = list(db.session.scalars(select(Job).where(Job.parent_id == job.id).order_by(Job.id)))
    assert [p.kind for p in parts] == [volumes.VOLUME_PART_KIND, volumes.REPORT_PART_KIND, volumes.REPORT_PART_KIND]
    assert parts[0].title == f"排版汇编：{VOLUME}"  # the longest part is queued first
    assert [p.title for p in parts[1:]] == [f"报告 PDF：{JTT}", f"报告 PDF：{NYNC}"]
    assert all(p.state == JobState.DONE and p.result_data is None for p in parts)  # kept only until finish

    volume = db.session.scalar(select(ReportVolume).where(ReportVolume.job_id == job.id))
    assert volume.report_ids == [reports["省交通运输厅"].id, reports["省农业农村厅"].id]
    assert job.result_name == ZIP_NAME and job.result_type == "application/zip"

    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "3 / 3" in page and f"#volume-{volume.id}" in page and f"/jobs/{job.id}/result" in page
    download = client.get(f"/jobs/{job.id}/result")
    assert download.mimetype == "application/zip" and "attachment" in download.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    _check_zip(download.data, reports["省农业农村厅"].pdf_data)
    listing = client.get("/jobs/").get_data(as_text=True)
    assert f'href="/jobs/{job.id}"' in listing and all(f'href="/jobs/{p.id}"' not in listing for p in parts)

    auth.logout()
    auth.login("sthj_head")  # a department of the province: not its job, nor its ZIP
    assert client.get(f"/jobs/{job.id}/result").status_code == 404


def test_a_report_returned_while_compiling_fails_the_whole_and_leaves_no_volume(client, auth, reports):
    """The parts are recorded, then a report leaves the accepted state before its part runs: that part
    fails, the whole says which in Chinese, and there is no volume and no ZIP."""
    cycle = reports["省交通运输厅"].cycle
    office = user("province_office")
    job = Job(
        kind=volumes.COMPILE_KIND,
        title="生成汇编",
        params={"cycle_id": cycle.id},
        state=JobState.QUEUED,
        jurisdiction_id=cycle.jurisdiction_id,
        started_by_id=office.id,
    )
    db.session.add(job)
    db.session.flush()
    assert runner.claim(job.id)
    part_ids = runner._fan_out(job.id, volumes.compile_volume(job.id, lambda *a, **k: None))
    db.session.execute(
        update(AnnualReport).where(AnnualReport.id == reports["省交通运输厅"].id).values(state=ReportState.RETURNED)
    )
    runner._run_parts(job.id, part_ids, commit=False)

    job = db.session.get(Job, job.id)
    assert job.state == JobState.FAILED and job.result_data is None
    assert job.error == (
        f"「排版汇编：{VOLUME}」未能完成，整个任务未生成任何结果。"
        "原因：有报告在汇编期间被退回或删除，已不能汇编。请刷新周期页面后重新生成。"
    )
    assert db.session.scalar(select(func.count(ReportVolume.id))) == 0
    states = [p.state for p in db.session.scalars(select(Job).where(Job.parent_id == job.id).order_by(Job.id))]
    assert states == [JobState.FAILED] * 3  # the volume failed, the others were not run
    auth.login("province_office")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "失败" in page and "未能完成" in page and f'href="/jobs/{job.id}/result"' not in page
    assert client.get(f"/jobs/{job.id}/result").status_code == 404


@pytest.mark.committing
def test_compile_through_a_real_celery_worker(celery_stack):  # noqa: F811
    stack = celery_stack(redis_db=7)
    client = stack.client()
    stack.login(client, "province_office")
    with stack.app.app_context():
        cycle_id = db.session.scalar(select(AnnualReport.cycle_id).where(AnnualReport.title == JTT))
        published = db.session.scalar(select(AnnualReport.pdf_data).where(AnnualReport.title == NYNC))
        db.session.remove()
    response = post(
        client, f"/reports/cycles/{cycle_id}/compile", {"confirm": "y"}, form_page=f"/reports/cycles/{cycle_id}/compile"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    job = stack.wait(job_id, timeout=180)
    assert job.state == JobState.DONE and (job.progress, job.total) == (3, 3), job.error
    status = client.get(f"/jobs/{job_id}/status.json").get_json()
    assert status["finished"] and status["percent"] == 100 and status["result_url"] == f"/jobs/{job_id}/result"
    download = client.get(f"/jobs/{job_id}/result")
    _check_zip(download.data, published)
    with stack.app.app_context():
        volume = db.session.scalar(select(ReportVolume).where(ReportVolume.job_id == job_id))
        assert volume is not None and _pdf_text(volume.pdf_data)[0] > 0
        parts = db.session.scalars(select(Job).where(Job.parent_id == job_id)).all()
        assert len(parts) == 3 and all(p.state == JobState.DONE and p.result_data is None for p in parts)
        assert all(p.attempts == 1 for p in parts)  # each part ran once, on the worker
        db.session.remove()


def test_the_compile_command_can_go_through_the_job(app, reports, tmp_path):
    out = tmp_path / "out"
    result = app.test_cli_runner().invoke(
        args=[
            "registry",
            "reports",
            "compile",
            "--jurisdiction",
            "990000",
            "--year",
            "2025",
            "--out",
            str(out),
            "--queue",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "已完成" in result.output and "已输出 2 份报告和 1 册汇编（共 3 个 PDF 文件）" in result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([f"01_{JTT}.pdf", f"02_{NYNC}.pdf", f"{VOLUME}.pdf"])
    assert (out / f"02_{NYNC}.pdf").read_bytes() == reports["省农业农村厅"].pdf_data
    volume = db.session.scalar(select(ReportVolume))
    assert volume is not None and volume.compiled_by_id is None  # started by the server's operator
    job = db.session.get(Job, volume.job_id)
    assert job.started_by_id is None and job.state == JobState.DONE

    again = app.test_cli_runner().invoke(
        args=[
            "registry",
            "reports",
            "compile",
            "--jurisdiction",
            "990000",
            "--year",
            "2019",
            "--out",
            str(out),
            "--queue",
        ]
    )
    assert again.exit_code != 0 and "没有2019年度的报告周期" in again.output
