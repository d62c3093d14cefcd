"""§7 in a real browser against gunicorn: the cooperating department (省自然资源厅) finds the lead's
reminder on its 工作台 and answers; the lead department (省生态环境厅) reads the answer next to its
section, quotes it into 主要措施与成效, and reminds a department that has not answered."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

ANSWER = "配合开展地下水污染状况调查，提供地下水监测井资料42份，共享水文地质数据3批次。"


def _section(page, title: str):
    return page.locator("section.report-section").filter(has=page.get_by_role("heading", name=re.compile(title)))


def test_cooperating_department_answers_and_the_lead_quotes_and_reminds(page, live_server):
    base, _ = live_server
    # The lead reminds 省自然资源厅 about 地下水污染防治 (the demo reminded it about another matter).
    log_in(page, base, "sthj_editor")
    page.get_by_role("link", name="继续填写").click()
    groundwater = _section(page, "地下水污染防治")
    panel = groundwater.locator(".coop-panel")
    expect(panel).to_contain_text("配合部门意见")
    item = panel.locator("li", has_text="省自然资源厅")
    expect(item).to_contain_text("尚未答复")
    item.get_by_label("附言（可选）").fill("请于本周内填写。")
    item.get_by_role("button", name=re.compile("提醒")).click()
    expect(page.locator(".flash-success")).to_contain_text("已提醒省自然资源厅填写「地下水污染防治」的配合情况。")
    expect(_section(page, "地下水污染防治").locator(".coop-panel")).to_contain_text("今天已提醒")

    # The cooperating department sees it on its 工作台 and answers in its own report.
    page.context.clear_cookies()
    log_in(page, base, "zrzyt_editor")
    reminders = page.locator("section", has=page.get_by_role("heading", name=re.compile("牵头部门提醒您填写配合情况")))
    expect(reminders).to_contain_text("请于本周内填写。")
    reminders.get_by_role("link", name="地下水污染防治").click()
    expect(page.locator(".coop-reminded")).to_contain_text("省生态环境厅 填报人")
    page.get_by_label("配合落实情况").fill(ANSWER)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("已保存")

    # The lead reads the answer and quotes it into 主要措施与成效.
    page.context.clear_cookies()
    log_in(page, base, "sthj_editor")
    page.get_by_role("link", name="继续填写").click()
    panel = _section(page, "地下水污染防治").locator(".coop-panel")
    expect(panel.locator("li", has_text="省自然资源厅")).to_contain_text(ANSWER)
    _section(page, "地下水污染防治").get_by_role("link", name=re.compile("编辑")).click()
    page.get_by_label("引用到").select_option(label="主要措施与成效")
    page.get_by_label("引用省自然资源厅的意见").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("已保存")
    expect(_section(page, "地下水污染防治")).to_contain_text(f"「省自然资源厅：{ANSWER}」")
