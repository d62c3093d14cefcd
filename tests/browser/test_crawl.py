"""Every page a visitor or a demo role can reach by following links from the home page and from the
page login lands on, in a real browser against gunicorn: no server error, an answer at all (within
the 30 s a browser waits; speed is measured in bench/, not here), no HTML tags or entities shown as
text, and no axe-core WCAG 2.0/2.1 A or AA violation. Files (exports, PDFs, attachments) are fetched
over plain HTTP and their status and headers checked."""

import re
import time
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from tests.browser.conftest import ROLES, log_in, run_axe

pytestmark = pytest.mark.browser

MAX_PAGES = 60  # per role
MAX_PER_ROUTE = 3  # URLs per route (paths with their numbers folded) and query-less path
FILE = re.compile(r"(/download\.\w+|/export\.\w+|\.pdf|/attachments/\d+)$")
LANGUAGE = re.compile(r"^/lang/")
SHOWN_MARKUP = re.compile(
    r"</?(p|ul|ol|li|table|td|th|tr|div|span|br|strong|em|a|script)\b[^>]*>|&lt;|&gt;|&amp;|&quot;|&#\d+;"
)


# Kinds of page already checked by axe, over all roles: a page kind's markup barely changes with the
# role, and axe is most of the crawl's time.
AXED: set[str] = set()


def _route(path: str) -> str:
    """/reports/12/sections/3 → /reports/#/sections/#: one axe run per page kind."""
    return re.sub(r"/\d+(?=/|$|\.)", "/#", path)


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        url, _fragment = urldefrag(urljoin(page.url, href))
        if url.startswith(base + "/") and not urlsplit(url).path.startswith("/static/"):
            found.append(url)
    return found


def _check_file(context, url: str) -> list[str]:
    response = context.request.get(url, timeout=30000)
    problems = []
    if response.status >= 500 or response.status == 404:
        problems.append(f"{url}: HTTP {response.status}")
    elif response.ok:
        headers = response.headers
        if not headers.get("content-type"):
            problems.append(f"{url}: no Content-Type")
        if "html" not in headers.get("content-type", "") and not headers.get("content-disposition"):
            problems.append(f"{url}: a file without Content-Disposition")
    return problems


def crawl(browser, base: str, username: str | None) -> tuple[list[str], int]:
    """Visit what `username` (None: a visitor) can reach; return the problems and the pages seen."""
    context = browser.new_context(locale="zh-CN", bypass_csp=True)  # axe is injected as a script
    page = context.new_page()
    page.set_default_timeout(30000)
    problems: list[str] = []
    try:
        starts = [base + "/"]
        if username:
            log_in(page, base, username)
            starts.append(page.url)
        queue = list(dict.fromkeys(starts))
        seen = set(queue)
        per_route: dict[str, int] = {}
        language_done = False
        pages = 0
        while queue and pages < MAX_PAGES:
            url = queue.pop(0)
            path = urlsplit(url).path
            if FILE.search(path):
                problems += _check_file(context, url)
                continue
            if LANGUAGE.match(path):
                if language_done:
                    continue
                language_done = True
            try:
                response = page.goto(url, wait_until="domcontentloaded")
            except Exception as error:  # noqa: BLE001 (a file served where a page was expected)
                problems.append(f"{url}: {str(error).splitlines()[0]}")
                continue
            pages += 1
            if response is None:
                continue
            if response.status >= 500:
                problems.append(f"{url}: HTTP {response.status}")
                continue
            if "html" not in (response.headers.get("content-type") or ""):
                continue
            # A form hint may name tags on purpose (「<p> 段落」); everything else is content.
            text = page.evaluate(
                "() => { const hints = [...document.querySelectorAll('.hint')]; hints.forEach(e => e.hidden = true);"
                " const text = document.body.innerText; hints.forEach(e => e.hidden = false); return text; }"
            )
            if shown := SHOWN_MARKUP.search(text):
                around = text[max(0, shown.start() - 40) : shown.end() + 40]
                problems.append(f"{page.url}: markup shown as text: …{around}…")
            # Header cells of our tables say what they head (axe leaves a missing scope alone; a
            # table typed into a report section is the author's).
            unscoped = page.eval_on_selector_all(
                "th:not([scope]):not(.rich th)", "els => els.map(e => e.innerText.trim())"
            )
            if unscoped:
                problems.append(f"{page.url}: <th> without scope: {unscoped[:5]}")
            route = ("en:" if LANGUAGE.match(path) else "") + _route(urlsplit(page.url).path)
            if route not in AXED or url in starts:
                AXED.add(route)
                problems += run_axe(page)
            if LANGUAGE.match(path):  # back to Chinese for the rest of the walk
                page.goto(base + "/lang/zh?next=/")
            for link in _links(page, base):
                link_path = urlsplit(link).path
                if link in seen or "logout" in link_path:
                    continue
                key = _route(link_path)
                if per_route.get(key, 0) >= (1 if FILE.search(link_path) else MAX_PER_ROUTE):
                    continue
                per_route[key] = per_route.get(key, 0) + 1
                seen.add(link)
                queue.append(link)
        return problems, pages
    finally:
        context.close()


@pytest.mark.parametrize("username", [None, *ROLES], ids=["anonymous", *ROLES])
def test_every_reachable_page_answers_without_markup_as_text_or_wcag_violations(browser, live_server, username):
    base, _ = live_server
    started = time.monotonic()
    problems, pages = crawl(browser, base, username)
    print(f"\n{username or 'anonymous'}: {pages} pages in {time.monotonic() - started:.1f} s")
    assert pages >= 5, f"the crawl reached only {pages} pages"
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(dict.fromkeys(problems))
