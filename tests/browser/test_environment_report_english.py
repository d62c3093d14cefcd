"""An office working with the interface in English compiles and publishes the government's yearly
report (seed 000, #19) in a real browser against gunicorn, the PDF compiled by the background job:
the PDF stays current whatever the language, publishing is not refused, and the published document
is Chinese. 江川市's 2023 (locked by the demo already), so that no other test's year gets locked."""

import io
import re

import pdfplumber
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

BASE = "/manage/990100/environment-reports"


def test_an_office_in_english_publishes_a_chinese_report(page, live_server):
    base, _ = live_server
    page.goto(base + "/lang/en")
    log_in(page, base, "jiangchuan_office")
    page.goto(base + f"{BASE}/new")
    page.locator("input[name=year]").fill("2023")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.goto(base + f"{BASE}/2023")
    page.locator("form[action$='/compile'] button").click()
    page.wait_for_url(re.compile(r"/jobs/\d+"))
    page.goto(base + f"{BASE}/2023")
    for _ in range(60):  # the job compiles in the background; the report's page says when it is done
        if page.get_by_text("Up to date").count() or page.get_by_text("Out of date").count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(page.get_by_text("Up to date")).to_be_visible()

    page.goto(base + f"{BASE}/2023/publish")
    page.locator("input[name=confirm]").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash").first).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("try again")

    pdf = page.request.get(base + "/jurisdictions/990100/environment-reports/2023.pdf")
    assert pdf.status == 200
    with pdfplumber.open(io.BytesIO(pdf.body())) as document:
        text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in document.pages))
    assert "江川市2023年度环境状况和环境保护目标完成情况报告" in text
    assert "实际值" in text and "目标值28" in text and "（力争26）" in text
    for english in ("Actual", "Target", "stretch", "Stretch", "Expected"):
        assert english not in text, english
