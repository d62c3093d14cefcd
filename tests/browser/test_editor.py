"""Drafting in a real browser against gunicorn: a prose section through the bundled rich-text editor
(bold, a list, a table; Chinese toolbar; not one request off this server) and a cooperating matter
through its plain-text form."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _edit(page, title: str) -> None:
    section = page.locator("section.report-section", has=page.get_by_role("heading", name=title, exact=True))
    section.get_by_role("link", name=re.compile("编辑")).first.click()


def test_prose_in_the_editor_and_a_cooperating_matter_in_its_form(page, live_server):
    base, _ = live_server
    host = urlsplit(base).netloc
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    log_in(page, base, "sthj_editor")
    page.get_by_role("link", name="继续填写").first.click()
    report_url = page.url

    _edit(page, "下一年度工作计划")
    toolbar = page.locator(".tox-editor-header")
    expect(toolbar.get_by_role("button", name="粗体")).to_be_visible()  # the interface in Chinese
    body = page.frame_locator("iframe.tox-edit-area__iframe").locator("body")
    body.click()
    page.keyboard.type("明年重点做好三件事：")
    page.keyboard.press("Enter")
    toolbar.get_by_role("button", name="粗体").click()
    page.keyboard.type("压实责任")
    toolbar.get_by_role("button", name="粗体").click()
    page.keyboard.press("Enter")
    toolbar.get_by_role("button", name="有序列表").click()
    page.keyboard.type("逐项分解清单任务")
    page.keyboard.press("Enter")
    page.keyboard.type("加强会商联动")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    toolbar.get_by_role("button", name="表格").click()
    page.locator(".tox-collection__item", has_text="表格").first.hover()
    page.locator(".tox-insert-table-picker > div").nth(11).click()  # two rows of two cells
    for text in ("任务", "时限", "修订应急预案", "6月底前"):
        page.keyboard.type(text)
        page.keyboard.press("Tab")
    page.get_by_role("button", name="保存").click()

    section = page.locator("section.report-section", has=page.get_by_role("heading", name="下一年度工作计划"))
    expect(section.locator("strong")).to_have_text("压实责任")
    expect(section.locator("ol li")).to_have_text(["逐项分解清单任务", "加强会商联动"])
    expect(section.locator("table td").nth(2)).to_have_text("修订应急预案")

    # a cooperating matter: plain-text fields, 配合落实情况 first; paragraphs on the report page
    page.goto(report_url)
    coop = page.locator("section.report-section", has=page.locator(".tag", has_text="配合事项"))
    target = coop.filter(has_text="（未填写）").first
    title = target.locator("h3").first.inner_text().removeprefix("配合事项").strip()
    target.get_by_role("link", name=re.compile("编辑")).first.click()
    expect(page.locator("textarea").first).to_have_attribute("name", "cooperation")
    page.get_by_label("配合落实情况").fill("参加会商2次。\n报送数据3批。\n\n配合检查已完成。")
    page.get_by_role("button", name="保存").click()
    done = page.locator("section.report-section", has=page.get_by_role("heading", name=re.compile(re.escape(title))))
    expect(done.locator(".rich p").first).to_have_text("参加会商2次。报送数据3批。")
    expect(done.locator(".rich p br")).to_have_count(1)
    expect(done).to_contain_text("配合检查已完成。")

    assert requests and all(urlsplit(u).netloc == host for u in requests if u.startswith("http"))
