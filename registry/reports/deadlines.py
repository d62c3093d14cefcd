"""A reporting cycle's deadline in working days (registry/workdays): computing it ("N 个工作日后"),
changing it, and the reminders (5 and 1 working days before, and once past) that reach the departments
whose report is not yet submitted, and the cycle's office once the deadline has passed.

Cooperation (§7) has no deadline of its own: a cooperating department writes its input in its own
report, so the cycle's deadline and these reminders cover it.
"""

from datetime import date, timedelta
from typing import Any

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.core import audit
from registry.core.audit import Actor
from registry.core.errors import DomainError
from registry.core.permissions import Permission, Role, can
from registry.core.timezone import local_now, local_today
from registry.extensions import db
from registry.jobs import runner
from registry.notify import notify, path_for
from registry.reports.models import AnnualReport, ReportingCycle, ReportState
from registry.reports.services import NotAllowed
from registry.workdays import MAX_WORKING_DAYS, WorkCalendar, calendar_note

# Reminders before the deadline, in working days left: each reaches a department once per deadline.
SOON = (5, 1)
# An overdue notice is sent for cycles whose deadline passed at most this long ago (a cycle long past
# when the reminders first run, e.g. on an upgrade, tells nobody).
OVERDUE_WINDOW = timedelta(days=31)
NOT_SUBMITTED = (ReportState.DRAFT, ReportState.RETURNED)


def deadline_after(jurisdiction: Any, n: int | None, today: date) -> date:
    """The date `n` working days after `today` in the jurisdiction (today not counted)."""
    if n is None or n < 1 or n > MAX_WORKING_DAYS:
        raise DomainError(_l("请填写 1 到 %(max)s 之间的工作日数。", max=MAX_WORKING_DAYS), "workdays")
    return WorkCalendar(jurisdiction, since=today).add(today, n)


def change_deadline(cycle: ReportingCycle, deadline: date | None, *, actor: Actor) -> None:
    """Move a cycle's deadline (the office of its jurisdiction); reminders follow the new date."""
    if not can(actor, Permission.CYCLE_MANAGE, cycle.jurisdiction):
        raise NotAllowed(_l("只有本级办公室可以修改本级报告周期的截止日期。"))
    if deadline is None:
        raise DomainError(_l("请填写截止日期。"), "deadline")
    if deadline < date(cycle.year, 1, 1):
        raise DomainError(_l("截止日期应在报告年度开始之后。"), "deadline")
    if deadline.year > 2100:
        raise DomainError(_l("截止日期不能晚于 2100 年，请核对年份。"), "deadline")
    if deadline == cycle.deadline:
        return
    before = cycle.deadline
    cycle.deadline = deadline
    audit.record(
        actor,
        "update",
        cycle,
        jurisdiction_id=cycle.jurisdiction_id,
        before={"deadline": before.isoformat()},
        after={"deadline": deadline.isoformat()},
        summary=f"修改{cycle.year}年度报告周期的截止日期：{before.isoformat()} → {deadline.isoformat()}",
    )
    db.session.flush()


# -- reminders -----------------------------------------------------------------------------------


def _users_of_departments(department_ids: set[int]) -> dict[int, list]:
    from registry.auth.models import User

    users: dict[int, list] = {}
    if department_ids:
        for user in db.session.scalars(
            select(User).where(User.department_id.in_(department_ids), User.active.is_(True)).order_by(User.id)
        ):
            users.setdefault(user.department_id, []).append(user)
    return users


def _offices(jurisdiction_ids: set[int]) -> dict[int, list]:
    from registry.auth.models import User

    offices: dict[int, list] = {}
    if jurisdiction_ids:
        for user in db.session.scalars(
            select(User)
            .where(User.jurisdiction_id.in_(jurisdiction_ids), User.role == Role.OFFICE_ADMIN, User.active.is_(True))
            .order_by(User.id)
        ):
            offices.setdefault(user.jurisdiction_id, []).append(user)
    return offices


def send_deadline_reminders(today: date | None = None) -> int:
    """Remind the departments of every open cycle whose report is not submitted: 5 and 1 working days
    before the deadline (deadline_soon), and once it has passed (deadline_overdue, the office too).
    Idempotent: every notice has a dedupe key naming the cycle, the deadline and the step, so a rerun
    tells nobody twice and a moved deadline reminds again. Returns the number of notices made."""
    today = today or local_today()
    cycles = db.session.scalars(
        select(ReportingCycle)
        .where(ReportingCycle.deadline >= today - OVERDUE_WINDOW)
        .order_by(ReportingCycle.deadline, ReportingCycle.id)
    ).all()
    if not cycles:
        return 0
    pending = db.session.scalars(
        select(AnnualReport)
        .where(AnnualReport.cycle_id.in_([c.id for c in cycles]), AnnualReport.state.in_(NOT_SUBMITTED))
        .order_by(AnnualReport.id)
    ).all()
    by_cycle: dict[int, list[AnnualReport]] = {}
    for report in pending:
        by_cycle.setdefault(report.cycle_id, []).append(report)
    staff = _users_of_departments({r.department_id for r in pending})
    offices = _offices({c.jurisdiction_id for c in cycles if c.deadline < today and by_cycle.get(c.id)})
    calendars: dict[int, WorkCalendar] = {}
    made = 0
    with force_locale("zh"):  # notices are stored as written, in Chinese
        for cycle in cycles:
            reports = by_cycle.get(cycle.id)
            if not reports:
                continue
            if cycle.jurisdiction_id not in calendars:
                calendars[cycle.jurisdiction_id] = WorkCalendar(cycle.jurisdiction, since=today - OVERDUE_WINDOW)
            left = calendars[cycle.jurisdiction_id].between(today, cycle.deadline)
            made += _remind_cycle(cycle, reports, left, today, staff, offices)
    return made


def _remind_cycle(cycle, reports, left: int, today: date, staff, offices) -> int:
    due = cycle.deadline.isoformat()
    note = calendar_note(today, cycle.deadline)
    made = 0
    if cycle.deadline >= today:
        # The step is the smallest of SOON still ahead of or at `left`: a missed run (a server down on
        # the day) still reminds, late, and each step once.
        steps = [s for s in SOON if left <= s]
        if not steps:
            return 0
        step = min(steps)
        for report in reports:
            title = (
                gettext("%(year)s年度报告今天截止报送", year=cycle.year)
                if cycle.deadline == today
                else gettext(
                    "%(year)s年度报告将于 %(date)s 截止报送（还剩 %(n)s 个工作日）", year=cycle.year, date=due, n=left
                )
            )
            body = gettext(
                "%(department)s的%(title)s尚未报送，报送截止日期为 %(date)s。",
                department=report.department.name,
                title=report.title,
                date=due,
            )
            made += len(
                notify(
                    staff.get(report.department_id, []),
                    "deadline_soon",
                    title,
                    body=f"{body}{note}",
                    url=path_for("reports.report", report_id=report.id),
                    dedupe_key=f"deadline:cycle:{cycle.id}:{due}:report:{report.id}:soon{step}",
                )
            )
        return made
    for report in reports:
        made += len(
            notify(
                staff.get(report.department_id, []),
                "deadline_overdue",
                gettext("%(year)s年度报告已逾期未报送（截止日期 %(date)s）", year=cycle.year, date=due),
                body=gettext(
                    "%(department)s的%(title)s尚未报送，已超过截止日期 %(date)s，请尽快报送。",
                    department=report.department.name,
                    title=report.title,
                    date=due,
                ),
                url=path_for("reports.report", report_id=report.id),
                dedupe_key=f"deadline:cycle:{cycle.id}:{due}:report:{report.id}:overdue",
            )
        )
    names = "、".join(r.department.name for r in reports)
    made += len(
        notify(
            offices.get(cycle.jurisdiction_id, []),
            "deadline_overdue",
            gettext("%(year)s年度报告：%(n)s 个部门逾期未报送", year=cycle.year, n=len(reports)),
            body=gettext("截止日期 %(date)s 已过，以下部门尚未报送：%(names)s。", date=due, names=names),
            url=path_for("reports.cycle", cycle_id=cycle.id),
            dedupe_key=f"deadline:cycle:{cycle.id}:{due}:office:overdue",
        )
    )
    return made


# Reminders go out in office hours only (Beijing time): the hourly run just after midnight waits.
REMIND_HOURS = range(8, 20)


@runner.periodic("deadline_reminders", every=timedelta(hours=1))
def deadline_reminders() -> None:
    if local_now().hour in REMIND_HOURS:
        send_deadline_reminders()
