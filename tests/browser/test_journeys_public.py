"""The public's core job, in a real browser against gunicorn: find who leads 秸秆焚烧 and take the list
home as XLSX and CSV."""

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

STRAW = "秸秆露天焚烧管控与综合利用"  # the demo's province-level straw matter
LEAD = "省农业农村厅"
QUERY = "秸秆焚烧"


def _rows_of(download) -> list[list[str]]:
    data = Path(download.path()).read_bytes()
    if download.suggested_filename.endswith(".xlsx"):
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _straw_row(rows: list[list[str]]) -> dict[str, str]:
    header_at = next(i for i, row in enumerate(rows) if "具体事项" in row and "牵头部门" in row)
    header = rows[header_at]
    records = [dict(zip(header, row, strict=False)) for row in rows[header_at + 1 :]]
    assert len(records) >= 10, f"only {len(records)} rows under the header"
    return next(r for r in records if r.get("具体事项") == STRAW)


def test_find_who_leads_straw_burning_and_download_the_list(browser, live_server):
    base, _ = live_server
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(base + "/")
        # The words a person would type, not the list's wording (秸秆露天焚烧…).
        box = page.get_by_role("searchbox").first
        box.fill(QUERY)
        box.press("Enter")
        result = page.locator("ol.matter-list > li", has=page.get_by_role("link", name=STRAW, exact=True))
        expect(result).to_have_count(1)
        expect(result).to_contain_text(LEAD)
        result.get_by_role("link", name=STRAW, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(STRAW)
        expect(page.locator("dl.facts dd").first).to_have_text(LEAD)

        page.goto(base + "/jurisdictions/990000")
        for label, suffix in (("下载 Excel（XLSX）", ".xlsx"), ("下载 CSV", ".csv")):
            with page.expect_download() as info:
                page.get_by_role("link", name=label).first.click()
            download = info.value
            assert download.suggested_filename.endswith(suffix), download.suggested_filename
            assert "示例省" in download.suggested_filename
            row = _straw_row(_rows_of(download))
            assert row["牵头部门"] == LEAD, row
    finally:
        context.close()
