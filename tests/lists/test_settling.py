"""§5 settled well: the decision revises the matter's stale "lead pending" text, every form shows all its
errors on one submit, and a matter can be delegated to several or all lower jurisdictions at once."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import queries, rules
from registry.lists.models import LeadDecision, Matter
from registry.versions import queries as version_queries
from tests.lists.conftest import department, fresh, jurisdiction, matter

PENDING = "室内装饰装修污染防治"
STALE = "尚未明确牵头部门，待省委、省政府研究明确。"


def _errors(html: str) -> dict[str, str]:
    """The error messages shown next to fields, by field id."""
    return dict(re.findall(r'<p class="error" id="([\w-]+)-error">([^<]*)</p>', html))


def _decide(browser, m, **data):
    base = {
        "lead": str(department("省住房城乡建设厅").id),
        "basis_kind": "meeting",
        "basis_date": "2025-06-30",
        "description": m.description,
    }
    return browser.post(f"/manage/matters/{m.id}/decide", {**base, **data})


def _children(code: str) -> list[Jurisdiction]:
    return list(jurisdiction(code).children)


# -- 3. a settled matter's text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pending"),
    [
        (STALE, True),
        ("尚未明确牵头部门，待市委、市政府研究明确。", True),
        ("牵头部门待明确。", True),
        ("暂未明确牵头单位", True),
        ("加强室内装饰装修材料质量监管，推广绿色建材。", False),
        ("明确各部门职责分工。", False),
        ("", False),
    ],
)
def test_the_pending_phrases_are_told_apart_from_ordinary_text(text, pending):
    assert rules.says_lead_pending(text) is pending


def test_decide_form_offers_the_text_prefilled_with_a_hint_to_revise_it(browser):
    browser.login("province_office")
    m = matter(PENDING)
    assert m.description == STALE
    page = browser.get(f"/manage/matters/{m.id}/decide")
    assert re.search(r'<textarea[^>]*name="description"[^>]*>\s*' + re.escape(STALE), page)
    assert "请一并修改" in page and 'id="description-hint"' in page


def test_deciding_revises_the_text_and_audits_it_with_the_decision(browser):
    browser.login("province_office")
    m = matter(PENDING)
    revised = "加强室内装饰装修材料质量监管，推广绿色建材。"
    response = _decide(browser, m, description=revised)
    assert response.status_code == 302
    m = fresh(m)
    assert m.status == "assigned" and m.description == revised and len(m.decisions) == 1
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.entity_type == "matters", AuditEntry.entity_id == m.id, AuditEntry.action == "assign"
        )
    )
    assert entry.before["description"] == STALE and entry.after["description"] == revised
    assert "省住房和城乡建设厅" in str(entry.after["lead"])
    assert queries.lead_text_pending(jurisdiction("990000")) == []


def test_publish_page_and_health_list_settled_matters_whose_text_still_says_pending(browser):
    browser.login("province_office")
    m = matter(PENDING)
    assert _decide(browser, m).status_code == 302  # decided, text left as it was
    assert [x.id for x in queries.lead_text_pending(jurisdiction("990000"))] == [m.id]
    publish = browser.get("/manage/990000/versions/publish")
    warning = publish[publish.index('id="stale-text"') :]
    assert f'href="/manage/matters/{m.id}"' in warning[:2000] and PENDING in warning[:2000]
    assert "责任内容仍写着牵头部门尚待研究明确" in publish
    health = browser.get("/manage/990000/health")
    assert "责任内容仍写“待明确”的事项（1）" in health and f"/manage/matters/{m.id}" in health
    # Still pending matters say so rightly: no warning for them.
    other = matter("城市光污染防治")
    assert other.status == "pending" and rules.says_lead_pending(other.description)
    assert other.id not in [x.id for x in queries.lead_text_pending(jurisdiction("990000"))]


# -- 7. every error at once ---------------------------------------------------------------------------


def test_empty_decision_form_shows_every_error_at_once(browser):
    browser.login("province_office")
    m = matter(PENDING)
    page = browser.post(
        f"/manage/matters/{m.id}/decide", {"lead": "0", "basis_kind": "", "basis_date": "", "description": STALE}
    ).get_data(as_text=True)
    errors = _errors(page)
    assert {"lead", "basis_kind", "basis_date"} <= errors.keys(), errors
    assert "请选择牵头部门" in errors["lead"]
    # A document without its number: the number is flagged together with the missing lead.
    page = browser.post(
        f"/manage/matters/{m.id}/decide",
        {"lead": "0", "basis_kind": "document", "basis_doc_number": "", "basis_date": "", "note": "留着"},
    ).get_data(as_text=True)
    errors = _errors(page)
    assert {"lead", "basis_doc_number", "basis_date"} <= errors.keys(), errors
    assert "留着" in page  # input kept
    assert fresh(m).status == "pending" and not fresh(m).decisions


def test_decision_service_refuses_with_every_problem(app, demo):
    from registry.core.errors import DomainErrors
    from registry.lists import services

    m = matter(PENDING)
    with pytest.raises(DomainErrors) as caught:
        services.decide_lead(m, lead=None, basis_kind="document", basis_date=None, actor="测试")
    assert {e.field for e in caught.value.errors} == {"lead", "basis_doc_number", "basis_date"}


def test_empty_delegate_form_shows_every_error_at_once(browser):
    browser.login("province_office")
    m = matter(PENDING)
    page = browser.post(f"/manage/matters/{m.id}/delegate", {"basis_kind": "document", "basis_date": ""}).get_data(
        as_text=True
    )
    assert {"to_jurisdiction", "basis_doc_number", "basis_date"} <= _errors(page).keys()


def test_matter_form_shows_a_taken_name_and_a_missing_category_together(browser):
    browser.login("province_office")
    taken = matter("城市光污染防治")
    page = browser.post(
        "/manage/990000/matters/new", {"title": taken.title, "category": "", "description": "保留的文字", "lead": "0"}
    ).get_data(as_text=True)
    errors = _errors(page)
    assert "已有名为" in errors.get("title", ""), errors
    assert "category" in errors and "保留的文字" in page


def test_matter_form_shows_every_assignment_problem(browser):
    browser.login("province_office")
    lead = department("省住房城乡建设厅")
    page = browser.post(
        "/manage/990000/matters/new",
        {
            "title": "城市光污染防治",  # taken
            "category": "噪声",
            "lead": str(lead.id),
            "cooperating": [str(lead.id)],  # also the lead
        },
    ).get_data(as_text=True)
    errors = _errors(page)
    assert "已有名为" in errors.get("title", "") and "已是牵头部门" in errors.get("cooperating", ""), errors


def test_department_form_shows_a_taken_name_and_a_missing_sector_together(browser):
    browser.login("province_office")
    taken = department("省住房城乡建设厅")
    page = browser.post(
        "/manage/990000/departments/new", {"name": taken.name, "sector": "", "website": "not a url"}
    ).get_data(as_text=True)
    errors = _errors(page)
    assert "已有部门" in errors.get("name", ""), errors
    assert {"sector", "website"} <= errors.keys()


def test_user_form_shows_a_taken_name_and_a_missing_department_together(browser):
    browser.login("admin")
    page = browser.post(
        "/admin/users/new",
        {
            "username": "sthj_head",  # taken
            "role": "dept_head",
            "jurisdiction_code": "990000",
            "department_name": "",  # a department role needs one
            "password": "",
        },
    ).get_data(as_text=True)
    errors = _errors(page)
    assert "已存在" in errors.get("username", ""), errors
    assert {"department_name", "password"} <= errors.keys(), errors


def test_publish_form_shows_every_missing_field(browser):
    browser.login("province_office")
    page = browser.post(
        "/manage/990000/versions/publish", {"label": "", "doc_number": "", "effective_date": "", "publisher": ""}
    ).get_data(as_text=True)
    assert {"label", "doc_number", "effective_date", "publisher"} <= _errors(page).keys()


# -- 10. delegating to several or all lower jurisdictions ---------------------------------------------


def test_delegate_form_offers_every_lower_jurisdiction_and_all_of_them(browser):
    browser.login("province_office")
    m = matter(PENDING)
    page = browser.get(f"/manage/matters/{m.id}/delegate")
    for child in _children("990000"):
        assert f'type="checkbox" value="{child.id}"' in page or re.search(
            rf'<input[^>]*value="{child.id}"[^>]*type="checkbox"|<input[^>]*type="checkbox"[^>]*value="{child.id}"',
            page,
        )
    assert 'name="all_children"' in page and "全部下级" in page


def test_delegate_to_all_lower_jurisdictions_each_settles_its_own_copy(browser):
    browser.login("province_office")
    upper = matter(PENDING)
    children = _children("990000")
    assert len(children) >= 2
    response = browser.post(
        f"/manage/matters/{upper.id}/delegate",
        {
            "all_children": "y",
            "basis_kind": "document",
            "basis_doc_number": "示政办函〔2025〕12号",
            "basis_date": "2025-07-01",
        },
    )
    assert response.status_code == 302
    upper = fresh(upper)
    assert upper.status == "delegated" and upper.delegated_to is None
    copies = db.session.scalars(select(Matter).where(Matter.delegated_from_id == upper.id)).all()
    assert sorted(c.jurisdiction_id for c in copies) == sorted(c.id for c in children)
    assert all(c.status == "pending" and c.title == PENDING for c in copies)
    decisions = db.session.scalars(select(LeadDecision).where(LeadDecision.matter_id == upper.id)).all()
    assert sorted(d.to_jurisdiction_id for d in decisions) == sorted(c.id for c in children)
    created = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_type == "matters",
            AuditEntry.action == "create",
            AuditEntry.entity_id.in_([c.id for c in copies]),
        )
    ).all()
    assert sorted(e.jurisdiction_id for e in created) == sorted(c.id for c in children)  # each copy audited

    queue = browser.get("/manage/990000/queue")
    handed = queue[queue.index("已交由下级研究明确（") :]
    for child in children:
        assert child.name in handed
    assert handed.count("待明确</span>") >= len(children)

    browser.login("jiangchuan_office")
    lower = matter(PENDING, "990100")
    assert PENDING in browser.get("/manage/990100/queue")
    response = browser.post(
        f"/manage/matters/{lower.id}/decide",
        {
            "lead": str(department("江川市住房城乡建设局").id),
            "basis_kind": "meeting",
            "basis_date": "2025-08-01",
            "description": "江川市住房和城乡建设局牵头。",
        },
    )
    assert response.status_code == 302

    browser.login("province_office")
    lead_name = fresh(lower).lead.name
    for url in ("/manage/990000/queue", f"/manage/990000/matters?q={PENDING}"):
        page = browser.get(url)
        assert f"已明确，牵头部门为{lead_name}" in page, url
        assert "待明确</span>" in page  # the other cities still pending
    # Published as delegated to all of them, never as "pending" or "None".
    frozen = next(x for x in version_queries.frozen_content(jurisdiction("990000"))["matters"] if x["id"] == upper.id)
    assert frozen["status"] == "delegated" and frozen["delegated_to"]["name"] == upper.delegated_to_label
    assert "None" not in frozen["delegated_to"]["name"]


def test_delegate_to_two_chosen_lower_jurisdictions(browser):
    browser.login("province_office")
    upper = matter(PENDING)
    two = _children("990000")[:2]
    response = browser.post(
        f"/manage/matters/{upper.id}/delegate",
        {"to_jurisdiction": [str(j.id) for j in two], "basis_kind": "meeting", "basis_date": "2025-07-01"},
    )
    assert response.status_code == 302
    upper = fresh(upper)
    assert sorted(j.id for j in upper.delegated_targets) == sorted(j.id for j in two)
    assert upper.delegated_to_label == "、".join(j.name for j in upper.delegated_targets)


def test_delegating_again_where_a_copy_exists_is_refused_for_every_clash(app, demo):
    from registry.core.errors import DomainError
    from registry.lists import services

    upper = matter(PENDING)
    children = _children("990000")
    for child in children[:2]:
        services.create_matter(child, title=PENDING, category="大气", actor="测试")
    with pytest.raises(DomainError) as caught:
        services.delegate_matter(upper, to=children, basis_kind="meeting", basis_date=date(2025, 7, 1), actor="测试")
    message = "".join(str(e) for e in getattr(caught.value, "errors", [caught.value]))
    assert children[0].name in message and children[1].name in message
    assert fresh(upper).status == "pending"


def test_a_matter_delegated_to_several_is_named_by_them_in_bulk_reads_and_refuses_a_lead(app, demo):
    from registry.core.errors import DomainError
    from registry.lists import services

    upper = matter(PENDING)
    children = _children("990000")
    services.delegate_matter(upper, to=children, basis_kind="meeting", basis_date=date(2025, 7, 1), actor="测试")
    db.session.flush()
    row = next(w for w in queries.working_matters(upper.jurisdiction_id) if w.id == upper.id)
    assert row.status == "delegated" and row.delegated_to_name == "、".join(j.name for j in children)
    with pytest.raises(DomainError, match="已交由"):
        services.update_matter(
            upper, title=upper.title, category=upper.category, lead=department("省住房城乡建设厅"), actor="测试"
        )
