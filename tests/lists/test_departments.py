"""Departments, their units and duties, as an office edits them."""

from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.lists.models import Department, Duty, Matter, PolicyDocument, Unit
from tests.lists.conftest import department, fresh, jurisdiction, matter


def test_office_adds_a_department(browser):
    browser.login("province_office")
    response = browser.post(
        "/manage/990000/departments/new",
        {"name": "省数据局", "short_name": "", "sector": "数据", "website": "", "sort_order": "30"},
    )
    assert response.status_code == 302
    created = department("省数据局")
    assert created.jurisdiction.code == "990000" and created.short_name == "省数据局"
    assert "省数据局" in browser.get("/manage/990000/departments")
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.entity_type == "departments").order_by(AuditEntry.id.desc())
    )
    assert entry.action == "create" and entry.after["name"] == "省数据局" and entry.actor_name.startswith("示例省")


def test_duplicate_department_name_is_refused_next_to_the_field(browser):
    browser.login("province_office")
    before = db.session.scalar(select(db.func.count()).select_from(Department))
    response = browser.post("/manage/990000/departments/new", {"name": "省生态环境厅", "sector": "生态环境"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="name-error"' in page and "已有部门" in page
    assert db.session.scalar(select(db.func.count()).select_from(Department)) == before


def test_missing_fields_are_reported_in_chinese(browser):
    browser.login("province_office")
    page = browser.post("/manage/990000/departments/new", {"name": "", "sector": ""}).get_data(as_text=True)
    assert "请填写部门全称。" in page and "请填写所属系统。" in page


def test_office_edits_a_department(browser):
    browser.login("province_office")
    qx = department("省气象局")
    response = browser.post(
        f"/manage/departments/{qx.id}/edit",
        {"name": qx.name, "short_name": "省气象局", "sector": "气象", "website": "https://qx.example.gov.cn"},
    )
    assert response.status_code == 302
    assert fresh(qx).website == "https://qx.example.gov.cn"


def test_retiring_a_department_that_leads_matters_is_refused_with_the_list(browser):
    browser.login("province_office")
    sthj = department("省生态环境厅")
    page = browser.get(f"/manage/departments/{sthj.id}/retire")
    assert "不能撤销" in page and "确认撤销" not in page
    led = matter("工业企业大气污染防治与超低排放改造")
    assert f'href="/manage/matters/{led.id}"' in page
    # A forged POST is refused by the service just the same, and changes nothing.
    token = browser.form(f"/manage/departments/{sthj.id}/edit")
    response = browser.post(f"/manage/departments/{sthj.id}/retire", {}, hidden=token)
    page = response.get_data(as_text=True)
    assert "不能撤销" in page and f'href="/manage/matters/{led.id}"' in page
    assert fresh(sthj).active is True


def test_retiring_an_idle_department_after_confirmation(browser):
    browser.login("province_office")
    idle = department("省应急管理厅")  # leads nothing, cooperates on three matters
    cooperated = [m.id for m in db.session.scalars(select(Matter)) if idle in m.cooperating]
    assert len(cooperated) == 3
    page = browser.get(f"/manage/departments/{idle.id}/retire")
    assert "确认撤销" in page and "配合部门中移出" in page
    response = browser.post(f"/manage/departments/{idle.id}/retire", {})
    assert response.status_code == 302
    idle = fresh(idle)
    assert idle.active is False
    assert all(idle not in db.session.get(Matter, i).cooperating for i in cooperated)
    assert "已撤销" in browser.get("/manage/990000/departments")
    # It is no longer offered for new matters.
    assert "省应急管理厅" not in browser.get("/manage/990000/matters/new")


def test_units_are_added_edited_and_retired(browser):
    browser.login("province_office")
    sthj = department("省生态环境厅")
    response = browser.post(f"/manage/departments/{sthj.id}/units/new", {"name": "大气环境处", "kind": "internal"})
    assert response.status_code == 302
    unit = db.session.scalar(select(Unit).where(Unit.name == "大气环境处"))
    assert unit.department_id == sthj.id
    browser.post(f"/manage/units/{unit.id}/edit", {"name": "大气环境管理处", "kind": "internal"})
    assert fresh(unit).name == "大气环境管理处"
    page = browser.post(f"/manage/departments/{sthj.id}/units/new", {"name": "大气环境管理处", "kind": "internal"})
    assert "已有名为「大气环境管理处」的机构" in page.get_data(as_text=True)
    browser.post(f"/manage/units/{unit.id}/retire", {})
    assert fresh(unit).active is False
    assert "大气环境管理处" in browser.get(f"/manage/departments/{sthj.id}")


def test_duties_with_citations_are_added_edited_and_deleted(browser):
    browser.login("province_office")
    sthj = department("省生态环境厅")
    docs_page = browser.post(
        "/manage/990000/documents/new",
        {"title": "示例省生态环境保护条例", "doc_number": "", "issuer": "示例省人大常委会", "issued_on": "2021-06-01"},
        follow=True,
    ).get_data(as_text=True)
    assert "示例省生态环境保护条例" in docs_page
    doc = db.session.scalar(select(PolicyDocument).where(PolicyDocument.title == "示例省生态环境保护条例"))
    response = browser.post(
        f"/manage/departments/{sthj.id}/duties/new",
        {"text": "负责生态环境监测工作。", "citations-0-document": str(doc.id), "citations-0-article": "第十二条"},
    )
    assert response.status_code == 302
    duty = db.session.scalar(select(Duty).where(Duty.text == "负责生态环境监测工作。"))
    assert [c.article for c in duty.citations] == ["第十二条"]
    assert "《示例省生态环境保护条例》第十二条" in browser.get(f"/manage/departments/{sthj.id}")
    edit = f"/manage/duties/{duty.id}/edit"
    assert "第十二条" in browser.get(edit)
    browser.post(
        edit,
        {"text": "负责全省生态环境监测工作。", "citations-0-document": str(doc.id), "citations-0-article": "第十三条"},
    )
    duty = fresh(duty)
    assert duty.text == "负责全省生态环境监测工作。" and [c.article for c in duty.citations] == ["第十三条"]
    assert "确认删除" in browser.get(f"/manage/duties/{duty.id}/delete")
    browser.post(f"/manage/duties/{duty.id}/delete", {})
    db.session.expire_all()
    assert db.session.get(Duty, duty.id) is None


def test_article_without_document_is_refused_next_to_the_citations(browser):
    browser.login("province_office")
    sthj = department("省生态环境厅")
    response = browser.post(
        f"/manage/departments/{sthj.id}/duties/new",
        {"text": "负责核与辐射安全监督管理。", "citations-0-document": "0", "citations-0-article": "第五条"},
    )
    page = response.get_data(as_text=True)
    assert "请选择其所在的政策文件" in page and 'id="citations-error"' in page
    assert "负责核与辐射安全监督管理。" in page  # the user's input is kept
    assert db.session.scalar(select(Duty).where(Duty.text == "负责核与辐射安全监督管理。")) is None


def test_city_office_cannot_touch_province_departments(browser):
    browser.login("jiangchuan_office")
    sthj = department("省生态环境厅")
    browser.get(f"/manage/departments/{sthj.id}/edit", status=403)
    assert jurisdiction("990100") is not None


def test_a_translated_message_naming_typed_markup_prints_it_as_text(app):
    """Flask-Babel's lazy strings claim to be markup; a message interpolating what a user typed
    (here a unit name) must still print its tags as text wherever a template shows it."""
    from flask import render_template_string
    from flask_babel import lazy_gettext as _l

    name = '<img src=x onerror="alert(1)">处'
    message = _l("「%(department)s」已有名为「%(name)s」的机构。", department="省生态环境厅", name=name)
    with app.test_request_context():
        page = render_template_string("<p>{{ message }}</p>", message=message)
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;处" in page
    assert "<img" not in page
