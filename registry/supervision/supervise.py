"""督办 (§12–§14): the office's notice on an overdue or stalled task to a department, at a level
(提醒 → 督办 → 约谈, each recorded), with a deadline for the answer counted in working days; the
department answers it. An unanswered notice past its date is overdue (rules.supervision_overdue) and
comes first on the office's 工作台."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from registry.core.db import lock_row, utcnow
from registry.core.errors import DomainError, refuse
from registry.core.timezone import local_today
from registry.extensions import db
from registry.lists.models import Department
from registry.supervision import events, rules
from registry.supervision.models import LEVEL_ORDER, EventKind, Supervision, Task
from registry.workdays import add_working_days, working_days_between

TEXT_MAX = 4000
NUMBER_MAX = 100
# A 督办's answer is due within a year at most: a later date is a typing slip.
RESPOND_MAX_DAYS = 366


def _lock(row: Any) -> None:
    """Take the row's lock (core.db.lock_row) and reload it: a second request waits for the first and
    then sees what it wrote. What this transaction changed before is written first, not lost."""
    db.session.flush()
    lock_row(db.session, row)


def default_respond_by(task: Task, today: date | None = None) -> date:
    """The answer is due `answer_days` working days (the jurisdiction's setting) after today."""
    today = today or local_today()
    return add_working_days(today, rules.settings(task.jurisdiction_id)["answer_days"], task.jurisdiction)


@dataclass(frozen=True)
class Suggestion:
    """Why a 督办 is suggested for a task (nothing when the task is on time and reported)."""

    overdue: bool
    stalled: bool

    def __bool__(self) -> bool:
        return self.overdue or self.stalled


def suggestion(task: Task, today: date | None = None) -> Suggestion:
    today = today or local_today()
    return Suggestion(overdue=rules.is_overdue(task, today), stalled=rules.is_stalled(task, today))


def targets(task: Task) -> list[Department]:
    """The departments a 督办 on the task may go to: its lead first, then its cooperating ones."""
    return [task.lead_department, *task.cooperating]


BAD_DATE = "bad"  # what a view passes as respond_by for a typed text that is not a date


def supervision_problems(
    task: Task,
    *,
    level: str,
    text: str,
    respond_by: date | str | None,
    department: Department | None,
    number: str,
    today: date | None = None,
) -> list[tuple[str, Any]]:
    """Every problem of a 督办 at once (field, message). respond_by None: the default date; BAD_DATE:
    typed but not a date; department None: not one of the task's."""
    today = today or local_today()
    text = (text or "").strip()
    number = (number or "").strip()
    problems: list[tuple[str, Any]] = []
    if level not in LEVEL_ORDER:
        problems.append(("level", _l("请选择督办级别。")))
    if department is None or department.id not in {d.id for d in targets(task)}:
        problems.append(("department", _l("督办只能发给该任务的牵头部门或配合部门。")))
    if not text:
        problems.append(("text", _l("请写明督办事项和要求。")))
    elif len(text) > TEXT_MAX:
        problems.append(("text", _l("督办内容不能超过 %(n)s 个字。", n=TEXT_MAX)))
    if respond_by == BAD_DATE:
        problems.append(("respond_by", _l("请按“年-月-日”填写日期，如 2026-12-31。")))
    elif respond_by is not None and respond_by <= today:
        problems.append(("respond_by", _l("答复期限须晚于今天。")))
    elif respond_by is not None and (respond_by - today).days > RESPOND_MAX_DAYS:
        problems.append(("respond_by", _l("答复期限不能超过一年。")))
    if len(number) > NUMBER_MAX:
        problems.append(("number", _l("督办单编号不能超过 %(n)s 个字符。", n=NUMBER_MAX)))
    return problems


def issue_supervision(
    task: Task,
    *,
    level: str,
    text: str,
    respond_by: date | None = None,
    department: Department | None = None,
    number: str = "",
    actor: Any,
    today: date | None = None,
) -> Supervision:
    """Issue a 提醒/督办/约谈 on the task to a department (default: the lead), to be answered by
    `respond_by` (default: answer_days working days from today)."""
    today = today or local_today()
    if rules.is_person(actor) and not rules.can_manage(actor, task):
        raise DomainError(_l("只有本级办公室可以督办。"))
    rules.check_state(task, "supervise")
    department = department or task.lead_department
    text = (text or "").strip()
    number = (number or "").strip()
    refuse(
        supervision_problems(
            task, level=level, text=text, respond_by=respond_by, department=department, number=number, today=today
        )
    )
    if respond_by is None:
        respond_by = default_respond_by(task, today)
    supervision = Supervision(
        department=department,
        level=level,
        number=number,
        text=text,
        respond_by=respond_by,
        issued_at=utcnow(),
        issued_by_id=getattr(actor, "id", None),
    )
    # notices.py reads the newest Supervision of the task when it tells the department.
    task.supervisions.append(supervision)
    db.session.add(supervision)
    db.session.flush()
    events.record(
        task,
        EventKind.SUPERVISION,
        actor,
        action="supervise",
        entity=supervision,
        other_department=department,
        text=text,
        after=supervision.audit_data(),
        summary=f"{task.number or task.id} {supervision.level_label} {department.name}",
    )
    return supervision


def may_answer(user: Any, supervision: Supervision) -> bool:
    """A reporting user (dept_head, dept_editor) of the department the 督办 went to, while unanswered."""
    from registry.core.permissions import Permission, can

    return (
        supervision.answered_at is None
        and rules.is_department_user(user, supervision.department_id)
        and can(user, Permission.TASK_REPORT, supervision)
    )


def answer_supervision(supervision: Supervision, *, answer: str, actor: Any) -> Supervision:
    """The department's answer to a 督办: what it has done and will do. Two answers at once (two tabs):
    the second waits for the first's lock, then finds the 督办 answered."""
    _lock(supervision)
    if supervision.answered_at is not None:
        raise DomainError(_l("该督办已答复。"))
    if rules.is_person(actor) and not may_answer(actor, supervision):
        raise DomainError(_l("只有被督办部门可以答复。"))
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_l("请填写答复：整改落实情况和下一步措施。"), "answer")
    if len(answer) > TEXT_MAX:
        raise DomainError(_l("答复不能超过 %(n)s 个字。", n=TEXT_MAX), "answer")
    before = supervision.audit_data()
    supervision.answer = answer
    supervision.answered_at = utcnow()
    supervision.answered_by_id = getattr(actor, "id", None)
    events.record(
        supervision.task,
        EventKind.SUPERVISION_ANSWERED,
        actor,
        action="answer_supervision",
        entity=supervision,
        department=supervision.department,
        text=answer,
        before=before,
        after=supervision.audit_data(),
    )
    return supervision


def working_days_given(supervision_or_day: Any, task: Task, today: date | None = None) -> int:
    """How many working days from today a response date gives (for the form's hint)."""
    day = getattr(supervision_or_day, "respond_by", supervision_or_day)
    return working_days_between(today or local_today(), day, task.jurisdiction)
