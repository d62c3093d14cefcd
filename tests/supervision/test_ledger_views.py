"""Ledgers and tasks as the office and the departments see them (#18, deliverable 1): creating and
editing with every error at once and the input kept, the optimistic lock, scope (another
jurisdiction's office, a department, the office above), the department's task list, the settings."""

from datetime import date

import pytest
from sqlalchemy import func, select

from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.lists.models import Matter
from registry.supervision import rules
from registry.supervision.models import Ledger, SupervisionSettings, Task
from tests import factories
from tests.targets.pages import Browser, department, jurisdiction, text

CITY = "990100"  # 江川市


@pytest.fixture
def office(client, auth, demo):
    return Browser(client, auth).login("jiangchuan_office")


@pytest.fixture
def city(demo):
    return jurisdiction(CITY)


@pytest.fixture
def ledger(city):
    made = factories.ledger(city)
    factories.task(
        made,
        department(CITY, "江川市农业农村局"),
        problem="秸秆露天焚烧时有发生",
        cooperating=[department(CITY, "江川市公安局")],
    )
    db.session.flush()
    return made


def _audits(entity_type: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity_type == entity_type))


def test_the_office_creates_a_ledger_registering_its_feedback_document(office, city):
    response = office.post(
        f"/manage/{CITY}/ledgers/new",
        {
            "title": "省级督察反馈问题整改台账",
            "source_kind": "inspection",
            "source_title": "第二轮省级生态环境保护督察",
            "document": "new",
            "new_document_title": "省第三督察组督察反馈意见",
            "new_document_number": "省督察〔2026〕3号",
        },
    )
    assert response.status_code == 302
    ledger = db.session.scalar(select(Ledger).where(Ledger.title == "省级督察反馈问题整改台账"))
    assert ledger.jurisdiction_id == city.id
    assert ledger.document.doc_number == "省督察〔2026〕3号"
    page = text(office.get(response.headers["Location"]))
    assert "台账中还没有任务" in page and "添加任务" in page


def test_a_ledger_form_shows_every_error_at_once_and_keeps_the_input(office, ledger):
    response = office.post(
        f"/manage/{CITY}/ledgers/new",
        {"title": ledger.title, "source_kind": "nonsense", "source_title": "保留的来源", "document": "new"},
    )
    assert response.status_code == 400
    page = text(response.get_data(as_text=True))
    assert "本级已有同名台账" in page
    assert "请选择任务来源类型" in page
    assert "请填写新文件的名称" in page
    assert "保留的来源" in response.get_data(as_text=True)


def _task_form(**changes):
    data = {
        "number": "9",
        "problem": "城区餐饮油烟扰民",
        "target": "油烟净化设施全覆盖",
        "measures": "逐户排查，限期安装",
        "responsible_person": "王五",
        "responsible_post": "副局长",
        "due_date": "2027-03-31",
        "phase": "short",
    }
    data.update(changes)
    return data


def test_the_office_adds_a_task_with_lead_cooperating_matters_and_deadline(office, ledger):
    lead = department(CITY, "江川市生态环境局")
    helper = department(CITY, "江川市住房和城乡建设局")
    html = office.get(f"/ledgers/{ledger.id}/tasks/new")
    assert "城区餐饮油烟污染治理" in html  # the list's matters are offered
    matter_id = db.session.scalar(
        select(Matter.id).where(
            Matter.jurisdiction_id == ledger.jurisdiction_id, Matter.title == "城区餐饮油烟污染治理"
        )
    )
    response = office.post(
        f"/ledgers/{ledger.id}/tasks/new",
        _task_form(lead_department=str(lead.id), cooperating=[str(helper.id)], matters=[str(matter_id)]),
    )
    assert response.status_code == 302
    task = db.session.scalar(select(Task).where(Task.problem == "城区餐饮油烟扰民"))
    assert task.lead_department == lead and task.cooperating == [helper]
    assert [m.id for m in task.matters] == [matter_id]
    assert (task.due_date.isoformat(), task.phase, task.responsible_post) == ("2027-03-31", "short", "副局长")
    page = text(office.get(f"/tasks/{task.id}"))
    assert "列入台账" in page and "城区餐饮油烟污染治理" in page and "短期攻坚" in page


def test_a_task_form_shows_every_error_at_once_and_keeps_the_input(office, ledger):
    lead = department(CITY, "江川市生态环境局")
    before = db.session.scalar(select(func.count()).select_from(Task))
    response = office.post(
        f"/ledgers/{ledger.id}/tasks/new",
        _task_form(
            problem="",
            lead_department=str(lead.id),
            cooperating=[str(lead.id)],
            due_date="",
            phase="",
            responsible_person="保留的责任人",
        ),
    )
    assert response.status_code == 400
    page = text(response.get_data(as_text=True))
    assert "请填写问题（任务）" in page
    assert "牵头部门不能同时是配合部门" in page
    assert "请填写整改时限（日期）或选择整改阶段" in page
    assert "保留的责任人" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Task)) == before


def test_a_bad_date_is_said_next_to_its_field(office, ledger):
    lead = department(CITY, "江川市生态环境局")
    response = office.post(f"/ledgers/{ledger.id}/tasks/new", _task_form(lead_department=str(lead.id), due_date="明年"))
    assert response.status_code == 400
    assert "请按“2026-06-30”的格式填写日期" in text(response.get_data(as_text=True))


def test_editing_a_task_is_audited_and_a_stale_form_is_refused(office, ledger):
    task = ledger.tasks[0]
    url = f"/tasks/{task.id}/edit"
    values = office.hidden(url)
    lead = task.lead_department_id
    form = _task_form(problem="秸秆露天焚烧（修改后）", lead_department=str(lead))
    response = office.client.post(url, data={**values, **form})
    assert response.status_code == 302
    assert task.problem == "秸秆露天焚烧（修改后）"
    assert "修改任务" in text(office.get(f"/tasks/{task.id}"))
    # The same (now stale) version again: refused, nothing changed, the input kept.
    response = office.client.post(url, data={**values, **form, "problem": "第二次修改"})
    assert response.status_code == 400
    assert "该记录已被他人修改并保存" in text(response.get_data(as_text=True))
    db.session.refresh(task)
    assert task.problem == "秸秆露天焚烧（修改后）"


def test_the_ledger_table_filters_and_summarises(office, ledger):
    lead = department(CITY, "江川市生态环境局")
    factories.task(ledger, lead, number="2", problem="饮用水水源地违法建筑", due_date=date(2020, 1, 31))
    db.session.flush()
    page = text(office.get(f"/ledgers/{ledger.id}"))
    assert "共 2 项：" in page and "整改中 2" in page and "逾期 1" in page
    assert "已逾期" in page  # in words, not only a colour
    overdue = text(office.get(f"/ledgers/{ledger.id}?overdue=1"))
    assert "饮用水水源地违法建筑" in overdue and "秸秆露天焚烧" not in overdue
    by_lead = text(office.get(f"/ledgers/{ledger.id}?lead={lead.id}"))
    assert "饮用水水源地违法建筑" in by_lead and "秸秆露天焚烧" not in by_lead
    assert "没有符合筛选条件的任务" in text(office.get(f"/ledgers/{ledger.id}?state=closed"))


def test_scope_other_office_department_and_upper_office(client, auth, ledger):
    task = ledger.tasks[0]
    browser = Browser(client, auth)
    # 云岭市's office: neither reads nor edits 江川市's ledger.
    factories.user("yl_office", "office_admin", jurisdiction("990200"))
    db.session.flush()
    browser.auth.login("yl_office", "password-123")
    browser.user = "yl_office"
    browser.get(f"/ledgers/{ledger.id}", status=403)
    browser.get(f"/tasks/{task.id}", status=403)
    browser.get(f"/tasks/{task.id}/edit", status=403)
    browser.get(f"/manage/{CITY}/ledgers/new", status=403)
    # A department: reads the task it leads, never the ledger, never creates or edits.
    browser.login("jcnyj_head")
    assert "秸秆露天焚烧" in text(browser.get("/tasks/"))
    browser.get(f"/tasks/{task.id}")
    browser.get(f"/ledgers/{ledger.id}", status=403)
    browser.get(f"/manage/{CITY}/ledgers/new", status=403)
    browser.get(f"/tasks/{task.id}/edit", status=403)
    browser.get(f"/manage/{CITY}/ledger-settings", status=403)
    # A cooperating department reads the task too; a department with no part in it does not.
    browser.login("jcsthjj_head")
    browser.get(f"/tasks/{task.id}", status=403)
    # The province's office reads the city's ledger (listed under 下级台账), never edits it.
    browser.login("province_office")
    home = text(browser.get("/tasks/"))
    assert "下级台账" in home and ledger.title in home
    page = text(browser.get(f"/ledgers/{ledger.id}"))
    assert "只读" in page and "添加任务" not in page
    browser.get(f"/tasks/{task.id}")
    browser.get(f"/tasks/{task.id}/edit", status=403)
    browser.get(f"/ledgers/{ledger.id}/edit", status=403)
    browser.get(f"/ledgers/{ledger.id}/tasks/new", status=403)
    browser.get(f"/manage/{CITY}/ledgers/new", status=403)


def test_a_cooperating_department_sees_the_task_in_its_list(client, auth, ledger):
    browser = Browser(client, auth)
    factories.user("jcgaj", "dept_editor", jurisdiction(CITY), department(CITY, "江川市公安局"))
    db.session.flush()
    browser.auth.login("jcgaj", "password-123")
    page = text(browser.get("/tasks/"))
    assert "秸秆露天焚烧" in page.split("本部门配合的任务")[1]
    assert "秸秆露天焚烧" not in page.split("本部门配合的任务")[0]


def test_empty_states(client, auth, city):
    county = factories.jurisdiction("990101", level="county", parent=city, name="江川市测试县")
    factories.user("county_office", "office_admin", county)
    factories.user("county_dept", "dept_head", county, factories.department(county, "测试县生态环境局"))
    db.session.flush()
    browser = Browser(client, auth)
    browser.auth.login("county_office", "password-123")
    page = text(browser.get("/tasks/"))
    assert "本级还没有整改台账" in page and "新建台账" in page and "导入台账" in page
    browser.auth.logout()
    browser.auth.login("county_dept", "password-123")
    page = text(browser.get("/tasks/"))
    assert "本部门目前没有牵头的整改任务" in page and "本部门目前没有配合的整改任务" in page


def test_settings_are_saved_audited_and_checked(office, city):
    ecology = department(CITY, "江川市生态环境局")
    url = f"/manage/{CITY}/ledger-settings"
    page = office.get(url)
    assert 'value="15"' in page  # the default 公示期
    before = _audits("supervision_settings")
    response = office.post(
        url,
        {
            "objection_days": "20",
            "progress_day": "28",
            "remind_days": "2",
            "answer_days": "7",
            "certifiers": [str(ecology.id)],
            "publish_responsible": "y",
        },
    )
    assert response.status_code == 302
    assert rules.settings(city.id) == {
        "objection_days": 20,
        "progress_day": 28,
        "remind_days": 2,
        "answer_days": 7,
        "publish_responsible": True,
    }
    assert rules.certifier_ids(city.id) == [ecology.id]
    assert _audits("supervision_settings") == before + 1
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.entity_type == "supervision_settings").order_by(AuditEntry.id.desc())
    )
    assert entry.before["objection_days"] == 15 and entry.after["certifiers"] == ["江川市生态环境局"]
    # Every bad value at once, nothing saved.
    response = office.post(
        url,
        {"objection_days": "0", "progress_day": "40", "remind_days": "x", "answer_days": "", "certifiers": ["999999"]},
    )
    assert response.status_code == 400
    page = text(response.get_data(as_text=True))
    for message in (
        "公示期请填写",
        "每月报送日请填写",
        "提前提醒请填写",
        "督办答复期限请填写",
        "认定部门须是本级现有部门",
    ):
        assert message in page
    assert (
        db.session.scalar(
            select(SupervisionSettings.objection_days).where(SupervisionSettings.jurisdiction_id == city.id)
        )
        == 20
    )
