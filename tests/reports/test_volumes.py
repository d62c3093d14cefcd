"""Attachments with titles and their public download; the 汇编 compiled from the cycle page as a job,
published when every report in it is, and served to the public from the jurisdiction page."""

import hashlib
import io
import subprocess

import pytest
from sqlalchemy import func, select

from registry.auth.models import User
from registry.core.audit import AuditEntry
from registry.core.db import PublishedDataImmutable
from registry.extensions import db
from registry.jobs import runner
from registry.jobs.models import Job, JobState
from registry.reports import services
from registry.reports.models import ReportAttachment, ReportVolume
from tests.conftest import csrf_token
from tests.reports.conftest import post, user

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ff"
    "ff3f0005fe02fea7d6a5c40000000049454e44ae426082"
)


def _upload(client, report, title: str, name: str = "现场.png", data: bytes = PNG):
    token = csrf_token(client, f"/reports/{report.id}")
    return client.post(
        f"/reports/{report.id}/attachments",
        data={"csrf_token": token, "title": title, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


# -- attachments -------------------------------------------------------------------------------------


def test_attachment_title_is_required_and_shown(client, auth, reports):
    sthj = reports["省生态环境厅"]
    auth.login("sthj_editor")
    refused = _upload(client, sthj, "  ", data=b"not an image at all")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    # Both problems at once, each next to its field.
    assert (
        'id="title-error"' in page and page.count("请填写附件标题，说明附件是什么。") == 2
    )  # by the field, in the summary
    assert 'id="file-error"' in page and "只能上传 PDF、PNG、JPEG 图片或 XLSX 表格" in page
    assert db.session.scalar(select(func.count(ReportAttachment.id)).where(ReportAttachment.report_id == sthj.id)) == 0
    too_long = _upload(client, sthj, "长" * 201)
    assert too_long.status_code == 400 and "附件标题不能超过200字" in too_long.get_data(as_text=True)

    done = _upload(client, sthj, "2025年秸秆禁烧巡查照片")
    assert done.status_code == 302
    page = client.get(f"/reports/{sthj.id}").get_data(as_text=True)
    assert "2025年秸秆禁烧巡查照片" in page and "现场.png" in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "report_attachments"))
    assert entry.after["title"] == "2025年秸秆禁烧巡查照片" and "2025年秸秆禁烧巡查照片" in entry.summary


def test_the_public_downloads_attachments_of_published_reports_only(client, auth, reports):
    draft = reports["省生态环境厅"]
    auth.login("sthj_editor")
    assert _upload(client, draft, "草稿里的照片").status_code == 302
    auth.logout()
    private = db.session.scalar(select(ReportAttachment).where(ReportAttachment.report_id == draft.id))
    assert client.get(f"/reports/published/{draft.id}/attachments/{private.id}").status_code == 404

    published = reports["省农业农村厅"]
    data = PNG + b"\x00"  # the bytes as uploaded before the report was published
    attachment = ReportAttachment(
        report_id=published.id,
        title="秸秆综合利用现场",
        filename="现场.png",
        content_type="image/png",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
    db.session.add(attachment)
    db.session.flush()
    url = f"/reports/published/{published.id}/attachments/{attachment.id}"
    response = client.get(url)
    assert response.status_code == 200 and response.data == data
    assert response.mimetype == "image/png" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''%E7%8E%B0%E5%9C%BA.png" in response.headers["Content-Disposition"]
    assert response.headers["ETag"] == f'"{attachment.sha256}"' and "immutable" in response.headers["Cache-Control"]
    assert client.get(url, headers={"If-None-Match": f'"{attachment.sha256}"'}).status_code == 304
    # Not under another report's id, and a draft's attachment not under a published report's.
    assert client.get(f"/reports/published/{draft.id}/attachments/{attachment.id}").status_code == 404
    assert client.get(f"/reports/published/{published.id}/attachments/{private.id}").status_code == 404

    page = client.get(f"/departments/{published.department_id}").get_data(as_text=True)
    assert "秸秆综合利用现场" in page and url in page
    assert "草稿里的照片" not in client.get(f"/departments/{draft.department_id}").get_data(as_text=True)


# -- the 汇编 -------------------------------------------------------------------------------------------


def _compile(client, cycle_id: int) -> Job:
    response = post(
        client, f"/reports/cycles/{cycle_id}/compile", {"confirm": "y"}, form_page=f"/reports/cycles/{cycle_id}/compile"
    )
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    return db.session.get(Job, int(response.headers["Location"].rsplit("/", 1)[1]))


def test_compile_volume_from_the_cycle_page(client, auth, reports):
    cycle_id = reports["省交通运输厅"].cycle_id
    auth.login("province_office")
    cycle_page = client.get(f"/reports/cycles/{cycle_id}").get_data(as_text=True)
    assert "生成汇编" in cycle_page and "尚未生成汇编" in cycle_page
    confirm = client.get(f"/reports/cycles/{cycle_id}/compile").get_data(as_text=True)
    assert "以下 2 份" in confirm
    assert "省交通运输厅2025年度生态环境保护工作专题报告" in confirm and "省农业农村厅2025年度" in confirm
    assert "省生态环境厅2025年度" not in confirm  # a draft does not go in

    jobs = db.session.scalar(select(func.count(Job.id)))  # the demo's own (its yearly report's PDF)
    unconfirmed = post(
        client, f"/reports/cycles/{cycle_id}/compile", {}, form_page=f"/reports/cycles/{cycle_id}/compile"
    )
    assert unconfirmed.status_code == 400 and db.session.scalar(select(func.count(Job.id))) == jobs

    job = _compile(client, cycle_id)
    assert job.state == JobState.DONE and job.total == 3 and job.progress == 3  # 2 reports + the volume
    volume = db.session.scalar(select(ReportVolume).where(ReportVolume.job_id == job.id))
    assert volume.report_ids == [reports["省交通运输厅"].id, reports["省农业农村厅"].id]
    assert volume.compiled_by_id == user("province_office").id and volume.published_at is None
    assert volume.pdf_sha256 == hashlib.sha256(volume.pdf_data).hexdigest() and volume.pdf_size == len(volume.pdf_data)
    text = _text(volume.pdf_data)
    assert (
        "省交通运输厅2025年度生态环境保护工作专题报告" in text
        and "省农业农村厅2025年度生态环境保护工作专题报告" in text
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "report_volumes"))
    assert entry.actor_name and "汇编" in entry.summary and entry.after["reports"] == 2

    job_page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "已完成" in job_page and f"#volume-{volume.id}" in job_page  # links to what it made
    status = client.get(f"/jobs/{job.id}/status.json").get_json()
    assert status["finished"] and status["percent"] == 100 and status["link"]["url"].endswith(f"#volume-{volume.id}")

    cycle_page = client.get(f"/reports/cycles/{cycle_id}").get_data(as_text=True)
    assert f'id="volume-{volume.id}"' in cycle_page and "未公开" in cycle_page
    download = client.get(f"/reports/volumes/{volume.id}.pdf")
    assert download.status_code == 200 and download.data == volume.pdf_data and download.mimetype == "application/pdf"
    auth.logout()
    assert client.get(f"/reports/volumes/{volume.id}.pdf").status_code == 302  # to the login page
    assert client.get(f"/reports/published/volumes/{volume.id}.pdf").status_code == 404  # not published
    auth.login("sthj_head")
    assert client.get(f"/reports/volumes/{volume.id}.pdf").status_code == 403
    assert client.get(f"/reports/cycles/{cycle_id}/compile").status_code == 403


def test_publish_volume_waits_for_every_report_then_the_public_gets_it(client, auth, reports):
    jtt = reports["省交通运输厅"]
    auth.login("province_office")
    volume = db.session.scalar(select(ReportVolume).where(ReportVolume.job_id == _compile(client, jtt.cycle_id).id))
    publish_url = f"/reports/volumes/{volume.id}/publish"
    page = client.get(publish_url).get_data(as_text=True)
    assert "省交通运输厅2025年度生态环境保护工作专题报告" in page and "尚未公开" in page
    refused = post(client, publish_url, {"confirm": "y"}, form_page=publish_url)
    assert refused.status_code == 400
    assert "汇编中还有 1 份报告尚未公开：省交通运输厅2025年度生态环境保护工作专题报告" in refused.get_data(as_text=True)
    db.session.refresh(volume)
    assert volume.published_at is None

    services.publish_report(jtt, actor=user("jtt_head"))
    db.session.flush()
    assert post(client, publish_url, {"confirm": "y"}, form_page=publish_url).status_code == 302
    db.session.refresh(volume)
    assert volume.published_at is not None and volume.published_by_id == user("province_office").id
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.entity_type == "report_volumes", AuditEntry.action == "publish")
    )
    volume.title = "改过的标题"
    with pytest.raises(PublishedDataImmutable):
        db.session.flush()
    db.session.rollback()
    auth.logout()

    jurisdiction_page = client.get("/jurisdictions/990000").get_data(as_text=True)
    assert (
        "年度专题报告汇编" in jurisdiction_page and f"/reports/published/volumes/{volume.id}.pdf" in jurisdiction_page
    )
    response = client.get(f"/reports/published/volumes/{volume.id}.pdf")
    assert response.status_code == 200 and response.data[:5] == b"%PDF-"
    assert hashlib.sha256(response.data).hexdigest() == response.headers["X-Checksum-SHA256"]
    assert "immutable" in response.headers["Cache-Control"]


def test_a_failed_compile_leaves_no_volume_and_says_why(client, auth, reports):
    office = user("province_office")
    job = runner.start("compile_volume", "生成汇编", {"cycle_id": 2**31 - 1}, office, office.jurisdiction_id)
    db.session.flush()
    assert job.state == JobState.FAILED and job.error == "报告周期已不存在，无法生成汇编。"
    assert db.session.scalar(select(func.count(ReportVolume.id))) == 0
    auth.login("province_office")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "失败" in page and "报告周期已不存在" in page


def test_a_compile_abandoned_by_an_ended_process_does_not_block_the_cycle(client, auth, reports):
    """A job whose process ended (a restart) never finishes: after half an hour it stops blocking,
    and starting again marks it failed, saying why."""
    from datetime import timedelta

    from registry.core.db import utcnow
    from registry.jobs.runner import ABANDONED
    from registry.reports import volumes

    cycle = reports["省生态环境厅"].cycle
    stuck = Job(
        kind=volumes.COMPILE_KIND,
        title="生成汇编",
        params={"cycle_id": cycle.id},
        state=JobState.RUNNING,
        jurisdiction_id=cycle.jurisdiction_id,
        started_at=utcnow() - timedelta(minutes=5),
    )
    db.session.add(stuck)
    db.session.flush()
    assert volumes.compile_in_progress(cycle) is stuck  # still running, as far as anyone can tell
    stuck.started_at = utcnow() - timedelta(hours=2)
    db.session.flush()
    assert volumes.compile_in_progress(cycle) is None
    office = db.session.scalar(select(User).where(User.username == "province_office"))
    volumes.start_compile(cycle, actor=office)
    assert stuck.state == JobState.FAILED and stuck.error == ABANDONED
