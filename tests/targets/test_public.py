"""The indicators on public pages (issue #19): the jurisdiction's dashboard, the department's, one
indicator with its chart and table, the chart as an SVG image; and pages that change as soon as a
value is recorded or a year locked."""

import re

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department, Matter
from registry.lists.services import create_document, create_matter
from registry.public.models import SearchEntry
from registry.targets import services
from registry.targets.models import TargetIndicator
from tests import factories


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def place(app):
    """A province with no published list and three indicators: one met, one behind, one without data."""
    province = factories.jurisdiction("960000", "province", name="测试省")
    sthj = factories.department(province, "测试省生态环境厅")
    water = factories.department(province, "测试省水利厅", sector="水利")
    plan = create_document(
        province, title="测试省生态环境保护“十四五”规划", doc_number="测政发〔2021〕8号", actor="测试"
    )
    pm25 = factories.indicator(
        province, sthj, target=(2025, 28.0), stretch=25.0, values={2021: 34.0, 2022: 30.5, 2023: 27.0}, plan=plan
    )
    good_days = factories.indicator(
        province,
        sthj,
        name="空气质量优良天数比率",
        unit="%",
        direction="higher",
        baseline=(2020, 85.0),
        target=(2025, 91.5),
        values={2023: 85.5},
    )
    rivers = factories.indicator(
        province, water, name="地表水国控断面水质优良比例", unit="%", direction="higher", target=(2025, 90.0)
    )
    return province, sthj, water, pm25, good_days, rivers


def test_the_jurisdiction_page_shows_its_dashboard(client, place):
    province, _sthj, _water, pm25, good_days, rivers = place
    page = _text(client.get(f"/jurisdictions/{province.code}"))
    assert "生态环境保护目标指标" in page
    assert "共3项：已达标1项，进度滞后1项，无数据1项" in page
    cards = page.split('<li class="indicator-card ')[1:]
    assert len(cards) == 3
    assert f"/jurisdictions/{province.code}/indicators/{pm25.id}" in cards[0]
    assert "已达标" in cards[0] and "2023年：<strong>27</strong>微克/立方米" in cards[0]
    assert "≤28微克/立方米（力争25）（2025年）" in cards[0]
    assert "进度滞后" in cards[1] and "85.5" in cards[1]
    assert "无数据" in cards[2] and "尚无数据" in cards[2]
    assert "测试省水利厅" in cards[2]
    assert f"/jurisdictions/{province.code}/indicators/{rivers.id}/chart.svg?size=small" in cards[2]
    assert f'href="/jurisdictions/{province.code}/indicators"' in page


def test_a_jurisdiction_without_indicators_has_no_dashboard(client, place):
    other = factories.jurisdiction("970000", "province", name="无指标省")
    page = _text(client.get(f"/jurisdictions/{other.code}"))
    assert "生态环境保护目标指标" not in page and "indicator-card" not in page
    overview = _text(client.get(f"/jurisdictions/{other.code}/indicators"))
    assert "本地区尚未设定生态环境保护目标指标" in overview


def test_the_dashboard_page_lists_every_indicator_with_its_status(client, place):
    province, *_rest = place
    page = _text(client.get(f"/jurisdictions/{province.code}/indicators"))
    table = page.split('class="indicator-overview"')[1].split("</table>")[0]
    rows = table.split("<tr>")[2:]
    assert [re.search(r'<a href="[^"]+">([^<]+)</a>', r).group(1) for r in rows] == [
        "细颗粒物（PM2.5）平均浓度",
        "空气质量优良天数比率",
        "地表水国控断面水质优良比例",
    ]
    assert "已达标" in rows[0] and "达到力争目标" not in rows[0]
    assert "进度滞后" in rows[1] and "无数据" in rows[2]
    # No published list: the department has no public page, so it is named, not linked.
    assert "测试省生态环境厅</a>" not in table and "测试省生态环境厅" in table


def test_an_indicator_page_has_the_chart_the_table_and_the_facts(client, place):
    province, _sthj, _water, pm25, _good_days, _rivers = place
    services.lock_year(province, 2021, actor="测试")
    page = _text(client.get(f"/jurisdictions/{province.code}/indicators/{pm25.id}"))
    chart = f"/jurisdictions/{province.code}/indicators/{pm25.id}/chart.svg"
    assert f'<source media="(max-width: 600px)" srcset="{chart}?size=narrow">' in page
    img = re.search(r'<img class="indicator-chart" src="([^"]+)" alt="([^"]+)"', page)
    assert img.group(1) == chart
    assert "细颗粒物（PM2.5）平均浓度" in img.group(2) and "表格" in img.group(2)
    assert "《测试省生态环境保护“十四五”规划》（测政发〔2021〕8号）" in page
    assert "≤28微克/立方米（力争25）（2025年）" in page and "约束性" in page and "越低越好" in page
    table = page.split('class="indicator-values"')[1].split("</table>")[0]
    rows = {
        int(m.group(1)): m.group(0) for m in re.finditer(r"<tr>\s*<th scope=\"row\">(\d{4})年.*?</tr>", table, re.S)
    }
    assert sorted(rows) == [2020, 2021, 2022, 2023, 2024, 2025]
    assert "基准年" in rows[2020] and "35" in rows[2020]
    assert "已达标" in rows[2023] and "达到力争目标" not in rows[2023]
    assert "符合序时进度" in rows[2022] and "监测数据" in rows[2022]
    assert "无数据" in rows[2024]
    # 2021 is locked: final; 2022 and 2023 are not yet: 初步数据.
    assert "初步数据" not in rows[2021] and "进度滞后" in rows[2021]
    assert "初步数据" in rows[2022] and "初步数据" in rows[2023]
    assert table.index("2025年") < table.index("2020年")  # newest first


def test_an_indicator_of_another_place_or_none_is_not_found(client, place):
    province, _sthj, _water, pm25, *_ = place
    other = factories.jurisdiction("970000", "province")
    assert client.get(f"/jurisdictions/{other.code}/indicators/{pm25.id}").status_code == 404
    assert client.get(f"/jurisdictions/{other.code}/indicators/{pm25.id}/chart.svg").status_code == 404
    assert client.get(f"/jurisdictions/{province.code}/indicators/999999").status_code == 404
    assert client.get("/jurisdictions/000001/indicators").status_code == 404
    assert client.get(f"/jurisdictions/{province.code}/indicators/{pm25.id}/chart.svg?size=huge").status_code == 404


def test_the_chart_is_an_svg_image_under_its_own_policy_and_cached(client, place):
    province, _sthj, _water, pm25, *_ = place
    url = f"/jurisdictions/{province.code}/indicators/{pm25.id}/chart.svg"
    wide = client.get(url)
    assert wide.status_code == 200 and wide.mimetype == "image/svg+xml"
    assert wide.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in wide.headers["Content-Security-Policy"]
    svg = wide.get_data(as_text=True)
    assert "<script" not in svg and 'viewBox="0 0 760 360"' in re.search(r"<svg[^>]*>", svg).group(0)
    assert "<title>细颗粒物（PM2.5）平均浓度（微克/立方米）</title>" in svg
    assert "目标值 28" in svg and "力争值 25" in svg
    narrow = client.get(url + "?size=narrow").get_data(as_text=True)
    assert 'viewBox="0 0 400 300"' in re.search(r"<svg[^>]*>", narrow).group(0)
    small = client.get(url + "?size=small").get_data(as_text=True)
    assert 'viewBox="0 0 360 260"' in re.search(r"<svg[^>]*>", small).group(0)
    again = client.get(url, headers={"If-None-Match": wide.headers["ETag"]})
    assert again.status_code == 304


def test_a_reports_chart_leaves_out_the_years_after_the_report(client, place):
    """A 2022 report's chart (and its image on the report's pages) shows no value recorded for 2023."""
    from registry.reports.indicator_section import indicator_figures
    from registry.targets.queries import indicator

    province, _sthj, _water, pm25, *_ = place
    url = f"/jurisdictions/{province.code}/indicators/{pm25.id}/chart.svg"
    assert "2023年：27" in client.get(url).get_data(as_text=True)
    image = client.get(url + "?year=2022").get_data(as_text=True)
    assert "2022年：30.5" in image and "2023年：27" not in image
    assert client.get(url + "?year=20x2").status_code == 404
    pdf_chart = indicator_figures(indicator(pm25.id), 2022)["chart"]
    assert "2022年：30.5" in pdf_chart and "2023年：27" not in pdf_chart


def test_recording_a_value_or_locking_a_year_changes_the_public_pages_and_the_api(client, place):
    province, _sthj, _water, pm25, *_ = place
    urls = [
        f"/jurisdictions/{province.code}",
        f"/jurisdictions/{province.code}/indicators",
        f"/jurisdictions/{province.code}/indicators/{pm25.id}",
        f"/jurisdictions/{province.code}/indicators/{pm25.id}/chart.svg",
        f"/api/v1/indicators/{pm25.id}",
        f"/api/v1/indicators?jurisdiction={province.code}",
    ]
    before = {url: client.get(url) for url in urls}
    for url, response in before.items():
        assert response.status_code == 200, url
        assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304, url

    services.record_value(pm25, actor="测试", year=2024, value=26.4, source="统计公报")
    after = {}
    for url, response in before.items():
        fresh = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert fresh.status_code == 200, url
        assert fresh.headers["ETag"] != response.headers["ETag"], url
        after[url] = fresh
    assert "26.4" in after[f"/jurisdictions/{province.code}"].get_data(as_text=True)
    page = after[f"/jurisdictions/{province.code}/indicators/{pm25.id}"].get_data(as_text=True)
    row_2024 = page.split('<th scope="row">2024年</th>')[1].split("</tr>")[0]
    assert "统计公报" in row_2024 and "已达标" in row_2024 and "达到力争目标" not in row_2024
    assert "26.4" in after[f"/jurisdictions/{province.code}/indicators/{pm25.id}/chart.svg"].get_data(as_text=True)
    api = after[f"/api/v1/indicators/{pm25.id}"].get_json()
    assert api["values"][-1] == {
        "year": 2024,
        "value": 26.4,
        "source": "统计公报",
        "locked": False,
        "status": "met",
        "stretch_met": False,
        "expected": pytest.approx(29.4),
    }
    assert after[f"/api/v1/indicators?jurisdiction={province.code}"].get_json()["items"][0]["latest"]["year"] == 2024

    # A correction of the same year (same count of values) changes them again.
    services.record_value(pm25, actor="测试", year=2024, value=24.8, source="统计公报")
    page_url = f"/jurisdictions/{province.code}/indicators/{pm25.id}"
    corrected = client.get(page_url, headers={"If-None-Match": after[page_url].headers["ETag"]})
    assert corrected.status_code == 200 and "24.8" in corrected.get_data(as_text=True)

    services.lock_year(province, 2024, actor="测试")
    locked = client.get(page_url, headers={"If-None-Match": corrected.headers["ETag"]})
    assert locked.status_code == 200
    row = locked.get_data(as_text=True).split('<th scope="row">2024年</th>')[1].split("</tr>")[0]
    assert "初步数据" not in row
    api = client.get(f"/api/v1/indicators/{pm25.id}").get_json()
    assert api["values"][-1]["locked"] is True


def test_another_process_sees_a_recorded_value_through_the_publication_token(client, place, monkeypatch):
    """Another worker learns of a value from the token (the watched tables' aggregates), not from its own
    flush: keep this process's generation still and the token must still move."""
    from registry.public import cache

    province, _sthj, _water, pm25, *_ = place
    url = f"/jurisdictions/{province.code}/indicators/{pm25.id}"
    first = client.get(url)
    monkeypatch.setattr(cache, "invalidate", lambda: None)
    monkeypatch.setattr(cache, "TOKEN_TTL", 0.0)
    token = cache.publication_token()
    services.record_value(pm25, actor="测试", year=2023, value=26.0, source="监测数据")  # a correction
    assert cache.publication_token() != token
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert re.search(r'<th scope="row">2023年</th>\s*<td class="num">26 ', again.get_data(as_text=True))


@pytest.fixture
def published_place(demo):
    """The demo's province (a published list in force) with an indicator of 省生态环境厅 tied to a matter
    in force and to one only in the working list."""
    province = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990000"))
    sthj = db.session.scalar(
        select(Department).where(Department.jurisdiction_id == province.id, Department.name == "省生态环境厅")
    )
    in_force = db.session.get(
        Matter, db.session.scalar(select(SearchEntry.matter_id).where(SearchEntry.jurisdiction_id == province.id))
    )
    draft = create_matter(province, title="尚未发布的测试事项", category="大气污染防治", lead=sthj, actor="测试")
    # The demo locks 2021–2024: this indicator starts in 2024.
    made = factories.indicator(
        province,
        sthj,
        name="测试公开页指标",
        baseline=(2024, 40.0),
        target=(2030, 28.0),
        values={2025: 37.0},
        matters=[in_force, draft],
    )
    return province, sthj, made, in_force, draft


def test_links_go_only_to_published_pages(client, published_place):
    province, sthj, made, in_force, draft = published_place
    page = _text(client.get(f"/jurisdictions/{province.code}/indicators/{made.id}"))
    facts = page.split('<dl class="facts">')[1].split("</dl>")[0]
    assert f'<a href="/departments/{sthj.id}">省生态环境厅</a>' in facts
    assert f'<a href="/matters/{in_force.id}">' in facts
    # A matter only on the working list is not public: neither linked nor named.
    assert "尚未发布的测试事项" not in page and f"/matters/{draft.id}" not in page
    api = client.get(f"/api/v1/indicators/{made.id}").get_json()
    assert [m["id"] for m in api["matters"]] == [in_force.id]
    assert api["lead_department"] == {"id": sthj.id, "name": "省生态环境厅", "published": True}


def test_the_department_page_shows_the_indicators_it_leads(client, published_place):
    province, sthj, made, *_ = published_place
    led = db.session.scalar(select(func.count(TargetIndicator.id)).where(TargetIndicator.lead_department_id == sthj.id))
    url = f"/departments/{sthj.id}"
    first = client.get(url)
    page = _text(first)
    section = page.split('aria-labelledby="dept-indicators-heading"')[1].split("</section>")[0]
    assert f"牵头的目标指标（{led} 项）" in section
    card = section.split(f'<a href="/jurisdictions/{province.code}/indicators/{made.id}">')[1].split("</li>")[0]
    assert "符合序时进度" in card
    services.record_value(made, actor="测试", year=2026, value=39.5, source="监测数据")
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    card = _text(again).split(f'<a href="/jurisdictions/{province.code}/indicators/{made.id}">')[1].split("</li>")[0]
    assert "进度滞后" in card and "2026年" in card
    leading = select(TargetIndicator.lead_department_id)
    idle = db.session.scalar(
        select(Department).where(
            Department.jurisdiction_id == province.id, Department.id.not_in(leading), Department.name.like("省%")
        )
    )
    assert "dept-indicators-heading" not in _text(client.get(f"/departments/{idle.id}"))


def test_the_dashboard_speaks_english_when_asked(client, place):
    from tests.public.conftest import switch_language

    province, *_ = place
    switch_language(client, "en")
    try:
        page = _text(client.get(f"/jurisdictions/{province.code}"))
        section = page.split('class="indicator-dashboard"')[1].split("</section>")[0]
        assert "Environmental target indicators" in section
        assert "3 in all: Met: 1, Behind schedule: 1, No data: 1" in section
        for chinese in ("已达标", "进度滞后", "无数据", "目标", "牵头部门"):
            assert chinese not in section, chinese
    finally:
        switch_language(client, "zh")


def test_an_indicator_page_runs_to_the_new_year_once_it_comes(client, place, monkeypatch):
    """The table runs to this year: on New Year's Day the page (kept in the cache under its state) shows
    the new year's row, 无数据 until a value is recorded."""
    from datetime import date

    import registry.public.queries.targets as public_targets

    province, sthj, *_ = place
    made = factories.indicator(province, sthj, name="测试新年指标", baseline=(2024, 40.0), target=(2030, 28.0))
    url = f"/jurisdictions/{province.code}/indicators/{made.id}"

    def years_on(day: date) -> list[int]:
        monkeypatch.setattr(public_targets, "local_today", lambda: day)
        table = _text(client.get(url)).split('class="indicator-values"')[1].split("</table>")[0]
        return sorted(int(y) for y in re.findall(r'<th scope="row">(\d{4})年', table))

    assert years_on(date(2026, 12, 31)) == [2024, 2025, 2026]
    assert years_on(date(2027, 1, 1)) == [2024, 2025, 2026, 2027]


def test_every_chart_image_carries_the_one_svg_policy(client, place):
    from registry.core.charts import SVG_POLICY

    province, _sthj, _water, pm25, *_ = place
    response = client.get(f"/jurisdictions/{province.code}/indicators/{pm25.id}/chart.svg")
    policy = {
        k: v for k, v in (d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";"))
    }
    assert policy == SVG_POLICY


def test_the_stretch_of_a_target_speaks_the_interface_language(client, place):
    from tests.public.conftest import switch_language

    province, _sthj, _water, pm25, *_ = place
    switch_language(client, "en")
    try:
        page = _text(client.get(f"/jurisdictions/{province.code}/indicators/{pm25.id}"))
        assert "≤28微克/立方米 (stretch 25)" in page and "力争" not in page
    finally:
        switch_language(client, "zh")
