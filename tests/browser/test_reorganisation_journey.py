"""机构改革 in a real browser against gunicorn: the province office renames a bureau (its old name kept
and shown) and merges another into a commission; the merged bureau's old pages, working and public,
name the successor and the 文号. Fields are found by their labels, as a person finds them."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _open_department(page, base: str, name: str) -> str:
    page.goto(base + "/manage/990000/departments")
    page.locator("main").get_by_role("link", name=name, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    return page.url


def test_office_renames_and_merges_departments(page, live_server):
    base, _ = live_server
    log_in(page, base, "province_office")

    # rename: 省林业局 → 省林业和草原局, the old name kept as 曾用名
    _open_department(page, base, "省林业局")
    page.locator("main").get_by_role("link", name="更名", exact=True).click()
    page.get_by_label("新全称").fill("省林业和草原局")
    page.get_by_label("新简称").fill("省林草局")
    page.get_by_label("文号").fill("示编发〔2026〕5号")
    page.get_by_label("施行日期").fill("2026-03-01")
    page.get_by_role("button", name="确认更名").click()
    main = page.locator("main")
    expect(page.get_by_role("heading", level=1)).to_contain_text("省林业和草原局")
    expect(main).to_contain_text("省林业局（曾用名）")
    expect(main).to_contain_text("示编发〔2026〕5号")

    # merge: 省能源局 into 省发展和改革委员会; refused until confirmed
    energy = _open_department(page, base, "省能源局")
    energy_id = energy.rstrip("/").rsplit("/", 1)[-1]
    page.locator("main").get_by_role("link", name="合并", exact=True).click()
    expect(page.get_by_label("省能源局")).to_be_checked()
    page.get_by_label("合并为").select_option(label="省发展和改革委员会")
    page.get_by_label("文号").fill("示编发〔2026〕6号")
    page.get_by_role("button", name="确认合并").click()
    expect(page.locator(".error-summary")).to_contain_text("请勾选确认")
    page.get_by_label(re.compile("我已核对")).check()
    page.get_by_role("button", name="确认合并").click()
    expect(main).to_contain_text("已将「省能源局」并入「省发展和改革委员会」")
    expect(page.get_by_role("heading", level=1)).to_contain_text("省发展和改革委员会")
    expect(main).to_contain_text("省能源局（曾用名）")
    # what 省能源局 led is now led by the commission
    expect(main.locator("#led + .table-wrap, #led ~ .table-wrap").first).to_contain_text("可再生能源发展")

    # the old working page names the successor, with a link
    page.goto(energy)
    expect(main).to_contain_text("已撤销")
    notice = main.locator(".succession").first
    expect(notice).to_contain_text("本部门已并入")
    expect(notice).to_contain_text("示编发〔2026〕6号")
    notice.get_by_role("link", name="省发展和改革委员会").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("省发展和改革委员会")

    # the old public page (of the published version) still works and says who took over
    page.goto(f"{base}/departments/{energy_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("省能源局")
    expect(page.locator("main")).to_contain_text("该部门已并入")
    page.locator("main .succession").get_by_role("link", name="省发展和改革委员会").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("省发展和改革委员会")
