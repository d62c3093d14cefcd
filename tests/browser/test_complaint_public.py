"""A person reports a problem and tracks it, in Chromium against the real server (gunicorn): 我要举报
from the navigation, 村里有人烧秸秆 in 江川市, the straw matter and its lead department shown before
submitting, the CAPTCHA (solved as a person reading it would), the 查询码, and the look-up with it. Without
a login; every page passes axe's WCAG A/AA checks."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import run_axe, solve_captcha

pytestmark = pytest.mark.browser

STRAW = "秸秆禁烧网格化巡查"  # 江川市's straw matter


@pytest.fixture
def axe_page(browser, live_server):
    context = browser.new_context(locale="zh-CN", bypass_csp=True)  # axe is injected as a script
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        yield page
    finally:
        context.close()


def test_a_person_reports_straw_burning_sees_the_lead_and_tracks_it(axe_page, live_server):
    page = axe_page
    base, facts = live_server
    lead = facts["new_lead"]  # 江川市's version in force moved the straw matter to its ecology department
    page.goto(base + "/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我要举报").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我要举报")
    assert run_axe(page) == []

    form = page.locator("main form")
    form.get_by_label("发生了什么").fill("烧秸秆")
    form.get_by_label("地点").select_option(label="\u3000江川市")
    form.get_by_role("button", name="下一步：看看谁负责").click()
    # too short: said next to the field, and what was typed is still there
    expect(page.locator("#description-error")).to_contain_text("请用 5 至 2000 个字说明发生了什么。")
    expect(page.locator("#description-hint")).to_contain_text("5 至 2000 字")
    expect(page.locator("#place-error")).to_contain_text("请填写详细地址或位置描述。")
    expect(form.get_by_label("发生了什么")).to_have_value("烧秸秆")
    expect(form.get_by_label("地点")).to_have_value("990100")

    form.get_by_label("发生了什么").fill("村里有人烧秸秆，浓烟很大，呛得人睁不开眼。")
    form.get_by_label("详细地址或位置描述").fill("江川市某某镇某某村村口晒场")
    form.get_by_label("时间说明").fill("每天傍晚")
    form.get_by_role("button", name="下一步：看看谁负责").click()

    # before submitting: the matter it looks like, its lead and who will receive it
    expect(page.get_by_role("heading", level=1)).to_have_text("确认事项并提交")
    chosen = page.locator(".matter-choice").filter(has_text=STRAW).first
    expect(chosen.locator("input[type=radio]")).to_be_checked()
    expect(chosen).to_contain_text(f"牵头部门：{lead}")
    expect(chosen).to_contain_text("江川市清单")
    expect(page.locator("#receiver-name")).to_have_text(lead)
    assert run_axe(page) == []

    # a wrong CAPTCHA: the error by the field, a new image, everything else kept
    form = page.locator("main form")
    form.get_by_label("电话").fill("13800000000")
    form.get_by_role("textbox", name="验证码").fill("WRONG")
    form.get_by_role("button", name="提交", exact=True).click()
    expect(page.locator("#captcha-error")).to_have_text("验证码不正确，请按新的图片重新输入。")
    expect(page.locator("main form").get_by_label("电话")).to_have_value("13800000000")
    expect(page.locator(".matter-choice").filter(has_text=STRAW).first.locator("input")).to_be_checked()

    # 返回修改 and on again: the phone number typed on step 2 is still there
    page.locator("main form").get_by_role("button", name="返回修改").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我要举报")
    page.locator("main form").get_by_role("button", name="下一步：看看谁负责").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("确认事项并提交")
    expect(page.locator("main form").get_by_label("电话")).to_have_value("13800000000")

    solve_captcha(page)
    submit = page.locator("main form").get_by_role("button", name="提交", exact=True)
    submit.dblclick()  # a double click files one report

    expect(page.get_by_role("heading", level=1)).to_have_text("举报已提交")
    code = page.locator("#complaint-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-Z]{5}-[2-9A-Z]{5}", code), code
    assert code.replace("-", "") not in page.url
    expect(page.locator("main")).to_contain_text(f"您的举报已交由 {lead} 办理。")
    expect(page.locator("main")).to_contain_text("受理决定将于")
    assert run_axe(page) == []

    page.get_by_role("link", name="查询办理进度").first.click()
    track = page.locator("main form")
    track.get_by_label("查询码").fill(code.lower().replace("-", " "))
    track.get_by_role("button", name="查询").click()
    expect(page.locator(".tracked")).to_contain_text("待受理")
    expect(page.locator(".tracked")).to_contain_text(lead)
    expect(page.locator(".tracked")).to_contain_text(STRAW)
    expect(page.locator("main")).not_to_contain_text("13800000000")
    assert run_axe(page) == []


def test_a_wrong_code_is_told_plainly(page, live_server):
    base, _facts = live_server
    page.goto(base + "/complaints/track")
    page.locator("main form").get_by_label("查询码").fill("ABCDE-23456")
    page.locator("main form").get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_have_text("没有找到与这个查询码对应的举报。请核对后重新输入。")
