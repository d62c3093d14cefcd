"""The public portal (issue #12, points 1, 8 and 9): downloads that say which version they are, one form
of department names, the home page's figures and overview, the numbered and printable list."""

import io
import re
from pathlib import Path
from urllib.parse import unquote

from openpyxl import load_workbook

from registry.extensions import db
from registry.imports.planning import plan_import
from registry.jurisdictions.queries import by_code
from tests.factories import second_city_version


def test_the_xlsx_says_which_version_it_is(client, second_version):
    city, matter, _, ecology, version = second_version
    response = client.get("/jurisdictions/990100/versions/2026年版/download.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    props = book.properties
    assert "2026年版" in props.title and city.name in props.title
    assert props.subject == "江政办发〔2026〕2号"
    assert "2026年版" in props.keywords and "2025-06-01" in props.keywords
    assert props.created is not None and props.created.date() == version.published_at.date()
    # The first sheet is still the list; the second explains it.
    assert book.sheetnames[0] != "说明" and book.sheetnames[1] == "说明"
    facts = {r[0]: r[1] for r in book["说明"].iter_rows(values_only=True) if r and r[0]}
    assert facts["地区"] == city.name and facts["版本"] == "2026年版"
    assert facts["文号"] == "江政办发〔2026〕2号" and facts["发布机关"] == "江川市人民政府办公室"
    assert facts["生效日期"] == "2025-06-01"
    assert unquote(facts["来源"]).endswith("/jurisdictions/990100/versions/2026年版")
    assert "顿号" in facts["配合部门"]
    rows = {r[2]: r for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert rows[matter.title][3] == ecology.name


def test_the_xlsx_source_is_the_configured_address_whatever_host_a_client_names(app, client, second_version):
    """The file is cached and served to everyone: a forged Host header must not become its 来源."""
    url = "/jurisdictions/990100/versions/2026年版/download.xlsx"
    app.config["SITE_URL"] = "https://sthj.example.gov.cn"
    try:
        forged = client.get(url, headers={"Host": "evil.example"})
        honest = client.get(url)
    finally:
        app.config["SITE_URL"] = ""
    for response in (forged, honest):
        book = load_workbook(io.BytesIO(response.data))
        facts = {r[0]: r[1] for r in book["说明"].iter_rows(values_only=True) if r and r[0]}
        assert unquote(facts["来源"]) == "https://sthj.example.gov.cn/jurisdictions/990100/versions/2026年版"


def test_the_csv_is_a_plain_table_that_imports_again(client, second_version):
    city, *_ = second_version
    response = client.get("/jurisdictions/990100/versions/2026年版/download.csv")
    assert "2026" in unquote(response.headers["Content-Disposition"].split("filename*=UTF-8''")[1])
    assert "2026年版" in unquote(response.headers["Content-Disposition"])
    text = response.data.decode("utf-8-sig")
    assert text.startswith("序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据,共同牵头部门,属地落实,完成时限\r\n")
    assert "说明" not in text and "江政办发" not in text
    plan = plan_import(by_code("990100"), response.data, "again.csv")
    assert plan.errors == [] and not plan.changes_anything


def _row_of(html: str, title: str) -> str:
    start = html.index(title)
    return html[start : html.index("</tr>", start)]


def test_a_row_names_lead_and_cooperating_departments_alike(client, auth, demo):
    from sqlalchemy import select

    from registry.extensions import db
    from registry.versions.models import ListVersion

    province = by_code("990000")
    version = db.session.scalar(select(ListVersion).where(ListVersion.jurisdiction_id == province.id))
    auth.login("province_office")
    # 清洁取暖与散煤治理: lead 省能源局, cooperating 省住房和城乡建设厅 (short name 省住房城乡建设厅).
    for url in (f"/manage/versions/{version.id}", "/manage/990000/matters?q=清洁取暖"):
        row = _row_of(client.get(url).get_data(as_text=True), "清洁取暖与散煤治理")
        assert "省住房和城乡建设厅" in row and "省住房城乡建设厅" not in row, url
    auth.logout()
    public = client.get("/jurisdictions/990000?category=大气").get_data(as_text=True)
    start = public.index("清洁取暖与散煤治理")
    item = public[start : public.index("</li>", start)]
    assert "省住房和城乡建设厅" in item and "省住房城乡建设厅" not in item


def test_home_has_a_search_box_figures_and_an_overview_of_who_published(client, demo):
    html = client.get("/").get_data(as_text=True)
    assert 'action="/search"' in html and 'id="home-q"' in html and 'name="q"' in html
    # The demo: 示例省 (64 matters, 3 pending), 江川市 and 云岭市 (6 each) in force; the centre publishes nothing here.
    figures = html[html.index('class="figures"') : html.index("</ul>", html.index('class="figures"'))]
    assert "<strong>3</strong>" in figures and "<strong>76</strong>" in figures
    assert 'href="/jurisdictions"' in figures and 'href="/search"' in figures
    assert 'class="coverage-node coverage-in_force depth-1"' in html
    assert 'class="coverage-node coverage-none depth-0"' in html and "不在本系统发布" in html
    assert 'href="/jurisdictions/990000"' in html and "<svg" in html


def _tile(html: str, code: str) -> str:
    start = html.index(f'id="j-{code}"')
    return html[start : html.index("</a>", start)]


def test_the_overview_follows_a_publication(client, demo):
    """The figures and the tree are cached under the publication token: a publication shows at once."""
    first = client.get("/")
    assert "2026年版" not in _tile(first.get_data(as_text=True), "990100")
    # The home page is kept like the other public pages: a visitor who has it is told it has not changed.
    assert client.get("/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    second_city_version(by_code("990100"))  # 江川市 publishes 2026年版, in force
    db.session.flush()
    after = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and "2026年版" in _tile(after.get_data(as_text=True), "990100")


def test_footer_names_operator_contact_and_the_filing_number(client, app, demo):
    html = client.get("/").get_data(as_text=True)
    for key in ("SITE_OPERATOR", "SITE_CONTACT", "SITE_ICP"):
        assert app.config[key] and app.config[key] in html
    app.config["SITE_ICP"] = "京ICP备12345678号"
    try:
        html = client.get("/jurisdictions").get_data(as_text=True)
    finally:
        app.config["SITE_ICP"] = "示ICP备00000000号（演示）"
    assert "京ICP备12345678号" in html and "主办单位" in html and "联系方式" in html


def test_the_central_level_explains_itself_and_points_to_the_provinces(client, demo):
    html = client.get("/jurisdictions/100000").get_data(as_text=True)
    assert "中央层面的生态环境保护责任清单不在本系统发布" in html
    assert 'href="/jurisdictions/990000"' in html


def test_a_version_as_a_numbered_printable_table(client, demo):
    html = client.get("/jurisdictions/990000").get_data(as_text=True)
    assert "/jurisdictions/990000/versions/2025%E5%B9%B4%E7%89%88/table" in html
    response = client.get("/jurisdictions/990000/versions/2025年版/table")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    head = html[html.index("<thead>") : html.index("</thead>")]
    assert [h for h in ("序号", "类别", "具体事项", "牵头部门", "配合部门", "依据") if h in head] == [
        "序号",
        "类别",
        "具体事项",
        "牵头部门",
        "配合部门",
        "依据",
    ]
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    assert body.count("<tr>") == 64
    assert re.findall(r'<td class="col-seq"[^>]*>(\d+)</td>', body) == [str(n) for n in range(1, 65)]
    row = _row_of(body, "清洁取暖与散煤治理")
    assert "省住房和城乡建设厅" in row and "省住房城乡建设厅" not in row
    assert "data-print" in html and "js/print.js" in html
    assert (
        client.get("/jurisdictions/990000/versions/2025年版/table?category=大气")
        .get_data(as_text=True)
        .count('<td class="col-seq">')
        < 64
    )
    assert client.get("/jurisdictions/990000/versions/没有/table").status_code == 404
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "site.css").read_text()
    assert "@media print" in css and "table-header-group" in css


def test_department_page_shows_when_its_reports_were_published(client, demo):
    from sqlalchemy import select

    from registry.extensions import db
    from registry.reports.models import AnnualReport, ReportState

    report = db.session.scalar(select(AnnualReport).where(AnnualReport.state == ReportState.PUBLISHED))
    html = client.get(f"/departments/{report.department_id}").get_data(as_text=True)
    assert "公开日期" in html
    from flask_babel import format_datetime

    assert format_datetime(report.published_at, "yyyy-MM-dd") in html


def test_public_comparison_shows_cooperating_changes_of_a_matter_whose_lead_changed(client, second_version):
    city, matter, old_lead, ecology, _ = second_version
    html = client.get("/jurisdictions/990100/compare?from=2025年版&to=2026年版").get_data(as_text=True)
    assert "配合部门调整" in html
    row = _row_of(html, 'class="changed-cooperating"')
    # The lead moved to the ecology department, which so stopped cooperating, and the old lead now cooperates.
    assert matter.title in row and old_lead.name in row and ecology.name in row
