"""An office brings in a Word document in its own layout (#14), in a real browser against gunicorn:
the preview proposes what each column means, the office corrects one column, confirms, and the list
shows leads, co-leads, cooperating departments, territorial implementers and deadlines; uploading the
same document again changes nothing. No script is needed: every step is a plain form."""

import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

TITLE = "工业园区废气联合巡查"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _word_document() -> bytes:
    """A task-division table as a Word document (序号 | 工作任务 | 牵头单位 | 会同单位 | 责任单位 | 完成时限):
    会同单位 are co-leads, a header the importer does not know; 责任单位 cooperate, with the governments
    of every city below carrying it out."""
    import docx

    document = docx.Document()
    document.add_paragraph("示例省2026年大气污染防治重点任务分工")
    rows = [
        ["序号", "工作任务", "牵头单位", "会同单位", "责任单位", "完成时限"],
        ["1", TITLE, "省生态环境厅", "省工业和信息化厅", "各市人民政府、省公安厅", "2026年10月底前"],
        ["2", "餐饮油烟在线监控联网", "省市场监督管理局", "", "省商务厅", "年底前"],
    ]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _upload(page, base: str, content: bytes) -> None:
    page.goto(base + "/manage/990000/import")
    page.get_by_label("清单文件").set_input_files(
        {"name": "大气任务分工.docx", "mimeType": DOCX_TYPE, "buffer": content}
    )
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("导入预览")


def _planned_row(page):
    """The matter's row in the preview's table of matters to add (the column table above shows its title too)."""
    return page.get_by_role("row", name=re.compile(TITLE)).last


def test_office_imports_a_word_document_corrects_a_column_and_reimports(page, live_server):
    base, _ = live_server
    log_in(page, base, "province_office")
    content = _word_document()

    _upload(page, base, content)
    expect(page.get_by_role("heading", name="版式识别")).to_be_visible()
    co_lead_column = page.get_by_label("第 4 列「会同单位」的含义")
    expect(co_lead_column).to_have_value("ignore")  # proposed: a header it does not know is not imported
    row = _planned_row(page)
    expect(row).not_to_contain_text("省工业和信息化厅")

    # The office says what 会同单位 means here, and the preview is planned again.
    co_lead_column.select_option(label="共同牵头部门")
    page.get_by_role("button", name="应用映射").click()
    expect(page.locator(".flashes")).to_contain_text("已应用映射")
    expect(page.get_by_label("第 4 列「会同单位」的含义")).to_have_value("co_lead")
    row = _planned_row(page)
    for shown in ("省生态环境厅", "省工业和信息化厅", "省公安厅", "各下级人民政府", "2026年10月底前"):
        expect(row).to_contain_text(shown)

    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".flashes")).to_contain_text("导入完成")

    # The list shows the lead and co-lead, the cooperating department and the deadline …
    page.goto(base + "/manage/990000/matters?text=" + TITLE)
    row = page.get_by_role("row", name=re.compile(TITLE))
    for shown in ("省生态环境厅", "省工业和信息化厅", "省公安厅", "2026年10月底前"):
        expect(row).to_contain_text(shown)
    # … and the matter its territorial implementers.
    row.get_by_role("link", name=TITLE).click()
    main = page.locator("main")
    expect(main).to_contain_text("共同牵头部门")
    expect(main).to_contain_text("各下级人民政府")
    expect(main).to_contain_text("2026年10月底前")

    # The same document again: the office's mapping is remembered and nothing changes.
    _upload(page, base, content)
    expect(page.get_by_label("第 4 列「会同单位」的含义")).to_have_value("co_lead")
    expect(page.locator("main")).to_contain_text("文件与工作清单一致，导入不会改变任何内容。")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
