"""Progress (§7; 督察整改 seed 003): the lead department reports on its task at least monthly — a status
(按进度推进 / 进度滞后 / 已完成整改), a percentage or a milestone, a text, evidence files — and each
cooperating department gives its own input on the task the same way. The lead sees every department's
input per month, can remind a cooperating department (提醒, §7) and report a stalled one to the office
(必要时向同级党委和政府报告). An hourly job reminds the departments that have not reported for the month:
on the working day rules.remind_on(…) (remind_days working days before the monthly date) and once the
date has passed, each once (dedupe keys per task, department, month and step)."""

from datetime import date, timedelta
from typing import Any

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.core.db import lock_row, utcnow
from registry.core.errors import DomainError, refuse
from registry.core.timezone import local_date, local_now, local_today
from registry.extensions import db
from registry.jobs import runner
from registry.lists.models import Department
from registry.supervision import events, evidence, rules
from registry.supervision.models import (
    EventKind,
    ProgressStatus,
    Task,
    TaskEvent,
    TaskProgress,
    TaskState,
)

TEXT_MAX = 5000
MILESTONE_MAX = 200
NOTE_MAX = 1000
MIN_REASON = 10  # a report to the office says why, in a sentence
REMIND_HOURS = range(8, 20)  # Beijing office hours, as the complaint reminders


class NotAllowed(DomainError):
    """The actor may not take this step on this task (views answer 403)."""


def participants(task: Task) -> list[Department]:
    """The lead department first, then the cooperating ones."""
    return [task.lead_department, *[d for d in task.cooperating if d.id != task.lead_department_id]]


def reportable_months(task: Task, today: date | None = None) -> list[date]:
    """The months a department may report on now: this month, and last month while the task existed
    then (a late report)."""
    today = today or local_today()
    current = rules.month_start(today)
    months = [current]
    previous = rules.previous_month(today)
    if task.created_at is None or rules.month_start(local_date(task.created_at)) <= previous:
        months.append(previous)
    return months


class DuplicateReport(DomainError):
    """The same report was made moments ago (a double click on 报送): nothing new is stored; the view
    goes to the task page as after the first."""

    def __init__(self, report: TaskProgress):
        super().__init__(_l("该进展刚刚已报送，未重复保存。"))
        self.report = report


DUPLICATE_MINUTES = 5


def _same_report(task: Task, department: Department, **fields: Any) -> TaskProgress | None:
    """An identical report of the department on the task made in the last DUPLICATE_MINUTES."""
    since = utcnow() - timedelta(minutes=DUPLICATE_MINUTES)
    rows = db.session.scalars(
        select(TaskProgress).where(
            TaskProgress.task_id == task.id,
            TaskProgress.department_id == department.id,
            TaskProgress.month == fields["month"],
            TaskProgress.reported_at >= since,
        )
    )
    return next((r for r in rows if all(getattr(r, k) == v for k, v in fields.items())), None)


def report_problems(
    task: Task,
    *,
    lead: bool,
    month: date | None,
    status: str,
    percent: int | None,
    milestone: str,
    text: str,
    today: date | None = None,
) -> list[tuple[str, Any]]:
    """Every problem of a progress report at once (field, message); month None: not a month at all."""
    today = today or local_today()
    text = (text or "").strip()
    milestone = (milestone or "").strip()
    problems: list[tuple[str, Any]] = []
    if month is None:
        problems.append(("month", _l("请选择月份。")))
    elif rules.month_start(month) not in reportable_months(task, today):
        problems.append(("month", _l("只能报送本月或上月的进展。")))
    if status not in set(ProgressStatus):
        problems.append(("status", _l("请选择进展状态。")))
    if percent is not None and not 0 <= percent <= 100:
        problems.append(("percent", _l("完成比例须在 0 到 100 之间。")))
    if len(milestone) > MILESTONE_MAX:
        problems.append(("milestone", _l("节点不能超过 %(n)s 个字。", n=MILESTONE_MAX)))
    if lead and percent is None and not milestone and status != ProgressStatus.DONE:
        problems.append(("percent", _l("请填写完成比例，或在“节点”中写明已到达的节点。")))
    if not text:
        problems.append(("text", _l("请填写进展情况。") if lead else _l("请填写本部门的配合落实情况。")))
    elif len(text) > TEXT_MAX:
        problems.append(("text", _l("进展情况不能超过 %(n)s 个字。", n=TEXT_MAX)))
    return problems


def report_progress(
    task: Task,
    *,
    department: Department,
    status: str,
    text: str,
    percent: int | None = None,
    milestone: str = "",
    files: list[evidence.Upload] | tuple = (),
    month: date | None = None,
    actor: Any,
    today: date | None = None,
) -> TaskProgress:
    """A department's progress report (the lead's) or input (a cooperating department's) for a month."""
    is_lead = department.id == task.lead_department_id
    if not is_lead and department.id not in {d.id for d in task.cooperating}:
        raise NotAllowed(_l("只有牵头部门和配合部门可以报送进展。"))
    if rules.is_person(actor):
        allowed = rules.can_report(actor, task) if is_lead else rules.can_give_input(actor, task)
        if not allowed or actor.department_id != department.id:
            raise NotAllowed(_l("只有本部门的负责人和填报人可以报送本部门的进展。"))
    # Two submits at once (a double click): the second waits here, then finds the first's report.
    db.session.flush()  # the lock reloads the task: what the caller changed first is written, not lost
    lock_row(db.session, task)
    rules.check_state(task, "report_progress")
    today = today or local_today()
    month = rules.month_start(month or today)
    text = (text or "").strip()
    milestone = (milestone or "").strip()
    problems = report_problems(
        task, lead=is_lead, month=month, status=status, percent=percent, milestone=milestone, text=text, today=today
    )
    try:
        checked = evidence.check_files(list(files))
    except DomainError as error:
        problems += [(e.field, e.message) for e in getattr(error, "errors", [error])]
        checked = []
    refuse(problems)
    if status == ProgressStatus.DONE and percent is None:
        percent = 100
    same = _same_report(task, department, month=month, status=status, percent=percent, milestone=milestone, text=text)
    if same is not None:
        raise DuplicateReport(same)
    # The task's figure is the lead's newest month: a late report for an earlier month does not move it.
    newest = db.session.scalar(
        select(func.max(TaskProgress.month)).where(
            TaskProgress.task_id == task.id, TaskProgress.department_id == task.lead_department_id
        )
    )
    row = TaskProgress(
        task=task,
        department=department,
        month=month,
        status=status,
        percent=percent,
        milestone=milestone,
        text=text,
        reported_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    stored = evidence.store_files(task, checked, actor=actor, progress=row)
    if is_lead and (newest is None or month >= newest):
        if percent is not None:
            task.percent = percent
        task.last_progress_at = utcnow()
    events.record(
        task,
        EventKind.PROGRESS,
        actor,
        action="report_progress",
        entity=row,
        department=department,
        text=text,
        after={
            "department": department.name,
            "month": month.isoformat()[:7],
            "status": status,
            "percent": percent,
            "milestone": milestone,
            "text": text,
            "filename": [f.filename for f in stored],
        },
        summary=f"{task.number or task.id} {department.name}报送{month.year}年{month.month}月进展",
    )
    return row


def _lead_only(task: Task, actor: Any) -> None:
    if rules.is_person(actor) and not rules.can_report(actor, task):
        raise NotAllowed(_l("只有牵头部门可以提醒或报告配合部门。"))


def cooperating_problems(task: Task, department: Department | None, text: str, *, escalating: bool) -> list:
    """Every problem of a reminder (field "note") or a report to the office (field "reason") at once."""
    problems: list[tuple[str, Any]] = []
    if department is None or department.id not in {d.id for d in task.cooperating}:
        problems.append(("department", _l("请选择该任务的一个配合部门。")))
    text = (text or "").strip()
    if escalating:
        if len(text) < MIN_REASON:
            problems.append(("reason", _l("请写明配合部门推进不力的情况（至少 %(n)s 个字）。", n=MIN_REASON)))
        elif len(text) > NOTE_MAX:
            problems.append(("reason", _l("情况说明不能超过 %(n)s 个字。", n=NOTE_MAX)))
    elif not text:
        problems.append(("note", _l("请填写提醒内容：请配合部门做什么、何时前完成。")))
    elif len(text) > NOTE_MAX:
        problems.append(("note", _l("提醒内容不能超过 %(n)s 个字。", n=NOTE_MAX)))
    return problems


def remind_cooperating(task: Task, department: Department | None, *, note: str, actor: Any) -> TaskEvent:
    """提醒 (§7): the lead reminds a cooperating department to deliver its part, with a note."""
    _lead_only(task, actor)
    rules.check_state(task, "remind")
    refuse(cooperating_problems(task, department, note, escalating=False))
    note = note.strip()
    return events.record(
        task,
        EventKind.REMINDED,
        actor,
        action="remind",
        department=task.lead_department,
        other_department=department,
        text=note,
        after={"department": department.name, "text": note},
        summary=f"{task.number or task.id} {task.lead_department.name}提醒{department.name}",
    )


def escalate(task: Task, department: Department | None, *, reason: str, actor: Any) -> TaskEvent:
    """The lead reports a cooperating department that does not deliver to the office (同级党委和政府)."""
    _lead_only(task, actor)
    rules.check_state(task, "escalate")
    refuse(cooperating_problems(task, department, reason, escalating=True))
    reason = reason.strip()
    return events.record(
        task,
        EventKind.ESCALATED,
        actor,
        action="escalate",
        department=task.lead_department,
        other_department=department,
        text=reason,
        after={"department": department.name, "text": reason},
        summary=f"{task.number or task.id} {task.lead_department.name}报告{department.name}推进不力",
    )


# -- what the task page shows -------------------------------------------------------------------------


def month_states(task: Task, today: date | None = None) -> list[dict[str, Any]]:
    """This month's state per participating department: its latest report of the month (or None),
    the due date, whether that date has passed."""
    today = today or local_today()
    month = rules.month_start(today)
    due = rules.progress_due(month, task.jurisdiction_id)
    latest: dict[int, TaskProgress] = {}
    for row in task.progress:
        if row.month == month:
            latest[row.department_id] = row
    return [
        {
            "department": d,
            "lead": d.id == task.lead_department_id,
            "report": latest.get(d.id),
            "due": due,
            "late": d.id not in latest and today > due,
        }
        for d in participants(task)
    ]


def history(task: Task) -> list[TaskProgress]:
    """Every report on the task, the latest month first, the lead's first within a month."""
    return sorted(
        task.progress,
        key=lambda r: (r.month, r.department_id == task.lead_department_id, r.reported_at, r.id),
        reverse=True,
    )


# -- reminders ----------------------------------------------------------------------------------------


def _windows(jurisdiction: Any, today: date) -> list[tuple[date, date, str]]:
    """(month, due date, step) a jurisdiction's departments are to be reminded of today: "soon" from
    the reminding day (rules.remind_on) up to the due date, "overdue" once the due date has passed
    (for a month after it). The next month's reminding day may fall in this month (an early due day
    after a long holiday)."""
    current = rules.month_start(today)
    following = rules.month_start(current + timedelta(days=32))
    windows = []
    for month in (rules.previous_month(today), current, following):
        due = rules.progress_due(month, jurisdiction.id)
        if rules.remind_on(month, jurisdiction) <= today <= due:
            windows.append((month, due, "soon"))
        elif due < today <= due + timedelta(days=31):
            windows.append((month, due, "overdue"))
    return windows


def send_progress_reminders(today: date | None = None) -> int:
    """Remind each department of an open task (the lead and the cooperating ones) that has not reported
    for the month. Returns the number of notices made."""
    from registry.notify import notify, path_for
    from registry.notify.receivers import department_users

    today = today or local_today()
    tasks = db.session.scalars(select(Task).where(Task.state == TaskState.OPEN).order_by(Task.id)).all()
    windows: dict[int, list[tuple[date, date, str]]] = {}
    for task in tasks:
        if task.jurisdiction_id not in windows:
            windows[task.jurisdiction_id] = _windows(task.jurisdiction, today)
    months = {month for rows in windows.values() for month, _due, _step in rows}
    reported = set()
    if months:
        reported = set(
            db.session.execute(
                select(TaskProgress.task_id, TaskProgress.department_id, TaskProgress.month).where(
                    TaskProgress.month.in_(sorted(months))
                )
            ).tuples()
        )
    users: dict[int, list] = {}
    made = 0
    with force_locale("zh"):  # notices are stored as written, in Chinese
        for task in tasks:
            created = local_date(task.created_at) if task.created_at else today
            # Not for a month whose report was due before the task existed.
            steps = [w for w in windows[task.jurisdiction_id] if created <= w[1]]
            if not steps:
                continue
            url = path_for("supervision.task", task_id=task.id)
            name = f"{task.number}. {task.problem[:40]}" if task.number else task.problem[:40]
            for month, due, step in steps:
                for department in participants(task):
                    if (task.id, department.id, month) in reported:
                        continue
                    what = gettext("进展") if department.id == task.lead_department_id else gettext("配合落实情况")
                    label = gettext("%(year)s年%(month)s月", year=month.year, month=month.month)
                    if step == "soon":
                        title = gettext(
                            "请于 %(date)s 前报送整改任务%(label)s%(what)s：%(task)s",
                            date=due.isoformat(),
                            label=label,
                            what=what,
                            task=name,
                        )
                    else:
                        title = gettext(
                            "整改任务%(label)s%(what)s已逾期未报送（%(date)s）：%(task)s",
                            label=label,
                            what=what,
                            date=due.isoformat(),
                            task=name,
                        )
                    body = gettext("台账「%(ledger)s」。", ledger=task.ledger.title)
                    key = f"task-progress:{task.id}:{department.id}:{month.isoformat()[:7]}:{step}"
                    if department.id not in users:
                        users[department.id] = department_users(department.id)
                    made += len(
                        notify(users[department.id], "task_progress_due", title, body=body, url=url, dedupe_key=key)
                    )
    return made


@runner.periodic("supervision.progress_reminders", every=timedelta(hours=1))
def progress_reminders() -> None:
    if local_now().hour in REMIND_HOURS:
        send_progress_reminders()
