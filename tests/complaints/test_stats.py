"""Accountability in numbers: the figures per jurisdiction, department and matter, the public pages and
their charts (server-rendered SVG, offline, readable, with the same numbers in a table)."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from registry.complaints import stats
from registry.complaints.models import Complaint, ComplaintState, EventKind, Rating
from registry.complaints.services import add_event
from registry.core.timezone import local_today
from registry.extensions import db
from tests import factories

PRIVATE = ("村口有人露天焚烧秸秆", "村口晒场", "张三", "13800000000", "zs@example.com")


def at(day: date, hour: int = 2) -> datetime:
    """A stored time on a local day (02:00 UTC is 10:00 in Beijing)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def make(department, *, received: date, matter=(None, ""), **state):
    """A complaint received on `received`, about `matter` (id, title), moved into `state` directly:
    accepted=True / transferred=True add those timeline steps; the other keys set columns."""
    made = factories.complaint(department, received=received, contact={"name": "张三", "phone": "13800000000"})
    made.received_at = at(received)
    made.matter_id, made.matter_title = matter
    if state.pop("accepted", False):
        add_event(made, EventKind.ACCEPTED, "测试")
    if state.pop("transferred", False):
        add_event(made, EventKind.TRANSFERRED, "测试", text="不属本部门职责")
    for name, value in state.items():
        setattr(made, name, value)
    db.session.flush()
    return made


@pytest.fixture
def place(app):
    """A province with a city; the province's ecology and agriculture departments, the city's ecology."""
    province = factories.jurisdiction("960000", "province", name="统计测试省")
    city = factories.jurisdiction("960100", "city", parent=province, name="统计测试市")
    ecology = factories.department(province, "统计测试省生态环境厅")
    farming = factories.department(province, "统计测试省农业农村厅", sector="农业农村")
    city_ecology = factories.department(city, "统计测试市生态环境局")
    return province, city, ecology, farming, city_ecology


@pytest.fixture
def handled(place):
    """Six complaints of the province in 2026 (one each way) and one of the city in 2025."""
    province, city, ecology, farming, city_ecology = place
    today = local_today()
    straw, water = (101, "秸秆禁烧"), (102, "饮用水水源保护")
    long_ago = date(2026, 3, 2)
    c = {
        # new, its 受理 decision due long ago: open and overdue
        "late_open": make(ecology, received=long_ago, matter=straw, accept_due=date(2026, 3, 4)),
        # new, not yet due
        "fresh": make(ecology, received=long_ago, matter=straw, accept_due=today + timedelta(days=30)),
        # accepted, answered by its reply deadline, rated 满意
        "on_time": make(
            ecology,
            received=long_ago,
            matter=straw,
            accepted=True,
            state=ComplaintState.ANSWERED,
            reply_due=date(2026, 3, 20),
            answered_at=at(date(2026, 3, 20), 15),  # 23:00 in Beijing, still the 20th
            rating=Rating.SATISFIED,
        ),
        # accepted, answered after its deadline, rated 不满意
        "late_answer": make(
            ecology,
            received=long_ago,
            matter=water,
            accepted=True,
            state=ComplaintState.ANSWERED,
            reply_due=date(2026, 3, 20),
            answered_at=at(date(2026, 3, 20), 16),  # 00:00 on the 21st in Beijing: late
            rating=Rating.UNSATISFIED,
        ),
        # transferred to agriculture, which refused it by its 受理 deadline
        "refused": make(
            farming,
            received=date(2026, 5, 6),
            matter=water,
            transferred=True,
            state=ComplaintState.REJECTED,
            accept_due=date(2026, 5, 8),
            answered_at=at(date(2026, 5, 8)),
        ),
    }
    # accepted, its reply overdue, a repeat of the one answered on time
    c["repeat"] = make(
        farming,
        received=date(2026, 5, 6),
        matter=straw,
        accepted=True,
        state=ComplaintState.ACCEPTED,
        reply_due=date(2026, 5, 20),
        repeat_of_id=c["on_time"].id,
    )
    c["city"] = make(city_ecology, received=date(2025, 7, 1))
    return place, c


def test_the_figures_count_every_way_a_complaint_went(handled):
    (province, city, ecology, farming, _), _c = handled
    figures = stats.figures(jurisdiction_ids=[province.id], year=2026)
    t = figures.totals
    assert (t.received, t.accepted, t.transferred) == (6, 3, 1)
    assert (t.answered, t.rejected) == (2, 1)
    # on time: the reply on its last day (23:00 Beijing) and the refusal; late: the reply at 00:00 after
    assert (t.on_time, t.closed_late, t.closed) == (2, 1, 3)
    assert t.on_time_rate == pytest.approx(2 / 3)
    # overdue: the open one past its 受理 deadline, the accepted one past its reply deadline, the late reply
    assert (t.open_overdue, t.overdue) == (2, 3)
    assert (t.repeat, t.rated, t.satisfied) == (1, 2, 1)
    assert t.satisfaction_rate == 0.5

    by_department = {g.name: g.counts for g in figures.by_department}
    assert list(by_department) == ["统计测试省生态环境厅", "统计测试省农业农村厅"]  # most received first
    assert by_department["统计测试省农业农村厅"].transferred == 1
    assert by_department["统计测试省农业农村厅"].open_overdue == 1
    by_matter = {g.name: g.counts.received for g in figures.by_matter}
    assert by_matter == {"秸秆禁烧": 4, "饮用水水源保护": 2}
    assert figures.by_period[2] == (3, 4) and figures.by_period[4] == (5, 2)  # March 4, May 2
    assert sum(n for _m, n in figures.by_period) == 6 and len(figures.by_period) == 12


def test_a_year_is_the_local_year_and_all_time_adds_up(handled):
    (province, city, ecology, *_), _c = handled
    # received at 17:00 UTC on 31 December 2025: already 1 January 2026 in Beijing
    new_year = make(ecology, received=date(2025, 12, 31))
    new_year.received_at = datetime(2025, 12, 31, 17, tzinfo=UTC)
    db.session.flush()
    assert stats.figures(jurisdiction_ids=[province.id], year=2026).totals.received == 7
    assert stats.figures(jurisdiction_ids=[province.id], year=2025).totals.received == 0
    everything = stats.figures()
    assert everything.totals.received == 8
    assert everything.by_jurisdiction[city.id].received == 1
    assert everything.by_jurisdiction[province.id].received == 7
    assert dict(stats.figures(jurisdiction_ids=[province.id, city.id]).by_period) == {2025: 1, 2026: 7}


def test_figures_read_columns_never_complaints(handled):
    (province, *_), _c = handled
    db.session.expunge_all()
    figures = stats.figures(jurisdiction_ids=[province.id])
    assert figures.totals.received == 6
    assert not [o for o in db.session.identity_map.values() if isinstance(o, Complaint)]


def test_the_index_lists_every_province_and_city_with_its_figures(client, handled):
    (province, city, *_), _c = handled
    page = client.get("/complaints/stats")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/complaints/stats/960000"' in html and 'href="/complaints/stats/960100"' in html
    row = re.search(r"统计测试省</a>.*?</tr>", html, re.S).group(0)
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[:4] == ["6", "3", "1", "2"]
    assert "/api/v1/complaints/stats" in html
    in_2025 = client.get("/complaints/stats?year=2025").get_data(as_text=True)
    row = re.search(r"统计测试省</a>.*?</tr>", in_2025, re.S).group(0)
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[0] == "0"
    assert '<option value="2025" selected>' in in_2025


def test_a_jurisdiction_page_shows_totals_tables_and_charts(client, handled):
    (province, city, ecology, farming, _), _c = handled
    html = client.get("/complaints/stats/960000?year=2026").get_data(as_text=True)
    assert "统计测试省公众举报办理情况" in html
    assert "66.7%" in html and "50.0%" in html  # on time, satisfied
    for kind in ("received", "on_time", "satisfaction"):
        assert f"/complaints/stats/960000/chart.svg?kind={kind}&amp;year=2026" in html
    # the charts' numbers, in tables next to them: March's 4, the departments' rows
    assert re.search(r"<th scope=\"row\">3月</th><td class=\"num\">4</td>", html)
    assert "统计测试省农业农村厅" in html and "秸秆禁烧" in html and "饮用水水源保护" in html
    for text in PRIVATE:
        assert text not in html
    # one department
    one = client.get(f"/complaints/stats/960000?department={farming.id}").get_data(as_text=True)
    assert "统计测试省农业农村厅公众举报办理情况" in one
    assert f'<option value="{farming.id}" selected>' in one
    assert re.search(r"<strong>2</strong>收到举报", one)


def test_empty_unknown_and_bad_arguments(client, place):
    province, city, *_ = place
    empty = client.get("/complaints/stats/960100")
    assert empty.status_code == 200
    html = empty.get_data(as_text=True)
    assert "尚未收到公众举报" in html and "chart.svg" not in html
    assert "2024年没有收到公众举报" in client.get("/complaints/stats/960100?year=2024").get_data(as_text=True)
    for url in (
        "/complaints/stats/123456",
        "/complaints/stats?year=abc",
        "/complaints/stats/960000?year=1999",
        "/complaints/stats/960000?year=" + "9" * 400,
        "/complaints/stats/960000?department=abc",
        "/complaints/stats/960000/chart.svg?kind=pie",
    ):
        assert client.get(url).status_code == 404, url
    other = factories.department(city, "统计测试市农业农村局", sector="农业农村")
    assert client.get(f"/complaints/stats/960000?department={other.id}").status_code == 404


def test_a_chart_is_a_self_contained_svg_with_its_own_policy(client, handled):
    response = client.get("/complaints/stats/960000/chart.svg?kind=on_time&year=2026")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert "<script" not in svg and "<!--" not in svg
    # nothing fetched from elsewhere: no link, image, font or stylesheet URL (only XML namespaces)
    assert not re.findall(r"(?:href|src)\s*=|url\(|@import", svg)
    assert set(re.findall(r"https?://[^\"' )]+", svg)) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "Noto Sans CJK SC" in svg  # the site's CJK font
    assert "<title>统计测试省2026年公众举报按期办结情况</title>" in svg
    assert "统计测试省农业农村厅：按期办结1件，超期办结0件，超期未办结1件" in svg  # its <desc>
    for label in ("按期办结", "超期办结", "超期未办结"):  # named in the legend, not by colour alone
        assert f">{label}<" in svg
    # the chart's inline styles are allowed for it alone; the pages keep the strict policy
    assert "style-src 'unsafe-inline'" in response.headers["Content-Security-Policy"]
    page = client.get("/complaints/stats/960000")
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    received = client.get("/complaints/stats/960000/chart.svg?year=2026").get_data(as_text=True)
    assert ">3月<" in received and "3月：4件" in received


def test_pages_are_cached_briefly_and_change_with_the_complaints(client, handled):
    (province, city, ecology, *_), c = handled
    first = client.get("/complaints/stats/960000")
    assert first.headers["Cache-Control"] == "public, max-age=60"
    etag = first.headers["ETag"]
    assert client.get("/complaints/stats/960000", headers={"If-None-Match": etag}).status_code == 304
    add_event(c["fresh"], EventKind.ACCEPTED, "测试")
    c["fresh"].state = ComplaintState.ACCEPTED
    db.session.flush()
    again = client.get("/complaints/stats/960000", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert re.search(r"<strong>4</strong>受理", again.get_data(as_text=True))
