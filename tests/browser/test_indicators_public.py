"""A visitor reads the targets (#19) in Chromium against the real server (gunicorn): the province's page
shows its indicators as small multiples with their status written out, one indicator's page shows
its chart (the narrow SVG on a phone, the wide one on a desktop) and the table of its values. The
demo's 示例省 carries the indicators (registry/demo/targets/)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

STATUSES = ("已达标", "符合序时进度", "进度滞后", "未达标", "无数据")


def _loaded(image) -> bool:
    image.scroll_into_view_if_needed()
    image.page.wait_for_function("i => i.complete", arg=image.element_handle())
    return image.evaluate("i => i.naturalWidth") > 0


@pytest.mark.parametrize("width", [390, 1366])
def test_the_dashboard_and_an_indicator_page_show_their_charts(browser, live_server, width):
    base, _facts = live_server
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(base + "/jurisdictions/990000")
        dashboard = page.locator("section.indicator-dashboard")
        expect(dashboard.get_by_role("heading", level=2)).to_have_text("生态环境保护目标指标")
        expect(dashboard.locator(".indicator-summary")).to_contain_text("共")
        first = dashboard.locator(".indicator-card").first
        assert first.locator(".indicator-tag").inner_text() in STATUSES
        assert _loaded(first.locator("img"))
        # Nothing sticks out sideways on a phone.
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

        name = first.get_by_role("heading", level=3).inner_text()
        first.get_by_role("heading", level=3).get_by_role("link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        chart = page.locator("figure.indicator-figure img")
        assert _loaded(chart)
        assert "表格" in chart.get_attribute("alt")
        source = chart.evaluate("i => i.currentSrc")
        assert ("size=narrow" in source) == (width < 600), source
        table = page.locator("table.indicator-values").first
        statuses = table.locator("tbody .tag").all_inner_texts()
        assert set(statuses) & set(STATUSES), statuses
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

        # The chart on its own: an SVG image, not a page.
        response = page.request.get(source)
        assert response.ok and response.headers["content-type"].startswith("image/svg+xml")
    finally:
        context.close()
