"""The one working-day rule (registry/workdays): the national schedule with 调休, local exceptions
(nearest jurisdiction wins), and years the national schedule does not cover yet."""

from datetime import date

import pytest
from sqlalchemy import event, select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.workdays import (
    WorkCalendar,
    add_working_days,
    calendar_note,
    is_working_day,
    national_calendar_covers,
    working_days_between,
)
from registry.workdays import services as workday_services
from tests import factories

# 2026 National Day (国务院办公厅关于2026年部分节假日安排的通知, as chinesecalendar records it):
# 1–7 October off; Sunday 20 September and Saturday 10 October are make-up working days.
EVE = date(2026, 9, 30)  # Wednesday, the last working day before the holiday


def _j(code: str) -> Jurisdiction:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def test_national_day_2026_as_chinesecalendar_records_it(app):
    with app.app_context():
        for day in range(1, 8):
            assert not is_working_day(date(2026, 10, day))
        assert is_working_day(date(2026, 9, 20))  # Sunday, 调休上班
        assert is_working_day(date(2026, 10, 10))  # Saturday, 调休上班
        assert not is_working_day(date(2026, 10, 11))  # an ordinary Sunday


def test_a_deadline_across_national_day_lands_on_the_right_working_day(app):
    with app.app_context():
        # "2 个工作日内" from the eve of the holiday: Thursday 8 and Friday 9 October.
        assert add_working_days(EVE, 1) == date(2026, 10, 8)
        assert add_working_days(EVE, 2) == date(2026, 10, 9)
        # The third is the 调休 Saturday, counted as a working day.
        assert add_working_days(EVE, 3) == date(2026, 10, 10)
        assert add_working_days(EVE, 4) == date(2026, 10, 12)
        assert working_days_between(EVE, date(2026, 10, 10)) == 3
        assert working_days_between(date(2026, 10, 10), EVE) == -3
        assert working_days_between(EVE, EVE) == 0
        # Counting back over the holiday, and a deadline of 0 days on a holiday moves to the next working day.
        assert add_working_days(date(2026, 10, 8), -1) == EVE
        assert add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 8)


def test_a_local_exception_changes_the_result(demo):
    province = _j("990000")
    workday_services.add_exception(province, day=date(2026, 10, 9), is_workday=False, note="本省调休", actor="测试")
    assert add_working_days(EVE, 2) == date(2026, 10, 9)  # installation-wide: not affected
    assert add_working_days(EVE, 2, province) == date(2026, 10, 10)
    assert not is_working_day(date(2026, 10, 9), province)
    assert working_days_between(EVE, date(2026, 10, 12), province) == 3


def test_the_nearest_jurisdiction_wins(demo):
    province, city = _j("990000"), _j("990100")
    county = factories.jurisdiction("990121", level="county", parent=city)
    workday_services.add_exception(None, day=date(2026, 10, 7), is_workday=True, note="全系统补班", actor="测试")
    workday_services.add_exception(province, day=date(2026, 10, 7), is_workday=False, note="本省仍放假", actor="测试")
    workday_services.add_exception(province, day=date(2026, 10, 9), is_workday=False, note="本省放假", actor="测试")
    workday_services.add_exception(city, day=date(2026, 10, 9), is_workday=True, note="本市照常上班", actor="测试")
    # 7 October: installation-wide 上班, but 示例省 says 放假, and its city and county follow the province.
    assert is_working_day(date(2026, 10, 7))
    assert add_working_days(EVE, 1) == date(2026, 10, 7)
    assert not is_working_day(date(2026, 10, 7), province)
    assert not is_working_day(date(2026, 10, 7), county)
    # 9 October: the province closes, the city (and its county) work.
    assert not is_working_day(date(2026, 10, 9), province)
    assert is_working_day(date(2026, 10, 9), city)
    assert is_working_day(date(2026, 10, 9), county)
    assert add_working_days(EVE, 2, county) == date(2026, 10, 9)
    assert add_working_days(EVE, 2, province) == date(2026, 10, 10)
    assert add_working_days(EVE, 2) == date(2026, 10, 8)


def test_a_year_the_national_schedule_does_not_know_falls_back_to_weekends_and_says_so(demo):
    assert national_calendar_covers(2026) and not national_calendar_covers(2027)
    # 1 October 2027 is a Friday: without the 2027 schedule it counts as a working day.
    assert add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 1)
    assert add_working_days(date(2027, 10, 1), 1) == date(2027, 10, 4)  # the weekend is skipped
    assert "2027 年法定节假日安排尚未收录" in calendar_note(date(2026, 12, 6), date(2027, 1, 20))
    assert calendar_note(EVE, date(2026, 10, 10)) == ""
    # An installation-wide exception enters the new year's holidays before the package knows them.
    workday_services.add_exception(None, day=date(2027, 10, 1), is_workday=False, note="国庆节", actor="测试")
    assert add_working_days(date(2027, 9, 30), 1) == date(2027, 10, 4)


def test_one_query_for_a_long_deadline(demo):
    province = _j("990000")
    province.ancestors()  # the tree is loaded once per request anyway
    statements = []

    def count(*args):
        statements.append(args[2])

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert add_working_days(date(2026, 1, 5), 200, province) > date(2026, 10, 1)
        WorkCalendar(province).month(2026, 10)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 2, statements  # one calendar each, whatever the number of days


@pytest.mark.parametrize(
    ("day", "is_workday", "message"),
    [
        (date(2026, 10, 12), True, "本来就是工作日"),  # a Monday
        (date(2026, 10, 3), False, "本来就不上班"),  # National Day
        (None, False, "请填写日期"),
    ],
)
def test_an_exception_that_changes_nothing_is_refused(demo, day, is_workday, message):
    from registry.core.errors import DomainErrors

    with pytest.raises(DomainErrors) as refused:
        workday_services.add_exception(_j("990000"), day=day, is_workday=is_workday, note="说明", actor="测试")
    assert any(message in str(e) for e in refused.value.errors)
