"""Year over year in a real browser against gunicorn (issue #13, points 9 and 10): the public finds in two
clicks who leads a matter and what they reported, this year and the year before; the writer of this
year's report opens what the same matter's section said last year."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

STRAW = "秸秆露天焚烧管控与综合利用"  # led by 省农业农村厅: its 2024 and 2025 reports are published (demo)
SMOG = "重污染天气应急应对"  # led by 省生态环境厅: 2024 published, 2025 being written


def test_the_public_reads_what_the_lead_reported_this_year_and_last(page, live_server):
    base, _ = live_server
    page.goto(base + "/")
    box = page.get_by_role("searchbox").first
    box.fill("秸秆焚烧")
    box.press("Enter")
    page.get_by_role("link", name=STRAW, exact=True).first.click()
    reported = page.locator("section.reported")
    expect(reported).to_contain_text("省农业农村厅")
    expect(reported).to_contain_text("2025年度专题报告")
    expect(reported).to_contain_text(f"年内按照责任清单要求全面推进「{STRAW}」工作")
    pdf = reported.get_by_role("link", name=re.compile("2025年度生态环境保护工作专题报告"))
    response = page.request.get(base + pdf.get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF")

    reported.get_by_role("link", name="2024年度").click()
    expect(page.locator("main")).to_contain_text(f"2024年，本部门将「{STRAW}」列入年度重点工作")
    expect(page.locator("main")).not_to_contain_text("年内按照责任清单要求全面推进")

    # the department's page lists its published reports by year, newest first
    page.locator("main .report-source").get_by_role("link", name="省农业农村厅", exact=True).click()
    years = page.locator(".published-reports .report-year h3")
    expect(years).to_have_text(["2025年度", "2024年度"])


def test_the_writer_opens_last_years_section_of_the_same_matter(browser, live_server):
    base, _ = live_server
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page, base, "sthj_editor")
        page.goto(base + "/reports/")
        page.get_by_role("link", name=re.compile("省生态环境厅2025年度")).first.click()
        section = page.locator("section.report-section", has=page.get_by_role("heading", name=re.compile(SMOG)))
        panel = section.locator("details.last-year")
        expect(panel).to_have_count(1)
        expect(panel.locator("summary")).to_have_text("2024年度报告中的本事项")
        last_year_text = f"2024年，本部门将「{SMOG}」列入年度重点工作"
        expect(panel.get_by_text(last_year_text)).to_be_hidden()  # collapsed until asked for
        panel.locator("summary").click()
        expect(panel.get_by_text(last_year_text)).to_be_visible()
        expect(panel).not_to_contain_text("饮用水水源地保护")  # not another matter's
        expect(panel.get_by_role("link", name=re.compile("2024年度生态环境保护工作专题报告"))).to_be_visible()
    finally:
        context.close()
