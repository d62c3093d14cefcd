"""WCAG 2.1 AA points axe cannot judge alone, in a real browser against gunicorn: the focus indicator's
contrast (1.4.11), reflow at 320 CSS px (1.4.10), and a failed form's error summary and descriptions
(3.3.1, 1.3.1)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _background(locator) -> str:
    """The first opaque background colour behind an element."""
    return locator.evaluate(
        """e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
             if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; }"""
    )


def test_the_focus_ring_stands_out_three_to_one_on_the_page_and_in_the_header(page, live_server):
    base, _ = live_server
    page.goto(base + "/jurisdictions/990000")
    for link in (page.locator("main a").first, page.locator(".main-nav a").first):
        link.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focus from the keyboard, so :focus-visible applies
        outline = link.evaluate("e => getComputedStyle(e).outlineColor")
        around = _background(link.locator(".."))
        assert link.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
        assert _contrast(outline, around) >= 3, (outline, around, _contrast(outline, around))


def test_a_report_page_does_not_scroll_sideways_at_320_css_pixels(browser, live_server):
    base, _ = live_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 320, "height": 700})
    page = context.new_page()
    try:
        log_in(page, base, "province_office")
        page.goto(base + "/reports/inbox")
        page.locator("main table a").first.click()
        expect(page).to_have_url(re.compile(r"/reports/\d+$"))
        reports = [page.url]
        # and a published one, with its SHA-256
        page.goto(base + "/reports/")
        for link in page.locator("main a[href^='/reports/']").all():
            href = link.get_attribute("href")
            if re.fullmatch(r"/reports/\d+", href or ""):
                reports.append(base + href)
        for url in dict.fromkeys(reports):
            page.goto(url)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 320 CSS px"
    finally:
        context.close()


def test_a_failed_submit_lists_the_errors_at_the_top_and_ties_hint_and_error_to_the_field(page, live_server):
    base, _ = live_server
    log_in(page, base, "province_office")
    page.goto(base + "/manage/990000/queue")
    page.get_by_role("link", name="明确牵头部门").first.click()
    page.get_by_label("发文明确").check()  # a document without its number
    page.get_by_label("文号").fill("")
    page.get_by_role("button", name="确定").click()

    summary = page.get_by_role("alert").filter(has=page.get_by_role("list"))
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile("牵头部门"))).to_have_attribute("href", "#lead")
    doc_link = summary.get_by_role("link", name=re.compile("文号"))
    expect(doc_link).to_have_count(1)
    doc_link.click()
    expect(page.get_by_label("文号")).to_be_focused()

    number = page.get_by_label("文号")
    expect(number).to_have_attribute("aria-invalid", "true")
    field_id = number.get_attribute("id")
    described = (number.get_attribute("aria-describedby") or "").split()
    assert f"{field_id}-hint" in described and f"{field_id}-error" in described, described
    expect(page.locator(f"#{field_id}-hint")).to_be_visible()
    expect(page.locator(f"#{field_id}-error")).to_be_visible()
