"""An office defines an indicator and its lead department records a value, in a real browser against
gunicorn (#19): a first submit with mistakes lists them all and keeps what was typed; the department
finds the indicator on its 工作台, records last year's value and sees the status and the chart."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

NAME = "浏览器测试：城市生活污水集中收集率"


def test_office_defines_an_indicator_and_the_lead_department_records_a_value(page, live_server):
    base, _ = live_server
    log_in(page, base, "province_office")
    page.goto(base + "/manage/990000/indicators")
    page.get_by_role("link", name="新增指标").first.click()
    page.get_by_label("基准年").fill("2020")
    page.get_by_label("基准值").fill("六十")
    page.get_by_label("目标年").fill("2025")
    page.get_by_label("目标值").fill("70")
    page.locator("main button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("请填写指标名称。")
    expect(summary).to_contain_text("请填写数值")
    expect(summary).to_contain_text("请选择牵头部门。")
    expect(page.get_by_label("基准值")).to_have_value("六十")

    page.get_by_label("指标名称").fill(NAME)
    page.get_by_label("单位").fill("%")
    page.get_by_label("越高越好").check()
    page.get_by_label("基准值").fill("60")
    page.get_by_label("牵头部门").select_option(label="省生态环境厅")
    page.locator("main button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(NAME)
    expect(page.locator(".flash").first).to_contain_text("已新增目标指标")

    page.context.clear_cookies()  # signed out
    log_in(page, base, "sthj_head")
    section = page.locator("section[aria-labelledby=targets]")
    expect(section).to_contain_text(NAME)
    section.get_by_role("link", name=NAME).first.click()
    form = page.locator("form.value-form")
    form.get_by_label("数值").fill("66.5")
    form.get_by_label("数据来源").fill("统计公报")
    form.get_by_role("button", name="保存数值").click()
    expect(page.locator(".flash").first).to_contain_text("66.5")
    last_year = int(re.search(r"year=(\d{4})", page.url).group(1))
    row = page.get_by_role("row", name=re.compile(rf"^{last_year}"))
    expect(row).to_contain_text("66.5")
    expect(row).to_contain_text("统计公报")
    chart = page.locator("img.indicator-chart")
    expect(chart).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
