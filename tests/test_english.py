"""English mode: every page's interface text is English; the data (names of departments and
jurisdictions, matter titles, responsibility texts, categories, report texts) stays as entered, in
Chinese. Each page is rendered in English as a role that may see it; the data values are read from the
database and struck out of the page's visible text, and whatever Chinese remains is interface text
that was not translated."""

import contextlib
import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import current_app, g
from flask_babel import refresh
from sqlalchemy import JSON, String, Text, select

from registry.extensions import db
from registry.lists.fileformat import HEADER
from tests.conftest import csrf_token

HAN = re.compile(r"[\u4e00-\u9fff]")
# A run of Chinese text with the punctuation and digits that sit inside it.
RUN = re.compile(r"[0-9]*[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef][\u4e00-\u9fff\u3000-\u303f\uff00-\uffef0-9·\- ]*")
PUNCTUATION = " ·-（）()、，。：；“”「」《》"
DIGITS = "0123456789"
INVISIBLE = re.compile(r"<(script|style)\b.*?</\1>", re.S)
ATTRIBUTE = re.compile(r'\b(?:placeholder|title|aria-label|alt)="([^"]*)"')
TAG = re.compile(r"<[^>]+>")
# Not data in the database, yet rightly Chinese in English mode: the link back to Chinese, the logo's
# character, example queries (the list is written in Chinese, so are the words to search it with) and
# examples of what to type into a field (e.g. 第十条).
ALLOWED = {"中文", "责", "秸秆", "扬尘", "黑臭水体", "危险废物", "秸秆焚烧", "工地扬尘", "烧秸秆", "噪音", "臭水沟"}
ALLOWED |= {"第十条", "2026年版", "示政办发〔2026〕5号"}
# The import page names the columns a file must have, as the file must spell them.
IMPORT_FORMAT = {*HEADER, "责任部门", "第", "条"}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():  # keys are field names: interface, not data
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def data_values() -> list[str]:
    """Every Chinese text the database holds (rich text as its lines) and the site's configured footer
    (who runs it, contact, 备案), longest first."""
    values = {
        current_app.config[key] for key in ("SITE_OPERATOR", "SITE_CONTACT", "SITE_ICP") if key in current_app.config
    }
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns or table.name == "search_entries":
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                if isinstance(value, str) and value[:1] in "[{":
                    with contextlib.suppress(ValueError):
                        value = json.loads(value)
                for text in _strings(value):
                    if HAN.search(text):
                        for line in html.unescape(TAG.sub("\n", text)).splitlines():
                            if line.strip():
                                values.add(line.strip())
    return sorted(values, key=len, reverse=True)


def untranslated(page: str, data: list[str], allowed: set[str] = frozenset()) -> list[str]:
    """The Chinese left on a page (visible text and the attributes people read) once data is struck out."""
    body = INVISIBLE.sub(" ", page)
    text = html.unescape(TAG.sub("\n", body)) + "\n" + "\n".join(html.unescape(a) for a in ATTRIBUTE.findall(body))
    for value in data:
        if len(value) >= 2:  # a one-character value (the category 水) would cut words apart
            text = text.replace(value, "\n")
    known = set(data) | ALLOWED | allowed
    runs = {m.group(0).strip(PUNCTUATION) for m in RUN.finditer(text)}
    # 水（10）: a category and its count
    return sorted(r for r in runs if HAN.search(r) and r not in known and r.strip(PUNCTUATION + DIGITS) not in known)


def english_page(client, path: str, *, status: int = 200, **kwargs) -> str:
    refresh()  # the test shares one app context, where Flask-Babel keeps the locale it first found
    response = client.get(path, **kwargs)
    assert response.status_code == status, path
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page, path
    return page


@pytest.fixture
def ids(demo):
    """The demo's records the pages are about, by what a person knows them by."""
    from registry.jurisdictions.models import Jurisdiction
    from registry.lists.models import Department, Matter, MatterStatus
    from registry.reports.models import AnnualReport, ReportingCycle
    from registry.versions.models import ListVersion

    province = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990000"))
    version = db.session.scalar(
        select(ListVersion).where(ListVersion.jurisdiction_id == province.id).order_by(ListVersion.id)
    )
    ecology = db.session.scalar(
        select(Department).where(Department.jurisdiction_id == province.id, Department.name == "省生态环境厅")
    )
    pending = db.session.scalar(
        select(Matter).where(Matter.jurisdiction_id == province.id, Matter.status == MatterStatus.PENDING)
    )
    led = db.session.scalar(select(Matter).where(Matter.jurisdiction_id == province.id, Matter.title.contains("秸秆")))
    cycle = db.session.scalar(
        select(ReportingCycle).where(ReportingCycle.jurisdiction_id == province.id, ReportingCycle.year == 2025)
    )
    report = db.session.scalar(
        select(AnnualReport).where(AnnualReport.cycle_id == cycle.id, AnnualReport.department_id == ecology.id)
    )
    section = next(s for s in report.sections if s.kind == "free")
    return {
        "version": version.label,
        "ecology": ecology.id,
        "pending": pending.id,
        "matter": led.id,
        "cycle": cycle.id,
        "report": report.id,
        "section": section.id,
    }


PUBLIC = [
    "/",
    "/jurisdictions",
    "/jurisdictions/100000",
    "/jurisdictions/990000",
    "/jurisdictions/990000/versions",
    "/jurisdictions/990000/versions/{version}",
    "/jurisdictions/990000/compare",
    "/matters/{matter}",
    "/departments/{ecology}",
    "/search?q=秸秆",
    "/search?q=没有这样的事",
    "/search?q=烧",
    "/login",
    "/no-such-page",
]
OFFICE = [
    "/manage/",
    "/manage/990000/",
    "/manage/990000/matters",
    "/manage/990000/matters/new",
    "/manage/matters/{matter}",
    "/manage/matters/{matter}/edit",
    "/manage/matters/{pending}/decide",
    "/manage/matters/{pending}/delegate",
    "/manage/990000/departments",
    "/manage/departments/{ecology}",
    "/manage/990000/queue",
    "/manage/990000/documents",
    "/manage/990000/health",
    "/manage/990000/audit",
    "/manage/matters/{matter}/audit",
    "/manage/990000/versions",
    "/manage/990000/versions/compare",
    "/manage/990000/versions/publish",
    "/manage/990000/import",
    "/reports/",
    "/reports/inbox",
    "/reports/cycles/{cycle}",
    "/reports/{report}",
]
DEPARTMENT = ["/manage/", "/reports/", "/reports/inbox", "/reports/{report}", "/reports/{report}/sections/{section}"]
ADMIN = ["/admin/users", "/admin/users/new", "/admin/jurisdictions"]


@pytest.mark.parametrize(
    ("username", "paths"),
    [(None, PUBLIC), ("province_office", OFFICE), ("sthj_editor", DEPARTMENT), ("admin", ADMIN)],
    ids=["public", "office", "department", "admin"],
)
def test_pages_in_english_show_no_chinese_but_data(client, auth, ids, username, paths):
    client.get("/lang/en")  # before signing in: the welcome is then in English too
    if username:
        auth.login(username)
    data = data_values()
    found = {}
    for path in paths:
        path = path.format(**ids)
        page = english_page(client, path, status=404 if path == "/no-such-page" else 200)
        typed = set(parse_qs(urlsplit(path).query).get("q", []))  # the query, shown back to the searcher
        if left := untranslated(page, data, typed | (IMPORT_FORMAT if path.endswith("/import") else set())):
            found[path] = left
    assert not found, "Chinese interface text in English mode:\n" + "\n".join(f"{p}: {t}" for p, t in found.items())


def test_language_chosen_by_a_link_with_lang_stays_for_the_next_pages(client, demo):
    """A shared link such as /?lang=en opens the site in English, and the pages it leads to stay English."""
    refresh()
    client.get("/?lang=en")
    page = english_page(client, "/jurisdictions")
    assert "Responsibility lists" in page


def test_sign_in_prompt_is_in_english(client, demo):
    client.get("/lang/en")
    refresh()
    page = client.get("/manage/", follow_redirects=True).get_data(as_text=True)
    assert "Please log in first." in page and "请先登录" not in page


def test_form_errors_are_in_english(client, auth, ids):
    client.get("/lang/en")
    auth.login("province_office")
    g.pop("csrf_token", None)
    data = data_values()
    refresh()
    token = csrf_token(client, "/manage/990000/matters/new")
    refresh()
    page = client.post("/manage/990000/matters/new", data={"csrf_token": token, "category": "", "title": ""})
    left = untranslated(page.get_data(as_text=True), data)
    assert not left, left


def test_role_choices_are_in_english(client, auth, demo):
    client.get("/lang/en")
    auth.login("admin")
    page = english_page(client, "/admin/users/new")
    assert ">Department editor<" in page or ">Department editor" in page
    assert "部门填报人" not in page


def test_report_section_titles_are_in_english_and_the_report_keeps_them_in_chinese(client, auth, ids):
    from registry.reports.models import ReportSection

    client.get("/lang/en")
    auth.login("sthj_editor")
    page = english_page(client, f"/reports/{ids['report']}")
    assert "总体情况" not in page and "配合事项落实情况" not in page
    assert db.session.get(ReportSection, ids["section"]).title == "总体情况"  # the stored, printed title


def test_matter_cards_in_english_use_english_punctuation(client, demo):
    client.get("/lang/en")
    page = english_page(client, "/jurisdictions/990000")
    assert "Lead department:" in page and "Lead department：" not in page
    client.get("/lang/zh")
    refresh()
    assert "牵头部门：" in client.get("/jurisdictions/990000").get_data(as_text=True)
