"""Issue #18's "Done when", in Chromium against the real server (gunicorn), as the people would do it:
江川市's office names a certifying department in 台账设置, downloads the 示例台账 offered on its import
page and uploads it back, previews it (no problems) and imports it — 12 tasks; 江川市生态环境局 decomposes
one of its tasks to a unit it adds in the form and reports progress with a PDF; the office issues a 督办,
which the department sees on its 工作台 and answers; the department applies to close, the certifying
department signs; the office starts the public notice; a visitor finds it under 整改公示 and objects; the
office finds the objection unfounded and is told 销号 must wait for the end of the window; the office
compiles last month's 月度通报 through the background job and the PDF names 江川市. Only what the pages
show is asserted."""

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, solve_captcha

pytestmark = pytest.mark.browser

OFFICE = "jiangchuan_office"
LEAD, LEAD_NAME = "jcsthjj_head", "江川市生态环境局"
CERTIFIER, CERTIFIER_NAME = "jczjj_head", "江川市住房和城乡建设局"
LEDGER = "江川市贯彻落实省级生态环境保护督察反馈意见整改台账"  # the 示例台账's title row
PROBLEM = "县级集中式饮用水水源地保护区内仍有违法建筑和排污口"  # task 6 of the 示例台账, led by 市生态环境局 alone
UNIT = "水源地保护科（浏览器测试）"
PERSON = "郑洁"
PROGRESS = "已完成保护区内建筑和排污口逐一核查，关闭排污口3个，违法建筑拆除方案已报市政府。"
SUPERVISION = "请于期限内报告违法建筑拆除的时间安排和排污口关闭后的水质监测情况。"
ANSWER = "违法建筑已于本月全部拆除；排污口关闭后连续监测两周，水质稳定达到Ⅱ类标准。"
STATEMENT = "保护区内违法建筑2处已全部拆除，排污口3个已关闭并封堵，界标和隔离防护设施已设立，水质稳定达标。"
DOC_NUMBER = "江督改办〔2026〕21号"
OBJECTION = "水源地下游的养殖场排污口晚上仍在排水，整改并未到位，请核查。"

# A one-page PDF (the evidence the department attaches).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# Screenshots are not the suite's business: a script of one's own may set this to a function
# (page, name, narrow) that takes them at the steps named below (and is given the bulletin's PDF
# bytes in place of the page at the end).
SHOT = None


def _shot(page, name: str, *, narrow: bool = False) -> None:
    if SHOT is not None:
        SHOT(page, name, narrow)


def _sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, base, username)


def _nav(page, name: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=name, exact=True).click()


def _open_task(page, base: str, username: str) -> None:
    """Signed in as `username`, the task through 整改任务 (an office: through the ledger)."""
    _sign_in(page, base, username)
    _nav(page, "整改任务")
    if username == OFFICE:
        page.locator("main").get_by_role("link", name=LEDGER).click()
    page.locator("main").get_by_role("link", name=re.compile(PROBLEM)).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PROBLEM)


def _pending_supervisions(page) -> int:
    item = page.locator("main ul.stats li").filter(has_text="件督办待答复")
    return int(re.search(r"\d+", item.inner_text()).group())


def _pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def test_a_ledger_is_imported_and_a_task_followed_to_its_notice_and_the_bulletin(page, live_server, tmp_path):
    base, _ = live_server
    page.set_viewport_size({"width": 1366, "height": 900})

    # -- 1. the office: a certifying department, then the 示例台账 downloaded and imported ----------
    _sign_in(page, base, OFFICE)
    _nav(page, "整改任务")
    expect(page.get_by_role("heading", level=1)).to_have_text("整改任务")
    page.locator("main").get_by_role("link", name="台账设置").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("整改台账设置")
    page.get_by_label(CERTIFIER_NAME).check()
    _shot(page, "01-settings")
    page.get_by_role("button", name="保存设置").click()
    expect(page.locator(".flash-success")).to_be_visible()

    _nav(page, "整改任务")
    page.locator("main").get_by_role("link", name="导入台账").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("从表格导入整改台账")
    _shot(page, "02-import", narrow=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载示例台账（XLSX）").click()
    sheet = tmp_path / download.value.suggested_filename
    download.value.save_as(sheet)
    assert sheet.suffix == ".xlsx" and "江川市" in sheet.name, sheet.name
    page.get_by_label("台账表格").set_input_files(sheet)
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("导入预览")
    expect(page.locator("main")).to_contain_text(f"将新建台账「{LEDGER}」")
    expect(page.locator("main")).to_contain_text("共 12 项任务，没有发现问题")
    expect(page.locator("main tbody tr")).to_have_count(12)
    _shot(page, "03-import-preview", narrow=True)
    page.get_by_role("button", name="确认导入 12 项任务").click()
    expect(page.locator(".flash-success")).to_contain_text(f"已导入 12 项任务到台账「{LEDGER}」")
    expect(page.get_by_role("heading", level=1)).to_have_text(LEDGER)
    expect(page.locator("main table tbody tr")).to_have_count(12)
    task_row = page.locator("main table tbody tr").filter(has_text=PROBLEM)
    expect(task_row).to_contain_text(LEAD_NAME)
    _shot(page, "04-ledger", narrow=True)

    # -- 2. the lead department: decomposes to a unit it adds, reports progress with a PDF ----------
    _sign_in(page, base, LEAD)
    supervisions_before = _pending_supervisions(page)
    _nav(page, "整改任务")
    led = page.locator("main section").filter(has=page.get_by_role("heading", name=re.compile("本部门牵头的任务")))
    led.get_by_role("link", name=re.compile(PROBLEM)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PROBLEM)
    units = page.locator("#units")
    expect(units.get_by_role("heading", level=2)).to_have_text("分解到单位（0）")
    units.get_by_label("或新增本部门的单位").fill(UNIT)
    units.get_by_label("责任人").fill(PERSON)
    units.get_by_label("职务").fill("科长")
    units.get_by_label("承担的工作").fill("负责保护区内违法建筑和排污口的核查、拆除和关闭，督促设立界标。")
    _shot(page, "05-decompose")
    units.get_by_role("button", name="分解到该单位").click()
    units = page.locator("#units")
    expect(units.get_by_role("heading", level=2)).to_have_text("分解到单位（1）")
    expect(units).to_contain_text(UNIT)
    expect(units).to_contain_text(f"责任人：{PERSON}（科长）")

    report = page.locator("#report-progress")
    if not report.evaluate("details => details.open"):
        report.locator("summary").click()
    report.get_by_label("进展状态").select_option(label="按进度推进")
    report.get_by_label("完成比例（%）").fill("80")
    report.get_by_label("进展情况").fill(PROGRESS)
    report.get_by_label("佐证材料（可选）").set_input_files(_pdf("排污口关闭核查记录.pdf"))
    _shot(page, "06-progress-form")
    report.get_by_role("button", name="确认报送").click()
    history = page.locator("#progress .progress-history")
    expect(history).to_contain_text(PROGRESS)
    expect(history.get_by_role("link", name="排污口关闭核查记录.pdf")).to_be_visible()
    expect(page.locator("main .task-facts")).to_contain_text("完成 80%")
    _shot(page, "07-task-after-progress", narrow=True)

    # -- 3. the office issues a 督办; the department sees it on its 工作台 and answers ---------------
    _open_task(page, base, OFFICE)
    page.locator("#supervision").get_by_role("link", name=re.compile("^发出")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("督办")
    expect(page.get_by_label("提醒", exact=True)).to_be_checked()  # the first level is proposed
    page.get_by_label("督办", exact=True).check()
    page.get_by_label("督办事项和要求").fill(SUPERVISION)
    _shot(page, "08-supervise", narrow=True)
    page.locator("main form").get_by_role("button", name="发出").click()
    supervision = page.locator("#supervision")
    expect(supervision).to_contain_text(SUPERVISION)
    expect(supervision).to_contain_text("待答复")

    _sign_in(page, base, LEAD)
    assert _pending_supervisions(page) == supervisions_before + 1
    _shot(page, "09-department-workbench", narrow=True)
    page.get_by_role("navigation", name="账户").get_by_role("link", name=re.compile("^消息")).click()
    notice = page.locator("main .notice-list > li").filter(has_text=re.compile(f"收到督办：.*{PROBLEM}"))
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(SUPERVISION)
    notice.get_by_role("button", name=re.compile("^收到督办")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PROBLEM)
    supervision = page.locator("#supervision")
    supervision.get_by_label("答复").fill(ANSWER)
    supervision.get_by_role("button", name="提交答复").click()
    supervision = page.locator("#supervision")
    expect(supervision).to_contain_text("已答复")
    expect(supervision).to_contain_text(ANSWER)
    _shot(page, "10-supervision-answered")

    # -- 4. the department applies to close; the certifying department signs -----------------------
    page.locator("#closure").get_by_role("link", name="申请销号").click()
    expect(page.locator("main")).to_contain_text("先由 1 个认定部门签署意见")
    page.get_by_label("整改完成情况说明").fill(STATEMENT)
    page.get_by_label("佐证材料（可选）").set_input_files(_pdf("水源地整治验收材料.pdf"))
    _shot(page, "11-apply-closure", narrow=True)
    page.get_by_role("button", name="提交销号申请").click()
    closure = page.locator("#closure")
    expect(closure).to_contain_text(STATEMENT)
    expect(closure.get_by_role("link", name="水源地整治验收材料.pdf")).to_be_visible()
    expect(closure.locator("li").filter(has_text=CERTIFIER_NAME)).to_contain_text("待")

    _sign_in(page, base, CERTIFIER)
    _nav(page, "整改任务")
    owed = page.locator("main section").filter(has=page.get_by_role("heading", name=re.compile("待签署的销号申请")))
    owed.get_by_role("link", name=re.compile(PROBLEM)).click()
    page.locator("#closure").get_by_role("link", name="签署认定意见").click()
    expect(page.locator("main")).to_contain_text(STATEMENT)
    expect(page.locator("main")).to_contain_text(f"以 {CERTIFIER_NAME} 的名义签署")
    page.get_by_label("同意销号").check()
    page.get_by_label("意见说明").fill("经现场核查，整改到位。")
    _shot(page, "12-sign", narrow=True)
    page.locator("main form").get_by_role("button", name="签署").click()
    expect(page.locator("#closure li").filter(has_text=CERTIFIER_NAME)).to_contain_text("同意")

    # -- 5. the office starts the public notice; a visitor objects ------------------------------------
    _open_task(page, base, OFFICE)
    page.locator("#closure").get_by_role("link", name="开始公示").click()
    expect(page.locator("main")).to_contain_text("公示期 15 天")
    expect(page.get_by_label("公示内容")).not_to_have_value("")  # prefilled from the statement
    _shot(page, "13-start-notice", narrow=True)
    page.locator("main form").get_by_role("button", name="开始公示").click()
    closure = page.locator("#closure")
    expect(closure).to_contain_text("公示期：")
    expect(closure).to_contain_text("还剩 15 天")
    ends = re.search(r"公示期：\S+ 至 (\d{4}-\d{2}-\d{2})", closure.inner_text()).group(1)

    page.context.clear_cookies()  # a visitor
    page.goto(base + "/")
    _nav(page, "整改公示")
    expect(page.get_by_role("heading", level=1)).to_contain_text("整改任务销号公示")
    item = page.locator("main article").filter(has_text=PROBLEM)
    expect(item).to_contain_text(f"牵头部门：{LEAD_NAME}")
    expect(item).to_contain_text("公示中，还剩 15 天")
    _shot(page, "14-public-notices", narrow=True)
    item.get_by_role("link", name=re.compile(PROBLEM)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("整改任务销号公示")
    expect(page.locator("main")).to_contain_text(PROBLEM)
    expect(page.locator("main")).not_to_contain_text(PERSON)  # a unit's responsible person stays internal
    _shot(page, "15-public-notice", narrow=True)
    page.get_by_role("link", name="提出异议").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("对销号公示提出异议")
    form = page.locator("main form")
    form.get_by_label("异议内容和理由").fill(OBJECTION)
    form.get_by_label("姓名").fill("王先生")
    form.get_by_label("电话").fill("13800138000")
    solve_captcha(page)
    _shot(page, "16-objection", narrow=True)
    form.get_by_role("button", name="提交异议").click()
    expect(page.locator(".flash-success")).to_contain_text("已收到您的异议")
    expect(page.locator("main")).not_to_contain_text("13800138000")

    # -- 6. the office finds the objection unfounded; 销号 waits for the end of the window ------------
    _open_task(page, base, OFFICE)
    closure = page.locator("#closure")
    expect(closure).to_contain_text("异议（1）")
    expect(closure).to_contain_text("待处理")
    closure.get_by_role("link", name="处理").click()
    expect(page.locator("main")).to_contain_text(OBJECTION)
    expect(page.locator("main")).not_to_contain_text("13800138000")  # until 查看联系方式, which is logged
    page.get_by_label("异议不成立").check()
    page.get_by_label("处理意见").fill("经现场核查，该排污口属下游养殖场，已另行交办，与本任务无关。")
    _shot(page, "17-handle-objection", narrow=True)
    page.get_by_role("button", name="保存处理结果").click()
    expect(page.locator(".flash-success")).to_have_text("已处理异议。")
    closure = page.locator("#closure")
    expect(closure).to_contain_text("异议不成立")
    expect(closure).to_contain_text(f"暂不能销号：公示期至 {ends} 结束，公示期满后才能销号。")
    expect(closure.get_by_role("link", name="销号", exact=True)).to_have_count(0)
    expect(closure.get_by_role("link", name="退回，不予销号")).to_be_visible()  # the other way out
    _shot(page, "18-closure-waits", narrow=True)

    # -- 7. the office compiles last month's 月度通报 through the job -------------------------------
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the server counts months in Beijing time
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    _nav(page, "整改任务")
    page.locator("main").get_by_role("link", name="月度通报").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("江川市生态环境保护督察整改工作月度通报")
    new = page.locator("main form").filter(has=page.get_by_role("button", name="新建"))
    expect(new.get_by_label("年份")).to_have_value(str(year))  # last month is proposed
    expect(new.get_by_label("月份")).to_have_value(str(month))
    new.get_by_role("button", name="新建").click()
    expect(page.locator(".flash-success")).to_contain_text("已新建")
    page.get_by_label("文号").fill(DOC_NUMBER)
    _shot(page, "19-bulletin-edit")
    page.locator("main form").get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("已保存")
    page.locator("#pdf").get_by_role("button", name="生成 PDF").click()
    page.wait_for_url(re.compile(r"/jobs/\d+"))
    back = page.get_by_role("link", name="查看通报和 PDF")
    expect(back).to_be_visible(timeout=90000)  # jobs.js follows the job until it ends
    expect(page.locator("#job-state")).to_have_text("已完成")
    _shot(page, "20-job-done", narrow=True)
    back.click()
    preview = page.locator("#pdf").get_by_role("link", name="预览 PDF")
    expect(preview).to_be_visible()
    _shot(page, "21-bulletin", narrow=True)
    pdf = page.request.get(base + preview.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body()[:5] == b"%PDF-"
    with pdfplumber.open(io.BytesIO(pdf.body())) as document:
        text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in document.pages))
    assert "江川市" in text and "月度通报" in text, text[:500]
    assert f"{year}年{month}月" in text and DOC_NUMBER in text, text[:500]
    if SHOT is not None:
        SHOT(pdf.body(), "22-bulletin-pdf", False)
