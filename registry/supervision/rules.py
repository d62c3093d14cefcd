"""The rules every ledger path shares, each in one place (STYLE habit 11): who may read, report on,
manage or certify a task; which state a task may move to; when progress is due and when a task is
overdue or stalled; when the objection window of a closure notice is open. Services call these before
they change anything; views call them to decide what to offer.
"""

import calendar
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from registry.core.errors import DomainError
from registry.core.permissions import DEPARTMENT_ROLES, Permission, can
from registry.core.timezone import local_date, local_today
from registry.extensions import db
from registry.supervision.models import (
    LEVEL_ORDER,
    ClosureNotice,
    ClosureSignoff,
    ClosureState,
    ObjectionState,
    SignoffState,
    Supervision,
    SupervisionSettings,
    Task,
    TaskProgress,
    TaskState,
    certifying_departments,
)
from registry.workdays import add_working_days

# -- settings -----------------------------------------------------------------------------------------


def settings(jurisdiction_id: int) -> dict[str, int]:
    """The jurisdiction's ledger settings (SupervisionSettings.DEFAULTS where it has none)."""
    row = db.session.scalar(select(SupervisionSettings).where(SupervisionSettings.jurisdiction_id == jurisdiction_id))
    if row is None:
        return dict(SupervisionSettings.DEFAULTS)
    return {key: getattr(row, key) for key in SupervisionSettings.DEFAULTS}


def certifier_ids(jurisdiction_id: int) -> list[int]:
    """The departments the office designated to certify closures (认定部门)."""
    return list(
        db.session.scalars(
            select(certifying_departments.c.department_id).where(
                certifying_departments.c.jurisdiction_id == jurisdiction_id
            )
        )
    )


# -- who may do what ----------------------------------------------------------------------------------


def reader_department_ids(task: Task) -> set[int]:
    """Departments other than the lead that read a task: its cooperating departments and every
    department asked to sign off one of its closure applications."""
    ids = {d.id for d in task.cooperating}
    if task.id is not None:
        ids |= set(
            db.session.scalars(
                select(ClosureSignoff.department_id)
                .join(ClosureNotice, ClosureNotice.id == ClosureSignoff.closure_id)
                .where(ClosureNotice.task_id == task.id)
            )
        )
    return ids - {task.lead_department_id}


def can_read(user: Any, task: Task) -> bool:
    """The lead department, the cooperating and certifying departments, the office of the ledger's
    jurisdiction and the offices above it."""
    return can(user, Permission.TASK_READ, task)


def can_manage(user: Any, task_or_ledger: Any) -> bool:
    """The office of the ledger's jurisdiction: edit, 督办, put a closure on notice, decide, reopen."""
    return can(user, Permission.TASK_MANAGE, task_or_ledger)


def is_department_user(user: Any, department_id: int | None) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.role in DEPARTMENT_ROLES
        and department_id is not None
        and user.department_id == department_id
    )


def can_report(user: Any, task: Task) -> bool:
    """A user of the lead department: progress, decomposition, answering 督办, applying for 销号."""
    return is_department_user(user, task.lead_department_id) and can(user, Permission.TASK_REPORT, task)


def can_give_input(user: Any, task: Task) -> bool:
    """A user of a cooperating department: its own progress input on the task (§7)."""
    department_id = getattr(user, "department_id", None)
    return (
        is_department_user(user, department_id)
        and department_id in {d.id for d in task.cooperating}
        and Permission.TASK_REPORT in permissions(user)
    )


def pending_signoff(user: Any, closure: ClosureNotice) -> ClosureSignoff | None:
    """The sign-off the user's department still owes on a closure application, if any."""
    if not getattr(user, "is_authenticated", False) or user.role not in DEPARTMENT_ROLES:
        return None
    if Permission.TASK_REPORT not in permissions(user) or closure.state != ClosureState.CERTIFYING:
        return None
    for signoff in closure.signoffs:
        if signoff.department_id == user.department_id and signoff.state == SignoffState.PENDING:
            return signoff
    return None


def permissions(user: Any) -> frozenset:
    """The permissions of the user's role (none for the anonymous)."""
    from registry.core.permissions import ROLE_PERMISSIONS

    return ROLE_PERMISSIONS.get(getattr(user, "role", None), frozenset())


def is_person(actor: Any) -> bool:
    """Whether a service's actor is a person (whose rights are checked) rather than a process named by
    a string (a job, the demo, an import). None, the public, counts as a person: it may nothing."""
    return not isinstance(actor, str)


# -- states -------------------------------------------------------------------------------------------

# Which task states each action starts from; services refuse anything else (messages in MESSAGES).
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "edit": frozenset({TaskState.OPEN}),
    "report_progress": frozenset({TaskState.OPEN, TaskState.APPLIED}),
    "decompose": frozenset({TaskState.OPEN, TaskState.APPLIED, TaskState.NOTICE}),
    "remind": frozenset({TaskState.OPEN}),
    "escalate": frozenset({TaskState.OPEN}),
    "supervise": frozenset({TaskState.OPEN, TaskState.APPLIED}),
    "apply_closure": frozenset({TaskState.OPEN}),
    "start_notice": frozenset({TaskState.APPLIED}),
    "close": frozenset({TaskState.NOTICE}),
    "send_back": frozenset({TaskState.APPLIED, TaskState.NOTICE}),
    "reopen": frozenset({TaskState.CLOSED}),
}

MESSAGES = {
    "edit": _l("只有整改中的任务可以修改。"),
    "report_progress": _l("该任务已进入销号公示或已销号，不再报送进展。"),
    "decompose": _l("已销号的任务不再分解。"),
    "remind": _l("只有整改中的任务可以提醒配合部门。"),
    "escalate": _l("只有整改中的任务可以报告配合部门推进不力。"),
    "supervise": _l("该任务已进入销号公示或已销号，不能督办。"),
    "apply_closure": _l("该任务已在销号流程中或已销号。"),
    "start_notice": _l("只有认定部门全部同意的销号申请才能公示。"),
    "close": _l("只有公示中的任务可以销号。"),
    "send_back": _l("只有销号审核中或公示中的任务可以退回。"),
    "reopen": _l("只有已销号的任务可以重新整改。"),
}


def check_state(task: Task, action: str) -> None:
    """Refuse an action the task's state does not allow."""
    if task.state not in ALLOWED_FROM[action]:
        raise DomainError(MESSAGES[action])


# -- deadlines ----------------------------------------------------------------------------------------


# The one overdue rule: past its 整改时限 and not closed (nor on notice: the work is done, the public is
# asked). `overdue` is it in Python (the bulletin asks it of a past state and day), `overdue_clause`
# the same in SQL; everything else calls one of these two.
OVERDUE_STATES = (TaskState.OPEN, TaskState.APPLIED)


def overdue(due_date: date | None, state: str | None, today: date) -> bool:
    return due_date is not None and due_date < today and state in OVERDUE_STATES


def overdue_clause(today: date) -> Any:
    """`overdue` as a WHERE clause on Task."""
    return and_(Task.due_date.is_not(None), Task.due_date < today, Task.state.in_(OVERDUE_STATES))


def is_overdue(task: Task, today: date | None = None) -> bool:
    """Whether the task is overdue today (or on `today`)."""
    return overdue(task.due_date, task.state, today or local_today())


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


def progress_due(month: date, jurisdiction_id: int) -> date:
    """The day a month's progress report is due: the jurisdiction's progress_day of that month (the
    month's last day where it is shorter)."""
    last = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=min(settings(jurisdiction_id)["progress_day"], last))


def remind_on(month: date, jurisdiction: Any) -> date:
    """The working day on which departments that have not reported are reminded: remind_days working
    days before the month's due date."""
    due = progress_due(month, jurisdiction.id)
    return add_working_days(due, -settings(jurisdiction.id)["remind_days"], jurisdiction)


def has_reported(task: Task, department_id: int, month: date) -> bool:
    return (
        db.session.scalar(
            select(TaskProgress.id)
            .where(
                TaskProgress.task_id == task.id,
                TaskProgress.department_id == department_id,
                TaskProgress.month == month_start(month),
            )
            .limit(1)
        )
        is not None
    )


def is_stalled(task: Task, today: date | None = None) -> bool:
    """An open task whose lead department missed last month's progress report (the task existed before
    that report was due)."""
    today = today or local_today()
    if task.state != TaskState.OPEN:
        return False
    month = previous_month(today)
    if local_date(task.created_at) > progress_due(month, task.jurisdiction_id):
        return False
    return not has_reported(task, task.lead_department_id, month)


def next_level(task: Task) -> str:
    """The level a new 督办 on the task takes by default: one above the last (提醒 → 督办 → 约谈)."""
    levels = [s.level for s in task.supervisions]
    if not levels:
        return LEVEL_ORDER[0]
    return LEVEL_ORDER[min(LEVEL_ORDER.index(levels[-1]) + 1, len(LEVEL_ORDER) - 1)]


def supervision_overdue(supervision: Supervision, today: date | None = None) -> bool:
    today = today or local_today()
    return supervision.answered_at is None and supervision.respond_by < today


# -- the objection window -----------------------------------------------------------------------------


def notice_window(start: date, jurisdiction_id: int) -> tuple[date, date]:
    """A notice started on `start` runs objection_days calendar days, `start` included."""
    return start, start + timedelta(days=settings(jurisdiction_id)["objection_days"] - 1)


def objections_open(closure: ClosureNotice, today: date | None = None) -> bool:
    today = today or local_today()
    return (
        closure.state == ClosureState.NOTICE
        and closure.notice_starts is not None
        and closure.notice_starts <= today <= closure.notice_ends
    )


def check_may_close(closure: ClosureNotice, today: date | None = None) -> None:
    """销号 only after the objection window has ended, every objection handled and none upheld."""
    today = today or local_today()
    if closure.state != ClosureState.NOTICE or closure.notice_ends is None:
        raise DomainError(MESSAGES["close"])
    if today <= closure.notice_ends:
        raise DomainError(_l("公示期至 %(date)s 结束，公示期满后才能销号。", date=closure.notice_ends.isoformat()))
    states = {o.state for o in closure.objections}
    if ObjectionState.NEW in states:
        raise DomainError(_l("还有未处理的异议，请先处理。"))
    if ObjectionState.ACCEPTED in states:
        raise DomainError(_l("有成立的异议，不能销号；请退回重新整改。"))
