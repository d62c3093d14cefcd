"""The offices' and the departments' core jobs, in a real browser against gunicorn: the province office
settles a pending matter, delegates another, imports a list and publishes; a department fills a report
section and its head submits the report. Fields are found by their labels, as a person finds them."""

import re
import subprocess
import tempfile
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
        filled_title = section.locator("h3").first.inner_text().removeprefix("牵头事项").strip()
        section.get_by_role("link", name=re.compile("编辑")).first.click()
        page.get_by_label("工作进展").fill(progress)
        page.get_by_label("主要措施与成效").fill("开展专项检查三轮。")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("main")).to_contain_text(progress)

        # 提请审核: the completeness check lists the led matters still empty
        page.get_by_role("link", name="提请负责人审核…").click()
        expect(page.locator(".completeness")).to_contain_text("不能报送")
        page.get_by_label("给部门负责人的说明（可选）").fill("请审定。")
        page.get_by_role("button", name="提请审核").click()
        expect(page.locator("#handoff")).to_contain_text("已提请审核")
        context.clear_cookies()

        # the head sees it on the 工作台 and sends it back with a note
        log_in(page, base, "sthj_head")
        expect(page.locator("main")).to_contain_text("份报告已提请审核")
        page.get_by_role("link", name="退回填报人…").first.click()
        page.get_by_label("退回说明").fill("其余牵头事项请逐项填写或说明本年度无进展的原因。")
        page.get_by_role("button", name="退回填报人").click()
        context.clear_cookies()

        # the editor reads the note and explains every led matter without progress, from the check's links
        log_in(page, base, "sthj_editor")
        page.goto(report_url)
        expect(page.locator("#handoff")).to_contain_text("其余牵头事项请逐项填写")
        review = report_url + "/request-review"
        page.goto(review)
        while page.locator(".completeness .flash-error a").count():
            page.locator(".completeness .flash-error a").first.click()
            page.get_by_label("本年度无进展的说明").fill("本年度该事项无新增任务。")
            page.get_by_role("button", name="保存").click()
            page.goto(review)
        page.get_by_role("button", name="提请审核").click()
        context.clear_cookies()

        # the head submits: 发文字号 and confirmation, every problem shown at once first
        log_in(page, base, "sthj_head")
        page.goto(report_url)
        page.get_by_role("link", name="报送本级办公室…").first.click()
        page.get_by_role("button", name="报送本级办公室").click()
        expect(page.locator(".error-summary")).to_contain_text("请填写发文字号")
        expect(page.locator(".error-summary")).to_contain_text("请勾选确认后再报送")
        page.get_by_label("发文字号").fill("示环函〔2026〕12号")
        page.get_by_label(re.compile("确认以本部门名义报送")).check()
        page.get_by_role("button", name="报送本级办公室").click()
        expect(page.locator("dl").first).to_contain_text("已报送")
        expect(page.locator("main")).to_contain_text(progress)
        context.clear_cookies()

        # the office returns it with a comment on the section that was filled in
        log_in(page, base, "province_office")
        page.goto(report_url)
        expect(page.locator("#review")).to_contain_text("完整性检查")
        review_card = page.locator("#review")
        review_card.get_by_label("退回意见").fill("请补充量化指标。")
        review_card.get_by_label("针对的部分").first.select_option(label=filled_title)
        review_card.get_by_label("对该部分的意见").first.fill("请补充挥发性有机物减排量。")
        page.get_by_role("button", name="退回修改").click()
        expect(page.locator("dl").first).to_contain_text("已退回修改")
        context.clear_cookies()

        log_in(page, base, "sthj_editor")
        page.goto(report_url)
        commented = page.locator("section.report-section", has=page.locator(".section-comments"))
        expect(commented).to_have_count(1)
        expect(commented).to_contain_text(filled_title)
        expect(commented).to_contain_text("请补充挥发性有机物减排量。")

        # the editor answers the comment in that section and attaches the indicator table
        commented.get_by_role("link", name=re.compile("编辑")).first.click()
        page.get_by_label("主要措施与成效").fill("开展专项检查三轮，挥发性有机物减排1.2万吨。")
        page.get_by_role("button", name="保存").click()
        page.get_by_label("附件标题").fill("挥发性有机物减排量统计表")
        page.get_by_label("选择文件").set_input_files({"name": "减排量.png", "mimeType": "image/png", "buffer": PNG})
        page.get_by_role("button", name="上传附件").click()
        expect(page.get_by_role("link", name="减排量.png")).to_be_visible()
        expect(page.locator("main")).to_contain_text("挥发性有机物减排量统计表")
        context.clear_cookies()

        # the head submits again (the 发文字号 is kept), the office accepts, the head publishes
        log_in(page, base, "sthj_head")
        page.goto(report_url)
        page.get_by_role("link", name="报送本级办公室…").first.click()
        expect(page.get_by_label("发文字号")).to_have_value("示环函〔2026〕12号")
        page.get_by_label(re.compile("确认以本部门名义报送")).check()
        page.get_by_role("button", name="报送本级办公室").click()
        expect(page.locator("dl").first).to_contain_text("已报送")
        context.clear_cookies()
        log_in(page, base, "province_office")
        page.goto(report_url)
        page.locator("#review").get_by_role("button", name="审核通过").click()
        expect(page.locator("dl").first).to_contain_text("已审核通过")
        context.clear_cookies()
        log_in(page, base, "sthj_head")
        page.goto(report_url)
        page.get_by_role("link", name="公开报告…").click()
        page.get_by_label("我已确认").check()
        page.get_by_role("button", name="公开报告").click()
        expect(page.locator("dl").first).to_contain_text("已公开")
        context.clear_cookies()

        # the public: the department page's PDF (an official document: 抄送 the two right departments),
        # the attachment, and the lead's section on the matter page
        page.goto(base + "/search?q=" + filled_title)
        page.get_by_role("link", name=filled_title).first.click()
        expect(page.locator("main")).to_contain_text("开展专项检查三轮，挥发性有机物减排1.2万吨。")
        page.get_by_role("link", name="省生态环境厅").first.click()
        attachment = page.get_by_role("link", name="挥发性有机物减排量统计表")
        assert page.request.get(base + attachment.get_attribute("href")).body() == PNG
        attachment.click()  # opens in the browser, as an image
        expect(page.locator("img")).to_be_visible()
        page.go_back()
        pdf_link = page.locator("a[href$='.pdf']").first
        pdf = page.request.get(base + pdf_link.get_attribute("href"))
        assert pdf.ok and pdf.body().startswith(b"%PDF")
        text = _pdf_text(pdf.body())
        assert "示环函〔2026〕12号" in text and "抄送" in text
        assert "生态环境部" in text  # the upper-level competent department (the same-level one is itself)
    finally:
        context.close()


# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f1e8a70000000049454e44ae426082"
)


def _pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True, check=True).stdout
