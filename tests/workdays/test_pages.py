"""The offices' working-day calendar page, and a cycle's deadline set in working days."""

from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.reports.models import ReportingCycle
from registry.workdays.models import WorkdayException
from tests.conftest import csrf_token

PAGE = "/manage/990000/workdays"
# The eve of National Day 2026, 10:00 in Beijing.
EVE = time_machine.travel(datetime(2026, 9, 30, 2, tzinfo=UTC), tick=False)


def _province() -> Jurisdiction:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990000"))


def test_the_office_sees_the_year_with_holidays_make_up_days_and_a_legend(client, auth, demo):
    auth.login("province_office")
    page = client.get(PAGE + "?year=2026").get_data(as_text=True)
    assert "示例省工作日日历" in page
    for label in ("法定节假日", "调休上班", "本地例外：放假", "本地例外：上班"):
        assert label in page
    assert "2026-10-01 法定节假日：国庆节" in page
    assert "2026-10-10 调休上班：国庆节调休上班" in page
    assert page.count('<table class="month">') == 12
    # 2027's schedule is not published in the package: the page says so, and 2027 is counted by weekends.
    page_2027 = client.get(PAGE + "?year=2027").get_data(as_text=True)
    assert "2027 年法定节假日安排尚未收录" in page_2027
    assert "2027-10-01 工作日" in page_2027


def test_the_office_adds_and_removes_an_exception_audited(client, auth, demo):
    auth.login("province_office")
    response = client.post(
        PAGE,
        data={"csrf_token": csrf_token(client, PAGE), "day": "2026-10-09", "is_workday": "0", "note": "本省调休放假"},
    )
    assert response.status_code == 302 and "year=2026" in response.headers["Location"]
    exception = db.session.scalar(select(WorkdayException).where(WorkdayException.day == date(2026, 10, 9)))
    assert exception.jurisdiction_id == _province().id and not exception.is_workday
    page = client.get(PAGE + "?year=2026").get_data(as_text=True)
    assert "2026-10-09 本地例外：放假：本省调休放假" in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "workday_exceptions"))
    assert entry.action == "create" and "2026-10-09" in entry.summary

    delete = f"{PAGE}/{exception.id}/delete"
    confirm = client.get(delete).get_data(as_text=True)
    assert "确定删除 2026-10-09 的例外设置" in confirm
    assert client.post(delete, data={"csrf_token": csrf_token(client, delete)}).status_code == 302
    assert db.session.get(WorkdayException, exception.id) is None
    assert db.session.scalar(
        select(AuditEntry.id).where(AuditEntry.entity_type == "workday_exceptions", AuditEntry.action == "delete")
    )


def test_every_problem_of_the_form_is_said_at_once_in_chinese(client, auth, demo):
    auth.login("province_office")
    token = csrf_token(client, PAGE)
    response = client.post(PAGE, data={"csrf_token": token, "day": "", "note": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写日期" in page and "请说明原因" in page
    response = client.post(PAGE, data={"csrf_token": token, "day": "2026-13-45", "note": "x" * 201})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请按“年-月-日”填写日期" in page and "说明不能超过 200 个字" in page
    response = client.post(PAGE, data={"csrf_token": token, "day": "2026-10-12", "is_workday": "1", "note": "周一"})
    assert "2026-10-12 本来就是工作日" in response.get_data(as_text=True)
    assert db.session.scalar(select(WorkdayException.id)) is None


def test_others_are_refused(client, auth, demo):
    auth.login("jiangchuan_office")  # the office below reads its own calendar, not the province's
    assert client.get("/manage/990100/workdays").status_code == 200
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client, "/manage/990100/workdays")
    assert client.post(PAGE, data={"csrf_token": token, "day": "2026-10-09", "note": "越权"}).status_code == 403
    assert client.get("/manage/workdays").status_code == 403  # installation-wide: the sysadmin's
    auth.logout()
    auth.login("sthj_head")
    assert client.get(PAGE).status_code == 403
    auth.logout()
    auth.login("province_office")  # the office above reads the city's calendar, without the form
    page = client.get("/manage/990100/workdays").get_data(as_text=True)
    assert "江川市工作日日历" in page and "保存例外" not in page
    assert db.session.scalar(select(WorkdayException.id)) is None


def test_the_sysadmin_sets_an_installation_wide_exception(client, auth, demo):
    auth.login("admin")
    page = "/manage/workdays"
    assert "全系统工作日日历" in client.get(page).get_data(as_text=True)
    response = client.post(
        page, data={"csrf_token": csrf_token(client, page), "day": "2027-10-01", "is_workday": "0", "note": "国庆节"}
    )
    assert response.status_code == 302
    exception = db.session.scalar(select(WorkdayException))
    assert exception.jurisdiction_id is None and exception.day == date(2027, 10, 1)


def test_a_cycle_deadline_in_working_days_across_national_day(client, auth, reports):
    cycle = reports["省生态环境厅"].cycle
    path = f"/reports/cycles/{cycle.id}/deadline"
    with EVE:
        auth.login("province_office")
        form = client.get(path).get_data(as_text=True)
        assert "按工作日计算" in form
        token = csrf_token(client, path)
        # 3 working days after Wednesday 30 September: 8, 9 and the 调休 Saturday 10 October.
        page = client.post(path, data={"csrf_token": token, "deadline": "2026-03-31", "workdays": "3", "compute": "1"})
        text = page.get_data(as_text=True)
        assert 'value="2026-10-10"' in text and "2026-10-10</time>（星期六，国庆节调休上班）" in text
        assert db.session.get(ReportingCycle, cycle.id).deadline == date(2026, 3, 31)  # not saved yet
        bad = client.post(path, data={"csrf_token": token, "workdays": "abc", "compute": "1"})
        assert bad.status_code == 400 and "请填写 1 到 2000 之间的工作日数" in bad.get_data(as_text=True)
        saved = client.post(path, data={"csrf_token": token, "deadline": "2026-10-10", "workdays": "3"})
        assert saved.status_code == 302
        db.session.expire_all()
        assert db.session.get(ReportingCycle, cycle.id).deadline == date(2026, 10, 10)
        shown = client.get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
        assert "2026-10-10</time>（星期六，国庆节调休上班）" in shown and "还剩 3 个工作日" in shown
        assert db.session.scalar(
            select(AuditEntry.id).where(AuditEntry.entity_type == "reporting_cycles", AuditEntry.action == "update")
        )
        auth.logout()
        auth.login("sthj_head")
        assert client.get(path).status_code == 403
        assert "还剩 3 个工作日" in client.get(f"/reports/{reports['省生态环境厅'].id}").get_data(as_text=True)


def test_a_deadline_in_2027_says_the_schedule_is_not_known(client, auth, reports):
    cycle = reports["省生态环境厅"].cycle
    cycle.deadline = date(2027, 3, 31)
    db.session.flush()
    with time_machine.travel(datetime(2026, 12, 6, 2, tzinfo=UTC), tick=False):
        auth.login("province_office")
        page = client.get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    assert "2027 年法定节假日安排尚未收录" in page


def test_opening_a_cycle_offers_n_working_days(client, auth, demo):
    with EVE:
        auth.login("province_office")
        token = csrf_token(client, "/reports/cycles/new")
        page = client.post(
            "/reports/cycles/new",
            data={"csrf_token": token, "year": "2026", "deadline": "", "workdays": "1", "compute": "1"},
        ).get_data(as_text=True)
    assert 'value="2026-10-08"' in page and "按工作日计算的截止日期" in page
    assert db.session.scalar(select(ReportingCycle.id).where(ReportingCycle.year == 2026)) is None
