"""The audit log as a clerk reads it: Chinese labels, names instead of ids, rich text as a text diff,
filters and pages; and every time shown in Beijing time."""

import ast
import html
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.lists.models import Matter
from registry.lists.queries import ENTITY_LABELS, FIELD_LABELS
from tests.lists.conftest import department, jurisdiction
from tests.reports.conftest import explain_empty_led_matters

ROOT = Path(__file__).resolve().parents[2]
# 2026-12-01 20:30 UTC is 2026-12-02 04:30 in Beijing: the UTC date and the local date differ.
EVENING_UTC = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)


def visible(page: str) -> str:
    """The text a person sees: tags removed, entities decoded (attribute values are not seen)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _user(name):
    from registry.auth.models import User

    return db.session.scalar(select(User).where(User.username == name))


def _pending_matter() -> Matter:
    return db.session.scalar(
        select(Matter)
        .where(Matter.status == "pending", Matter.jurisdiction_id == jurisdiction("990000").id)
        .order_by(Matter.id)
        .limit(1)
    )


def _save_section(browser, report, text: str) -> None:
    section = report.sections[0]
    url = f"/reports/{report.id}/sections/{section.id}"
    fields = {"progress": text, "measures": "", "problems": "", "plans": "", "body": text}
    assert browser.post(url, fields).status_code == 302


def test_report_edits_show_a_text_diff_with_chinese_labels_never_html(browser, reports):
    report = reports["省生态环境厅"]
    browser.login("sthj_editor")
    _save_section(browser, report, "<p>本年度完成了<strong>大气污染</strong>防治攻坚任务，PM2.5 年均浓度下降 5%。</p>")
    _save_section(browser, report, "<p>本年度完成了<strong>大气污染</strong>防治攻坚任务，PM2.5 年均浓度下降 6%。</p>")
    browser.login("province_office")
    page = browser.get("/manage/990000/audit?type=report_sections")
    text = visible(page)
    # Object and field in Chinese; the record named by its report and section, not its table.
    assert "报告章节" in text and "report_sections" not in text
    assert "正文" in text and "body" not in text.split("操作日志")[-1]
    assert "省生态环境厅2025年度生态环境保护工作专题报告 · " in text
    # The stored HTML is neither shown as tags nor rendered: a word diff of its text.
    assert "<p>" not in text and "<strong>" not in text and "&lt;" not in page.split("<tbody>")[1]
    assert '<del class="diff-removed">5%</del><ins class="diff-added">6%</ins>' in page
    assert "<strong>" not in page.split("<tbody>")[1]


def test_delegation_names_the_jurisdiction_not_its_code(browser):
    from registry.lists.services import decisions

    office = _user("province_office")
    pending = _pending_matter()
    decisions.delegate_matter(
        pending, to=jurisdiction("990100"), basis_kind="meeting", basis_date=date(2026, 11, 30), actor=office
    )
    db.session.flush()
    browser.login("province_office")
    page = browser.get(f"/manage/990000/audit?object=matters:{pending.id}")
    text = visible(page)
    assert "交由下级" in text and "江川市" in page.split("<tbody>")[1]
    assert "990100" not in text
    assert "已交由下级研究明确" in text and "delegated" not in text  # the status, in words


def test_filters_by_action_actor_date_and_object_and_pages_of_twenty(browser):
    browser.login("province_office")
    sthj = department("省生态环境厅")
    browser.post("/manage/990000/departments/new", {"name": "省数据局", "sector": "数据"})
    browser.get("/manage/990000/departments")  # shows, and so clears, the 已新增 message
    db.session.expire_all()
    created = db.session.scalar(
        select(AuditEntry).where(AuditEntry.entity_type == "departments").order_by(AuditEntry.id.desc()).limit(1)
    )
    created.at = datetime(2026, 6, 30, 20, 30, tzinfo=UTC)  # 2026-07-01 in Beijing, 2026-06-30 in UTC
    db.session.flush()

    by_action = visible(browser.get("/manage/990000/audit?action=transition"))
    assert "流转" in by_action and "省数据局" not in by_action

    by_actor = browser.get("/manage/990000/audit?actor=示例省生态环境保护委员会办公室&type=departments")
    rows = visible(by_actor.split("<tbody>")[1])  # the actor filter still offers every actor
    assert "省数据局" in rows and "省生态环境厅 负责人" not in rows

    on_the_day = visible(browser.get("/manage/990000/audit?from=2026-07-01&to=2026-07-01"))
    assert "省数据局" in on_the_day and "2026-07-01 04:30" in on_the_day
    assert "国家发展和改革委员会" not in on_the_day and "工业企业大气污染防治" not in on_the_day
    day_before = visible(browser.get("/manage/990000/audit?from=2026-06-30&to=2026-06-30&type=departments"))
    assert "省数据局" not in day_before and "没有符合条件的操作记录" in day_before

    one = visible(browser.get(f"/manage/990000/audit?object=departments:{sthj.id}"))
    assert "只看" in one and "省生态环境厅" in one and "省数据局" not in one

    page = browser.get("/manage/990000/audit?type=matters")
    assert page.count('<td class="when"') == 20 and "page=2" in page
    # A bad date is told, not a crash.
    assert "日期格式" in browser.get("/manage/990000/audit?from=2026-13-45")
    browser.get("/manage/990000/audit?object=matters:abc")
    # The edges of the calendar are told too (local midnight there is outside what a time can hold).
    assert "1900年至2999年" in browser.get("/manage/990000/audit?to=9999-12-31")
    assert "1900年至2999年" in browser.get("/manage/990000/audit?from=0001-01-01")


def test_narrowing_to_another_jurisdictions_record_names_nothing_of_it(browser):
    """A city office narrows its log by any id it likes; it must not learn the names of the
    province's working matters or of user accounts that way."""
    browser.login("jiangchuan_office")
    province_matter = _pending_matter()
    admin = _user("admin")
    for key, secret in ((f"matters:{province_matter.id}", province_matter.title), (f"users:{admin.id}", "系统管理员")):
        page = visible(browser.get(f"/manage/990100/audit?object={key}"))
        assert "只看" in page and secret not in page


def _recorded_keys() -> tuple[set[str], set[str]]:
    """Entity types passed as entity_type= and the keys of before=/after= dicts and audit_data()
    returns, read from every record() call and audit_data() in registry/."""
    types, keys = set(), set()
    for path in (ROOT / "registry").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "record":
                for kw in node.keywords:
                    if kw.arg == "entity_type" and isinstance(kw.value, ast.Constant):
                        types.add(kw.value.value)
                    if kw.arg in ("before", "after") and isinstance(kw.value, ast.Dict):
                        keys |= {k.value for k in kw.value.keys if isinstance(k, ast.Constant)}
            if isinstance(node, ast.FunctionDef) and node.name in ("audit_data", "matter_audit_data", "duty_data"):
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Dict):
                        keys |= {k.value for k in sub.keys if isinstance(k, ast.Constant)}
    return types, keys


def test_every_recorded_entity_and_field_has_a_label(demo, reports):
    types, keys = _recorded_keys()
    assert {"matters", "duties"} <= types and {"state", "body", "delegated_to"} <= keys  # the walk worked
    # Every model a service records: the ones the demo's entries name, and every table behind record().
    types |= set(db.session.scalars(select(AuditEntry.entity_type).distinct()))
    for entry in db.session.scalars(select(AuditEntry)):
        keys |= set(entry.before or {}) | set(entry.after or {})
    types |= {"report_attachments", "units", "users"}
    assert not sorted(types - set(ENTITY_LABELS)), "entity types without a label"
    assert not sorted(keys - set(FIELD_LABELS)), "fields without a label"


# -- one time zone ---------------------------------------------------------------------------------


def test_inbox_report_page_and_audit_log_show_beijing_time(browser, reports):
    from registry.reports import services

    report = reports["省生态环境厅"]
    with time_machine.travel(EVENING_UTC, tick=False):
        browser.login("sthj_editor")
        _save_section(browser, report, "<p>本年度工作情况。</p>")
        explain_empty_led_matters(report)
        services.submit_report(report, actor=_user("sthj_head"))
        db.session.flush()
        browser.login("province_office")
        inbox = visible(browser.get("/reports/inbox"))
        report_page = visible(browser.get(f"/reports/{report.id}"))
        log = visible(browser.get(f"/manage/990000/audit?object=report_sections:{report.sections[0].id}"))
    for text in (inbox, report_page, log):
        assert "2026-12-02 04:30" in text
        assert "2026-12-01 20:30" not in text


def test_default_dates_are_the_beijing_date(browser):
    browser.login("province_office")
    pending = _pending_matter()
    with time_machine.travel(EVENING_UTC, tick=False):
        publish = browser.get("/manage/990000/versions/publish")
        decide = browser.get(f"/manage/matters/{pending.id}/decide")
    assert 'value="2026-12-02"' in publish and 'value="2026-12-01"' not in publish
    assert 'value="2026-12-02"' in decide and 'value="2026-12-01"' not in decide


def test_pdf_cover_date_is_the_beijing_date(reports):
    from registry.reports.rendering import report_context

    report = reports["省生态环境厅"]
    report.submitted_at = EVENING_UTC
    report.accepted_at = None
    assert report_context(report)["date"] == date(2026, 12, 2)


@pytest.mark.parametrize("zone, shown", [("Asia/Shanghai", "2026-12-02 04:30"), ("UTC", "2026-12-01 20:30")])
def test_the_display_zone_is_one_setting(app, zone, shown):
    from registry.core.timezone import format_local, local_today

    old = app.config["BABEL_DEFAULT_TIMEZONE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    try:
        with app.app_context(), time_machine.travel(EVENING_UTC, tick=False):
            assert format_local(EVENING_UTC) == shown
            assert app.jinja_env.from_string("{{ t|localtime }}").render(t=EVENING_UTC) == shown
            assert local_today().isoformat() == shown[:10]
    finally:
        app.config["BABEL_DEFAULT_TIMEZONE"] = old
