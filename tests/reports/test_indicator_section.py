"""The annual report's generated section 目标指标完成情况 (issue #19, item 4): the indicators the
department leads, with the report year's recorded values, statuses and charts, read-only, with the
department's own commentary; the published PDF keeps them as they were."""

import io
import re
from datetime import date

import pdfplumber
import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.reports import indicator_section, services
from registry.reports.completeness import completeness
from registry.reports.models import ReportState, SectionKind
from registry.targets import services as target_services
from registry.targets.models import IndicatorValue, TargetIndicator
from tests import factories
from tests.public.conftest import switch_language
from tests.reports.conftest import explain_empty_led_matters, post, user

OZONE = "测试指标：臭氧日最大8小时平均浓度"
FOREST = "测试指标：森林覆盖率"


@pytest.fixture
def in_english(client):
    """The interface in English for the test (and Chinese again after it: the app context is shared)."""
    switch_language(client, "en")
    yield
    switch_language(client, "zh")


def _kinds(report):
    return [s.kind for s in report.sections]


def _section(report):
    return next(s for s in report.sections if s.kind == SectionKind.INDICATORS)


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return re.sub(r"[\s草稿]+", "", "".join(p.extract_text() or "" for p in document.pages))


def _two_indicators(report):
    """Two indicators led by the report's department: one met in 2025, one behind the straight line."""
    j, department = report.cycle.jurisdiction, report.department
    ozone = factories.indicator(
        j,
        department,
        name=OZONE,
        unit="微克/立方米",
        baseline=(2020, 170.0),
        target=(2025, 160.0),
        values={2025: 150.5},
    )
    forest = factories.indicator(
        j,
        department,
        name=FOREST,
        unit="%",
        direction="higher",
        baseline=(2020, 40.0),
        target=(2027, 50.0),
        values={2025: 43.0},
    )  # 2025 on the straight line from 40 to 50: 40 + 5/7 × 10 = 47.1, and 43 is behind it
    return ozone, forest


def test_a_new_draft_gets_the_section_when_its_department_leads_an_indicator(demo):
    city = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990100"))
    leading = set(
        db.session.scalars(select(TargetIndicator.lead_department_id).where(TargetIndicator.jurisdiction_id == city.id))
    )
    cycle = services.open_cycle(city, year=2025, deadline=date(2026, 3, 31), actor=user("jiangchuan_office"))
    reports = list(cycle.reports)
    assert {r.department_id in leading for r in reports} == {True, False}  # some lead indicators, some do not
    for report in reports:
        kinds = _kinds(report)
        assert (SectionKind.INDICATORS in kinds) == (report.department_id in leading), report.department.name
        if SectionKind.INDICATORS in kinds:
            at = kinds.index(SectionKind.INDICATORS)
            assert kinds.count(SectionKind.INDICATORS) == 1
            assert all(k not in ("led_matter", "coop_matter", "complaints") for k in kinds[at + 1 :])
            # Before 存在的主要问题 and 下一年度工作计划 (after it only 整改任务落实情况, issue #18).
            assert [k for k in kinds[at + 1 :] if k != SectionKind.TASKS] == ["free", "free"]
            assert report.sections[at].title == "目标指标完成情况" and report.sections[at].body == ""


def test_an_older_draft_gets_it_once_when_opened_never_a_submitted_report(client, auth, reports):
    sthj = reports["省生态环境厅"]
    other = reports["省交通运输厅"]  # accepted in the demo: past drafting
    factories.indicator(
        sthj.cycle.jurisdiction,
        other.department,
        name="测试指标：绿色出行比例",
        unit="%",
        direction="higher",
        baseline=(2020, 60.0),
        target=(2025, 70.0),
    )
    if not any(s.kind == SectionKind.INDICATORS for s in sthj.sections):
        _two_indicators(sthj)
    db.session.delete(_section(sthj))  # as drafted before its department led an indicator
    db.session.flush()
    db.session.expire_all()
    assert SectionKind.INDICATORS not in _kinds(sthj)
    auth.login("sthj_editor")
    for _ in range(2):
        assert client.get(f"/reports/{sthj.id}").status_code == 200
    db.session.expire_all()
    kinds = _kinds(sthj)
    assert kinds.count(SectionKind.INDICATORS) == 1
    assert [s.position for s in sthj.sections] == list(range(len(sthj.sections)))
    assert [k for k in kinds if k != SectionKind.TASKS][-3:] == [SectionKind.INDICATORS, "free", "free"]
    assert kinds.index(SectionKind.INDICATORS) > kinds.index(SectionKind.COMPLAINTS)
    auth.logout()
    auth.login("province_office")
    assert other.state == ReportState.ACCEPTED
    assert client.get(f"/reports/{other.id}").status_code == 200
    db.session.expire_all()
    assert SectionKind.INDICATORS not in _kinds(other)
    assert indicator_section.ensure_section(other) is False


def test_a_department_leading_no_indicator_gets_no_section(reports):
    leading = indicator_section.leading_departments(reports["省生态环境厅"].cycle.jurisdiction_id)
    report = next(r for r in reports.values() if r.state == ReportState.DRAFT and r.department_id not in leading)
    assert indicator_section.ensure_section(report) is False
    assert SectionKind.INDICATORS not in _kinds(report)
    assert indicator_section.figures_of(report) is None


def test_the_figures_are_the_recorded_values_read_only_with_an_editable_commentary(client, auth, reports):
    sthj = reports["省生态环境厅"]
    ozone, forest = _two_indicators(sthj)
    indicator_section.ensure_section(sthj)
    db.session.flush()
    figures = {i["name"]: i for i in indicator_section.figures(sthj)["indicators"]}
    assert figures[OZONE]["value"] == "150.5" and figures[OZONE]["status_label"] == "已达标"
    assert figures[OZONE]["source"] == "监测数据" and figures[OZONE]["target"] == "≤160微克/立方米"
    assert figures[FOREST]["value"] == "43" and figures[FOREST]["status_label"] == "进度滞后"
    pdf_figures = {i["name"]: i for i in indicator_section.figures(sthj, pdf=True)["indicators"]}
    assert "<svg" in pdf_figures[OZONE]["chart"] and OZONE in pdf_figures[OZONE]["chart"]  # the PDF's chart
    section = _section(sthj)
    auth.login("sthj_editor")

    page = client.get(f"/reports/{sthj.id}").get_data(as_text=True)
    card = page[page.index(f'id="s{section.id}"') :]
    card = card[: card.index("</section>")]
    assert "目标指标完成情况" in card and OZONE in card and FOREST in card
    assert "150.5" in card and "已达标" in card and "进度滞后" in card
    # The same chart as an image (the page's CSP refuses inline SVG styles), up to the report's year.
    chart = f"/jurisdictions/{sthj.cycle.jurisdiction.code}/indicators/{ozone.id}/chart.svg?year={sthj.cycle.year}"
    assert f'src="{chart}"' in card
    assert client.get(chart).mimetype == "image/svg+xml"

    path = f"/reports/{sthj.id}/sections/{section.id}"
    editor = client.get(path).get_data(as_text=True)
    assert "不能修改" in editor and OZONE in editor and 'name="body"' in editor
    assert "150.5" in editor and 'name="value"' not in editor  # the figures are shown, never a field
    commentary = "臭氧浓度稳定达标；森林覆盖率进度滞后，已商林业部门加快造林。"
    data = {"lock_version": str(section.lock_version), "body": commentary, "value": "999", "indicators-0-name": "x"}
    response = post(client, path, data, form_page=path)
    assert response.status_code == 302
    db.session.refresh(section)
    assert commentary in section.body
    recorded = db.session.scalars(select(IndicatorValue.value).where(IndicatorValue.indicator_id == ozone.id))
    assert list(recorded) == [150.5]  # what the form sent besides the body changed nothing


def test_the_pdf_has_the_table_the_charts_and_the_commentary(client, auth, reports):
    sthj = reports["省生态环境厅"]
    _two_indicators(sthj)
    indicator_section.ensure_section(sthj)
    section = _section(sthj)
    services.save_section(
        section, actor=user("sthj_editor"), expected_version=None, fields={"body": "<p>本部门说明。</p>"}
    )
    auth.login("sthj_editor")
    pdf = client.get(f"/reports/{sthj.id}/preview.pdf")
    assert pdf.status_code == 200
    text = _text(pdf.data)
    chapter = text[text.index("目标指标完成情况") :]
    assert "已达标" in chapter and "进度滞后" in chapter and "150.5" in chapter
    assert re.sub(r"\s", "", OZONE) in chapter and re.sub(r"\s", "", FOREST) in chapter
    # The charts are drawn in the PDF as the SVG on the page: their legends are text.
    assert "目标值160" in chapter and "目标值50" in chapter and "序时进度" in chapter
    assert "本部门说明。" in chapter


def test_the_published_pdf_keeps_the_figures_as_published(client, reports):
    sthj = reports["省生态环境厅"]
    ozone, _forest = _two_indicators(sthj)
    indicator_section.ensure_section(sthj)
    explain_empty_led_matters(sthj)
    services.submit_report(sthj, actor=user("sthj_head"), doc_number="示环函〔2026〕9号")
    services.accept_report(sthj, actor=user("province_office"))
    services.publish_report(sthj, actor=user("sthj_head"))
    db.session.flush()
    published = client.get(f"/reports/published/{sthj.id}.pdf").data
    assert "150.5" in _text(published)

    target_services.record_value(ozone, actor="测试", year=2025, value=171.25, source="监测数据")
    db.session.flush()
    assert {i["name"]: i["value"] for i in indicator_section.figures(sthj)["indicators"]}[OZONE] == "171.25"
    again = client.get(f"/reports/published/{sthj.id}.pdf").data
    assert again == published  # the stored file, not a new rendering
    assert "150.5" in _text(again) and "171.25" not in _text(again)


def test_a_published_reports_page_shows_the_pdfs_figures_not_figures_computed_anew(client, auth, reports):
    """After publication a value is corrected: the report's page does not show the new figure as if
    the published report had it; it says the figures are the PDF's and links it."""
    sthj = reports["省生态环境厅"]
    ozone, _forest = _two_indicators(sthj)
    indicator_section.ensure_section(sthj)
    explain_empty_led_matters(sthj)
    services.submit_report(sthj, actor=user("sthj_head"), doc_number="示环函〔2026〕9号")
    services.accept_report(sthj, actor=user("province_office"))
    services.publish_report(sthj, actor=user("sthj_head"))
    target_services.record_value(ozone, actor="测试", year=2025, value=171.25, source="监测数据")
    db.session.flush()
    auth.login("sthj_editor")
    page = client.get(f"/reports/{sthj.id}").get_data(as_text=True)
    assert {SectionKind.INDICATORS, SectionKind.COMPLAINTS} <= {s.kind for s in sthj.sections}
    for section in sthj.sections:
        if section.kind not in (SectionKind.INDICATORS, SectionKind.COMPLAINTS):
            continue
        card = page[page.index(f'id="s{section.id}"') :]
        card = card[: card.index("</section>")]
        assert "以公开的 PDF 为准" in card and f'href="/reports/published/{sthj.id}.pdf"' in card, section.kind
        assert "171.25" not in card and "150.5" not in card, section.kind


def test_a_head_working_in_english_publishes_a_chinese_pdf(client, auth, reports, in_english):
    """The PDF is rendered within the head's request: its charts and targets are Chinese all the same."""
    sthj = reports["省生态环境厅"]
    _two_indicators(sthj)
    factories.indicator(
        sthj.cycle.jurisdiction, sthj.department, name="测试指标：力争", unit="%", direction="higher",
        baseline=(2020, 80.0), target=(2025, 90.0), stretch=92.0, values={2025: 93.0},
    )  # fmt: skip
    indicator_section.ensure_section(sthj)
    explain_empty_led_matters(sthj)
    services.submit_report(sthj, actor=user("sthj_head"), doc_number="示环函〔2026〕9号")
    services.accept_report(sthj, actor=user("province_office"))
    db.session.flush()
    auth.login("sthj_head")
    switch_language(client, "en")  # again: the steps above computed the shared app context's locale
    assert "Publish" in client.get(f"/reports/{sthj.id}/publish").get_data(as_text=True)
    response = post(client, f"/reports/{sthj.id}/publish", {"confirm": "y"}, form_page=f"/reports/{sthj.id}/publish")
    assert response.status_code == 302
    db.session.refresh(sthj)
    assert sthj.state == ReportState.PUBLISHED
    text = _text(client.get(f"/reports/published/{sthj.id}.pdf").data)
    assert "≥90%（力争92）" in text and "实际值" in text and "力争值92" in text and "目标值160" in text
    for english in ("Actual", "stretch", "Stretch", "Target", "Expected"):
        assert english not in text, english


def test_the_section_never_blocks_submission(reports):
    sthj = reports["省生态环境厅"]
    _two_indicators(sthj)
    indicator_section.ensure_section(sthj)
    explain_empty_led_matters(sthj)
    summary = completeness(sthj)
    assert not [s for s in summary.warnings if s.kind == SectionKind.INDICATORS]  # its figures are its content
    services.submit_report(sthj, actor=user("sthj_head"))
    assert sthj.state == ReportState.SUBMITTED
