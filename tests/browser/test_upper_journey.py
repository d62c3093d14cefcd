"""The upper list moves (#14), in a real browser against gunicorn: 江川市's list follows 示例省's 2024
list; its office sees 上级清单已更新 on the workbench, opens the province's changes, takes over the new
wording for one of its matters (after confirming), and follows the new version."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

PROVINCE_MATTER = "城市黑臭水体治理"
CITY_MATTER = "城市内河黑臭水体长治久清"
NEW_WORDING = "推进城市黑臭水体整治，防止返黑返臭，实现长治久清。"


def test_city_office_updates_a_matter_and_follows_the_new_province_version(page, live_server):
    base, _ = live_server
    log_in(page, base, "jiangchuan_office")
    page.goto(base + "/manage/")
    notice = page.locator(".upper-notice")
    expect(notice).to_contain_text("上级清单已更新")
    expect(notice).to_contain_text("本级清单跟随的是「2024年版」")
    notice.get_by_role("link", name="核对上级清单的变化").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("上级清单的变化")
    change = page.locator("section.upper-change", has=page.get_by_role("heading", name=re.compile(PROVINCE_MATTER)))
    expect(change).to_contain_text(NEW_WORDING)
    row = change.locator("li", has_text=CITY_MATTER)
    expect(row).to_contain_text("相似")
    row.get_by_role("link", name="采用上级新表述").click()

    # The confirmation shows what changes; nothing is saved until confirmed.
    expect(page.get_by_role("heading", level=1)).to_have_text("采用上级新表述")
    expect(page.locator("main")).to_contain_text("巩固黑臭水体整治成效，防止返黑返臭。")
    page.get_by_role("button", name="确认更新").click()
    # The province's latest version: 2025年版, or one another journey on this server published since.
    expect(page.locator(".flash-success")).to_contain_text(re.compile(r"已按上级清单「\d{4}年版」更新"))
    change = page.locator("section.upper-change", has=page.get_by_role("heading", name=re.compile(PROVINCE_MATTER)))
    expect(change.locator("li", has_text=CITY_MATTER)).to_contain_text("已一致")

    # The city matter's page shows the new wording.
    change.get_by_role("link", name=CITY_MATTER).click()
    expect(page.locator("main")).to_contain_text(NEW_WORDING)

    # Follow the new version: the notice is gone.
    page.goto(base + "/manage/990100/upper")
    page.get_by_role("link", name="已核对，跟随新版本").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("跟随上级清单版本")
    page.get_by_role("button", name="确认跟随").click()
    expect(page.locator(".flash-success")).to_contain_text("本级清单已跟随上级清单")
    expect(page.locator("main")).to_contain_text("没有需要核对的变化")
    page.goto(base + "/manage/")
    expect(page.locator(".upper-notice")).to_have_count(0)
