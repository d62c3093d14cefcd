"""Read-only queries of the ledger pages and the 工作台s. Each section belongs to the module named in
its heading; the statements are plain selects so that a page can count, limit or paginate them."""

from datetime import date, timedelta

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from registry.core.timezone import display_timezone, local_now
from registry.extensions import db
from registry.supervision import rules
from registry.supervision.models import (
    ClosureNotice,
    ClosureSignoff,
    ClosureState,
    EventKind,
    Objection,
    ObjectionState,
    SignoffState,
    Supervision,
    Task,
    TaskEvent,
    TaskState,
)

# -- 督办 and 销号 (supervise.py, closure.py) ------------------------------------------------------------


def open_supervisions(department_id: int) -> Select:
    """The 督办 a department still has to answer, the earliest due first (a department's 工作台)."""
    return (
        select(Supervision)
        .where(Supervision.department_id == department_id, Supervision.answered_at.is_(None))
        .options(selectinload(Supervision.task))
        .order_by(Supervision.respond_by, Supervision.id)
    )


def _jurisdiction_supervisions(jurisdiction_id: int) -> Select:
    return (
        select(Supervision)
        .join(Task, Task.id == Supervision.task_id)
        .where(Task.jurisdiction_id == jurisdiction_id, Supervision.answered_at.is_(None))
        .options(selectinload(Supervision.task), selectinload(Supervision.department))
    )


def overdue_supervisions(jurisdiction_id: int, today: date) -> Select:
    """Unanswered 督办 past their date: the office's first concern."""
    return (
        _jurisdiction_supervisions(jurisdiction_id)
        .where(Supervision.respond_by < today)
        .order_by(Supervision.respond_by, Supervision.id)
    )


def waiting_supervisions(jurisdiction_id: int, today: date) -> Select:
    """Unanswered 督办 still within their date."""
    return (
        _jurisdiction_supervisions(jurisdiction_id)
        .where(Supervision.respond_by >= today)
        .order_by(Supervision.respond_by, Supervision.id)
    )


def local_day(column):
    """The local calendar date (registry.core.timezone's zone) of a stored UTC time, in SQL: comparable
    with a Date column. PostgreSQL converts exactly; SQLite (UTC text) shifts by the zone's present
    offset (Asia/Shanghai has one offset all year)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(display_timezone().key, column))
    offset = local_now().utcoffset() or timedelta(0)
    return func.date(column, f"{int(offset.total_seconds())} seconds")


def overdue_unsupervised(jurisdiction_id: int, today: date) -> Select:
    """Tasks past their 整改时限 that the office has not supervised since: no 督办 waiting for an answer,
    none issued after the deadline passed (on a local day after the due date: issued_at is UTC, the
    due date a local date)."""
    waiting = exists().where(
        Supervision.task_id == Task.id,
        or_(Supervision.answered_at.is_(None), local_day(Supervision.issued_at) > Task.due_date),
    )
    return (
        select(Task)
        .where(
            Task.jurisdiction_id == jurisdiction_id,
            rules.overdue_clause(today),
            ~waiting,
        )
        .options(selectinload(Task.lead_department))
        .order_by(Task.due_date, Task.id)
    )


def unanswered_escalations(jurisdiction_id: int) -> Select:
    """A lead department's reports of a stalled cooperating department (EventKind.ESCALATED) that the
    office has not acted on yet: no 督办 on the task since, and the task still open."""
    later = aliased(TaskEvent)
    acted = exists().where(
        later.task_id == TaskEvent.task_id, later.kind == EventKind.SUPERVISION, later.id > TaskEvent.id
    )
    return (
        select(TaskEvent)
        .join(Task, Task.id == TaskEvent.task_id)
        .where(
            Task.jurisdiction_id == jurisdiction_id,
            TaskEvent.kind == EventKind.ESCALATED,
            Task.state == TaskState.OPEN,
            ~acted,
        )
        .options(selectinload(TaskEvent.task), selectinload(TaskEvent.other_department))
        .order_by(TaskEvent.at, TaskEvent.id)
    )


def closures_to_notice(jurisdiction_id: int) -> Select:
    """Applications every certifying department has agreed to: the office starts the notice."""
    not_agreed = exists().where(
        ClosureSignoff.closure_id == ClosureNotice.id, ClosureSignoff.state != SignoffState.APPROVED
    )
    return (
        select(ClosureNotice)
        .join(Task, Task.id == ClosureNotice.task_id)
        .where(Task.jurisdiction_id == jurisdiction_id, ClosureNotice.state == ClosureState.CERTIFYING, ~not_agreed)
        .options(selectinload(ClosureNotice.task))
        .order_by(ClosureNotice.applied_at, ClosureNotice.id)
    )


def closures_certifying(jurisdiction_id: int) -> Select:
    """Applications still waiting for a sign-off."""
    waiting = exists().where(
        ClosureSignoff.closure_id == ClosureNotice.id, ClosureSignoff.state == SignoffState.PENDING
    )
    return (
        select(ClosureNotice)
        .join(Task, Task.id == ClosureNotice.task_id)
        .where(Task.jurisdiction_id == jurisdiction_id, ClosureNotice.state == ClosureState.CERTIFYING, waiting)
        .options(selectinload(ClosureNotice.task))
        .order_by(ClosureNotice.applied_at, ClosureNotice.id)
    )


def closures_to_decide(jurisdiction_id: int, today: date) -> Select:
    """Notices whose objection window has ended: the office closes the task or sends it back."""
    return (
        select(ClosureNotice)
        .join(Task, Task.id == ClosureNotice.task_id)
        .where(
            Task.jurisdiction_id == jurisdiction_id,
            ClosureNotice.state == ClosureState.NOTICE,
            ClosureNotice.notice_ends < today,
        )
        .options(selectinload(ClosureNotice.task))
        .order_by(ClosureNotice.notice_ends, ClosureNotice.id)
    )


def closures_on_notice(jurisdiction_id: int, today: date) -> Select:
    return (
        select(ClosureNotice)
        .join(Task, Task.id == ClosureNotice.task_id)
        .where(
            Task.jurisdiction_id == jurisdiction_id,
            ClosureNotice.state == ClosureState.NOTICE,
            ClosureNotice.notice_ends >= today,
        )
        .options(selectinload(ClosureNotice.task))
        .order_by(ClosureNotice.notice_ends, ClosureNotice.id)
    )


def new_objections(jurisdiction_id: int) -> Select:
    """Objections not handled yet (moderation)."""
    return (
        select(Objection)
        .join(ClosureNotice, ClosureNotice.id == Objection.closure_id)
        .join(Task, Task.id == ClosureNotice.task_id)
        .where(Task.jurisdiction_id == jurisdiction_id, Objection.state == ObjectionState.NEW)
        .options(selectinload(Objection.closure).selectinload(ClosureNotice.task))
        .order_by(Objection.received_at, Objection.id)
    )


def signoffs_owed(department_id: int) -> Select:
    """The closure applications a department still has to certify (a department's 工作台)."""
    return (
        select(ClosureSignoff)
        .join(ClosureNotice, ClosureNotice.id == ClosureSignoff.closure_id)
        .where(
            ClosureSignoff.department_id == department_id,
            ClosureSignoff.state == SignoffState.PENDING,
            ClosureNotice.state == ClosureState.CERTIFYING,
        )
        .options(selectinload(ClosureSignoff.closure).selectinload(ClosureNotice.task))
        .order_by(ClosureNotice.applied_at, ClosureSignoff.id)
    )


def public_notices(jurisdiction_id: int | None = None, *, ended: bool = False) -> Select:
    """The closure notices the public sees: those open for objections (or, `ended`, those that were on
    notice and have been decided), the newest first."""
    if ended:
        where = and_(
            ClosureNotice.notice_starts.is_not(None),
            ClosureNotice.state.in_((ClosureState.CLOSED, ClosureState.RETURNED)),
        )
    else:
        where = ClosureNotice.state == ClosureState.NOTICE
    stmt = (
        select(ClosureNotice)
        .join(Task, Task.id == ClosureNotice.task_id)
        .where(where)
        .options(selectinload(ClosureNotice.task).selectinload(Task.lead_department))
        .order_by(ClosureNotice.notice_starts.desc(), ClosureNotice.id.desc())
    )
    if jurisdiction_id is not None:
        stmt = stmt.where(Task.jurisdiction_id == jurisdiction_id)
    return stmt


def count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
