"""Fixes to the ledger pages after review (#18): a new lead department takes its task over (the old
lead's units let go, the newly involved told), the bulletin form's errors all at once, English labels of
the form choices and of the public as a timeline actor, the bulletin's days overdue as of the month's
last day, the task's length and deadline limits (the import refuses too), archiving a ledger."""

import re
from datetime import date

import pytest
from flask import g
from flask_babel import refresh
from sqlalchemy import func, select

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.extensions import db
from registry.lists.services import create_unit
from registry.notify.models import Notification
from registry.supervision import bulletin_data, closure, decomposition, import_sheet, services
from registry.supervision.models import EventKind, Task, TaskEvent, TaskUnit
from tests import factories
from tests.supervision.bulletin_scenario import at, created
from tests.supervision.h3_support import World
from tests.supervision.h3_support import login as world_login
from tests.targets.pages import Browser, department, jurisdiction, text

CITY = "990100"  # 江川市 (the demo)
HAN = re.compile(r"[\u4e00-\u9fff]")


def _data(task: Task, **changes) -> services.TaskData:
    values = dict(
        number=task.number,
        problem=task.problem,
        target=task.target,
        measures=task.measures,
        lead_department=task.lead_department,
        cooperating=list(task.cooperating),
        responsible_person=task.responsible_person,
        responsible_post=task.responsible_post,
        due_date=task.due_date,
        phase=task.phase,
        matters=list(task.matters),
    )
    values.update(changes)
    return services.TaskData(**values)


def _notices(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


# -- 1. a new lead department ---------------------------------------------------------------------------


@pytest.fixture
def world(app, ctx):
    return World()


def test_a_new_lead_takes_the_task_over_the_old_units_let_go_and_the_newly_involved_told(world):
    task, office = world.task, world.user("jc_office")
    unit = create_unit(world.agri, name="种植业管理科", kind="internal", actor="测试")
    row = decomposition.decompose_task(task, unit, person="赵六", work="秸秆禁烧巡查", actor=world.user("jc_agri"))
    row_id = row.id
    db.session.flush()
    before = {name: len(_notices(world.user(name))) for name in ("jc_water", "jc_land", "jc_build", "jc_office")}

    services.update_task(
        task, _data(task, lead_department=world.water, cooperating=[world.build, world.land]), actor=office
    )
    db.session.flush()

    assert task.lead_department == world.water
    assert task.units == [] and db.session.get(TaskUnit, row_id) is None
    removed = db.session.scalar(
        select(TaskEvent)
        .where(TaskEvent.task_id == task.id, TaskEvent.kind == EventKind.DECOMPOSED)
        .order_by(TaskEvent.id.desc())
    )
    assert "不再由种植业管理科承担" in removed.text and removed.department_id == world.agri.id
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity_type == "task_units", AuditEntry.action == "delete")
        )
        == 1
    )
    edited = task.events[-1]
    assert edited.kind == EventKind.EDITED and "牵头部门由江川市农业农村局改为江川市水利局" in edited.text

    after = {name: _notices(world.user(name)) for name in before}
    new = {name: after[name][before[name] :] for name in before}
    assert [n.title for n in new["jc_water"]] and "交由本部门牵头" in new["jc_water"][0].title
    assert [n.title for n in new["jc_land"]] and "请本部门配合" in new["jc_land"][0].title
    assert new["jc_build"] == [] and new["jc_office"] == []  # already involved; the actor


def test_an_edit_that_brings_nobody_in_tells_nobody(world):
    task = world.task
    counts = {name: len(_notices(world.user(name))) for name in ("jc_agri", "jc_build")}
    services.update_task(task, _data(task, problem="秸秆露天焚烧（措辞修改）"), actor=world.user("jc_office"))
    db.session.flush()
    assert {name: len(_notices(world.user(name))) for name in counts} == counts


def test_the_old_lead_no_longer_sees_the_task_on_its_units_page(client, world):
    unit = create_unit(world.agri, name="农田建设管理科", kind="internal", actor="测试")
    decomposition.decompose_task(world.task, unit, person="钱七", work="农田退水治理", actor=world.user("jc_agri"))
    services.update_task(world.task, _data(world.task, lead_department=world.water), actor=world.user("jc_office"))
    db.session.flush()
    world_login(client, "jc_agri")
    page = client.get(f"/manage/departments/{world.agri.id}/decomposition").get_data(as_text=True)
    assert world.task.problem[:10] not in page


def test_no_lead_change_while_a_closure_is_under_way(world):
    task = world.task
    closure.apply_closure(task, statement="已整改完成。", actor=world.user("jc_agri"))
    with pytest.raises(DomainError):
        services.update_task(task, _data(task, lead_department=world.water), actor=world.user("jc_office"))


# -- 2. the bulletin form ---------------------------------------------------------------------------------


@pytest.fixture
def office(client, auth, demo):
    return Browser(client, auth).login("jiangchuan_office")


def test_the_new_bulletin_form_says_every_error_at_once(office):
    response = office.post(f"/manage/{CITY}/bulletins/new", {"year": "abc", "month": "13"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="year-error"' in html and 'id="month-error"' in html
    page = text(html)
    assert "请填写四位数字的年份" in page and "请选择月份" in page
    assert 'value="abc"' in html  # the typed year is kept


# -- 3. English labels ------------------------------------------------------------------------------------


def _english(client, url: str) -> str:
    g.pop("csrf_token", None)
    refresh()
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    return html


def _chinese_options(html: str, *names: str) -> list[str]:
    found = []
    for name in names:
        select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
        assert select_html, name
        found += [label for label in re.findall(r">([^<]*)</option>", select_html.group(1)) if HAN.search(label)]
    return found


def test_form_choices_read_in_english(client, auth, demo):
    city = jurisdiction(CITY)
    ledger = factories.ledger(city, title="英文标签测试台账")
    task = factories.task(ledger, department(CITY, "江川市农业农村局"), phase="immediate")
    db.session.flush()
    client.get("/lang/en")
    auth.login("jiangchuan_office")
    assert _chinese_options(_english(client, f"/manage/{CITY}/ledgers/new"), "source_kind") == []
    assert _chinese_options(_english(client, f"/manage/{CITY}/ledgers/import"), "source_kind") == []
    edit = _english(client, f"/tasks/{task.id}/edit")
    assert _chinese_options(edit, "phase") == [] and "Immediate" in edit
    auth.logout()
    auth.login("jcnyj_head")
    assert _chinese_options(_english(client, f"/tasks/{task.id}/progress"), "status") == []
    assert _chinese_options(_english(client, f"/tasks/{task.id}/units/new"), "new_unit_kind") == []
    # Data stays as written: the department's name is not translated.
    assert "江川市农业农村局" in _english(client, f"/tasks/{task.id}")


def test_the_public_as_an_actor_reads_in_english(client, world):
    world.task.events.append(TaskEvent(kind=EventKind.OBJECTION, actor_name="公众", state=world.task.state))
    db.session.flush()
    client.get("/lang/en")
    world_login(client, "jc_office")
    html = _english(client, f"/tasks/{world.task.id}")
    timeline = html[html.index('id="h-timeline"') :]
    assert "The public" in timeline and "公众" not in timeline


# -- 4. the bulletin's days overdue -------------------------------------------------------------------------


def test_bulletin_days_overdue_count_to_the_months_last_day(app, ctx):
    j = factories.jurisdiction("860000", name="逾期天数测试省")
    lead = factories.department(j, "逾期天数测试厅")
    ledger = factories.ledger(j)
    day_before = factories.task(ledger, lead, number="1", due_date=date(2026, 10, 30), problem="月末前一天到期")
    last_day = factories.task(ledger, lead, number="2", due_date=date(2026, 10, 31), problem="月末当天到期")
    month_ago = factories.task(ledger, lead, number="3", due_date=date(2026, 9, 30), problem="上月末到期")
    for t in (day_before, last_day, month_ago):
        created(t, date(2026, 8, 5))
    db.session.flush()
    figures = bulletin_data.gather(j.id, 2026, 10, now=at(date(2026, 12, 1)))
    assert figures.period.as_of == date(2026, 10, 31)
    # 截至10月31日: due on the 30th, 1 day overdue; due on the 31st, not yet; due 30 September, 31 days.
    assert [(o.number, o.days_overdue) for o in figures.overdue] == [("3", 31), ("1", 1)]
    assert figures.total.overdue == 2


# -- 5 and 6. limits the form and the import share ------------------------------------------------------------


def test_task_texts_and_deadlines_are_limited_for_the_form_and_the_service(office):
    city = jurisdiction(CITY)
    ledger = factories.ledger(city, title="限制测试台账")
    lead = department(CITY, "江川市生态环境局")
    data = services.TaskData(problem="问" * 5001, lead_department=lead, target="标" * 5001, due_date=date(1, 1, 1))
    fields = {e.field for e in services.task_problems(city, data)}
    assert {"problem", "target", "due_date"} <= fields
    data = services.TaskData(problem="问题", lead_department=lead, measures="措" * 10001, due_date=date(9999, 12, 31))
    problems = {e.field: str(e) for e in services.task_problems(city, data)}
    assert "measures" in problems and "2000-01-01" in problems["due_date"]
    ok = services.TaskData(problem="问" * 5000, lead_department=lead, due_date=date(2030, 6, 30))
    assert services.task_problems(city, ok) == []

    before = db.session.scalar(select(func.count()).select_from(Task))
    response = office.post(
        f"/ledgers/{ledger.id}/tasks/new",
        {"problem": "城区餐饮油烟扰民", "lead_department": str(lead.id), "due_date": "9999-12-31"},
    )
    assert response.status_code == 400
    assert "整改时限应在 2000-01-01 至" in text(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(Task)) == before


def test_the_import_refuses_texts_too_long_and_implausible_deadlines(demo):
    city = jurisdiction(CITY)
    csv = (
        "序号,反馈问题,整改目标,整改措施,责任单位,责任人,整改时限\n"
        f"1,{'问' * 5001},目标,措施,江川市生态环境局,张三,2026-12-31\n"
        "2,问题二,目标,措施,江川市生态环境局,张三,0001-01-01\n"
        "3,问题三,目标,措施,江川市生态环境局,张三,9999-12-31\n"
        "4,问题四,目标,措施,江川市生态环境局,张三,2027-06-30\n"
    ).encode()
    plan = import_sheet.plan_sheet(city, csv, "台账.csv")
    errors = {r.row: " ".join(str(e) for e in r.errors) for r in plan.rows}
    assert "不能超过 5000 个字" in errors[2]
    assert "整改时限应在 2000-01-01 至" in errors[3] and "整改时限应在 2000-01-01 至" in errors[4]
    assert errors[5] == "" and not plan.ok


def test_a_phone_or_email_in_the_responsible_person_cell_is_refused(demo):
    """Names and posts may be published; contact details never are, so the import refuses them."""
    city = jurisdiction(CITY)
    csv = (
        "序号,反馈问题,整改目标,整改措施,责任单位,责任人,整改时限\n"
        "1,问题一,目标,措施,江川市生态环境局,张三 13800138000,2026-12-31\n"
        "2,问题二,目标,措施,江川市生态环境局,李四（zhang@example.gov.cn）,2026-12-31\n"
        "3,问题三,目标,措施,江川市生态环境局,王五（局长）,2026-12-31\n"
    ).encode()
    plan = import_sheet.plan_sheet(city, csv, "台账.csv")
    errors = {r.row: " ".join(str(e) for e in r.errors) for r in plan.rows}
    assert "联系方式" in errors[2] and "联系方式" in errors[3]
    assert errors[4] == "" and not plan.ok
    lead = department(CITY, "江川市生态环境局")
    data = services.TaskData(
        problem="问题", lead_department=lead, responsible_post="0731-8888 8888", due_date=date(2027, 1, 1)
    )
    assert [e.field for e in services.task_problems(city, data)] == ["responsible_post"]


# -- 7. archiving a ledger -----------------------------------------------------------------------------------


def test_the_office_archives_and_unarchives_a_ledger(office):
    city = jurisdiction(CITY)
    ledger = factories.ledger(city, title="归档测试台账")
    factories.task(ledger, department(CITY, "江川市生态环境局"), problem="归档测试任务")
    db.session.flush()
    url = f"/ledgers/{ledger.id}/archive"
    assert "归档" in text(office.get(f"/ledgers/{ledger.id}"))
    confirm = text(office.get(url))
    assert "不再列入月度通报" in confirm and "确认归档" in confirm

    # An empty confirmation (no choice) changes nothing.
    empty = office.client.post(url, data={"csrf_token": office.hidden(url)["csrf_token"]})
    assert empty.status_code == 400 and not ledger.archived

    response = office.post(url, {"archived": "1"})
    assert response.status_code == 302
    db.session.refresh(ledger)
    assert ledger.archived
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "ledgers", AuditEntry.entity_id == ledger.id)
        .order_by(AuditEntry.id.desc())
    )
    assert entry.action == "update" and entry.after["archived"] is True and entry.before["archived"] is False
    page = text(office.get(f"/ledgers/{ledger.id}"))
    assert "已归档" in page and "取消归档" in page
    home = office.get("/tasks/")
    titles = [t for t in re.findall(r'<h3><a href="/ledgers/\d+">([^<]+)</a>', home)]
    assert titles[-1] == "归档测试台账"  # listed last
    assert ledger.id not in {f.id for f in bulletin_data.gather(city.id, 2026, 10).ledgers}

    # Taken back out of the archive.
    response = office.post(url, {"archived": "0"})
    assert response.status_code == 302
    db.session.refresh(ledger)
    assert not ledger.archived


def test_only_the_office_archives(client, auth, demo):
    city = jurisdiction(CITY)
    ledger = factories.ledger(city, title="归档权限测试台账")
    db.session.flush()
    Browser(client, auth).login("jcnyj_head").get(f"/ledgers/{ledger.id}/archive", status=403)


def test_a_stale_archive_confirmation_is_refused(office):
    city = jurisdiction(CITY)
    ledger = factories.ledger(city, title="过期确认测试台账")
    db.session.flush()
    url = f"/ledgers/{ledger.id}/archive"
    stale = office.hidden(url)
    assert office.client.post(url, data={**stale, "archived": "1"}).status_code == 302
    again = office.client.post(url, data={**stale, "archived": "1"})
    assert again.status_code == 400
    assert "该记录已被他人修改并保存" in text(again.get_data(as_text=True))
