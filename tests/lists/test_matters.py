"""Matters: create and edit with lead, cooperating departments and basis; filters; concurrency; scope."""

from sqlalchemy import func, select

from registry.extensions import db
from registry.lists import services
from registry.lists.models import Matter, PolicyDocument
from tests.lists.conftest import department, fresh, jurisdiction, matter


def _doc(title="中华人民共和国大气污染防治法"):
    return db.session.scalar(
        select(PolicyDocument).where(
            PolicyDocument.title == title, PolicyDocument.jurisdiction_id == jurisdiction("990000").id
        )
    )


def _matter_data(**overrides):
    data = {
        "category": "大气",
        "title": "秋冬季臭氧污染协同管控",
        "description": "组织重污染天气预警和应急减排。",
        "lead": str(department("省生态环境厅").id),
        "cooperating": [str(department("省工业和信息化厅").id), str(department("省公安厅").id)],
        "citations-0-document": str(_doc().id),
        "citations-0-article": "第九十六条",
    }
    data.update(overrides)
    return data


def test_office_adds_a_matter_with_a_lead_two_cooperating_departments_and_basis(browser):
    browser.login("province_office")
    form_page = browser.get("/manage/990000/matters/new")
    assert "省生态环境厅" in form_page and "江川市生态环境局" not in form_page  # only its own departments
    response = browser.post("/manage/990000/matters/new", _matter_data())
    assert response.status_code == 302
    created = matter("秋冬季臭氧污染协同管控")
    assert created.status == "assigned" and created.lead.short_name == "省生态环境厅"
    assert {d.short_name for d in created.cooperating} == {"省工业和信息化厅", "省公安厅"}
    page = browser.get(response.headers["Location"])
    assert "省生态环境厅" in page and "省工业和信息化厅" in page and "省公安厅" in page
    assert "《中华人民共和国大气污染防治法》第九十六条" in page


def test_matter_without_a_lead_is_pending(browser):
    browser.login("province_office")
    browser.post("/manage/990000/matters/new", _matter_data(lead="0", cooperating=[]))
    assert matter("秋冬季臭氧污染协同管控").status == "pending"
    assert "秋冬季臭氧污染协同管控" in browser.get("/manage/990000/queue")


def test_forged_department_of_another_jurisdiction_is_refused_next_to_the_field(browser):
    browser.login("province_office")
    city_department = department("江川市生态环境局")
    response = browser.post("/manage/990000/matters/new", _matter_data(lead=str(city_department.id)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="lead-error"' in page and "不属于示例省" in page
    assert "秋冬季臭氧污染协同管控" in page  # the user's input is kept
    assert matter("秋冬季臭氧污染协同管控") is None

    response = browser.post(
        "/manage/990000/matters/new",
        _matter_data(cooperating=[str(department("省公安厅").id), str(city_department.id)]),
    )
    page = response.get_data(as_text=True)
    assert 'id="cooperating-error"' in page and "江川市生态环境局" in page
    assert matter("秋冬季臭氧污染协同管控") is None


def test_forged_document_of_another_jurisdiction_is_refused(browser):
    browser.login("province_office")
    city = jurisdiction("990100")
    foreign = services.get_or_create_document(city, title="江川市扬尘污染防治办法", actor="测试")
    db.session.commit()
    response = browser.post("/manage/990000/matters/new", _matter_data(**{"citations-0-document": str(foreign.id)}))
    assert "不是本级登记的政策文件" in response.get_data(as_text=True)
    assert matter("秋冬季臭氧污染协同管控") is None


def test_lead_cannot_also_cooperate(browser):
    browser.login("province_office")
    sthj = str(department("省生态环境厅").id)
    page = browser.post("/manage/990000/matters/new", _matter_data(cooperating=[sthj])).get_data(as_text=True)
    assert "不能同时作为配合部门" in page and 'id="cooperating-error"' in page


def test_duplicate_title_is_refused(browser):
    browser.login("province_office")
    page = browser.post("/manage/990000/matters/new", _matter_data(title="燃煤锅炉综合整治")).get_data(as_text=True)
    assert 'id="title-error"' in page and "已有名为「燃煤锅炉综合整治」的事项" in page


def test_office_edits_a_matter(browser):
    browser.login("province_office")
    m = matter("燃煤锅炉综合整治")
    edit = f"/manage/matters/{m.id}/edit"
    page = browser.get(edit)
    assert 'value="燃煤锅炉综合整治"' in page and "checked" in page
    response = browser.post(
        edit,
        _matter_data(
            title="燃煤锅炉综合整治",
            description="新的责任内容。",
            lead=str(department("省发展改革委").id),
            cooperating=[str(department("省生态环境厅").id)],
        ),
    )
    assert response.status_code == 302
    m = fresh(m)
    assert m.lead.short_name == "省发展改革委" and [d.short_name for d in m.cooperating] == ["省生态环境厅"]
    assert m.description == "新的责任内容。"


def test_second_save_from_the_same_loaded_version_is_refused_and_the_first_kept(browser):
    browser.login("province_office")
    m = matter("燃煤锅炉综合整治")
    edit = f"/manage/matters/{m.id}/edit"
    first_form = browser.form(edit)
    second_form = browser.form(edit)  # a colleague opened the same version
    assert first_form["lock_version"] == second_form["lock_version"]
    first = browser.post(edit, _matter_data(title="燃煤锅炉综合整治", description="第一人的修改。"), hidden=first_form)
    assert first.status_code == 302
    second = browser.post(
        edit, _matter_data(title="燃煤锅炉综合整治", description="第二人的修改。"), hidden=second_form
    )
    page = second.get_data(as_text=True)
    assert second.status_code == 200
    assert "已被他人修改并保存，您的修改未保存" in page
    assert "第二人的修改。" in page  # the user's input is still in the form
    assert fresh(m).description == "第一人的修改。"


def test_second_save_of_a_department_is_refused(browser):
    browser.login("province_office")
    qx = department("省气象局")
    edit = f"/manage/departments/{qx.id}/edit"
    one, two = browser.form(edit), browser.form(edit)
    browser.post(edit, {"name": qx.name, "short_name": "省气象局", "sector": "气象", "sort_order": "1"}, hidden=one)
    page = browser.post(
        edit, {"name": qx.name, "short_name": "气象局", "sector": "气象", "sort_order": "2"}, hidden=two
    ).get_data(as_text=True)
    assert "已被他人修改并保存" in page and 'value="气象局"' in page
    qx = fresh(qx)
    assert qx.sort_order == 1 and qx.short_name == "省气象局"


def test_second_save_of_a_duty_and_of_a_document_is_refused(browser):
    browser.login("province_office")
    duty = department("省生态环境厅").duties[0]
    edit = f"/manage/duties/{duty.id}/edit"
    one, two = browser.form(edit), browser.form(edit)
    assert browser.post(edit, {"text": "甲"}, hidden=one).status_code == 302
    assert "已被他人修改并保存" in browser.post(edit, {"text": "乙"}, hidden=two).get_data(as_text=True)
    assert fresh(duty).text == "甲"

    doc = _doc()
    edit = f"/manage/documents/{doc.id}/edit"
    one, two = browser.form(edit), browser.form(edit)
    assert browser.post(edit, {"title": doc.title, "doc_number": "主席令第31号"}, hidden=one).status_code == 302
    page = browser.post(edit, {"title": doc.title, "doc_number": "主席令第32号"}, hidden=two).get_data(as_text=True)
    assert "已被他人修改并保存" in page
    assert fresh(doc).doc_number == "主席令第31号"


def test_province_office_reads_but_cannot_edit_city_matters(browser):
    browser.login("province_office")
    city_matter = matter("城区餐饮油烟污染治理", "990100")
    page = browser.get(f"/manage/matters/{city_matter.id}")
    assert "城区餐饮油烟污染治理" in page and "修改</a>" not in page
    browser.get(f"/manage/matters/{city_matter.id}/edit", status=403)
    token = browser.form("/manage/990000/matters/new")
    city_lead = str(department("江川市住房城乡建设局").id)
    for url, data in [
        (f"/manage/matters/{city_matter.id}/edit", {"title": "改了", "category": "大气", "lead": city_lead}),
        (f"/manage/matters/{city_matter.id}/delete", {}),
        ("/manage/990100/matters/new", {"title": "省里加的", "category": "大气"}),
        ("/manage/990100/departments/new", {"name": "省里加的部门", "sector": "水利"}),
        (f"/manage/departments/{department('江川市水利局').id}/retire", {}),
    ]:
        response = browser.post(url, data, hidden=token)
        assert response.status_code == 403, url
    city_matter = fresh(city_matter)
    assert city_matter.title == "城区餐饮油烟污染治理" and city_matter.lead.short_name == "江川市生态环境局"
    assert matter("省里加的", "990100") is None and department("省里加的部门") is None
    assert department("江川市水利局").active


def test_department_user_cannot_edit(browser):
    browser.login("sthj_head")
    m = matter("燃煤锅炉综合整治")
    browser.get(f"/manage/matters/{m.id}/edit", status=403)
    browser.get(f"/manage/matters/{m.id}", status=403)


def test_filters_by_category_department_status_and_text(browser):
    browser.login("province_office")
    page = browser.get("/manage/990000/matters?category=噪声")
    assert "城市光污染防治" in page and "燃煤锅炉综合整治" not in page
    nync = department("省农业农村厅")
    page = browser.get(f"/manage/990000/matters?department={nync.id}&role=lead")
    assert "燃煤锅炉综合整治" not in page
    led = services.matters_led_by(nync)
    assert led and all(m.title in page for m in led)
    page = browser.get("/manage/990000/matters?status=pending")
    assert "共 3 条" in page and "城市光污染防治" in page
    page = browser.get("/manage/990000/matters?q=锅炉")
    assert "燃煤锅炉综合整治" in page and "城市光污染防治" not in page
    assert "没有符合筛选条件的事项" in browser.get("/manage/990000/matters?q=不存在的事项")


def test_long_lists_are_paginated_with_a_navigator(browser):
    browser.login("province_office")
    total = db.session.scalar(
        select(func.count()).select_from(Matter).where(Matter.jurisdiction_id == jurisdiction("990000").id)
    )
    assert total > 50
    first = browser.get("/manage/990000/matters")
    assert f"共 {total} 条" in first and 'aria-current="page">1<' in first and "page=2" in first
    assert first.count('href="/manage/matters/') == 50
    second = browser.get("/manage/990000/matters?page=2")
    assert second.count('href="/manage/matters/') == total - 50
    assert "废旧新能源汽车动力电池回收利用" in second  # the last matter (序号 64)


def test_delete_a_matter_after_confirmation(browser):
    browser.login("province_office")
    m = matter("燃煤锅炉综合整治")
    assert "确认删除" in browser.get(f"/manage/matters/{m.id}/delete")
    response = browser.post(f"/manage/matters/{m.id}/delete", {})
    assert response.status_code == 302
    assert matter("燃煤锅炉综合整治") is None
    assert "没有符合筛选条件的事项" in browser.get("/manage/990000/matters?q=燃煤锅炉")
