"""§5: matters with no lead — decided by the office, or delegated to a lower jurisdiction and settled there."""

from sqlalchemy import select

from registry.extensions import db
from registry.lists.models import LeadDecision, Matter
from tests.lists.conftest import department, fresh, jurisdiction, matter

PENDING = "室内装饰装修污染防治"


def _decide(browser, m, lead, cooperating=(), **extra):
    data = {
        "lead": str(department(lead).id),
        "cooperating": [str(department(c).id) for c in cooperating],
        "basis_kind": "meeting",
        "basis_doc_number": "省生态环境保护委员会2025年第2次会议纪要",
        "basis_date": "2025-06-30",
        "note": "会议研究明确。",
    }
    data.update(extra)
    return browser.post(f"/manage/matters/{m.id}/decide", data)


def test_queue_lists_pending_matters(browser):
    browser.login("province_office")
    page = browser.get("/manage/990000/queue")
    for title in ("城市光污染防治", PENDING, "废旧新能源汽车动力电池回收利用"):
        assert title in page
    assert "明确牵头部门" in page and "交由下级" in page


def test_office_decides_a_lead_recording_the_basis(browser):
    browser.login("province_office")
    m = matter(PENDING)
    response = _decide(browser, m, "省住房城乡建设厅", ["省市场监管局"])
    assert response.status_code == 302
    m = fresh(m)
    assert m.status == "assigned" and m.lead.short_name == "省住房城乡建设厅"
    assert [d.short_name for d in m.cooperating] == ["省市场监管局"]
    decision = m.decisions[0]
    assert (
        decision.kind == "assign"
        and decision.basis_kind == "meeting"
        and decision.basis_date.isoformat() == "2025-06-30"
    )
    page = browser.get(f"/manage/matters/{m.id}")
    assert "明确牵头部门为「省住房和城乡建设厅」" in page or "明确牵头部门为「" + m.lead.name + "」" in page
    assert "省生态环境保护委员会2025年第2次会议纪要" in page and "2025-06-30" in page
    assert PENDING not in browser.get("/manage/990000/queue")


def test_deciding_needs_a_lead_a_basis_and_a_document_number_for_documents(browser):
    browser.login("province_office")
    m = matter(PENDING)
    page = browser.post(
        f"/manage/matters/{m.id}/decide", {"lead": "0", "basis_kind": "meeting", "basis_date": "2025-06-30"}
    ).get_data(as_text=True)
    assert 'id="lead-error"' in page and "请选择牵头部门" in page
    page = _decide(browser, m, "省住房城乡建设厅", basis_kind="document", basis_doc_number="").get_data(as_text=True)
    assert 'id="basis_doc_number-error"' in page and "请填写文号" in page
    page = browser.post(f"/manage/matters/{m.id}/decide", {"lead": str(department("省商务厅").id)}).get_data(
        as_text=True
    )
    assert "请选择决定方式" in page and "请填写决定日期" in page
    assert fresh(m).status == "pending" and not fresh(m).decisions


def test_deciding_with_another_jurisdictions_department_is_refused(browser):
    browser.login("province_office")
    m = matter(PENDING)
    page = _decide(browser, m, "江川市住房城乡建设局").get_data(as_text=True)
    assert 'id="lead-error"' in page and "不属于示例省" in page
    assert fresh(m).status == "pending"


def test_delegate_to_a_city_and_settle_it_there_with_history_on_both_sides(browser):
    browser.login("province_office")
    upper = matter(PENDING)
    page = browser.get(f"/manage/matters/{upper.id}/delegate")
    assert "江川市" in page and "云岭市" in page
    response = browser.post(
        f"/manage/matters/{upper.id}/delegate",
        {
            "to_jurisdiction": str(jurisdiction("990100").id),
            "basis_kind": "document",
            "basis_doc_number": "示政办函〔2025〕12号",
            "basis_date": "2025-07-01",
            "note": "请江川市结合实际研究明确。",
        },
    )
    assert response.status_code == 302
    upper = fresh(upper)
    assert upper.status == "delegated" and upper.delegated_to.code == "990100"
    lower = matter(PENDING, "990100")
    assert lower.status == "pending" and lower.delegated_from_id == upper.id

    browser.login("jiangchuan_office")
    queue = browser.get("/manage/990100/queue")
    assert PENDING in queue and "上级交办事项（1）" in queue and "示例省" in queue
    browser.get(f"/manage/matters/{upper.id}", status=403)  # the city cannot read the province
    response = _decide(
        browser,
        lower,
        "江川市住房城乡建设局",
        ["江川市生态环境局"],
        basis_kind="document",
        basis_doc_number="江政办发〔2025〕8号",
    )
    assert response.status_code == 302
    lower_page = browser.get(f"/manage/matters/{lower.id}")
    assert "交由江川市研究明确" in lower_page and "示政办函〔2025〕12号" in lower_page  # the upper decision
    assert "江政办发〔2025〕8号" in lower_page and "明确牵头部门为「江川市住房和城乡建设局」" in lower_page

    browser.login("province_office")
    upper_page = browser.get(f"/manage/matters/{upper.id}")
    assert "下级研究明确情况" in upper_page and "江川市" in upper_page
    assert "江川市住房和城乡建设局" in upper_page and "江政办发〔2025〕8号" in upper_page
    assert f"/manage/matters/{lower.id}" in upper_page
    assert "示政办函〔2025〕12号" in upper_page


def test_delegation_goes_only_to_a_direct_child(browser):
    browser.login("province_office")
    m = matter(PENDING)
    for target in ("990000", "100000"):
        response = browser.post(
            f"/manage/matters/{m.id}/delegate",
            {"to_jurisdiction": str(jurisdiction(target).id), "basis_kind": "meeting", "basis_date": "2025-07-01"},
        )
        page = response.get_data(as_text=True)
        assert 'id="to_jurisdiction-error"' in page and "只能交由示例省的直接下级研究明确" in page
    assert fresh(m).status == "pending"
    assert db.session.scalar(select(Matter).where(Matter.delegated_from_id == m.id)) is None


def test_city_cannot_decide_or_delegate_province_matters(browser):
    browser.login("jiangchuan_office")
    m = matter(PENDING)
    browser.get(f"/manage/matters/{m.id}/decide", status=403)
    token = browser.form("/manage/990100/matters/new")
    response = browser.post(
        f"/manage/matters/{m.id}/decide",
        {"lead": str(department("省住房城乡建设厅").id), "basis_kind": "meeting", "basis_date": "2025-07-01"},
        hidden=token,
    )
    assert response.status_code == 403
    assert fresh(m).status == "pending" and not db.session.scalars(select(LeadDecision)).all()


def test_province_cannot_settle_the_citys_delegated_matter(browser):
    browser.login("province_office")
    upper = matter(PENDING)
    browser.post(
        f"/manage/matters/{upper.id}/delegate",
        {"to_jurisdiction": str(jurisdiction("990100").id), "basis_kind": "meeting", "basis_date": "2025-07-01"},
    )
    lower = matter(PENDING, "990100")
    browser.get(f"/manage/matters/{lower.id}")  # may read it
    browser.get(f"/manage/matters/{lower.id}/decide", status=403)
