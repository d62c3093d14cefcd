"""Long lists of matters are written in Python (registry/public/html.py) from the cards the search
index keeps: what a visitor sees of each matter, and that a version without cards shows the same."""

import re

from sqlalchemy import update

from registry.extensions import db
from registry.public.cache import reset_caches
from registry.public.html import matter_item, matter_rows
from registry.public.models import SearchEntry

MATTER = {
    "id": 7,
    "title": "秸秆<script>露天焚烧</script>管控",
    "category": "大气",
    "description": "禁" * 130,
    "status": "delegated",
    "status_label": "已交由下级明确",
    "lead": None,
    "delegated_to": {"code": "990100", "name": "江川市"},
    "co_leads": [{"id": 3, "name": "省农业农村厅"}],
    "cooperating": [{"id": 4, "name": "省生态环境厅"}, {"id": 5, "name": "省公安厅 & 交警"}],
    "territorial": [{"code": "*", "name": ""}],
    "deadline": {"text": "2026年底前", "date": "2026-12-31"},
    "jurisdiction": {"code": "990000", "name": "示例省"},
    "version": "2025年版",
}
LABELS = {"lead": "牵头部门", "cooperating": "配合部门", "pending": "待明确", "colon": "："}


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_a_matter_in_a_list_shows_what_the_page_showed_and_escapes_the_data(app):
    with app.test_request_context("/jurisdictions/990000"):
        html = str(matter_item(MATTER, LABELS, show_place=True, heading="h2"))
    assert '<h2><a href="/matters/7">秸秆&lt;script&gt;露天焚烧&lt;/script&gt;管控</a></h2>' in html
    assert "<script>" not in html
    words = text_of(html)
    assert "交由江川市研究明确" in words  # delegated: no lead yet
    assert "共同牵头：省农业农村厅" in words
    assert "配合部门：省生态环境厅、省公安厅 &amp; 交警" in words
    assert "属地落实：各下级人民政府 · 完成时限：2026年底前" in words
    assert "示例省 · 2025年版" in words
    assert '<span class="tag warn">' in html  # not yet assigned
    assert '<a href="/departments/5">' in html
    # The description is cut to 120 characters, as before.
    assert "禁" * 117 + "..." in words and "禁" * 118 not in words


def test_a_pending_matter_says_so_and_a_table_row_names_nobody_plainly(app):
    pending = {**MATTER, "status": "pending", "delegated_to": None, "co_leads": [], "cooperating": []}
    with app.test_request_context("/"):
        html = str(matter_item(pending, LABELS))
        row = str(matter_rows([pending], "lead", "待明确"))
    assert '<span class="muted">待明确</span>' in html
    assert "配合部门" not in text_of(html)
    assert row.endswith('<td><span class="muted">待明确</span></td></tr>')


def matter_list(html: str) -> str:
    return html[html.index('<ul class="matter-list">') : html.index("</ul>", html.index('<ul class="matter-list">'))]


def table_rows(html: str) -> list[str]:
    return re.findall(r"<tr><td>.*?</tr>", html)


def test_without_the_index_cards_the_pages_show_the_same_matters(client, demo):
    """Cards come from the search index; a version indexed before they existed is read the long way."""
    department = "/departments/" + re.search(r'href="/departments/(\d+)"', client.get("/jurisdictions/990000").text)[1]
    before = client.get("/jurisdictions/990000").text, client.get(department).text
    assert table_rows(before[1])

    db.session.execute(update(SearchEntry).values(card=None))
    reset_caches()
    after = client.get("/jurisdictions/990000").text, client.get(department).text
    assert matter_list(after[0]) == matter_list(before[0])
    assert table_rows(after[1]) == table_rows(before[1])
