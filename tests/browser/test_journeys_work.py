"""The offices' and the departments' core jobs, in a real browser against gunicorn: the province office
settles a pending matter, delegates another, imports a list and publishes; a department fills a report
section and its head submits the report. Fields are found by their labels, as a person finds them."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

IMPORTED = "光伏组件回收利用试点"
CSV_FILE = (
    "序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据\r\n"
    f"1,固体废物,{IMPORTED},省生态环境厅,省工业和信息化厅,组织开展退役光伏组件回收利用试点。,"
    "《示例省固体废物污染环境防治条例》第十条\r\n"
).encode("utf-8-sig")


def _fill_decision_basis(page) -> None:
    page.get_by_label("会议研究").check()
    page.get_by_label("文号").fill("省委常委会会议纪要〔2026〕9号")
    page.get_by_label("决定日期").fill(date.today().isoformat())


def _open_in_queue(page, title: str, action: str) -> None:
    page.get_by_role("link", name="待明确事项").first.click()
    page.get_by_role("row", name=re.compile(title)).get_by_role("link", name=action).click()


def test_office_settles_delegates_imports_and_publishes(page, live_server):
    base, _ = live_server
    log_in(page, base, "province_office")

    # settle a pending matter: choose its lead department
    page.goto(base + "/manage/990000/")
    _open_in_queue(page, "城市光污染防治", "明确牵头部门")
    page.get_by_label("牵头部门", exact=True).select_option(label="省住房和城乡建设厅")
    description = page.get_by_label("责任内容")
    if re.search("待.*研究明确", description.input_value()):
        description.fill("牵头开展城市光污染防治，会同有关部门制定夜景照明管控要求。")
    _fill_decision_basis(page)
    page.get_by_role("button", name="确定").click()
    expect(page.locator("main")).to_contain_text("省住房和城乡建设厅")
    expect(page.get_by_role("heading", level=1)).to_contain_text("城市光污染防治")

    # delegate another to the cities below
    page.goto(base + "/manage/990000/")
    _open_in_queue(page, "废旧新能源汽车动力电池回收利用", "交由下级")
    form = page.locator("main form").first
    targets = form.get_by_label(re.compile("全部下级|江川市"))
    targets.first.check()
    _fill_decision_basis(page)
    form.get_by_role("button").first.click()
    page.goto(base + "/manage/990000/queue")
    expect(page.get_by_role("heading", name=re.compile(r"已交由下级研究明确（1）"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("废旧新能源汽车动力电池回收利用"))).to_have_count(1)
    page.goto(base + "/manage/990100/queue")
    expect(page.locator("main")).to_contain_text("废旧新能源汽车动力电池回收利用")

    # import a small list
    page.goto(base + "/manage/990000/versions")
    page.get_by_role("link", name="导入清单").first.click()
    page.get_by_label("清单文件").set_input_files({"name": "新增事项.csv", "mimeType": "text/csv", "buffer": CSV_FILE})
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("main")).to_contain_text(IMPORTED)
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("main")).to_contain_text("导入")

    # publish, after looking at the changes
    page.goto(base + "/manage/990000/versions")
    page.get_by_role("link", name="发布新版本").first.click()
    page.get_by_label("版本名称").fill("2027年版")
    page.get_by_label("发布文号").fill("示政办发〔2026〕9号")
    page.get_by_label("施行日期").fill(date.today().isoformat())
    page.get_by_label("发布机关").fill("示例省人民政府办公厅")
    page.get_by_role("button", name="下一步：核对变化").click()
    expect(page.locator("main")).to_contain_text(IMPORTED)
    page.get_by_role("button", name="确认发布").click()

    # the public sees the new version with all three changes
    page.goto(base + "/jurisdictions/990000/versions")
    expect(page.locator("main")).to_contain_text("2027年版")
    page.goto(base + "/search?q=" + IMPORTED)
    expect(page.get_by_role("link", name=IMPORTED)).to_be_visible()
    page.goto(base + "/search?q=城市光污染防治")
    expect(page.locator("ol.matter-list > li").first).to_contain_text("省住房和城乡建设厅")


def test_department_fills_a_section_and_its_head_submits_the_report(browser, live_server):
    base, _ = live_server
    progress = "年内完成全省重点行业挥发性有机物排查整治，建立问题清单并全部整改到位。"
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page, base, "sthj_editor")
        page.get_by_role("link", name="继续填写").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("专题报告")
        report_url = page.url
        # the first led-matter section nobody has filled yet
        section = page.locator("section", has_text="（未填写）").first
        section.get_by_role("link", name=re.compile("编辑")).first.click()
        page.get_by_label("工作进展").fill(progress)
        page.get_by_label("主要措施与成效").fill("开展专项检查三轮。")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("main")).to_contain_text(progress)
        context.clear_cookies()

        log_in(page, base, "sthj_head")
        page.goto(report_url)
        page.get_by_role("button", name="报送本级办公室").click()
        confirm = page.locator("main form")
        if confirm.get_by_role("checkbox").count():
            confirm.get_by_role("checkbox").first.check()
        if page.url != report_url:
            confirm.get_by_role("button").first.click()
        expect(page.locator("dl").first).to_contain_text("已报送")
        expect(page.locator("main")).to_contain_text(progress)
    finally:
        context.close()
