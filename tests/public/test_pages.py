"""The public pages: what a visitor sees, that it is only ever published data, and HTTP caching."""

import io
import re
from contextlib import contextmanager
from datetime import date
from urllib.parse import quote

from openpyxl import load_workbook
from sqlalchemy import event, select

from registry.extensions import db
from registry.jurisdictions.queries import by_code
from registry.lists import services
from registry.lists.models import Matter
from registry.versions import services as version_services
from tests.factories import straw
from tests.public.conftest import switch_language


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


@contextmanager
def statements():
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_home_links_to_the_public_jurisdiction_pages(client, demo):
    html = page(client, "/")
    assert 'href="/jurisdictions/990000"' in html
    tree = page(client, "/jurisdictions")
    assert 'href="/jurisdictions/990100"' in tree and "已发布" in tree


def test_every_public_page_has_the_search_box(client, demo):
    for url in ["/", "/jurisdictions", "/jurisdictions/990000", "/search?q=扬尘", "/jurisdictions/990000/versions"]:
        html = page(client, url)
        assert re.search(r'<form class="search" method="get" action="/search" role="search">', html), url
        assert '<label for="nav-q"' in html


def test_jurisdiction_page_shows_the_version_in_force_and_filters(client, demo):
    html = page(client, "/jurisdictions/990000")
    for text in ("2025年版", "示政办发〔2025〕1号", "2025-01-01", "省生态环境厅", "共 64 项"):
        assert text in html, text
    assert 'href="/jurisdictions/990000?category=&amp;department=&amp;page=2"' not in html
    assert "page=2" in html  # 64 matters, 50 a page
    assert "共 64 项" in page(client, "/jurisdictions/990000?page=2")
    page(client, "/jurisdictions/990000?page=9", 404)
    air = page(client, "/jurisdictions/990000?category=大气")
    assert "建筑施工扬尘污染防治" in air and "危险废物环境监管" not in air
    agriculture = services.resolve_department(by_code("990000"), "省农业农村厅")
    led = page(client, f"/jurisdictions/990000?department={agriculture.id}")
    assert "秸秆" in led and "危险废物环境监管" not in led
    page(client, "/jurisdictions/123456", 404)
    page(client, "/jurisdictions/990000?department=abc", 404)


def test_department_page_lists_duties_matters_led_and_cooperated(client, demo):
    province = by_code("990000")
    ecology = services.resolve_department(province, "省生态环境厅")
    html = page(client, f"/departments/{ecology.id}")
    assert "<h1>示例省生态环境厅</h1>" in html or "省生态环境厅</h1>" in html
    assert "负责建立健全生态环境基本制度" in html
    assert "危险废物环境监管" in html.split('id="coop-heading"')[0]  # led by it
    cooperated = html.split('id="coop-heading"')[1]
    housing = services.resolve_department(province, "省住房城乡建设厅")
    assert "建筑施工扬尘污染防治" in cooperated and housing.name in cooperated  # with who leads
    assert "年度专题报告" in html
    page(client, "/departments/999999", 404)


def test_department_page_links_its_published_reports(client, demo):
    from registry.reports.models import AnnualReport, ReportState

    report = db.session.scalar(select(AnnualReport).where(AnnualReport.state == ReportState.PUBLISHED).limit(1))
    assert report is not None, "the demo publishes an annual report"
    html = page(client, f"/departments/{report.department_id}")
    assert report.title in html.split('id="reports-heading"')[1]
    assert f"/{report.id}" in html.split('id="reports-heading"')[1]


def test_matter_page_shows_lead_cooperating_basis_and_history(client, second_version):
    city, matter, old_lead, ecology, _ = second_version
    html = page(client, f"/matters/{matter.id}")
    assert f'href="/departments/{ecology.id}">{ecology.name}</a>' in html
    assert old_lead.name in html
    assert "落实秸秆禁烧网格化监管" in html
    assert "2026年版" in html and "2025年版" in html
    assert re.search(rf"牵头部门调整：{old_lead.name} → {ecology.name}", html)
    province_matter = page(client, "/jurisdictions/990000")
    first = re.search(r'href="/matters/(\d+)"', province_matter).group(1)
    assert "中华人民共和国" in page(client, f"/matters/{first}")  # the legal basis
    page(client, "/matters/99999999", 404)


def test_versions_and_comparison_make_lead_changes_stand_out(client, second_version):
    city, matter, old_lead, ecology, _ = second_version
    history = page(client, "/jurisdictions/990100/versions")
    assert "2026年版" in history and "现行" in history and "与上一版比较" in history
    html = page(client, "/jurisdictions/990100/compare?from=2025年版&to=2026年版")
    lead_section = html.split('id="lead-heading"')[1].split("</section>")[0]
    assert 'class="changed-lead"' in lead_section and matter.title in lead_section
    assert old_lead.name in lead_section and ecology.name in lead_section
    assert "牵头部门调整 1 项" in html
    old = page(client, "/jurisdictions/990100/versions/2025年版")
    assert "非现行版本" in old and "查看现行版本" in old
    page(client, "/jurisdictions/990100/compare?from=没有&to=2026年版", 404)


def test_downloads_of_any_published_version(client, second_version):
    city, matter, old_lead, ecology, _ = second_version
    response = client.get("/jurisdictions/990100/versions/2025年版/download.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    # Header values travel as Latin-1 (a raw Chinese name fails the response on a real server): the
    # name goes as RFC 5987 filename* with an ASCII fallback.
    disposition.encode("latin-1")
    assert disposition.startswith("attachment; filename=")
    assert "filename*=UTF-8''990100-" in disposition and quote("2025年版") in disposition
    text = response.data.decode("utf-8-sig")
    assert text.startswith("序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据")
    straw_row = next(line for line in text.splitlines() if matter.title in line)
    assert f",{old_lead.name}," in straw_row
    xlsx = client.get("/jurisdictions/990100/versions/2026年版/download.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = {r[2]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[matter.title][3] == ecology.name
    assert client.get("/jurisdictions/990100/versions/2025年版/download.pdf").status_code == 404


def test_search_page_finds_straw_and_shows_lead_and_version(client, demo):
    html = page(client, "/search?q=秸秆")
    assert "秸秆禁烧网格化巡查" in html and "江川市农业农村局" in html and "2025年版" in html
    results = html.split('class="matter-list"')[1]
    assert results.index("秸秆禁烧网格化巡查") < results.index("</ol>")
    scoped = page(client, "/search?q=秸秆&jurisdiction=990200")
    assert "云岭市" in scoped and "江川市农业农村局" not in scoped
    short = page(client, "/search?q=秸")
    assert "请输入至少两个字的关键词。" in short and 'aria-invalid="true"' in short
    nothing = page(client, "/search?q=火星基地")
    assert "没有找到" in nothing
    page(client, "/search?q=秸秆&jurisdiction=123456", 404)


def test_unpublished_edits_never_appear_publicly(client, demo):
    city = by_code("990100")
    matter = straw(city)
    published_title, published_lead = matter.title, matter.lead
    ecology = services.resolve_department(city, "江川市生态环境局")
    services.update_matter(
        matter,
        title="草稿：秸秆综合利用试点",
        category="大气",
        description="尚未发布的新内容",
        lead=ecology,
        actor="测试",
    )
    services.create_matter(city, title="草稿新增：露天烧烤油烟", category="大气", lead=ecology, actor="测试")
    db.session.flush()
    for url in ["/jurisdictions/990100", f"/matters/{matter.id}", f"/departments/{ecology.id}", "/search?q=秸秆"]:
        html = page(client, url)
        assert "草稿" not in html and "尚未发布的新内容" not in html, url
    assert published_title in page(client, f"/matters/{matter.id}")
    api = client.get(f"/api/v1/matters/{matter.id}").get_json()
    assert api["title"] == published_title and api["lead"]["id"] == published_lead.id
    listing = client.get("/api/v1/matters?jurisdiction=990100").get_data(as_text=True)
    assert "草稿" not in listing
    assert client.get("/api/v1/matters?q=草稿").get_json()["total"] == 0
    assert client.get("/api/v1/matters?q=烧烤").get_json()["total"] == 0
    assert "没有找到包含“草稿”的事项" in page(client, "/search?q=草稿")


def test_pages_revalidate_with_304(client, demo):
    first = client.get("/jurisdictions/990200")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert first.headers["Last-Modified"]
    # nginx in front (deploy/nginx.conf) keeps the page for seconds only, then revalidates it: a
    # publication shows through the proxy within seconds, while browsers keep it for max-age.
    assert first.headers["X-Accel-Expires"] == "5"
    again = client.get("/jurisdictions/990200", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data and again.headers["X-Accel-Expires"] == "5"
    other_page = client.get("/jurisdictions/990200?category=水", headers={"If-None-Match": etag})
    assert other_page.status_code == 200
    switch_language(client, "en")
    english = client.get("/jurisdictions/990200", headers={"If-None-Match": etag})
    assert english.status_code == 200 and english.headers["ETag"] != etag


def test_second_rendering_does_not_redo_the_database_work(client, demo):
    url = "/jurisdictions/990000?category=大气"
    client.get(url)
    db.session.expire_all()  # as in a fresh request: nothing already in the session's identity map
    with statements() as seen:
        response = client.get(url)
    assert response.status_code == 200
    assert len(seen) <= 3, seen  # the jurisdiction, its parent for the breadcrumbs, its versions
    assert not any("version_matters" in s or "version_departments" in s for s in seen)
    city = by_code("990100")
    matter_id = db.session.scalar(select(Matter.id).where(Matter.jurisdiction_id == city.id).limit(1))
    for url in [f"/matters/{matter_id}", "/jurisdictions/990100/versions/2025年版/download.xlsx"]:
        client.get(url)
        with statements() as seen:
            assert client.get(url).status_code == 200
        assert not any("version_matters" in s for s in seen), url


def test_a_new_version_in_force_is_shown_at_once_despite_the_cache(client, second_version):
    city, matter, old_lead, ecology, _ = second_version
    assert ecology.name in page(client, f"/matters/{matter.id}").split("<dd>")[1]
    from datetime import date

    services.update_matter(matter, title=matter.title, category="大气", description="", lead=old_lead, actor="测试")
    version_services.publish_version(
        city,
        label="2027年版",
        doc_number="江〔2027〕1号",
        effective_date=date(2025, 7, 1),
        publisher="江川市",
        actor="测试",
    )
    assert old_lead.name in page(client, f"/matters/{matter.id}").split("<dd>")[1]


def test_interface_switches_to_english_and_back(client, demo):
    switch_language(client, "en")
    html = page(client, "/jurisdictions/990000")
    assert '<html lang="en">' in html
    assert "Lead department" in html and "Departments" in html
    assert "示例省生态环境厅" in html or "省生态环境厅" in html  # data stays Chinese
    assert "Who is responsible?" in page(client, "/search?q=秸秆")
    switch_language(client, "zh")
    assert "职能部门" in page(client, "/jurisdictions/990000")


def test_search_page_and_api_agree(client, demo):
    html = page(client, "/search?q=黑臭水体")
    on_page = [int(i) for i in re.findall(r'<h2><a href="/matters/(\d+)">', html)]
    api = client.get("/api/v1/matters?q=黑臭水体").get_json()
    assert on_page and on_page == [m["id"] for m in api["items"]]
    for m in api["items"]:
        assert m["lead"]["name"] in html


def test_odd_queries_never_break_search(client, demo):
    for q in [
        '"秸秆"',
        "秸秆'",
        "AND OR",
        "NOT 秸秆",
        "NEAR(秸秆)",
        "秸*",
        "scope:j1",
        "\\\\",
        "秸秆 -- ;",
        "ＡＢ",
        "a" * 500,
    ]:
        assert client.get("/search", query_string={"q": q}).status_code == 200, q
        assert client.get("/api/v1/matters", query_string={"q": q}).status_code in (200, 400), q
    assert "秸秆禁烧网格化巡查" in page(client, "/search?q=" + '"秸秆"')


def test_a_matter_dropped_from_the_version_in_force_shows_as_last_published(client, demo):
    from sqlalchemy import select

    from registry.extensions import db
    from registry.jurisdictions.queries import by_code
    from registry.lists import services
    from registry.lists.models import Matter
    from registry.versions import services as version_services

    city = by_code("990200")
    matter = db.session.scalar(select(Matter).where(Matter.jurisdiction_id == city.id, Matter.title.contains("秸秆")))
    title, matter_id = matter.title, matter.id
    services.delete_matter(matter, actor="测试")
    version_services.publish_version(
        city, label="删减版", doc_number="云〔2026〕9号", effective_date=date(2025, 3, 1), publisher="云", actor="测试"
    )
    page = client.get(f"/matters/{matter_id}").get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page or title in page.split("<h1", 1)[1].split("</h1>", 1)[0]


def test_a_signed_in_visitor_gets_the_page_for_themselves_only(client, auth, demo):
    auth.login("sthj_editor")
    for _ in range(2):  # the first may carry the sign-in's flash message
        response = client.get("/jurisdictions/990200")
        assert "public" not in response.headers["Cache-Control"]
        assert "X-Accel-Expires" not in response.headers  # never kept by a shared cache


def test_a_page_that_sets_the_visitors_cookie_is_kept_by_no_shared_cache(client, demo):
    response = client.get("/jurisdictions/990200?lang=en")
    assert "session=" in response.headers.get("Set-Cookie", "")
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "X-Accel-Expires" not in response.headers
