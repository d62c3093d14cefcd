"""The 工作台: where each role starts after login, with its own figures, each linking to its list."""

import re
from datetime import date

import pytest

from registry.extensions import db
from registry.lists.models import Matter
from registry.reports import queries as report_queries
from tests.lists.conftest import department, jurisdiction, matter


def city_matters(city) -> list[Matter]:
    return list(db.session.scalars(db.select(Matter).where(Matter.jurisdiction_id == city.id)))


def _stat(page: str, href: str) -> str:
    """The figure of the stat that links to href (the count a user reads on the 工作台)."""
    match = re.search(r'href="' + re.escape(href) + r'">\s*(?:<span[^>]*>[^<]*</span>)?<strong>([^<]+)</strong>', page)
    assert match, f"no figure linking to {href}"
    return match.group(1)


@pytest.mark.parametrize(
    "username", ["admin", "province_office", "jiangchuan_office", "sthj_head", "sthj_editor", "nync_head"]
)
def test_every_demo_role_lands_on_its_workbench_after_login(auth, client, demo, username):
    response = auth.login(username)
    assert response.status_code == 302 and response.headers["Location"] == "/manage/"
    page = client.get("/manage/").get_data(as_text=True)
    assert "<h1>工作台</h1>" in page
    assert 'href="/manage/">工作台</a>' in page  # in the main navigation
    assert client.get("/login").headers["Location"] == "/manage/"  # signed in already: back to it


def test_login_still_returns_to_the_page_that_asked(client, demo):
    from tests.conftest import csrf_token

    data = {"username": "sthj_head", "password": "demo-2025", "csrf_token": csrf_token(client)}
    assert client.post("/login?next=/reports/inbox", data=data).headers["Location"] == "/reports/inbox"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/manage/")})
    data["csrf_token"] = csrf_token(client)
    assert client.post("/login?next=//evil.example/", data=data).headers["Location"] == "/manage/"


def test_province_office_sees_its_queue_reviews_and_cycle(browser):
    browser.login("province_office")
    page = browser.get("/manage/")
    assert _stat(page, "/manage/990000/queue") == "3"  # the demo's three pending matters
    assert _stat(page, "/reports/inbox") == "1"  # 省住房和城乡建设厅 submitted its report
    review = re.search(r'id="h-review".*?</section>', page, re.S).group(0)
    assert "省住房和城乡建设厅2025年度生态环境保护工作专题报告" in review
    assert "省水利厅" not in review  # returned, not waiting for review
    assert "2025年度报告" in page and "2026-03-31" in page  # the cycle and its deadline
    assert "起草中" in page and "退回修改" in page and "<svg" in page  # the bar of report states
    assert "工作清单与最新发布的版本「" in page  # the demo publishes what it built: nothing unpublished
    assert 'href="/manage/990100/"' in page  # the cities' lists, read only


def test_city_office_sees_only_its_own_jurisdiction(browser):
    browser.login("jiangchuan_office")
    page = browser.get("/manage/")
    city = jurisdiction("990100")
    pending = sum(1 for m in city_matters(city) if m.status == "pending")
    assert _stat(page, "/manage/990100/queue") == str(pending)
    assert "/manage/990000/" not in page
    assert "尚未开启报告周期" in page and "没有待审核的报告" in page  # the city has no cycle
    assert "上级没有交由本级研究明确的事项" in page


def test_cycle_days_left_are_counted_from_the_given_day(demo):
    province = jurisdiction("990000")
    progress = report_queries.cycle_progress(province.id, date(2026, 3, 21))[0]  # the newest, 2025
    assert progress.cycle.year == 2025 and progress.days_left == 10 and progress.overdue == 0 and progress.total > 5
    progress = report_queries.cycle_progress(province.id, date(2026, 4, 2))[0]
    assert progress.days_left == -2 and progress.overdue > 0  # drafts and the returned report


def test_delegations_show_on_both_workbenches_with_their_result(browser):
    browser.login("province_office")
    upper = matter("城市光污染防治")
    response = browser.post(
        f"/manage/matters/{upper.id}/delegate",
        {
            "to_jurisdiction": str(jurisdiction("990100").id),
            "basis_kind": "document",
            "basis_doc_number": "示政办函〔2025〕20号",
            "basis_date": "2025-08-02",
        },
    )
    assert response.status_code == 302
    sent = re.search(r"交由下级（1）.*?</table>", browser.get("/manage/"), re.S).group(0)
    assert "城市光污染防治" in sent and "江川市" in sent and "待明确" in sent

    browser.login("jiangchuan_office")
    page = browser.get("/manage/")
    received = re.search(r"上级交办（1）.*?</table>", page, re.S).group(0)
    assert "城市光污染防治" in received and "示例省" in received and "待明确" in received
    pending = [m.title for m in city_matters(jurisdiction("990100")) if m.status == "pending"]
    assert "城市光污染防治" in pending and _stat(page, "/manage/990100/queue") == str(len(pending))
    lower = re.search(r'href="/manage/matters/(\d+)">城市光污染防治', received).group(1)
    response = browser.post(
        f"/manage/matters/{lower}/decide",
        {"lead": str(department("江川市生态环境局").id), "basis_kind": "meeting", "basis_date": "2025-09-01"},
    )
    assert response.status_code == 302

    browser.login("province_office")
    sent = re.search(r"交由下级（1）.*?</table>", browser.get("/manage/"), re.S).group(0)
    assert "已明确" in sent and "江川市生态环境局" in sent


def test_unpublished_changes_are_counted_and_link_to_the_comparison(browser):
    browser.login("province_office")
    browser.post("/manage/990000/departments/new", {"name": "省数据局", "sector": "数据"})
    upper = matter("城市光污染防治")
    browser.post(
        f"/manage/matters/{upper.id}/decide",
        {"lead": str(department("省住房城乡建设厅").id), "basis_kind": "meeting", "basis_date": "2025-08-01"},
    )
    page = browser.get("/manage/")
    compare = re.search(r'href="(/manage/990000/versions/compare\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert _stat(page, compare.replace("&", "&amp;")) == "1"  # the decided matter
    assert _stat(page, "/manage/990000/departments") == "1"  # the new department
    assert "城市光污染防治" in browser.get(compare)  # the comparison shows that change


def test_department_head_sees_its_report_returns_and_matters(browser):
    browser.login("sthj_head")
    sthj = department("省生态环境厅")
    page = browser.get("/manage/")
    report_link = re.search(r'href="(/reports/\d+)"><span[^>]*>2025年度报告</span><strong>([^<]+)</strong>', page)
    assert report_link and report_link.group(2) == "起草中"
    assert "省生态环境厅2025年度生态环境保护工作专题报告" in browser.get(report_link.group(1))
    assert "2026-03-31" in page
    assert _stat(page, "/reports/") == "0"  # nothing returned to it
    led = int(_stat(page, f"/manage/departments/{sthj.id}#led"))
    cooperating = int(_stat(page, f"/manage/departments/{sthj.id}#cooperating"))
    department_page = browser.get(f"/manage/departments/{sthj.id}")
    assert f"牵头事项（{led}）" in department_page and f"配合事项（{cooperating}）" in department_page
    assert led > 0
    # Its own things only: no other department's report, no office figures.
    assert "省水利厅" not in page and "省住房和城乡建设厅" not in page and "待审核" not in page


def test_department_editor_sees_the_same_department(browser):
    browser.login("sthj_editor")
    page = browser.get("/manage/")
    assert "省生态环境厅2025年度生态环境保护工作专题报告" in page
    assert f"/manage/departments/{department('省生态环境厅').id}" in page


def test_returned_report_is_listed_with_the_offices_comment(browser):
    browser.login("slt_head")
    page = browser.get("/manage/")
    assert _stat(page, "/reports/") == "1"
    returns = re.search(r'id="h-returned".*?</section>', page, re.S).group(0)
    assert "省水利厅2025年度生态环境保护工作专题报告" in returns
    assert "缺少用水总量" in returns  # what the office asked for
    assert "省生态环境厅" not in page


def test_sysadmin_sees_users_and_jurisdictions(browser):
    browser.login("admin")
    page = browser.get("/manage/")
    assert _stat(page, "/admin/users") == "2"  # the first stat: office admins
    assert _stat(page, "/admin/jurisdictions") == "4"  # 中央, 示例省 and two cities
    for name in ("中央", "示例省", "江川市", "云岭市"):
        assert name in page
    assert 'href="/manage/990100/"' in page and "清单施行中" in page
