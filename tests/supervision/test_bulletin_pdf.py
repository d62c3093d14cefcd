"""The monthly bulletin end to end (issue #18 item 6): the office creates the month's bulletin, writes
its text, compiles the PDF as a job, previews it and publishes those very bytes; the public downloads
them; a published bulletin never changes; nobody else may write it; the current month is a preview only."""

import hashlib
import io
import re

import pdfplumber
import pytest

from registry.core.db import PublishedDataImmutable
from registry.core.errors import DomainError
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jobs.models import Job, JobState
from registry.supervision import bulletin
from registry.supervision.models import Bulletin, BulletinState
from tests import factories
from tests.conftest import csrf_token
from tests.supervision.bulletin_scenario import MONTH, YEAR, build

BASE = "/manage/880000/bulletins"
OCT = f"{BASE}/{YEAR}/{MONTH}"
TITLE = "测试省生态环境保护督察整改工作月度通报（2026年10月）"
PASSWORD = "password-123"


def _post(client, path, data=None, form_page=BASE):
    return client.post(path, data={"csrf_token": csrf_token(client, form_page), **(data or {})})


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in document.pages))


@pytest.fixture
def scenario(app):
    s = build()
    factories.user("h4_office", "office_admin", s.jurisdiction)
    factories.user("h4_dept", "dept_head", s.jurisdiction, s.a)
    other = factories.jurisdiction("860000", name="另一省")
    factories.user("h4_other", "office_admin", other)
    db.session.flush()
    return s


def _compile(client, path=OCT) -> Job:
    response = _post(client, f"{path}/compile", form_page=path)
    assert response.status_code == 303 and "/jobs/" in response.location
    job = db.session.get(Job, int(response.location.rstrip("/").rsplit("/", 1)[1]))
    assert job.state == JobState.DONE, job.error
    return job


def test_create_edit_compile_preview_publish_download(client, auth, scenario):
    auth.login("h4_office", PASSWORD)
    assert "还没有月度通报" in client.get(BASE).get_data(as_text=True)

    # The month: once, not in the future, a number; each refused with a sentence.
    response = _post(client, f"{BASE}/new", {"year": "2026", "month": "10"})
    assert response.status_code == 302 and response.location.endswith(f"{OCT}/edit")
    today = local_today()
    future = (today.year + 1, 1)
    for year, month, message in (
        ("2026", "10", "已经存在"),
        (str(future[0]), str(future[1]), "年份应在"),
        ("二〇二六", "10", "四位数字"),
        ("", "10", "请填写通报年份"),
        ("2026", "13", "请选择月份"),
    ):
        page = _post(client, f"{BASE}/new", {"year": year, "month": month})
        assert page.status_code == 400 and message in page.get_data(as_text=True), (year, month)
    b = bulletin.bulletin_for(scenario.jurisdiction.id, YEAR, MONTH)
    assert b.title == TITLE and b.state == BulletinState.DRAFT

    edit = client.get(f"{OCT}/edit").get_data(as_text=True)
    version = re.search(r'name="lock_version"[^>]*value="(\d+)"', edit).group(1)
    body = "<p>十月，各牵头部门持续推进整改。</p><script>alert(1)</script>"
    response = _post(
        client, f"{OCT}/edit", {"lock_version": version, "doc_number": "测督改办〔2026〕10号", "body": body}, OCT
    )
    assert response.status_code == 302
    db.session.refresh(b)
    assert "持续推进整改" in b.body and "<script" not in b.body
    stale = _post(client, f"{OCT}/edit", {"lock_version": version, "doc_number": "X", "body": "旧稿"}, OCT)
    assert stale.status_code == 409 and "他人刚保存的最新内容" in stale.get_data(as_text=True)

    refused = _post(client, f"{OCT}/publish", {"confirm": "y"}, OCT)
    assert refused.status_code == 400 and "请先生成 PDF" in refused.get_data(as_text=True)
    assert client.get(f"{OCT}/preview.pdf").status_code == 404

    page = client.get(OCT).get_data(as_text=True)
    assert "甲厅逾期的任务" in page and "未报送1项" in page  # the figures as they stand, on the page
    assert client.get(f"{OCT}/chart-{scenario.ledger.id}.svg").status_code == 200

    job = _compile(client)
    db.session.refresh(b)
    assert b.pdf_sha256 and b.job_id == job.id and bulletin.is_current(b) and bulletin.compiled_complete(b)
    preview = client.get(f"{OCT}/preview.pdf")
    assert preview.status_code == 200 and hashlib.sha256(preview.data).hexdigest() == b.pdf_sha256
    assert "filename*=UTF-8''" in preview.headers["Content-Disposition"]

    text = _text(preview.data)
    for expected in (
        re.sub(r"\s", "", TITLE),
        "测督改办〔2026〕10号",
        "十月，各牵头部门持续推进整改。",
        "截至2026年10月31日",
        "共有整改任务6项，其中已销号2项，销号公示中2项，销号审核中0项，整改中2项；整体销号率33.3%。逾期未完成1项",
        "测试省甲厅1个部门未按时报送",
        "未报送1项（1/2）",
        "乙厅十月销号的任务",
        "2026年10月28日",
        "甲厅逾期的任务",
        "31",  # days overdue: 30 September to 31 October
        "督办1件、约谈1件",
        "已于10月14日答复",
        "逾期未答复",
        "整改进展（各月末）",
        "已销号",  # the chart's legend: the SVG drawn in the PDF
        "测试省生态环境保护委员会办公室",
    ):
        assert expected in text, expected
    assert "丙厅十一月才销号的任务" not in text.split("三、本月销号情况")[1].split("四、")[0]
    assert "十一月新增的任务" not in text and "草稿" not in text

    # Publish: a confirmation that says it is final; the very bytes previewed.
    confirm = client.get(f"{OCT}/publish").get_data(as_text=True)
    assert "公开是最终的，不能撤回，也不能再修改" in confirm
    unconfirmed = _post(client, f"{OCT}/publish", {}, OCT)
    assert unconfirmed.status_code == 400 and "请勾选确认后再公开" in unconfirmed.get_data(as_text=True)
    response = _post(client, f"{OCT}/publish", {"confirm": "y"}, OCT)
    assert response.status_code == 302
    db.session.refresh(b)
    assert b.state == BulletinState.PUBLISHED and b.published_at is not None

    auth.logout()
    listing = client.get("/jurisdictions/880000/bulletins").get_data(as_text=True)
    assert TITLE in listing and b.pdf_sha256 in listing
    download = client.get(f"/jurisdictions/880000/bulletins/{YEAR}/{MONTH}.pdf")
    assert download.status_code == 200 and download.data == preview.data
    assert hashlib.sha256(download.data).hexdigest() == b.pdf_sha256 == download.headers["X-Checksum-SHA256"]
    assert "immutable" in download.headers["Cache-Control"]
    assert (
        client.get(
            f"/jurisdictions/880000/bulletins/{YEAR}/{MONTH}.pdf", headers={"If-None-Match": f'"{b.pdf_sha256}"'}
        ).status_code
        == 304
    )


def test_a_published_bulletin_cannot_change(client, auth, scenario):
    b = bulletin.create_bulletin(scenario.jurisdiction, YEAR, MONTH, actor=_office())
    db.session.flush()
    bulletin.start_compile(b, actor=_office())
    db.session.refresh(b)
    bulletin.publish_bulletin(b, actor=_office())
    db.session.flush()
    with pytest.raises(DomainError):
        bulletin.save_bulletin(b, actor=_office(), expected_version=b.lock_version, body="改", doc_number="")
    with pytest.raises(DomainError):
        bulletin.start_compile(b, actor=_office())
    with pytest.raises(PublishedDataImmutable), db.session.begin_nested():
        b.body = "<p>改过</p>"
        db.session.flush()
    db.session.expire_all()

    auth.login("h4_office", PASSWORD)
    assert client.get(f"{OCT}/edit").status_code == 302  # back to the bulletin: 已公开，不能再修改
    assert "已公开" in client.get(OCT).get_data(as_text=True)


def test_changes_after_compiling_are_refused_until_compiled_again(scenario):
    office = _office()
    b = bulletin.create_bulletin(scenario.jurisdiction, YEAR, MONTH, actor=office)
    db.session.flush()
    bulletin.start_compile(b, actor=office)
    db.session.refresh(b)
    assert bulletin.is_current(b)
    # A late report for October changes what the PDF would show.
    from datetime import date

    from tests.supervision.bulletin_scenario import report

    report(scenario.tasks["2"], scenario.a, date(2026, 10, 1), 50)
    db.session.flush()
    assert not bulletin.is_current(b)
    with pytest.raises(DomainError, match="重新生成"):
        bulletin.publish_bulletin(b, actor=office)


def test_the_current_month_is_a_preview_only(client, auth, scenario):
    today = local_today()
    auth.login("h4_office", PASSWORD)
    response = _post(client, f"{BASE}/new", {"year": str(today.year), "month": str(today.month)})
    assert response.status_code == 302
    path = f"{BASE}/{today.year}/{today.month}"
    page = client.get(path).get_data(as_text=True)
    assert "还没有结束" in page
    _compile(client, path)
    b = bulletin.bulletin_for(scenario.jurisdiction.id, today.year, today.month)
    assert not bulletin.compiled_complete(b)
    text = _text(client.get(f"{path}/preview.pdf").data)
    assert "（本月尚未结束，数据为预览）" in text and "草" in text and "稿" in text  # the watermark
    refused = _post(client, f"{path}/publish", {"confirm": "y"}, path)
    assert refused.status_code == 400 and "还没有结束" in refused.get_data(as_text=True)
    db.session.refresh(b)
    assert b.state == BulletinState.DRAFT


def test_permissions_and_scope(client, auth, app, scenario):
    from tests.conftest import another_client

    b = bulletin.create_bulletin(scenario.jurisdiction, YEAR, MONTH, actor=_office())
    db.session.flush()
    # Not signed in: the office pages send to the login page; a draft is not public.
    assert client.get(BASE).status_code == 302 and "/login" in client.get(BASE).location
    assert client.get(f"/jurisdictions/880000/bulletins/{YEAR}/{MONTH}.pdf").status_code == 404
    assert client.get("/jurisdictions/880000/bulletins").status_code == 200
    assert client.get("/jurisdictions/000001/bulletins").status_code == 404

    # A department: no bulletin pages (the office's).
    auth.login("h4_dept", PASSWORD)
    for path in (BASE, OCT, f"{OCT}/edit", f"{OCT}/preview.pdf"):
        assert client.get(path).status_code == 403, path
    auth.logout()

    # Another province's office: neither reads nor writes this one's.
    other = another_client(app)
    Auth_ = type(auth)
    Auth_(other).login("h4_other", PASSWORD)
    assert other.get(OCT).status_code == 403
    token = csrf_token(other, "/")
    assert other.post(f"{OCT}/compile", data={"csrf_token": token}).status_code == 403
    assert other.post(f"{BASE}/new", data={"csrf_token": token, "year": "2026", "month": "9"}).status_code == 403
    with pytest.raises(bulletin.NotAllowed):
        bulletin.start_compile(b, actor=db.session.merge(_user("h4_other")))
    assert bulletin.compile_in_progress(b) is None


def _user(name):
    from sqlalchemy import select

    from registry.auth.models import User

    return db.session.scalar(select(User).where(User.username == name))


def _office():
    return _user("h4_office")


def test_bulletin_row_is_immutable_once_published_even_directly(scenario):
    b = Bulletin(jurisdiction=scenario.jurisdiction, year=2026, month=9, title="t", state="draft")
    db.session.add(b)
    db.session.flush()
    b.state, b.published_at, b.pdf_data, b.pdf_sha256 = "published", b.created_at, b"%PDF", "0" * 64
    db.session.flush()
    with pytest.raises(PublishedDataImmutable), db.session.begin_nested():
        b.doc_number = "改"
        db.session.flush()
