"""Progress (§7): the lead department reports monthly with evidence files (checked by content, served only
to readers of the task); a cooperating department gives its own input, which the lead sees and is told
of; other departments and the offices do not report."""

import io
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from registry.core.errors import DomainError
from registry.extensions import db
from registry.supervision import evidence, progress
from registry.supervision.models import EventKind, TaskFile, TaskProgress, TaskState
from tests.supervision.h2_support import Client, World, text, told

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.fixture
def world(app):
    return World()


def _report(**changes):
    return {
        "month": date.today().replace(day=1).isoformat(),
        "status": "on_track",
        "percent": "40",
        "milestone": "",
        "text": "完成管网排查 12 公里",
        **changes,
    }


def _month():
    from registry.core.timezone import local_today

    return local_today().replace(day=1).isoformat()


def test_the_lead_reports_with_evidence_and_readers_download_it(client, world, app):
    lead = Client(client, "jc_agri_ed")
    data = _report(month=_month(), files=[(io.BytesIO(PDF), "排查台账.pdf"), (io.BytesIO(_docx()), "方案.docx")])
    response = lead.post(f"/tasks/{world.task.id}/progress", data, content_type="multipart/form-data")
    assert response.status_code == 302, text(response)[:2000]
    row = db.session.scalar(select(TaskProgress).where(TaskProgress.task_id == world.task.id))
    assert (row.department_id, row.percent, row.status) == (world.agri.id, 40, "on_track")
    assert world.task.percent == 40 and world.task.last_progress_at is not None
    files = {f.filename: f for f in row.files}
    assert set(files) == {"排查台账.pdf", "方案.docx"}
    pdf = files["排查台账.pdf"]
    import hashlib

    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    assert world.task.events[-1].kind == EventKind.PROGRESS
    page = lead.get(f"/tasks/{world.task.id}").get_data(as_text=True)
    assert "完成管网排查 12 公里" in page and f"/tasks/{world.task.id}/files/{pdf.id}" in page
    response = lead.get(f"/tasks/{world.task.id}/files/{pdf.id}")
    assert response.status_code == 200 and response.data == PDF
    assert "filename*=UTF-8''%E6%8E%92" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    docx = lead.get(f"/tasks/{world.task.id}/files/{files['方案.docx'].id}")
    assert docx.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("username", "status"), [("jc_build", 200), ("jc_office", 200), ("up_office", 200), ("jc_water", 403)]
)
def test_evidence_is_served_only_to_readers_of_the_task(client, world, username, status):
    made = progress.report_progress(
        world.task,
        department=world.agri,
        status="on_track",
        text="进展",
        percent=10,
        files=[evidence.Upload("a.pdf", PDF)],
        actor="测试",
    )
    db.session.flush()
    url = f"/tasks/{world.task.id}/files/{made.files[0].id}"
    assert Client(client, username).get(url).status_code == status


def test_anonymous_and_other_tasks_files_are_refused(client, world):
    made = progress.report_progress(
        world.task,
        department=world.agri,
        status="on_track",
        text="进展",
        percent=10,
        files=[evidence.Upload("a.pdf", PDF)],
        actor="测试",
    )
    db.session.flush()
    response = client.get(f"/tasks/{world.task.id}/files/{made.files[0].id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    from tests import factories

    other = factories.task(world.ledger, world.agri, number="2")
    assert Client(client, "jc_agri").get(f"/tasks/{other.id}/files/{made.files[0].id}").status_code == 404


def test_files_are_judged_by_content_and_every_problem_shown_at_once(client, world):
    lead = Client(client, "jc_agri")
    data = _report(
        month=_month(), percent="", text="", files=[(io.BytesIO(b"<html><script>x</script></html>"), "看我.pdf")]
    )
    response = lead.post(f"/tasks/{world.task.id}/progress", data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = text(response)
    assert "「看我.pdf」不是" in page and "请填写进展情况" in page and "请填写完成比例" in page
    assert "请重新选择要上传的文件" in page
    assert not db.session.scalars(select(TaskFile)).all()
    with pytest.raises(DomainError, match="最多 5 个"):
        evidence.check_files([evidence.Upload(f"{n}.pdf", PDF) for n in range(6)])
    with pytest.raises(DomainError, match="超过 10 MB"):
        evidence.check_files([evidence.Upload("big.pdf", PDF + b"0" * evidence.MAX_FILE_BYTES)])


def test_a_cooperating_department_gives_its_own_input_which_the_lead_sees(client, world):
    coop = Client(client, "jc_build")
    response = coop.post(
        f"/tasks/{world.task.id}/progress",
        _report(month=_month(), status="behind", percent="", text="城中村管网改造资金未到位"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, text(response)[:1500]
    row = db.session.scalar(select(TaskProgress).where(TaskProgress.task_id == world.task.id))
    assert row.department_id == world.build.id and row.status == "behind"
    assert world.task.percent == 0  # the task's figure is the lead's
    assert [u for u, _t in told("task_progress")] == ["jc_agri", "jc_agri_ed"]
    client.post("/logout", data={"csrf_token": coop.token()})
    page = text(Client(client, "jc_agri").get(f"/tasks/{world.task.id}"))
    assert "城中村管网改造资金未到位" in page and "进度滞后" in page
    assert "江川市住房和城乡建设局 配合 已报送" in page and "江川市生态环境局 配合 尚未报送" in page


@pytest.mark.parametrize("username", ["jc_water", "jc_office", "up_office"])
def test_others_do_not_report(client, world, username):
    other = Client(client, username)
    assert other.get(f"/tasks/{world.task.id}/progress").status_code == 403
    response = other.post(
        f"/tasks/{world.task.id}/progress", _report(month=_month()), content_type="multipart/form-data"
    )
    assert response.status_code == 403
    assert not world.task.progress


def test_the_service_checks_the_department_state_and_month(world):
    from registry.auth.models import User

    build = db.session.scalar(select(User).where(User.username == "jc_build"))
    with pytest.raises(progress.NotAllowed):  # reporting as the lead while cooperating
        progress.report_progress(world.task, department=world.agri, status="on_track", text="x", percent=1, actor=build)
    with pytest.raises(progress.NotAllowed):
        progress.report_progress(
            world.task, department=world.water, status="on_track", text="x", percent=1, actor="测试"
        )
    with pytest.raises(DomainError, match="本月或上月"):
        progress.report_progress(
            world.task,
            department=world.agri,
            status="on_track",
            text="x",
            percent=1,
            month=date(2020, 1, 1),
            actor="测试",
        )
    world.task.state = TaskState.NOTICE
    with pytest.raises(DomainError, match="不再报送进展"):
        progress.report_progress(
            world.task, department=world.agri, status="on_track", text="x", percent=1, actor="测试"
        )
