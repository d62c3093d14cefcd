"""The figures of the monthly bulletin (月度通报, registry/supervision/bulletin.py), gathered in one place
as plain rows, testable on their own.

Every figure is taken as it stood at the bulletin's cut-off: the end of the month (Beijing time) for an
ended month, now for the current one (a draft preview). A task's state at a moment is the `state` of its
last timeline event before it (events.record stores the state after each step; its creation is the first
event); a task created after the cut-off does not count. So the bulletin of an ended month shows that
month, whenever it is compiled, and what happened since does not creep into it.

- overview: tasks per state in each of the jurisdiction's ledgers (archived ones left out), % closed;
- departments: per lead department, tasks led, closed, on notice, in progress, overdue, and how many of
  its open tasks the department reported on for the month (its own TaskProgress for the month);
- closures: the tasks closed (销号) during the month;
- overdue: the tasks past their deadline and not done at the cut-off (rules.is_overdue as of then);
- supervisions: the 督办 issued during the month, answered or not (by the cut-off);
- history: each ledger's closed / on notice / in progress at the end of each month up to this one
  (the chart).
"""

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from registry.core.timezone import local_date, local_day_start, local_now
from registry.extensions import db
from registry.lists.models import Department
from registry.supervision import rules
from registry.supervision.models import (
    EventKind,
    Ledger,
    Supervision,
    Task,
    TaskEvent,
    TaskProgress,
    TaskState,
)

IN_PROGRESS = (TaskState.OPEN, TaskState.APPLIED)  # 整改中 (销号审核中 counts as not yet done)
HISTORY_MONTHS = 12  # the chart shows at most this many month ends


@dataclass(frozen=True)
class Period:
    """The month a bulletin is about and the moment its figures are taken at."""

    year: int
    month: int
    start: date  # the month's first day
    end: date  # its last day
    cutoff: datetime  # figures as they stood just before this instant (UTC)
    as_of: date  # the local day the figures are "as of" (截至): the month's last day, or today
    complete: bool  # the month has ended

    @property
    def overdue_day(self) -> date:
        """The `today` of rules.is_overdue for the figures: the day they are as of (截至), the month's
        last day or today, as the ledger pages count on that day; a task due on the month's last day is
        not overdue yet, and one due the day before is 1 day overdue."""
        return self.as_of

    @property
    def first_instant(self) -> datetime:
        return local_day_start(self.start)

    @property
    def month_date(self) -> date:
        return self.start


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def period(year: int, month: int, now: datetime | None = None) -> Period:
    """The bulletin's period; `now` (aware) defaults to the present."""
    now = now or local_now()
    start = date(year, month, 1)
    end = start.replace(day=calendar.monthrange(year, month)[1])
    month_end = local_day_start(next_month(start))
    complete = now >= month_end
    cutoff = month_end if complete else now.astimezone(UTC)
    return Period(year, month, start, end, cutoff, end if complete else local_date(now), complete)


# -- the tasks' states at a moment -------------------------------------------------------------------------


@dataclass
class TaskRow:
    id: int
    ledger_id: int
    number: str
    problem: str
    lead_department_id: int
    due_date: date | None
    phase: str | None
    created_at: datetime
    states: list[tuple[datetime, int, str]] = field(default_factory=list)  # (at, event id, state after)

    def state_at(self, cutoff: datetime) -> str | None:
        """The state just before `cutoff`; None when the task did not exist yet."""
        if self.created_at >= cutoff:
            return None
        state = TaskState.OPEN.value
        for at, _id, after in self.states:
            if at >= cutoff:
                break
            if after:
                state = after
        return state

    def overdue_at(self, state: str | None, today: date) -> bool:
        """Past its 整改时限 and not done (rules.is_overdue on `today`)."""
        return rules.overdue(self.due_date, state, today)


def _ledgers(jurisdiction_id: int) -> list[Ledger]:
    return list(
        db.session.scalars(
            select(Ledger)
            .where(Ledger.jurisdiction_id == jurisdiction_id, Ledger.archived.is_(False))
            .order_by(Ledger.created_at, Ledger.id)
        )
    )


def _tasks(ledger_ids: list[int]) -> list[TaskRow]:
    return task_rows(Task.ledger_id.in_(ledger_ids)) if ledger_ids else []


def task_rows(*where: Any) -> list[TaskRow]:
    """The tasks matching `where` (conditions on Task), in ledger order, each with its timeline of states
    (TaskRow.state_at): shared with the annual report's section (registry/reports/task_section.py)."""
    rows = {
        r.id: TaskRow(r.id, r.ledger_id, r.number, r.problem, r.lead_department_id, r.due_date, r.phase, r.created_at)
        for r in db.session.execute(
            select(
                Task.id,
                Task.ledger_id,
                Task.number,
                Task.problem,
                Task.lead_department_id,
                Task.due_date,
                Task.phase,
                Task.created_at,
            )
            .where(*where)
            .order_by(Task.ledger_id, Task.position, Task.id)
        )
    }
    if not rows:
        return []
    events = db.session.execute(
        select(TaskEvent.task_id, TaskEvent.at, TaskEvent.id, TaskEvent.state)
        .join(Task, Task.id == TaskEvent.task_id)
        .where(*where)
        .order_by(TaskEvent.at, TaskEvent.id)
    )
    for task_id, at, event_id, state in events:
        rows[task_id].states.append((at, event_id, state))
    return list(rows.values())


# -- the figures ------------------------------------------------------------------------------------------


@dataclass
class Counts:
    total: int = 0
    open: int = 0  # 整改中
    applied: int = 0  # 销号审核中
    notice: int = 0  # 销号公示中
    closed: int = 0  # 已销号
    overdue: int = 0

    @property
    def in_progress(self) -> int:
        return self.open + self.applied

    @property
    def closed_percent(self) -> float:
        return round(100 * self.closed / self.total, 1) if self.total else 0.0

    def add(self, state: str, overdue: bool) -> None:
        self.total += 1
        setattr(self, state, getattr(self, state) + 1)
        self.overdue += overdue

    def as_list(self) -> list:
        return [self.total, self.open, self.applied, self.notice, self.closed, self.overdue]


@dataclass
class LedgerFigures:
    id: int
    title: str
    counts: Counts
    history: list[tuple[date, int, int, int]]  # (month, closed, on notice, in progress) at each month end


@dataclass
class DepartmentFigures:
    id: int
    name: str
    counts: Counts
    due_reports: int = 0  # its tasks in progress at the cut-off (each owes the month's report)
    reported: int = 0  # of which it reported on for the month

    @property
    def reported_all(self) -> bool:
        return self.reported >= self.due_reports


@dataclass
class TaskLine:
    """A task as the lists of the bulletin show it."""

    id: int
    number: str
    problem: str
    ledger: str
    lead: str
    due_date: date | None
    day: date | None = None  # closed on / 督办 issued on
    days_overdue: int = 0
    percent: int | None = None


@dataclass
class SupervisionLine:
    id: int
    level: str
    number: str
    task_number: str
    problem: str
    department: str
    issued_on: date
    respond_by: date
    answered_on: date | None
    late: bool  # not answered and past respond_by at the cut-off


@dataclass
class Figures:
    period: Period
    ledgers: list[LedgerFigures]
    total: Counts
    departments: list[DepartmentFigures]
    closures: list[TaskLine]
    overdue: list[TaskLine]
    supervisions: list[SupervisionLine]


def _months(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months[-HISTORY_MONTHS:]


def gather(jurisdiction_id: int, year: int, month: int, now: datetime | None = None) -> Figures:
    """Every figure of the jurisdiction's bulletin for (year, month)."""
    p = period(year, month, now)
    ledgers = _ledgers(jurisdiction_id)
    tasks = _tasks([ledger.id for ledger in ledgers])
    as_of_next = p.overdue_day
    states = {t.id: t.state_at(p.cutoff) for t in tasks}
    counted = [t for t in tasks if states[t.id] is not None]
    # A ledger none of whose tasks existed by the month's end (imported later) is not in its bulletin.
    present = {t.ledger_id for t in counted}
    ledgers = [ledger for ledger in ledgers if ledger.id in present]
    departments = {
        d.id: d
        for d in db.session.scalars(
            select(Department).where(Department.id.in_({t.lead_department_id for t in tasks} or {0}))
        )
    }
    ledger_titles = {ledger.id: ledger.title for ledger in ledgers}

    # Overview per ledger, with its history.
    total = Counts()
    ledger_figures = []
    for ledger in ledgers:
        counts = Counts()
        mine = [t for t in counted if t.ledger_id == ledger.id]
        for t in mine:
            counts.add(states[t.id], t.overdue_at(states[t.id], as_of_next))
            total.add(states[t.id], t.overdue_at(states[t.id], as_of_next))
        history = []
        all_mine = [t for t in tasks if t.ledger_id == ledger.id]
        if all_mine:
            first = min(local_date(t.created_at) for t in all_mine)
            for m in _months(first, p.start):
                cut = p.cutoff if m == p.start else local_day_start(next_month(m))
                at = [s for t in all_mine if (s := t.state_at(cut)) is not None]
                history.append(
                    (
                        m,
                        at.count(TaskState.CLOSED),
                        at.count(TaskState.NOTICE),
                        sum(1 for s in at if s in IN_PROGRESS),
                    )
                )
        ledger_figures.append(LedgerFigures(ledger.id, ledger.title, counts, history))

    # Per lead department: its counts, and the month's reports on its tasks in progress.
    reported = set(
        db.session.execute(
            select(TaskProgress.task_id, TaskProgress.department_id).where(
                TaskProgress.task_id.in_([t.id for t in counted] or [0]), TaskProgress.month == p.start
            )
        ).all()
    )
    by_department: dict[int, DepartmentFigures] = {}
    for t in counted:
        d = departments[t.lead_department_id]
        row = by_department.setdefault(d.id, DepartmentFigures(d.id, d.name, Counts()))
        row.counts.add(states[t.id], t.overdue_at(states[t.id], as_of_next))
        if states[t.id] in IN_PROGRESS:
            row.due_reports += 1
            row.reported += (t.id, t.lead_department_id) in reported
    department_rows = sorted(
        by_department.values(),
        key=lambda r: (departments[r.id].sort_order or 0, r.id),
    )

    # The latest percent the lead reported up to the month, for the overdue list.
    leads = {t.id: t.lead_department_id for t in counted}
    percents: dict[int, int] = {}
    for task_id, department_id, percent in db.session.execute(
        select(TaskProgress.task_id, TaskProgress.department_id, TaskProgress.percent)
        .where(TaskProgress.task_id.in_([t.id for t in counted] or [0]), TaskProgress.month <= p.start)
        .order_by(TaskProgress.month, TaskProgress.id)
    ):
        if department_id == leads[task_id] and percent is not None:
            percents[task_id] = percent

    def line(t: TaskRow, **extra) -> TaskLine:
        return TaskLine(
            t.id,
            t.number,
            t.problem,
            ledger_titles[t.ledger_id],
            departments[t.lead_department_id].name,
            t.due_date,
            **extra,
        )

    # Closed during the month (a task closed, reopened and closed again counts once, on its last day).
    closed_on: dict[int, date] = {}
    for task_id, at in db.session.execute(
        select(TaskEvent.task_id, TaskEvent.at)
        .where(
            TaskEvent.task_id.in_([t.id for t in counted] or [0]),
            TaskEvent.kind == EventKind.CLOSED,
            TaskEvent.at >= p.first_instant,
            TaskEvent.at < p.cutoff,
        )
        .order_by(TaskEvent.at, TaskEvent.id)
    ):
        closed_on[task_id] = local_date(at)
    closures = [line(t, day=closed_on[t.id]) for t in counted if t.id in closed_on]

    overdue = sorted(
        (
            line(t, days_overdue=(as_of_next - t.due_date).days, percent=percents.get(t.id))
            for t in counted
            if t.overdue_at(states[t.id], as_of_next)
        ),
        key=lambda r: (-r.days_overdue, r.lead),
    )

    supervisions = []
    for s, task_number, problem, department in db.session.execute(
        select(Supervision, Task.number, Task.problem, Department.name)
        .join(Task, Task.id == Supervision.task_id)
        .join(Department, Department.id == Supervision.department_id)
        .where(
            Task.ledger_id.in_(list(ledger_titles) or [0]),
            Supervision.issued_at >= p.first_instant,
            Supervision.issued_at < p.cutoff,
        )
        .order_by(Supervision.issued_at, Supervision.id)
    ):
        answered = s.answered_at if s.answered_at is not None and s.answered_at < p.cutoff else None
        supervisions.append(
            SupervisionLine(
                s.id,
                s.level,
                s.number,
                task_number,
                problem,
                department,
                local_date(s.issued_at),
                s.respond_by,
                local_date(answered),
                answered is None and s.respond_by < as_of_next,
            )
        )

    return Figures(p, ledger_figures, total, department_rows, closures, overdue, supervisions)


def fingerprint_source(figures: Figures) -> list:
    """The figures as raw values (no labels), for the fingerprint of what a compiled PDF shows."""
    p = figures.period
    return [
        [p.year, p.month, p.as_of.isoformat(), p.complete],
        [[f.id, f.title, f.counts.as_list(), [[m.isoformat(), *n] for m, *n in f.history]] for f in figures.ledgers],
        [[d.id, d.name, d.counts.as_list(), d.due_reports, d.reported] for d in figures.departments],
        [[c.id, c.number, c.problem, c.lead, c.day.isoformat()] for c in figures.closures],
        [[o.id, o.number, o.problem, o.lead, str(o.due_date), o.days_overdue, o.percent] for o in figures.overdue],
        [
            [s.id, s.level, s.number, s.task_number, s.department, str(s.issued_on), str(s.respond_by)]
            + [str(s.answered_on), s.late]
            for s in figures.supervisions
        ],
    ]
