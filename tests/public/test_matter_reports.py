"""A matter's public page shows what its lead department reported (§10–§11, issue #13 point 10), and a
department's page lists its published reports by year (point 9): published reports only, never a draft."""

from sqlalchemy import select

from registry.extensions import db
from registry.reports import services
from registry.reports.models import AnnualReport, ReportingCycle, ReportSection
from registry.versions.models import VersionMatter
from tests.reports.conftest import user

STRAW = "秸秆露天焚烧管控与综合利用"  # led by 省农业农村厅, whose 2024 and 2025 reports are published
SMOG = "重污染天气应急应对"  # led by 省生态环境厅: 2024 published, 2025 a draft


def _section(report: AnnualReport, title: str) -> ReportSection:
    return next(s for s in report.sections if s.title == title)


def _matter_id(section: ReportSection) -> int:
    return db.session.scalar(select(VersionMatter.matter_id).where(VersionMatter.id == section.version_matter_id))


def _report_of_year(report: AnnualReport, year: int) -> AnnualReport:
    return db.session.scalar(
        select(AnnualReport)
        .join(ReportingCycle)
        .where(
            AnnualReport.department_id == report.department_id,
            ReportingCycle.year == year,
            ReportingCycle.jurisdiction_id == report.cycle.jurisdiction_id,
        )
    )


def test_matter_page_shows_the_leads_published_section_and_its_pdf(client, reports):
    nync = reports["省农业农村厅"]
    matter_id = _matter_id(_section(nync, STRAW))
    page = client.get(f"/matters/{matter_id}").get_data(as_text=True)
    assert "牵头部门报告的工作情况" in page
    assert f"年内按照责任清单要求全面推进「{STRAW}」工作" in page  # the 2025 section's text
    assert f'href="/reports/published/{nync.id}.pdf"' in page
    assert "2025年度专题报告" in page and "93.6" in page  # the year and an indicator
    assert f"2024年，本部门将「{STRAW}」" not in page  # the earlier year is a link away
    assert f'href="/matters/{matter_id}/reports/2024"' in page


def test_an_earlier_years_section_has_its_own_page(client, reports):
    nync = reports["省农业农村厅"]
    matter_id = _matter_id(_section(nync, STRAW))
    last_year = _report_of_year(nync, 2024)
    response = client.get(f"/matters/{matter_id}/reports/2024")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"2024年，本部门将「{STRAW}」列入年度重点工作" in page
    assert f'href="/reports/published/{last_year.id}.pdf"' in page
    assert f'href="/matters/{matter_id}/reports/2025"' in page  # the other year
    assert "年内按照责任清单要求全面推进" not in page
    assert client.get(f"/matters/{matter_id}/reports/2023").status_code == 404
    assert client.get("/matters/987654/reports/2024").status_code == 404


def test_a_drafts_text_never_appears_publicly(client, reports):
    sthj = reports["省生态环境厅"]  # a draft in 2025
    section = _section(sthj, SMOG)
    services.save_section(
        section,
        actor=user("sthj_editor"),
        expected_version=None,
        fields={"progress": "草稿里尚未公开的进展说明", "measures": "", "problems": "", "plans": ""},
    )
    db.session.flush()
    matter_id = _matter_id(section)
    page = client.get(f"/matters/{matter_id}").get_data(as_text=True)
    assert "草稿里尚未公开的进展说明" not in page
    assert f"2024年，本部门将「{SMOG}」" in page  # what the public has: the 2024 published section
    assert client.get(f"/matters/{matter_id}/reports/2025").status_code == 404
    # An accepted report is not public either.
    jtt = reports["省交通运输厅"]
    jtt_matter = next(s for s in jtt.sections if s.kind == "led_matter" and s.progress)
    page = client.get(f"/matters/{_matter_id(jtt_matter)}").get_data(as_text=True)
    assert "牵头部门尚未公开涉及本事项的年度专题报告。" in page
    assert jtt_matter.title in page and "年内按照责任清单要求全面推进" not in page


def test_a_report_published_after_the_page_was_seen_shows_up(client, reports):
    jtt = reports["省交通运输厅"]  # accepted
    section = next(s for s in jtt.sections if s.kind == "led_matter" and s.progress)
    path = f"/matters/{_matter_id(section)}"
    before = client.get(path)
    assert "牵头部门尚未公开涉及本事项的年度专题报告。" in before.get_data(as_text=True)
    services.publish_report(jtt, actor=user("jtt_head"))
    db.session.commit()  # the view's commit: releases the test's savepoint
    after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # not a stale 304
    page = after.get_data(as_text=True)
    assert f"年内按照责任清单要求全面推进「{section.title}」工作" in page
    assert f'href="/reports/published/{jtt.id}.pdf"' in page


def test_department_page_lists_published_reports_by_year_newest_first(client, reports):
    nync = reports["省农业农村厅"]
    last_year = _report_of_year(nync, 2024)
    page = client.get(f"/departments/{nync.department_id}").get_data(as_text=True)
    assert page.index("2025年度") < page.index("2024年度")
    assert page.index(f"/reports/published/{nync.id}.pdf") < page.index(f"/reports/published/{last_year.id}.pdf")
    assert nync.title in page and last_year.title in page
    assert "公开日期" in page
    # A department whose only reports are unpublished lists none.
    jtt = reports["省交通运输厅"]
    assert "该部门尚未公开年度专题报告。" in client.get(f"/departments/{jtt.department_id}").get_data(as_text=True)
