"""The workbench: where each kind of user lands, and what they may see."""

import re

from tests.lists.conftest import department


def test_office_lands_on_its_jurisdiction_with_counts_and_lower_levels(browser):
    browser.login("province_office")
    assert 'href="/manage/990000/"' in browser.get("/manage/")  # the 工作台 links its list
    page = browser.get("/manage/990000/")
    assert "示例省生态环境保护责任清单" in page
    assert "项待明确牵头部门" in page and "<strong>3</strong>" in page  # the demo's three pending matters
    assert "/manage/990100/" in page and "江川市" in page  # the cities below it
    assert "新增具体事项" in page


def test_main_navigation_links_the_workbench(browser):
    browser.login("province_office")
    assert 'href="/manage/"' in browser.get("/")


def test_province_office_reads_a_city_but_gets_no_edit_buttons(browser):
    browser.login("province_office")
    page = browser.get("/manage/990100/")
    assert "江川市" in page and "不能修改" in page
    assert "新增具体事项" not in page


def test_city_office_cannot_read_the_province(browser):
    browser.login("jiangchuan_office")
    browser.get("/manage/990000/", status=403)
    browser.get("/manage/990000/matters", status=403)
    browser.get("/manage/990200/", status=403)  # a sibling city


def test_department_user_sees_its_own_department_read_only(browser):
    browser.login("sthj_editor")
    sthj = department("省生态环境厅")
    assert f'href="/manage/departments/{sthj.id}"' in browser.get("/manage/")  # from the 工作台
    page = browser.get(f"/manage/departments/{sthj.id}")
    assert "负责建立健全生态环境基本制度" in page  # its duties
    assert "工业企业大气污染防治与超低排放改造" in page  # a matter it leads
    assert "修改部门" not in page and "新增职责" not in page
    browser.get(f"/manage/departments/{department('省水利厅').id}", status=403)
    browser.get("/manage/990000/", status=403)
    browser.get(f"/manage/departments/{sthj.id}/edit", status=403)


def test_sysadmin_sees_the_tree(browser):
    browser.login("admin")
    page = browser.get("/manage/")
    for name in ("中央", "示例省", "江川市", "云岭市"):
        assert name in page
    assert "/manage/990100/" in page


def test_anonymous_user_is_sent_to_log_in(client, demo):
    response = client.get("/manage/990000/matters")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sysadmin_reads_lists_without_dead_links_or_edit_buttons(browser):
    browser.login("admin")
    page = browser.get("/manage/990000/departments")
    assert "省生态环境厅" in page and "新增部门" not in page
    link = re.search(r'href="(/manage/departments/\d+/?)"', page).group(1)
    assert "撤销" not in browser.get(link)  # the department page opens, read only
    page = browser.get("/manage/990000/matters")
    assert "燃煤锅炉综合整治" in page and "新增具体事项" not in page
    browser.get("/manage/990000/matters/new", status=403)
