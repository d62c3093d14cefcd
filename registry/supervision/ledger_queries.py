"""What the ledger pages read (#18): a ledger's counts by state, its tasks filtered and paged, the tasks
a department leads, cooperates on or must sign off, each task's latest progress."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, func, select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import queries as list_queries
from registry.supervision import queries as supervision_queries
from registry.supervision.models import (
    ClosureSignoff,
    Ledger,
    Task,
    TaskProgress,
    TaskState,
    task_cooperating,
)
from registry.supervision.rules import overdue_clause  # the one overdue rule, as SQL


@dataclass
class Counts:
    """A ledger's tasks by state, and how many are overdue (共N项：已销号a、公示中b、整改中c、逾期d)."""

    total: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    overdue: int = 0

    def __getitem__(self, state: str) -> int:
        return self.by_state.get(state, 0)

    @property
    def done_percent(self) -> int:
        return round(100 * self["closed"] / self.total) if self.total else 0


def counts(ledger_ids: list[int], today: date) -> dict[int, Counts]:
    """Counts for each ledger (one query for the states, one for the overdue)."""
    result = {i: Counts() for i in ledger_ids}
    if not ledger_ids:
        return result
    for ledger_id, state, n in db.session.execute(
        select(Task.ledger_id, Task.state, func.count())
        .where(Task.ledger_id.in_(ledger_ids))
        .group_by(Task.ledger_id, Task.state)
    ):
        result[ledger_id].by_state[state] = n
        result[ledger_id].total += n
    for ledger_id, n in db.session.execute(
        select(Task.ledger_id, func.count())
        .where(Task.ledger_id.in_(ledger_ids), overdue_clause(today))
        .group_by(Task.ledger_id)
    ):
        result[ledger_id].overdue = n
    return result


def ledgers(jurisdiction_ids: list[int]) -> list[Ledger]:
    if not jurisdiction_ids:
        return []
    return list(
        db.session.scalars(
            select(Ledger)
            .where(Ledger.jurisdiction_id.in_(jurisdiction_ids))
            .order_by(Ledger.archived, Ledger.created_at.desc(), Ledger.id.desc())
        )
    )


def lower_jurisdiction_ids(jurisdiction: Jurisdiction) -> list[int]:
    return [j.id for j, _depth in list_queries.below(jurisdiction)]


def ledger_tasks(
    ledger: Ledger, *, state: str = "", lead: int | None = None, overdue: bool = False, today: date
) -> Select:
    stmt = select(Task).where(Task.ledger_id == ledger.id)
    if state:
        stmt = stmt.where(Task.state == state)
    if lead:
        stmt = stmt.where(Task.lead_department_id == lead)
    if overdue:
        stmt = stmt.where(overdue_clause(today))
    return stmt.order_by(Task.position, Task.id)


def latest_progress(task_ids: list[int]) -> dict[int, TaskProgress]:
    """Each task's latest progress report by its lead department."""
    if not task_ids:
        return {}
    # The newest month first, then the latest report of that month: a late report for last month is
    # not the latest.
    ranked = (
        select(
            TaskProgress.id,
            func.row_number()
            .over(partition_by=TaskProgress.task_id, order_by=(TaskProgress.month.desc(), TaskProgress.id.desc()))
            .label("rank"),
        )
        .join(Task, Task.id == TaskProgress.task_id)
        .where(TaskProgress.task_id.in_(task_ids), TaskProgress.department_id == Task.lead_department_id)
        .subquery()
    )
    latest = select(ranked.c.id).where(ranked.c.rank == 1)
    rows = db.session.scalars(select(TaskProgress).where(TaskProgress.id.in_(latest)))
    return {p.task_id: p for p in rows}


def department_tasks(department_id: int) -> tuple[list[Task], list[Task]]:
    """The tasks a department leads, and those it cooperates on (closed ones last)."""
    order = (Task.state == TaskState.CLOSED, Task.due_date.is_(None), Task.due_date, Task.id)
    led = db.session.scalars(select(Task).where(Task.lead_department_id == department_id).order_by(*order))
    cooperating = db.session.scalars(
        select(Task)
        .join(task_cooperating, task_cooperating.c.task_id == Task.id)
        .where(task_cooperating.c.department_id == department_id)
        .order_by(*order)
    )
    return list(led), list(cooperating)


def signoffs_owed(department_id: int) -> list[ClosureSignoff]:
    """The sign-offs the department still owes on closure applications being certified (queries.py)."""
    return list(db.session.scalars(supervision_queries.signoffs_owed(department_id)))


def lead_departments(ledger: Ledger) -> list[tuple[int, str]]:
    from registry.lists.models import Department

    return list(
        db.session.execute(
            select(Department.id, Department.name)
            .where(Department.id.in_(select(Task.lead_department_id).where(Task.ledger_id == ledger.id)))
            .order_by(Department.sort_order, Department.id)
        )
    )
