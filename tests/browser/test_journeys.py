"""A visitor's journeys through the public portal, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_search_straw_then_reach_the_lead_department_in_two_clicks(page, live_server):
    base, facts = live_server
    page.goto(base + "/")
    box = page.get_by_role("searchbox", name="搜索具体事项")
    box.fill("秸秆")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    results = page.locator("ol.matter-list > li")
    expect(results.first).to_be_visible()
    # click 1: the matter
    results.filter(has_text="江川市").get_by_role("link", name=facts["straw"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(facts["straw"])
    # click 2: its lead department
    page.locator("dl.facts dd").first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(facts["new_lead"])
    expect(page.get_by_role("heading", name=re.compile("牵头事项"))).to_be_visible()
    expect(page.get_by_role("link", name=facts["straw"])).to_be_visible()


def test_walk_jurisdiction_department_matter(page, live_server):
    base, _ = live_server
    page.goto(base + "/jurisdictions")
    page.get_by_role("link", name="示例省", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("示例省")
    expect(page.get_by_text("示政办发〔2025〕1号")).to_be_visible()
    page.locator("ul.dept-grid").get_by_role("link", name=re.compile("生态环境厅")).click()
    department = page.get_by_role("heading", level=1).inner_text()
    assert "生态环境厅" in department
    page.locator("section", has=page.locator("#lead-heading")).get_by_role("link").first.click()
    expect(page.locator("dl.facts dd").first).to_have_text(department)


def test_filter_matters_by_category_without_javascript(browser, live_server):
    base, _ = live_server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(base + "/jurisdictions/990000")
        page.get_by_label("事项类别").select_option(value="大气")
        page.get_by_role("button", name="筛选").click()
        expect(page).to_have_url(re.compile("category="))
        expect(page.get_by_text("建筑施工扬尘污染防治")).to_be_visible()
        expect(page.get_by_text("危险废物环境监管")).to_have_count(0)
    finally:
        context.close()


def test_switch_language_to_english_and_back(page, live_server):
    base, _ = live_server
    page.goto(base + "/jurisdictions/990100")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/jurisdictions/990100"))
    expect(page.get_by_role("heading", name="Departments")).to_be_visible()
    expect(page.get_by_role("link", name="Responsibility lists").first).to_be_visible()
    expect(page.get_by_text("江川市生态环境局").first).to_be_visible()  # data stays Chinese
    page.get_by_role("link", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="职能部门")).to_be_visible()


def test_compare_two_versions_shows_the_lead_change(page, live_server):
    base, facts = live_server
    page.goto(base + "/jurisdictions/990100")
    page.get_by_role("link", name="版本历史与比较").click()
    page.get_by_role("link", name="与上一版比较").click()
    row = page.locator("tr.changed-lead")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(facts["straw"])
    expect(row).to_contain_text(facts["old_lead"])
    expect(row).to_contain_text(facts["new_lead"])
    # choose the versions the other way round with the form
    page.get_by_label("原版本").select_option("2026年版")
    page.get_by_label("新版本").select_option("2025年版")
    page.get_by_role("button", name="比较", exact=True).click()
    expect(page.locator("tr.changed-lead")).to_contain_text(facts["old_lead"])


def test_keyboard_and_phone(browser, live_server):
    base, _ = live_server
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(base + "/jurisdictions/990000")
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("跳到正文")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
        page.goto(base + "/search?q=扬尘")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, overflow
    finally:
        context.close()
