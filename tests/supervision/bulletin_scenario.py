"""A small ledger told month by month for the bulletin's tests (tests/supervision/test_bulletin_*.py):
the steps are written as timeline events with their state and time (what events.record leaves), so
the figures can be checked against a history known in advance, whatever the services of the other
steps do. October 2026 is the month; the figures are as of its end (1 November, Beijing time)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from registry.core.timezone import display_timezone
from registry.extensions import db
from registry.lists.models import Department
from registry.supervision.models import (
    EventKind,
    Ledger,
    Supervision,
    Task,
    TaskEvent,
    TaskProgress,
)
from tests import factories

YEAR, MONTH = 2026, 10


def at(day: date, hhmm: str = "10:00") -> datetime:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=display_timezone()).astimezone(UTC)


def step(task: Task, kind: str, state: str, day: date, hhmm: str = "10:00") -> None:
    task.state = state
    task.events.append(TaskEvent(kind=kind, state=state, at=at(day, hhmm), actor_name="测试"))
    if kind == EventKind.CLOSED:
        task.closed_at = at(day, hhmm)


def created(task: Task, day: date) -> None:
    task.created_at = at(day, "09:00")
    for event in task.events:
        event.at = at(day, "09:00")


def report(task: Task, department: Department, month: date, percent: int | None = None) -> None:
    db.session.add(
        TaskProgress(task=task, department=department, month=month, status="on_track", percent=percent, text="推进中")
    )


@dataclass
class Scenario:
    jurisdiction: object
    ledger: Ledger
    a: Department
    b: Department
    c: Department
    tasks: dict[str, Task]


def build(code: str = "880000") -> Scenario:
    j = factories.jurisdiction(code, name="测试省")
    a = factories.department(j, "测试省甲厅", sector="生态环境")
    b = factories.department(j, "测试省乙厅", sector="水利")
    c = factories.department(j, "测试省丙厅", sector="农业农村")
    ledger = factories.ledger(j)
    aug5 = date(2026, 8, 5)

    def task(number: str, lead: Department, due: date, problem: str) -> Task:
        t = factories.task(ledger, lead, number=number, due_date=due, problem=problem)
        created(t, aug5)
        return t

    t1 = task("1", a, date(2026, 12, 31), "甲厅按期推进的任务")
    t2 = task("2", a, date(2026, 9, 30), "甲厅逾期的任务")
    t3 = task("3", b, date(2026, 10, 15), "乙厅十月销号的任务")
    t4 = task("4", b, date(2026, 12, 31), "乙厅九月销号的任务")
    t5 = task("5", c, date(2026, 10, 20), "丙厅十一月才销号的任务")
    t7 = task("7", a, date(2026, 8, 31), "甲厅公示中的任务")
    t6 = factories.task(ledger, c, number="6", due_date=date(2027, 6, 30), problem="十一月新增的任务")
    created(t6, date(2026, 11, 3))

    step(t3, EventKind.APPLIED, "applied", date(2026, 10, 10))
    step(t3, EventKind.NOTICE_STARTED, "notice", date(2026, 10, 12))
    step(t3, EventKind.CLOSED, "closed", date(2026, 10, 28))
    step(t4, EventKind.APPLIED, "applied", date(2026, 8, 20))
    step(t4, EventKind.NOTICE_STARTED, "notice", date(2026, 9, 1))
    step(t4, EventKind.CLOSED, "closed", date(2026, 9, 20))
    step(t5, EventKind.APPLIED, "applied", date(2026, 10, 25))  # applied after its deadline: overdue still
    step(t5, EventKind.SUPERVISION, "applied", date(2026, 10, 26))
    step(t5, EventKind.NOTICE_STARTED, "notice", date(2026, 10, 31), "23:30")  # the month's last evening
    step(t5, EventKind.CLOSED, "closed", date(2026, 11, 16))
    step(t7, EventKind.APPLIED, "applied", date(2026, 10, 20))
    step(t7, EventKind.NOTICE_STARTED, "notice", date(2026, 10, 25))

    october, september = date(2026, 10, 1), date(2026, 9, 1)
    report(t1, a, october, 60)
    report(t1, c, october, 30)  # a cooperating department's input: not the lead's report
    report(t2, a, september, 40)  # t2: reported in September, not in October
    report(t5, c, september, 80)

    def supervision(task: Task, department: Department, level: str, issued: date, respond_by: date, answered=None):
        s = Supervision(
            task=task,
            department=department,
            level=level,
            text="请加快推进",
            respond_by=respond_by,
            issued_at=at(issued),
        )
        if answered:
            s.answer, s.answered_at = "已部署整改", at(answered)
        db.session.add(s)

    supervision(t2, a, "supervise", date(2026, 10, 8), date(2026, 10, 15), answered=date(2026, 10, 14))
    supervision(t2, a, "remind", date(2026, 9, 5), date(2026, 9, 12))  # September's: not October's
    supervision(t1, a, "interview", date(2026, 10, 22), date(2026, 10, 29), answered=date(2026, 11, 2))
    supervision(t2, a, "interview", date(2026, 11, 2), date(2026, 11, 9))  # November's
    db.session.flush()
    return Scenario(j, ledger, a, b, c, {"1": t1, "2": t2, "3": t3, "4": t4, "5": t5, "6": t6, "7": t7})
