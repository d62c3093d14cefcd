"""The monthly bulletin's figures (registry/supervision/bulletin_data.py), cross-checked on a small
ledger whose history is known (tests/supervision/bulletin_scenario.py): the states at the month's
end, per lead department, the month's closures, the overdue tasks, the 督办 issued, the chart's
history; and the current month taken as of now."""

from datetime import UTC, date, datetime

from registry.supervision import bulletin_data
from tests.supervision.bulletin_scenario import MONTH, YEAR, at, build


def test_figures_as_of_the_end_of_the_month(app, ctx):
    s = build()
    f = bulletin_data.gather(s.jurisdiction.id, YEAR, MONTH)
    assert f.period.complete and f.period.as_of == date(2026, 10, 31)

    # t6 came in November: not counted; t5 closed in November: on notice at the end of October.
    t = f.total
    assert (t.total, t.open, t.applied, t.notice, t.closed, t.overdue) == (6, 2, 0, 2, 2, 1)
    assert t.closed_percent == 33.3
    [ledger] = f.ledgers
    assert ledger.counts.as_list() == t.as_list()

    by_name = {d.name: d for d in f.departments}
    assert list(by_name) == ["测试省甲厅", "测试省乙厅", "测试省丙厅"]
    a, b, c = by_name.values()
    assert (a.counts.total, a.counts.closed, a.counts.notice, a.counts.in_progress, a.counts.overdue) == (3, 0, 1, 2, 1)
    assert (a.due_reports, a.reported, a.reported_all) == (2, 1, False)  # t2 had no October report
    assert (b.counts.total, b.counts.closed, b.due_reports, b.reported_all) == (2, 2, 0, True)
    assert (c.counts.total, c.counts.notice, c.counts.in_progress, c.due_reports) == (1, 1, 0, 0)

    assert [(x.number, x.day) for x in f.closures] == [("3", date(2026, 10, 28))]  # t4 closed in September
    [overdue] = f.overdue
    # Due 30 September: 31 days overdue as of 31 October (截至 the month's last day).
    assert (overdue.number, overdue.lead, overdue.days_overdue, overdue.percent) == ("2", "测试省甲厅", 31, 40)

    assert [(x.level, x.task_number, x.answered_on, x.late) for x in f.supervisions] == [
        ("supervise", "2", date(2026, 10, 14), False),
        ("interview", "1", None, True),  # answered on 2 November: after the cut-off, and late by then
    ]

    assert ledger.history == [
        (date(2026, 8, 1), 0, 0, 6),
        (date(2026, 9, 1), 1, 0, 5),
        (date(2026, 10, 1), 2, 2, 2),
    ]


def test_a_month_is_cut_at_midnight_beijing_time(app, ctx):
    """t5's notice started at 23:30 on 31 October, Beijing time (15:30 UTC): October's."""
    s = build()
    assert at(date(2026, 10, 31), "23:30") == datetime(2026, 10, 31, 15, 30, tzinfo=UTC)
    f = bulletin_data.gather(s.jurisdiction.id, YEAR, MONTH)
    assert {d.name: d.counts.notice for d in f.departments}["测试省丙厅"] == 1


def test_the_next_month_and_the_current_one(app, ctx):
    s = build()
    november = bulletin_data.gather(s.jurisdiction.id, 2026, 11)
    assert november.total.total == 7 and [x.number for x in november.closures] == ["5"]
    assert [x.task_number for x in november.supervisions] == ["2"]
    assert [h[0] for h in november.ledgers[0].history][-1] == date(2026, 11, 1)

    # The current month (a draft preview): as of now, the overdue ones by rules.is_overdue(today).
    now = at(date(2026, 11, 10), "12:00")
    draft = bulletin_data.gather(s.jurisdiction.id, 2026, 11, now=now)
    assert not draft.period.complete and draft.period.as_of == date(2026, 11, 10)
    assert draft.closures == [] and draft.total.notice == 2  # t5 was still on notice on the 10th
    assert [(o.number, o.days_overdue) for o in draft.overdue] == [("2", 41)]


def test_no_ledger_no_figures(app, ctx):
    from tests import factories

    j = factories.jurisdiction("870000")
    f = bulletin_data.gather(j.id, YEAR, MONTH)
    assert f.total.total == 0 and f.ledgers == [] and f.departments == [] and f.overdue == []


def test_a_ledger_whose_tasks_came_after_the_month_is_left_out(app, ctx):
    """A ledger imported in December is not in October's bulletin (it listed no task then)."""
    from tests import factories
    from tests.supervision.bulletin_scenario import created

    s = build()
    later = factories.ledger(s.jurisdiction, title="十二月导入的台账")
    created(factories.task(later, s.a, number="1", problem="十二月导入的任务"), date(2026, 12, 2))
    october = bulletin_data.gather(s.jurisdiction.id, YEAR, MONTH)
    assert [ledger.title for ledger in october.ledgers] == [s.ledger.title]
    december = bulletin_data.gather(s.jurisdiction.id, 2026, 12, now=datetime(2026, 12, 20, tzinfo=UTC))
    assert "十二月导入的台账" in [ledger.title for ledger in december.ledgers]
