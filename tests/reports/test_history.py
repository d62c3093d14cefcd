"""Year over year for the writer (§10–§11, issue #13 point 9): a led-matter section shows what the same
matter's section said in the department's previous report, found by the matter's stable id."""

from sqlalchemy import select

from registry.extensions import db
from registry.reports import history
from registry.reports.models import AnnualReport, ReportingCycle, ReportSection
from registry.versions.models import VersionMatter

SMOG = "重污染天气应急应对"  # 省生态环境厅 leads it; its 2024 report is published, 2025 is a draft
WATER = "饮用水水源地保护"  # another matter 省生态环境厅 leads


def _section(report: AnnualReport, title: str) -> ReportSection:
    return next(s for s in report.sections if s.title == title)


def _last_year_report(report: AnnualReport) -> AnnualReport:
    return db.session.scalar(
        select(AnnualReport)
        .join(ReportingCycle)
        .where(AnnualReport.department_id == report.department_id, ReportingCycle.year == report.cycle.year - 1)
    )


def test_last_years_section_is_found_by_the_matters_stable_id(ctx, reports):
    section = _section(reports["省生态环境厅"], SMOG)
    earlier = history.earlier_section(section)
    assert earlier is not None and earlier.report.cycle.year == 2024
    assert earlier.title == SMOG
    # Another list version, so another version matter: only the stable matter id is shared.
    assert earlier.version_matter_id != section.version_matter_id
    both = [earlier.version_matter_id, section.version_matter_id]
    matter_ids = db.session.scalars(select(VersionMatter.matter_id).where(VersionMatter.id.in_(both))).all()
    assert len(set(matter_ids)) == 1
    shown = history.section_plain(earlier)
    assert shown.published and shown.pdf_url == f"/reports/published/{earlier.report_id}.pdf"
    assert "2024年，本部门将「重污染天气应急应对」" in "".join(text for _label, text in shown.fields)
    assert [i["actual"] for i in shown.indicators] == ["29.1", "90.8", "5"]


def test_sections_without_an_earlier_one_show_nothing(reports):
    overview = _section(reports["省生态环境厅"], "总体情况")
    assert history.earlier_section(overview) is None  # not a led matter
    # 2024 is the demo's first cycle: its sections have nothing before them.
    last_year = _last_year_report(reports["省生态环境厅"])
    assert history.earlier_section(_section(last_year, SMOG)) is None


def test_the_editor_sees_last_years_section_on_the_report_and_the_editor_page(client, auth, reports):
    sthj = reports["省生态环境厅"]
    last_year = _last_year_report(sthj)
    section = _section(sthj, SMOG)
    auth.login("sthj_editor")
    for path in (f"/reports/{sthj.id}", f"/reports/{sthj.id}/sections/{section.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "2024年度报告中的本事项" in page, path
        assert '<details class="last-year">' in page  # collapsed until opened
        assert f"2024年，本部门将「{SMOG}」列入年度重点工作" in page
        assert f"/reports/published/{last_year.id}.pdf" in page


def test_the_editor_page_shows_only_the_same_matters_last_year(client, auth, reports):
    sthj = reports["省生态环境厅"]
    section = _section(sthj, WATER)
    auth.login("sthj_editor")
    page = client.get(f"/reports/{sthj.id}/sections/{section.id}").get_data(as_text=True)
    assert f"2024年，本部门将「{WATER}」" in page
    assert page.count("2024年，本部门将「") == 1  # not another matter's 2024 text
    assert f"「{SMOG}」列入年度重点工作" not in page
    # A section that is not a led matter has no last-year panel.
    overview = _section(sthj, "总体情况")
    page = client.get(f"/reports/{sthj.id}/sections/{overview.id}").get_data(as_text=True)
    assert "年度报告中的本事项" not in page


def test_an_unpublished_earlier_report_is_shown_only_to_those_who_may_read_it(client, auth, reports):
    from registry.reports import services
    from tests.reports.conftest import user

    zjt = reports["省住房和城乡建设厅"]  # submitted in 2025: copied to 省生态环境厅 (§11)
    last_year = _last_year_report(zjt)  # never started in 2024: a draft nobody was sent
    section = next(s for s in zjt.sections if s.kind == "led_matter")
    earlier = _section(last_year, section.title)
    services.save_section(
        earlier,
        actor=user("zjt_head"),
        expected_version=None,
        fields={"progress": "二〇二四年未报送的草稿内容", "measures": "", "problems": "", "plans": ""},
    )
    db.session.commit()
    auth.login("zjt_head")
    page = client.get(f"/reports/{zjt.id}").get_data(as_text=True)
    assert "二〇二四年未报送的草稿内容" in page and "2024年度报告中的本事项" in page
    auth.logout()
    auth.login("sthj_head")  # reads the 2025 report as its cc, never received the 2024 draft
    response = client.get(f"/reports/{zjt.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "二〇二四年未报送的草稿内容" not in page and "2024年度报告中的本事项" not in page
