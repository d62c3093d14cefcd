"""The government's yearly report on the environment and its targets (seed 000, issue #19 item 5):
the office drafts it, compiles the PDF as a job, previews it and publishes those very bytes, which
locks the year's indicator values; the public downloads it; nobody else may write it."""

import hashlib
import io
import re

import pdfplumber
import pytest
from sqlalchemy import select

from registry.auth.models import User
from registry.core.audit import AuditEntry
from registry.core.db import PublishedDataImmutable
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jobs.models import Job, JobState
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department
from registry.targets import environment, queries
from registry.targets import services as target_services
from registry.targets.models import EnvironmentReport, EnvironmentReportState
from tests import factories
from tests.conftest import csrf_token
from tests.public.conftest import switch_language

TITLE = "示例省2025年度环境状况和环境保护目标完成情况报告"
BASE = "/manage/990000/environment-reports"
OZONE = "测试指标：臭氧日最大8小时平均浓度"


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _province() -> Jurisdiction:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990000"))


def _post(client, path: str, data: dict | None = None, form_page: str = BASE):
    return client.post(path, data={"csrf_token": csrf_token(client, form_page), **(data or {})})


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in document.pages))


def _lock_version(page: str) -> str:
    return re.search(r'name="lock_version"[^>]*value="(\d+)"', page).group(1)


@pytest.fixture
def ozone(demo):
    """An indicator of the province led by 省生态环境厅, met in 2025 (150.5 ≤ 160)."""
    province = _province()
    sthj = db.session.scalar(
        select(Department).where(Department.jurisdiction_id == province.id, Department.name == "省生态环境厅")
    )
    return factories.indicator(
        province,
        sthj,
        name=OZONE,
        unit="微克/立方米",
        baseline=(2020, 170.0),
        target=(2025, 160.0),
        values={2025: 150.5},
    )


@pytest.fixture
def in_english(client):
    """The interface in English for the test (and Chinese again after it: the app context is shared)."""
    switch_language(client, "en")
    yield
    switch_language(client, "zh")


def test_create_edit_compile_preview_publish_and_download(client, auth, ozone):
    auth.login("province_office")
    assert client.get(BASE).status_code == 200

    # A year: once, a number, in range; all refused with a sentence next to the field.
    response = _post(client, f"{BASE}/new", {"year": "2025"})
    assert response.status_code == 302 and response.location.endswith(f"{BASE}/2025/edit")
    for year, message in (("2025", "已经存在"), ("二〇二五", "四位数字"), ("1999", "年度应在"), ("", "请填写报告年度")):
        page = _post(client, f"{BASE}/new", {"year": year})
        assert page.status_code == 400 and message in page.get_data(as_text=True), year
    report = environment.report_for(_province().id, 2025)
    assert report.title == TITLE and report.state == EnvironmentReportState.DRAFT

    # The office's text and 文号, with the optimistic lock.
    edit = client.get(f"{BASE}/2025/edit").get_data(as_text=True)
    assert OZONE in edit and "150.5" in edit  # the generated part, for reference
    version = _lock_version(edit)
    body = "<p>2025年，全省环境空气质量持续改善。</p><script>alert(1)</script>"
    response = _post(
        client, f"{BASE}/2025/edit", {"lock_version": version, "doc_number": "示政报〔2026〕3号", "body": body}
    )
    assert response.status_code == 302
    db.session.refresh(report)
    assert report.doc_number == "示政报〔2026〕3号" and "持续改善" in report.body and "<script" not in report.body
    stale = _post(client, f"{BASE}/2025/edit", {"lock_version": version, "doc_number": "X", "body": "<p>旧稿</p>"})
    assert stale.status_code == 409 and "他人刚保存的最新内容" in stale.get_data(as_text=True)
    db.session.refresh(report)
    assert report.doc_number == "示政报〔2026〕3号"

    # No PDF yet: nothing to publish.
    refused = _post(client, f"{BASE}/2025/publish", {"confirm": "y"})
    assert refused.status_code == 400 and "请先生成 PDF" in refused.get_data(as_text=True)
    assert client.get(f"{BASE}/2025/preview.pdf").status_code == 404

    # Compile: a job (run at once in the tests), then the PDF is on the report.
    response = _post(client, f"{BASE}/2025/compile", form_page=f"{BASE}/2025")
    assert response.status_code == 303 and "/jobs/" in response.location
    job = db.session.get(Job, int(response.location.rstrip("/").rsplit("/", 1)[1]))
    assert job.state == JobState.DONE, job.error
    assert client.get(response.location).status_code == 200
    db.session.refresh(report)
    assert report.pdf_sha256 and report.job_id == job.id and environment.is_current(report)
    assert "与当前内容一致" in client.get(f"{BASE}/2025").get_data(as_text=True)
    preview = client.get(f"{BASE}/2025/preview.pdf")
    assert preview.status_code == 200 and preview.headers["Content-Type"] == "application/pdf"
    assert hashlib.sha256(preview.data).hexdigest() == report.pdf_sha256

    text = _text(preview.data)
    rows = queries.indicators(jurisdiction_id=_province().id)
    counts = queries.summary(rows, 2025)
    assert re.sub(r"\s", "", TITLE) in text and "示政报〔2026〕3号" in text and "示例省人民代表大会常务委员会" in text
    assert "2025年，全省环境空气质量持续改善。" in text
    assert (
        f"共{counts['total']}项指标：已达标{counts['met']}项、符合序时进度{counts['on_track']}项、"
        f"进度滞后{counts['behind']}项、未达标{counts['not_met']}项、无数据{counts['no_data']}项"
    ) in text
    for row in rows:  # every indicator, its status and its lead department
        assert re.sub(r"\s", "", row.name) in text, row.name
        assert row.assessment(2025).label in text
        assert row.lead_department_name in text
    assert "目标值160" in text and "序时进度" in text  # the charts' legends: the SVG drawn in the PDF

    # A value changes after the compile: the PDF no longer shows what the report holds.
    target_services.record_value(ozone, actor="测试", year=2025, value=149.0, source="监测数据")
    db.session.flush()
    assert not environment.is_current(report)
    assert "内容已变化" in client.get(f"{BASE}/2025").get_data(as_text=True)
    refused = _post(client, f"{BASE}/2025/publish", {"confirm": "y"})
    assert refused.status_code == 400 and "又有变化" in refused.get_data(as_text=True)

    # Compile again, look, publish: the confirmation says it is final and what it locks.
    _post(client, f"{BASE}/2025/compile", form_page=f"{BASE}/2025")
    db.session.refresh(report)
    assert environment.is_current(report)
    compiled = client.get(f"{BASE}/2025/preview.pdf").data
    confirm = client.get(f"{BASE}/2025/publish").get_data(as_text=True)
    assert "不能撤回" in confirm and "锁定示例省2025年度" in confirm and report.pdf_sha256 in confirm
    unticked = _post(client, f"{BASE}/2025/publish", {}, form_page=f"{BASE}/2025/publish")
    assert unticked.status_code == 400 and report.state == EnvironmentReportState.DRAFT
    assert not target_services.is_locked(_province().id, 2025)
    response = _post(client, f"{BASE}/2025/publish", {"confirm": "y"}, form_page=f"{BASE}/2025/publish")
    assert response.status_code == 302
    db.session.refresh(report)
    assert report.state == EnvironmentReportState.PUBLISHED and report.published_at is not None
    assert target_services.is_locked(_province().id, 2025)
    actions = set(
        db.session.execute(
            select(AuditEntry.entity_type, AuditEntry.action).where(AuditEntry.jurisdiction_id == _province().id)
        ).tuples()
    )
    assert {("environment_reports", "publish"), ("indicator_year_locks", "lock")} <= actions

    # The public downloads the very bytes the office previewed.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    download = client.get("/jurisdictions/990000/environment-reports/2025.pdf")
    assert download.status_code == 200 and download.data == compiled
    assert hashlib.sha256(download.data).hexdigest() == report.pdf_sha256 == download.headers["X-Checksum-SHA256"]
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    assert (
        client.get(
            "/jurisdictions/990000/environment-reports/2025.pdf", headers={"If-None-Match": f'"{report.pdf_sha256}"'}
        ).status_code
        == 304
    )
    page = client.get("/jurisdictions/990000").get_data(as_text=True)
    assert TITLE in page and "/jurisdictions/990000/environment-reports/2025.pdf" in page


def test_a_published_report_never_changes_and_its_year_stays_locked(client, auth, ozone):
    office = _user("province_office")
    report = environment.create_report(_province(), 2025, actor=office)
    environment.save_report(
        report, actor=office, expected_version=report.lock_version, body="<p>正文</p>", doc_number=""
    )
    environment.start_compile(report, actor=office)
    environment.publish_report(report, actor=office)
    db.session.flush()
    published = report.pdf_sha256

    with pytest.raises(DomainError, match="已锁定"):
        target_services.record_value(ozone, actor="测试", year=2025, value=171.0, source="监测数据")
    with pytest.raises(DomainError, match="已公开"):
        environment.save_report(report, actor=office, expected_version=report.lock_version, body="x", doc_number="")
    with pytest.raises(DomainError, match="已公开"):
        environment.start_compile(report, actor=office)
    with pytest.raises(DomainError, match="已公开"):
        environment.publish_report(report, actor=office)
    savepoint = db.session.begin_nested()
    report.body = "<p>改写</p>"
    with pytest.raises(PublishedDataImmutable):
        db.session.flush()
    savepoint.rollback()

    auth.login("province_office")
    page = client.get(f"{BASE}/2025").get_data(as_text=True)
    assert "已公开" in page and "编辑正文和文号" not in page and "生成 PDF" not in page
    assert "以公开的 PDF 为准" in page  # the generated part below shows where the indicators stand now
    assert client.get(f"{BASE}/2025/edit").status_code == 302  # back to the report, with the reason
    assert db.session.get(EnvironmentReport, report.id).pdf_sha256 == published


def test_a_year_locked_before_stays_locked_once(ozone):
    office = _user("province_office")
    target_services.lock_year(_province(), 2025, actor=office)
    report = environment.create_report(_province(), 2025, actor=office)
    environment.start_compile(report, actor=office)
    environment.publish_report(report, actor=office)
    assert report.state == EnvironmentReportState.PUBLISHED
    assert target_services.locked_years(_province().id) >= {2025}


def test_who_may_read_and_who_may_write(client, auth, ozone):
    province, city = _province(), db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990100"))
    environment.create_report(province, 2025, actor=_user("province_office"))
    city_report = environment.create_report(city, 2025, actor=_user("jiangchuan_office"))
    with pytest.raises(environment.NotAllowed):
        environment.create_report(province, 2024, actor=_user("sthj_head"))
    with pytest.raises(environment.NotAllowed):
        environment.save_report(
            city_report,
            actor=_user("province_office"),
            expected_version=city_report.lock_version,
            body="",
            doc_number="",
        )
    db.session.flush()

    assert client.get(BASE).status_code == 302  # to the login page
    assert client.get("/jurisdictions/990000/environment-reports/2025.pdf").status_code == 404  # a draft

    auth.login("sthj_head")  # a department reads indicators, not the government's report
    for path in (BASE, f"{BASE}/2025", f"{BASE}/2025/edit", f"{BASE}/new"):
        assert client.get(path).status_code == 403, path
    auth.logout()

    auth.login("province_office")  # reads the city's, writes only its own
    city_base = "/manage/990100/environment-reports"
    assert client.get(f"{city_base}/2025").status_code == 200
    for path in (f"{city_base}/2025/edit", f"{city_base}/2025/publish", f"{city_base}/new"):
        assert client.get(path).status_code == 403, path
    assert _post(client, f"{city_base}/2025/compile", form_page=BASE).status_code == 403
    assert client.get(f"{BASE}/2026").status_code == 404  # no such report
    auth.logout()

    auth.login("jiangchuan_office")  # the office below never sees the province's
    assert client.get(f"{BASE}/2025").status_code == 403
    assert client.get(f"{city_base}/2025/edit").status_code == 200


def test_the_pdf_and_its_fingerprint_are_chinese_whatever_the_interface_language(client, auth, ozone, in_english):
    """An office working in English compiles and publishes: the official document is still Chinese
    (no English legend or 力争), and the compiled PDF counts as current for everybody, in any language,
    and for the job that compiles without a request."""
    province = _province()
    sthj = db.session.scalar(
        select(Department).where(Department.jurisdiction_id == province.id, Department.name == "省生态环境厅")
    )
    factories.indicator(
        province, sthj, name="测试指标：力争", unit="%", direction="higher", baseline=(2020, 80.0),
        target=(2025, 90.0), stretch=92.0, values={2025: 93.0},
    )  # fmt: skip
    auth.login("province_office")
    assert _post(client, f"{BASE}/new", {"year": "2025"}).status_code == 302
    report = environment.report_for(province.id, 2025)
    environment.start_compile(report, actor=_user("province_office"))  # the job: no request, Chinese
    db.session.flush()
    assert environment.is_current(report)
    page = client.get(f"{BASE}/2025").get_data(as_text=True)
    assert "Up to date" in page and "Out of date" not in page

    # Compiled within the English request (the tests run jobs at once): the same, in Chinese.
    assert _post(client, f"{BASE}/2025/compile", form_page=f"{BASE}/2025").status_code == 303
    db.session.refresh(report)
    assert environment.is_current(report)
    response = _post(client, f"{BASE}/2025/publish", {"confirm": "y"}, form_page=f"{BASE}/2025/publish")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(report)
    assert report.state == EnvironmentReportState.PUBLISHED
    text = _text(client.get("/jurisdictions/990000/environment-reports/2025.pdf").data)
    assert "≥90%（力争92）" in text and "实际值" in text and "力争值92" in text and "序时进度" in text
    for english in ("Actual", "stretch", "Stretch", "Target", "Expected"):
        assert english not in text, english


def test_a_report_created_or_a_year_locked_meanwhile_is_told_on_the_form(client, auth, ozone, monkeypatch):
    """Two offices' clicks at once: the second finds the row the first inserted only in the database's
    constraint (its check ran before the first committed). It is told why on the form, nothing kept."""
    auth.login("province_office")
    assert _post(client, f"{BASE}/new", {"year": "2025"}).status_code == 302
    monkeypatch.setattr(environment, "year_problems", lambda *_args: [])  # the check saw no report yet
    page = _post(client, f"{BASE}/new", {"year": "2025"}, form_page=f"{BASE}/new")
    assert page.status_code == 409 and "2025年度的报告已经存在" in page.get_data(as_text=True)
    assert [r.year for r in environment.reports_of(_province().id)].count(2025) == 1

    report = environment.report_for(_province().id, 2025)
    environment.start_compile(report, actor=_user("province_office"))
    target_services.lock_year(_province(), 2025, actor=_user("province_office"))
    db.session.flush()
    # The other office's lock committed after this publication checked that the year was open.
    monkeypatch.setattr(target_services, "is_locked", lambda *_args: False)
    page = _post(client, f"{BASE}/2025/publish", {"confirm": "y"}, form_page=f"{BASE}/2025/publish")
    assert page.status_code == 409 and "未公开" in page.get_data(as_text=True)
    db.session.expire_all()
    assert environment.report_for(_province().id, 2025).state == EnvironmentReportState.DRAFT


def test_publishing_holds_the_jurisdiction_before_it_checks_that_the_pdf_is_current(ozone, monkeypatch):
    """Recording a value takes the jurisdiction's row before it checks the year's lock; publishing takes
    it before it checks that the PDF shows the values as they are, so no value slips in between the
    check and the year's lock."""
    office = _user("province_office")
    report = environment.create_report(_province(), 2025, actor=office)
    environment.start_compile(report, actor=office)
    steps = []
    lock_row, is_current = environment.lock_row, environment.is_current
    monkeypatch.setattr(environment, "lock_row", lambda s, obj: (steps.append(type(obj).__name__), lock_row(s, obj))[1])
    monkeypatch.setattr(environment, "is_current", lambda r: (steps.append("check"), is_current(r))[1])
    environment.publish_report(report, actor=office)
    assert report.state == EnvironmentReportState.PUBLISHED
    assert "Jurisdiction" in steps and steps.index("Jurisdiction") < steps.index("check")


def test_recording_a_value_or_locking_the_year_holds_the_jurisdiction_before_it_checks_the_lock(ozone, monkeypatch):
    """The other side of publishing's hold: a value recorded while a publication is under way waits for
    it, then finds the year locked."""
    steps = []
    lock_row, is_locked = target_services.lock_row, target_services.is_locked
    monkeypatch.setattr(
        target_services, "lock_row", lambda s, obj: (steps.append(type(obj).__name__), lock_row(s, obj))[1]
    )
    monkeypatch.setattr(target_services, "is_locked", lambda j, y: (steps.append("check"), is_locked(j, y))[1])
    target_services.record_value(ozone, actor="测试", year=2025, value=151.0, source="监测数据")
    assert steps[:2] == ["Jurisdiction", "check"]
    steps.clear()
    target_services.lock_year(_province(), 2025, actor=_user("province_office"))
    assert steps[:2] == ["Jurisdiction", "check"]


def test_a_report_is_for_an_ended_year(app):
    """Publishing locks the year's values, and only an ended year can be locked: the report of the
    current year cannot even be started."""
    from registry.core.errors import DomainError
    from registry.core.timezone import local_today
    from registry.targets import environment

    province = factories.jurisdiction("961000", "province")
    office = factories.user("office_961", "office_admin", province)
    with pytest.raises(DomainError) as caught:
        environment.create_report(province, local_today().year, actor=office)
    assert caught.value.field == "year"
    assert environment.create_report(province, local_today().year - 1, actor=office).year == local_today().year - 1
