"""The list health view and the audit trail."""

import re

from sqlalchemy import select

from registry.lists.queries import looks_duplicate, normalise_title
from tests.conftest import Auth, another_client
from tests.lists.conftest import department, jurisdiction, matter

UNREAD_RE = re.compile(r'<span class="count-badge" aria-hidden="true">(\d+)</span>')


def test_health_shows_pending_matters_idle_departments_and_near_duplicates(browser):
    browser.login("province_office")
    page = browser.get("/manage/990000/health")
    assert "待明确牵头部门事项（3）" in page and "城市光污染防治" in page
    assert "省应急管理厅" in page and "省气象局" in page  # lead nothing in the demo
    assert "省生态环境厅</a>" not in page.split("未牵头任何事项的部门")[1].split("名称疑似重复")[0]
    assert "未发现名称疑似重复的事项" in page

    browser.post(
        "/manage/990000/matters/new",
        {"category": "大气", "title": "工业企业大气污染防治和超低排放改造", "lead": "0"},
    )
    page = browser.get("/manage/990000/health")
    section = page.split("名称疑似重复的事项")[1]
    assert "（1 对）" in section
    assert "工业企业大气污染防治与超低排放改造" in section and "工业企业大气污染防治和超低排放改造" in section


def test_health_follows_each_change_of_a_title_or_category_after_showing_the_pairs(browser):
    # The pairs are kept by the list's titles and categories: a page seen before a change must not
    # show the pairs of before.
    browser.login("province_office")
    browser.post(
        "/manage/990000/matters/new",
        {"category": "大气", "title": "工业企业大气污染防治和超低排放改造", "lead": "0"},
    )
    assert "（1 对）" in browser.get("/manage/990000/health").split("名称疑似重复的事项")[1]
    m = matter("工业企业大气污染防治和超低排放改造")
    edit = f"/manage/matters/{m.id}/edit"
    form = {"title": m.title, "description": m.description, "lead": "0", "cooperating": []}
    browser.post(edit, {**form, "category": "综合"})
    assert "未发现名称疑似重复的事项" in browser.get("/manage/990000/health")
    browser.post(edit, {**form, "category": "大气"})
    assert "（1 对）" in browser.get("/manage/990000/health").split("名称疑似重复的事项")[1]
    browser.post(edit, {**form, "category": "大气", "title": "城市建成区餐饮油烟治理"})
    assert "未发现名称疑似重复的事项" in browser.get("/manage/990000/health")


def test_health_seen_before_shows_what_a_lower_office_decided_since(browser):
    # The report is kept while nothing changed; a change made in another list (the city settling a
    # matter the province delegated to it) is a change the province's report must show at once.
    browser.login("province_office")
    upper = matter("室内装饰装修污染防治")
    browser.post(
        f"/manage/matters/{upper.id}/delegate",
        {
            "to_jurisdiction": str(jurisdiction("990100").id),
            "basis_kind": "document",
            "basis_doc_number": "示政办函〔2025〕12号",
            "basis_date": "2025-07-01",
        },
    )
    delegated = browser.get("/manage/990000/health").split("已交由下级研究明确")[1].split("<h2>")[0]
    assert "室内装饰装修污染防治" in delegated and "待明确" in delegated
    assert browser.get("/manage/990000/health").split("已交由下级研究明确")[1].split("<h2>")[0] == delegated

    browser.login("jiangchuan_office")
    lower = matter("室内装饰装修污染防治", "990100")
    decided = browser.post(
        f"/manage/matters/{lower.id}/decide",
        {
            "lead": str(department("江川市住房城乡建设局").id),
            "basis_kind": "meeting",
            "basis_doc_number": "江川市生态环境保护委员会2025年第1次会议纪要",
            "basis_date": "2025-07-10",
        },
    )
    assert decided.status_code == 302

    browser.login("province_office")
    delegated = browser.get("/manage/990000/health").split("已交由下级研究明确")[1].split("<h2>")[0]
    assert "已明确，牵头部门为江川市住房和城乡建设局" in delegated


def test_duplicate_detection_uses_normalised_titles_and_containment():
    assert normalise_title("燃煤锅炉 综合整治（全省）") == "燃煤锅炉综合整治全省"
    assert looks_duplicate(normalise_title("燃煤锅炉综合整治"), normalise_title("全省燃煤锅炉综合整治工作"))
    assert looks_duplicate("工业企业大气污染防治与超低排放改造", "工业企业大气污染防治和超低排放改造")
    assert not looks_duplicate("燃煤锅炉综合整治", "城市光污染防治")
    assert not looks_duplicate("扬尘", "施工扬尘污染防治")  # too short to count as contained


def test_duplicates_are_only_looked_for_within_a_category(browser):
    browser.login("province_office")
    browser.post(
        "/manage/990000/matters/new",
        {"category": "综合", "title": "工业企业大气污染防治与超低排放改造工作", "lead": "0"},
    )
    assert "未发现名称疑似重复的事项" in browser.get("/manage/990000/health")


def test_audit_page_shows_who_changed_what_with_before_and_after(browser):
    browser.login("province_office")
    m = matter("燃煤锅炉综合整治")
    edit = f"/manage/matters/{m.id}/edit"
    browser.post(
        edit,
        {
            "category": "大气",
            "title": "燃煤锅炉综合整治提升",
            "description": m.description,
            "lead": str(department("省发展改革委").id),
            "cooperating": [],
        },
    )
    page = browser.get("/manage/990000/audit")
    assert "示例省生态环境保护委员会办公室" in page and "修改" in page
    assert "<del" in page and "燃煤锅炉综合整治</del>" in page and "燃煤锅炉综合整治提升</ins>" in page
    assert "国家" not in page.split("牵头部门</dt>")[0][-10:]  # labels are Chinese
    assert "牵头部门</dt>" in page and "省发展和改革委员会</ins>" in page
    matter_page = browser.get(f"/manage/matters/{m.id}/audit")
    assert "燃煤锅炉综合整治提升</ins>" in matter_page and "新增" in matter_page
    assert "最近修改" in browser.get(f"/manage/matters/{m.id}")


def test_audit_page_filters_by_entity_type_and_paginates(browser):
    browser.login("province_office")
    browser.post("/manage/990000/departments/new", {"name": "省数据局", "sector": "数据"})
    page = browser.get("/manage/990000/audit?type=departments")
    assert "省数据局" in page and "燃煤锅炉综合整治" not in page
    page = browser.get("/manage/990000/audit?type=matters")
    assert "废旧新能源汽车动力电池回收利用" in page and "省数据局" not in page
    assert "page=2" in page  # the demo alone wrote more than 50 matter entries


def test_every_editing_service_writes_an_audit_entry(browser):
    from sqlalchemy import func, select

    from registry.core.audit import AuditEntry
    from registry.extensions import db

    def count():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))

    browser.login("province_office")
    sthj = department("省生态环境厅")
    steps = [
        ("/manage/990000/departments/new", {"name": "省数据局", "sector": "数据"}),
        (f"/manage/departments/{sthj.id}/units/new", {"name": "综合处", "kind": "internal"}),
        (f"/manage/departments/{sthj.id}/duties/new", {"text": "负责生态环境宣传教育。"}),
        ("/manage/990000/documents/new", {"title": "示例省水污染防治条例"}),
        ("/manage/990000/matters/new", {"category": "水", "title": "入河排污口监管", "lead": str(sthj.id)}),
    ]
    for url, data in steps:
        before = count()
        assert browser.post(url, data).status_code == 302, url
        assert count() == before + 1, url
    audit = browser.get("/manage/990000/audit")
    for label in ("部门", "内设机构/直属单位", "职责", "政策文件", "具体事项"):
        assert label in audit


def test_a_health_page_seen_before_shows_this_sessions_own_messages_flashes_and_token(browser, app):
    # The page is kept while the list stays as it was; what its frame shows of the reader's session is not
    # shared: a new notice counts in the header, a flashed message shows once, and 退出 works from a second
    # session of the same user that was shown the page kept for the first.
    from registry.auth.models import User
    from registry.extensions import db
    from registry.notify.models import Notification
    from tests.conftest import CSRF_RE

    browser.login("province_office")
    browser.get("/manage/990000/health")  # shows the login's flashed message
    unread = int(UNREAD_RE.search(browser.get("/manage/990000/health")).group(1))
    office = db.session.scalar(select(User).where(User.username == "province_office"))
    db.session.add(Notification(user_id=office.id, kind="report_submitted", title="测试消息"))
    db.session.flush()
    assert int(UNREAD_RE.search(browser.get("/manage/990000/health")).group(1)) == unread + 1

    with browser.client.session_transaction() as session:
        session["_flashes"] = [("success", "已保存。")]
    assert "已保存。" in browser.get("/manage/990000/health")
    assert "已保存。" not in browser.get("/manage/990000/health")

    other = another_client(app)
    Auth(other).login("province_office")
    other.get("/manage/990000/health")  # the login's flashed message
    browser.get("/manage/990000/health")  # the page as the first session sees it, after the second signed in
    page = other.get("/manage/990000/health").get_data(as_text=True)
    logout = other.post("/logout", data={"csrf_token": CSRF_RE.search(page).group(1)})
    assert logout.status_code == 302 and other.get("/manage/990000/health").status_code == 302
