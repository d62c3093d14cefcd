"""Issue #15's fixes around deadlines in working days: "N 个工作日" accepts ASCII digits only (no 500
for "²"), with the error next to the field in Chinese; the calendar note names every uncovered year of
a span; a deadline after 2100 is refused saying so; reminders go out between 08:00 and 20:00 Beijing
time only."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from registry.auth.models import User
from registry.extensions import db
from registry.jobs import runner
from registry.notify.models import Notification
from registry.reports.models import ReportingCycle
from registry.workdays import calendar_note
from tests.conftest import csrf_token

# The eve of National Day 2026, 10:00 in Beijing.
EVE = time_machine.travel(datetime(2026, 9, 30, 2, tzinfo=UTC), tick=False)
NOT_A_NUMBER = "请填写 1 到 2000 之间的工作日数。"


def _workdays_error(page: str) -> str:
    """The text of the error shown with the 工作日 field (its own error element, next to it)."""
    match = re.search(r'id="workdays-error"[^>]*>(.*?)</', page, re.S)
    assert match, page
    return match.group(1).strip()


@pytest.mark.parametrize("written", ["²", "³", "５", "٣", "1²", " ", "0", "2001", "99999999999", "-3", "1e3"])
def test_working_days_not_in_ascii_digits_or_out_of_range_say_so_next_to_the_field(client, auth, reports, written):
    cycle = reports["省生态环境厅"].cycle
    path = f"/reports/cycles/{cycle.id}/deadline"
    with EVE:
        auth.login("province_office")
        token = csrf_token(client, path)
        page = client.post(
            path, data={"csrf_token": token, "deadline": "2026-03-31", "workdays": written, "compute": "1"}
        )
        assert page.status_code == 400, page.status_code  # not a 500
        assert _workdays_error(page.get_data(as_text=True)) == NOT_A_NUMBER
        new = client.post(
            "/reports/cycles/new",
            data={
                "csrf_token": csrf_token(client, "/reports/cycles/new"),
                "year": "2026",
                "workdays": written,
                "compute": "1",
            },
        )
        assert new.status_code in (200, 400) and _workdays_error(new.get_data(as_text=True)) == NOT_A_NUMBER
    assert db.session.get(ReportingCycle, cycle.id).deadline == date(2026, 3, 31)


def test_working_days_in_ascii_digits_still_compute(client, auth, reports):
    cycle = reports["省生态环境厅"].cycle
    path = f"/reports/cycles/{cycle.id}/deadline"
    with EVE:
        auth.login("province_office")
        page = client.post(
            path, data={"csrf_token": csrf_token(client, path), "workdays": " 2000 ", "compute": "1"}
        ).get_data(as_text=True)
    assert 'id="workdays-error"' not in page and re.search(r'name="deadline"[^>]*value="20\d\d-\d\d-\d\d"', page)


def test_a_deadline_after_2100_is_refused_saying_so(client, auth, reports):
    cycle = reports["省生态环境厅"].cycle
    path = f"/reports/cycles/{cycle.id}/deadline"
    auth.login("province_office")
    page = client.post(path, data={"csrf_token": csrf_token(client, path), "deadline": "2101-01-01"})
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "截止日期不能晚于 2100 年，请核对年份。" in text and "报告年度开始之后" not in text
    assert db.session.get(ReportingCycle, cycle.id).deadline != date(2101, 1, 1)


def test_the_calendar_note_names_every_uncovered_year_of_the_span(app):
    note = calendar_note(date(2026, 12, 6), date(2028, 3, 31))
    assert "2027、2028 年法定节假日安排尚未收录" in note
    assert "2027、2028、2029 年" in calendar_note(date(2029, 1, 5), date(2026, 12, 6))  # either order
    assert calendar_note(date(2026, 1, 1), date(2026, 12, 31)) == ""
    assert "2027 年" in calendar_note(date(2027, 5, 1), None)


def test_a_cycle_page_names_every_uncovered_year_up_to_its_deadline(client, auth, reports):
    cycle = reports["省生态环境厅"].cycle
    cycle.deadline = date(2028, 3, 31)
    db.session.flush()
    with time_machine.travel(datetime(2026, 12, 6, 2, tzinfo=UTC), tick=False):
        auth.login("province_office")
        page = client.get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    assert "2027、2028 年法定节假日安排尚未收录" in page


# -- reminders in office hours only -------------------------------------------------------------------


def _beijing(day: date, hour: int, minute: int = 0):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8), tick=False
    )


def _run() -> None:
    runner.PERIODIC["deadline_reminders"].run()
    db.session.flush()


def _told(kind: str) -> set[str]:
    return set(
        db.session.scalars(
            select(User.username)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.kind == kind, Notification.dedupe_key.like("deadline:%"))
        )
    )


def test_reminders_wait_for_office_hours_in_beijing(reports):
    cycle = reports["省生态环境厅"].cycle
    cycle.deadline = date(2026, 10, 10)  # 5 working days after Monday 28 September
    db.session.flush()
    for hour, minute in ((0, 5), (7, 59), (20, 0), (23, 30)):
        with _beijing(date(2026, 9, 28), hour, minute):
            _run()
    assert _told("deadline_soon") == set()  # the run just after midnight (or late evening) waits
    with _beijing(date(2026, 9, 28), 8, 0):
        _run()
    assert "sthj_head" in _told("deadline_soon")

    for hour in (0, 6, 20, 21):  # past the deadline: the overdue notices wait for the morning too
        with _beijing(date(2026, 10, 12), hour, 10):
            _run()
    assert _told("deadline_overdue") == set()
    with _beijing(date(2026, 10, 12), 19, 59):
        _run()
    assert {"sthj_head", "province_office"} <= _told("deadline_overdue")
