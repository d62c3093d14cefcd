"""What the public sees of ledgers and tasks (#18 deliverables 7 and 8): the public ledger pages
(views/public_ledgers.py) and the open-data API (registry/public/task_api.py) read it here, so the two
cannot differ on what is public.

Public: a ledger's source, its tasks' problem, target, measures, lead and cooperating departments,
deadline, state and reported percentage, and the milestones of a task's timeline (listed in
PUBLIC_EVENTS, by date only). The responsible person's name and post only where the office chose to
publish them (SupervisionSettings.publish_responsible). Never public: anyone's contact, objections and
objectors, progress texts, 督办, internal notes, who did what (actor names)."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from registry.core.timezone import local_date, to_local
from registry.extensions import db
from registry.lists.models import Department
from registry.supervision import ledger_queries as lq
from registry.supervision import rules
from registry.supervision.models import (
    CLOSURE_LABELS,
    EVENT_LABELS,
    PHASE_LABELS,
    SOURCE_LABELS,
    TASK_STATE_LABELS,
    ClosureNotice,
    EventKind,
    Ledger,
    Task,
    TaskEvent,
)

# The steps of a task's timeline the public sees (their labels: models.EVENT_LABELS); none of their
# texts (a send-back's or a reopening's reasons are the office's), nor who acted.
PUBLIC_EVENTS = (
    EventKind.CREATED,
    EventKind.NOTICE_STARTED,
    EventKind.CLOSED,
    EventKind.RETURNED,
    EventKind.REOPENED,
)
# The states in the order the public pages show them: done first.
STATE_ORDER = ("closed", "notice", "applied", "open")


def publishes_responsible(jurisdiction_id: int) -> bool:
    """Whether the office publishes each task's responsible person (name and post only)."""
    return bool(rules.settings(jurisdiction_id)["publish_responsible"])


# -- ledgers ------------------------------------------------------------------------------------------


def ledgers(jurisdiction_id: int) -> list[Ledger]:
    """A jurisdiction's ledgers, the current ones first (archived ones stay public, marked)."""
    return lq.ledgers([jurisdiction_id])


def ledger_of(jurisdiction_id: int, ledger_id: int) -> Ledger | None:
    ledger = db.session.get(Ledger, ledger_id)
    return ledger if ledger is not None and ledger.jurisdiction_id == jurisdiction_id else None


@dataclass
class DepartmentRow:
    """One lead department's tasks in a ledger, by state."""

    id: int
    name: str
    counts: lq.Counts


def by_department(ledger: Ledger, today: date) -> list[DepartmentRow]:
    """The ledger's tasks by lead department and state (and how many are overdue), in the list's
    department order."""
    rows: dict[int, DepartmentRow] = {}
    for department_id, name, state, n in db.session.execute(
        select(Department.id, Department.name, Task.state, func.count())
        .join(Department, Department.id == Task.lead_department_id)
        .where(Task.ledger_id == ledger.id)
        .group_by(Department.id, Department.name, Department.sort_order, Task.state)
        .order_by(Department.sort_order, Department.id)
    ):
        row = rows.setdefault(department_id, DepartmentRow(department_id, name, lq.Counts()))
        row.counts.by_state[state] = n
        row.counts.total += n
    for department_id, n in db.session.execute(
        select(Task.lead_department_id, func.count())
        .where(Task.ledger_id == ledger.id, rules.overdue_clause(today))
        .group_by(Task.lead_department_id)
    ):
        rows[department_id].counts.overdue = n
    return list(rows.values())


def figures_key(counts: lq.Counts, departments: list[DepartmentRow]) -> tuple:
    """What a ledger's charts show, as a value (their ETag's part: they change when it does)."""
    return (
        tuple((s, counts[s]) for s in STATE_ORDER),
        counts.overdue,
        tuple((d.id, d.name, tuple(d.counts[s] for s in STATE_ORDER), d.counts.overdue) for d in departments),
    )


# -- tasks --------------------------------------------------------------------------------------------


def tasks(
    *,
    jurisdiction_id: int | None = None,
    ledger_id: int | None = None,
    state: str = "",
    department_id: int | None = None,
) -> Select:
    """Tasks as the public lists them (a ledger's order; a jurisdiction's: by ledger, then the ledger's
    order), with what their rows show loaded."""
    stmt = select(Task).options(
        selectinload(Task.lead_department),
        selectinload(Task.cooperating),
        selectinload(Task.ledger).selectinload(Ledger.document),
        selectinload(Task.closures),
    )
    if jurisdiction_id is not None:
        stmt = stmt.where(Task.jurisdiction_id == jurisdiction_id)
    if ledger_id is not None:
        stmt = stmt.where(Task.ledger_id == ledger_id)
    if state:
        stmt = stmt.where(Task.state == state)
    if department_id is not None:
        stmt = stmt.where(Task.lead_department_id == department_id)
    return stmt.order_by(Task.ledger_id, Task.position, Task.id)


def published_closures(task: Task) -> list[ClosureNotice]:
    """The task's closure applications that went on public notice, oldest first (the others were
    never public)."""
    return [c for c in task.closures if c.notice_starts is not None]


def latest_notice(task: Task) -> ClosureNotice | None:
    published = published_closures(task)
    return published[-1] if published else None


@dataclass
class Milestone:
    kind: str
    day: date
    closure: ClosureNotice | None = None  # the notice a NOTICE_STARTED step put up


def milestones(task: Task) -> list[Milestone]:
    """The public steps of the task's timeline, by date; each 开始销号公示 with its notice (the n-th such
    step started the n-th published notice)."""
    events = db.session.scalars(
        select(TaskEvent)
        .where(TaskEvent.task_id == task.id, TaskEvent.kind.in_(PUBLIC_EVENTS))
        .order_by(TaskEvent.at, TaskEvent.id)
    )
    notices = iter(published_closures(task))
    result = []
    for event in events:
        closure = next(notices, None) if event.kind == EventKind.NOTICE_STARTED else None
        result.append(Milestone(event.kind, local_date(event.at), closure))
    return result


# -- the open data (registry/public/task_api.py; registry/public/openapi.py states these keys) ---------

API_TASK_KEYS = (
    "id",
    "jurisdiction",
    "source",
    "number",
    "problem",
    "target",
    "measures",
    "lead_department",
    "cooperating_departments",
    "responsible",
    "deadline",
    "state",
    "state_label",
    "percent",
    "overdue",
    "reopened_count",
    "closure_notice",
    "closed_at",
)
API_TASK_DETAIL_KEYS = (*API_TASK_KEYS, "milestones")


def _notice_plain(closure: ClosureNotice | None) -> dict[str, Any] | None:
    if closure is None:
        return None
    return {
        "id": closure.id,
        "notice_starts": closure.notice_starts.isoformat(),
        "notice_ends": closure.notice_ends.isoformat() if closure.notice_ends else None,
        "state": closure.state,
        "state_label": CLOSURE_LABELS[closure.state],
    }


def task_plain(task: Task, *, publish_responsible: bool, today: date) -> dict[str, Any]:
    """A task as the API gives it: nothing personal (the responsible person's name and post only where
    the office publishes them; never a contact)."""
    ledger = task.ledger
    return {
        "id": task.id,
        "jurisdiction": {"code": task.jurisdiction.code, "name": task.jurisdiction.name},
        "source": {
            "ledger_id": ledger.id,
            "ledger": ledger.title,
            "kind": ledger.source_kind,
            "kind_label": SOURCE_LABELS[ledger.source_kind],
            "title": ledger.source_title,
            "document": ledger.document.label if ledger.document else None,
            "archived": ledger.archived,
        },
        "number": task.number,
        "problem": task.problem,
        "target": task.target,
        "measures": task.measures,
        "lead_department": {"id": task.lead_department.id, "name": task.lead_department.name},
        "cooperating_departments": [{"id": d.id, "name": d.name} for d in task.cooperating],
        "responsible": (
            {"person": task.responsible_person, "post": task.responsible_post}
            if publish_responsible and (task.responsible_person or task.responsible_post)
            else None
        ),
        "deadline": {
            "date": task.due_date.isoformat() if task.due_date else None,
            "phase": task.phase,
            "phase_label": PHASE_LABELS[task.phase] if task.phase else None,
        },
        "state": task.state,
        "state_label": TASK_STATE_LABELS[task.state],
        "percent": task.percent,
        "overdue": rules.is_overdue(task, today),
        "reopened_count": task.reopened_count,
        "closure_notice": _notice_plain(latest_notice(task)),
        "closed_at": to_local(task.closed_at).isoformat(timespec="seconds") if task.closed_at else None,
    }


def task_detail(task: Task, *, publish_responsible: bool, today: date) -> dict[str, Any]:
    """One task with its public milestones."""
    return {
        **task_plain(task, publish_responsible=publish_responsible, today=today),
        "milestones": [
            {
                "kind": m.kind,
                "label": EVENT_LABELS[m.kind],
                "date": m.day.isoformat(),
                "closure_notice_id": m.closure.id if m.closure else None,
            }
            for m in milestones(task)
        ],
    }
