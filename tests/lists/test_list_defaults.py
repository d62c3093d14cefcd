"""List-wide rules (全清单适用) on the office's pages (reviewer #12 of #14): imports add them; the office
corrects one's text and territorial implementers, or deletes one after a confirmation, each audited."""

import pytest
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.lists.models import ListDefault
from tests.lists.conftest import CSRF_RE, jurisdiction
from tests.lists.test_audit_log import visible

TEXT = "以下事项均需各市人民政府落实，不再列出。"


@pytest.fixture
def rule(demo):
    default = ListDefault(jurisdiction_id=jurisdiction("990000").id, position=1, text=TEXT, territorial=["*"])
    db.session.add(default)
    db.session.commit()
    return default


def _entries(default_id: int) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "list_defaults", AuditEntry.entity_id == default_id)
            .order_by(AuditEntry.id)
        )
    )


def _hidden(html: str) -> dict[str, str]:
    seen = html.split('name="seen"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    return {"csrf_token": CSRF_RE.search(html).group(1), "seen": seen}


def test_the_matters_page_links_each_rule_to_its_edit_and_delete_pages(browser, rule):
    browser.login("province_office")
    html = browser.get("/manage/990000/matters")
    assert f"/manage/defaults/{rule.id}/edit" in html and f"/manage/defaults/{rule.id}/delete" in html
    assert TEXT in visible(html)
    browser.login("sthj_editor")  # a department reads no working list, let alone edits it
    assert browser.client.get(f"/manage/defaults/{rule.id}/edit").status_code == 403


def test_editing_a_rule_shows_every_problem_next_to_its_field_then_saves_and_audits(browser, rule):
    browser.login("province_office")
    url = f"/manage/defaults/{rule.id}/edit"
    form = browser.get(url)
    assert TEXT in form and "各下级人民政府（全部下级）" in visible(form) and "江川市人民政府" in visible(form)
    hidden = _hidden(form)
    response = browser.post(url, {"text": "  ", "territorial": ["*", "990100"]}, hidden=hidden)
    page = visible(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "请填写规定内容。" in page and "已选“各下级人民政府”时，不必再逐个选择下级。" in page
    response = browser.post(url, {"text": "x", "territorial": ["110000"]}, hidden=hidden)
    assert "不是示例省的下级行政区划" in visible(response.get_data(as_text=True))
    assert db.session.get(ListDefault, rule.id).text == TEXT and not _entries(rule.id)
    response = browser.post(url, {"text": "以下事项由江川市人民政府落实。", "territorial": ["990100"]}, hidden=hidden)
    assert response.status_code == 302 and "/manage/990000/matters" in response.headers["Location"]
    db.session.expire_all()
    saved = db.session.get(ListDefault, rule.id)
    assert saved.text == "以下事项由江川市人民政府落实。" and saved.territorial == ["990100"]
    [entry] = _entries(rule.id)
    assert entry.action == "update" and entry.before == {"text": TEXT, "territorial": ["*"]}
    assert entry.after == {"text": "以下事项由江川市人民政府落实。", "territorial": ["990100"]}
    page = "".join(visible(browser.get("/manage/990000/matters")).split())
    assert "以下事项由江川市人民政府落实。（属地落实：江川市人民政府）" in page
    # The form of before the save is out of date now: a second save over it is refused, not lost.
    response = browser.post(url, {"text": "另一种写法。", "territorial": []}, hidden=hidden)
    assert "该记录已被他人修改并保存" in visible(response.get_data(as_text=True))
    assert db.session.get(ListDefault, rule.id).text == "以下事项由江川市人民政府落实。"


def test_a_rule_is_deleted_after_a_confirmation_and_the_deletion_audited(browser, rule):
    browser.login("province_office")
    url = f"/manage/defaults/{rule.id}/delete"
    confirm = browser.get(url)
    assert TEXT in visible(confirm) and "确认删除" in visible(confirm)
    assert db.session.get(ListDefault, rule.id) is not None  # showing the confirmation deletes nothing
    response = browser.client.post(url, data={"seen": _hidden(confirm)["seen"]})  # no CSRF token
    assert response.status_code in (200, 400) and db.session.get(ListDefault, rule.id) is not None
    response = browser.post(url, {}, hidden=_hidden(confirm), follow=True)
    assert "已删除全清单适用的规定。" in visible(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(ListDefault, rule.id) is None
    [entry] = _entries(rule.id)
    assert entry.action == "delete" and entry.before == {"text": TEXT, "territorial": ["*"]}
    assert TEXT not in visible(browser.get("/manage/990000/matters"))
    assert browser.client.get(url).status_code == 404


def test_only_the_rules_own_office_edits_it(browser, rule, client):
    city_rule = ListDefault(jurisdiction_id=jurisdiction("990100").id, text="以下事项由各区落实。", territorial=[])
    db.session.add(city_rule)
    db.session.commit()
    browser.login("jiangchuan_office")
    assert client.get(f"/manage/defaults/{rule.id}/edit").status_code == 403
    token = browser.form("/manage/990100/upper")  # a form of its own: the CSRF check passes, the scope does not
    assert browser.post(f"/manage/defaults/{rule.id}/delete", {}, hidden=token).status_code == 403
    browser.login("province_office")  # reads the city's list, never edits it
    page = browser.get("/manage/990100/matters")
    assert "以下事项由各区落实。" in visible(page) and f"/manage/defaults/{city_rule.id}/edit" not in page
    assert client.get(f"/manage/defaults/{city_rule.id}/edit").status_code == 403
    assert client.get("/manage/defaults/999999/edit").status_code == 404
    assert db.session.get(ListDefault, city_rule.id).text == "以下事项由各区落实。"
