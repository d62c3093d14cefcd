"""The generated section 整改任务落实情况 of a department's annual report (issue #18, item 9).

Its figures are read-only: the tasks of the cycle's jurisdiction's ledgers (整改台账, registry/supervision;
archived ledgers included, their tasks were the year's work) that the department leads, and in a
second table those it cooperates on, as they stood at the end of the report's year — closed (销号)
during the year, still in progress, overdue — computed when the report is shown or rendered; the
published PDF keeps them as they were on publication, and a published report's page points to it
(templates/reports/_published_figures.html). The department writes its own commentary in the
section's body, edited like a free section.

A task's state at the year's end is read from its timeline as the monthly bulletin reads it
(registry/supervision/bulletin_data.py: TaskRow.state_at, the state after the last event before the
moment; `period` for the moment: the end of the year's December, or now for the current year), never
from Task.state or Task.closed_at (a reopen resets it): a task closed in the year and reopened before
its end is in progress, one closed in the year and reopened after it was closed in the year.

New drafts get the section when the cycle opens (services._draft_sections) if the department leads or
cooperates on any task of the jurisdiction; drafts opened before that get it the first time the report
is opened (`ensure_section`), never a report already submitted or published. A department whose tasks
all began after the year (or ended before it) sees the section say so (本年度没有牵头的整改任务).
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from registry.core.timezone import local_date, local_day_start, local_now
from registry.extensions import db
from registry.lists.models import Department
from registry.reports import generated
from registry.reports.generated import ADDED_TO
from registry.reports.models import AnnualReport, ReportSection, SectionKind
from registry.supervision import bulletin_data
from registry.supervision.models import PHASE_LABELS, TASK_STATE_LABELS, Ledger, Task, TaskState, task_cooperating

TITLE = "整改任务落实情况"
ACTOR = "系统（补充生成整改任务落实情况部分）"
PROBLEM_LENGTH = 40  # the table shows the problem shortened to this many characters
# The section goes after the matters, the complaint figures and the indicators, before the closing
# free sections.
_BEFORE_IT = (
    SectionKind.DUTIES,
    SectionKind.LED_MATTER,
    SectionKind.COOPERATING_MATTER,
    SectionKind.COOPERATING,
    SectionKind.COMPLAINTS,
    SectionKind.INDICATORS,
)

LEAD, COOPERATING = "lead", "cooperating"
# What a task was at the year's end, as the section counts it (each task in exactly one).
CLOSED, IN_PROGRESS, OVERDUE = "closed", "in_progress", "overdue"


def new_section() -> ReportSection:
    return ReportSection(kind=SectionKind.TASKS, title=TITLE, body="")


# -- whose tasks --------------------------------------------------------------------------------------


def _role_clause(department_id: int, role: str) -> Any:
    if role == LEAD:
        return Task.lead_department_id == department_id
    return Task.id.in_(select(task_cooperating.c.task_id).where(task_cooperating.c.department_id == department_id))


def _existed_by_year_end(year: int) -> Any:
    """Tasks listed before the year ended: a report is about its year, not the ledgers that came later."""
    return Task.created_at < local_day_start(date(year + 1, 1, 1))


def involved_departments(jurisdiction_id: int, year: int) -> set[int]:
    """The departments that lead or cooperate on at least one task of the jurisdiction listed by the end
    of `year` (one query each for a cycle)."""
    mine = (Task.jurisdiction_id == jurisdiction_id, _existed_by_year_end(year))
    leads = db.session.scalars(select(Task.lead_department_id).where(*mine))
    cooperating = db.session.scalars(
        select(task_cooperating.c.department_id).join(Task, Task.id == task_cooperating.c.task_id).where(*mine)
    )
    return set(leads) | set(cooperating)


def _involved(report: AnnualReport) -> bool:
    clause = or_(_role_clause(report.department_id, LEAD), _role_clause(report.department_id, COOPERATING))
    found = (
        select(Task.id)
        .where(Task.jurisdiction_id == report.cycle.jurisdiction_id, clause, _existed_by_year_end(report.cycle.year))
        .limit(1)
    )
    return db.session.scalar(found) is not None


def _has_section(report: AnnualReport) -> bool:
    return any(s.kind == SectionKind.TASKS for s in report.sections)


def ensure_section(report: AnnualReport) -> bool:
    """Add the section to a draft whose department leads or cooperates on a task and has none; whether
    it was added (idempotent: never twice, never to a report submitted or published, never to one whose
    department has no task)."""
    if report.state not in ADDED_TO or _has_section(report) or not _involved(report):
        return False
    return generated.add_section(report, SectionKind.TASKS, TITLE, after=_BEFORE_IT, actor=ACTOR)


# -- the figures --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearRow:
    """One task as it stood at the end of the year (or now, for the current year)."""

    id: int
    ledger: str
    number: str
    problem: str
    lead: str
    due_date: date | None
    phase: str | None
    state: str  # at the year's end (TaskState)
    status: str  # CLOSED, IN_PROGRESS or OVERDUE
    closed_on: date | None  # the day it was closed (销号), when closed at the year's end
    reopened: bool  # closed and reopened (反弹) during the year

    @property
    def deadline(self) -> str:
        parts = [self.due_date.isoformat()] if self.due_date else []
        if self.phase:
            parts.append(PHASE_LABELS[self.phase])
        return " ".join(parts) or "—"


def year_end(year: int, now: datetime | None = None) -> bulletin_data.Period:
    """The moment the year's figures are taken at: the end of its December, or now while it lasts (the
    bulletin's period of the year's last month)."""
    return bulletin_data.period(year, 12, now)


def _closing(task: bulletin_data.TaskRow, start: datetime, cutoff: datetime) -> tuple[datetime | None, bool]:
    """When the task was last closed before `cutoff`, and whether it was reopened between `start` and
    `cutoff`: from its timeline of states."""
    closed_at, reopened = None, False
    state = TaskState.OPEN.value
    for at, _id, after in task.states:
        if at >= cutoff:
            break
        if not after:
            continue
        if after == TaskState.CLOSED and state != TaskState.CLOSED:
            closed_at = at
        elif state == TaskState.CLOSED and after != TaskState.CLOSED and at >= start:
            reopened = True
        state = after
    return closed_at, reopened


def year_rows(
    jurisdiction_id: int, department_id: int, year: int, *, role: str = LEAD, now: datetime | None = None
) -> list[YearRow]:
    """The tasks of the jurisdiction's ledgers that the department leads (role LEAD) or cooperates on
    (COOPERATING) and that were the year's work: made before its end and not closed throughout it;
    each as it stood at the year's end, in ledger order."""
    end = year_end(year, now)
    start = min(local_day_start(date(year, 1, 1)), end.cutoff)
    tasks = bulletin_data.task_rows(Task.jurisdiction_id == jurisdiction_id, _role_clause(department_id, role))
    if not tasks:
        return []
    ledgers = dict(
        db.session.execute(select(Ledger.id, Ledger.title).where(Ledger.id.in_({t.ledger_id for t in tasks}))).all()
    )
    names = dict(
        db.session.execute(
            select(Department.id, Department.name).where(Department.id.in_({t.lead_department_id for t in tasks}))
        ).all()
    )
    rows = []
    for task in tasks:
        state = task.state_at(end.cutoff)
        if state is None:  # made after the year
            continue
        closed_at, reopened = _closing(task, start, end.cutoff)
        if state == TaskState.CLOSED and closed_at is not None and closed_at < start and not reopened:
            continue  # closed before the year and closed all through it
        if state == TaskState.CLOSED:
            status = CLOSED
        elif task.overdue_at(state, end.overdue_day):
            status = OVERDUE
        else:
            status = IN_PROGRESS
        rows.append(
            YearRow(
                id=task.id,
                ledger=ledgers[task.ledger_id],
                number=task.number,
                problem=task.problem,
                lead=names[task.lead_department_id],
                due_date=task.due_date,
                phase=task.phase,
                state=state,
                status=status,
                closed_on=local_date(closed_at) if state == TaskState.CLOSED and closed_at else None,
                reopened=reopened,
            )
        )
    return rows


def shorten(text: str, limit: int = PROBLEM_LENGTH) -> str:
    """The problem on one line, cut to `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def counts(rows: list[YearRow]) -> dict[str, int]:
    """How many tasks: in all, closed in the year, in progress at its end (of which in 销号 review or on
    notice), overdue at its end."""
    return {
        "total": len(rows),
        CLOSED: sum(r.status == CLOSED for r in rows),
        IN_PROGRESS: sum(r.status == IN_PROGRESS for r in rows),
        "closing": sum(r.status == IN_PROGRESS and r.state in (TaskState.APPLIED, TaskState.NOTICE) for r in rows),
        OVERDUE: sum(r.status == OVERDUE for r in rows),
        "reopened": sum(r.reopened and r.state != TaskState.CLOSED for r in rows),  # as the table marks them
    }


def summary_text(c: dict[str, int]) -> str:
    """共N项：年内销号a项，整改中b项（其中销号审核或公示中c项），逾期未完成d项 (the report text is
    Chinese, as the PDF is)."""
    text = f"共{c['total']}项：已销号{c[CLOSED]}项，整改中{c[IN_PROGRESS]}项"
    if c["closing"]:
        text += f"（其中销号审核或公示中{c['closing']}项）"
    text += f"，逾期未完成{c[OVERDUE]}项"
    if c["reopened"]:
        text += f"；年内销号后反弹重新整改{c['reopened']}项"
    return text


def _plain(row: YearRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "ledger": row.ledger,
        "number": row.number or "—",
        "problem": shorten(row.problem),
        "full_problem": row.problem,
        "lead": row.lead,
        "due_date": row.due_date.isoformat() if row.due_date else "",
        "phase": PHASE_LABELS[row.phase] if row.phase else "",
        "deadline": row.deadline,
        "state": row.state,
        "state_label": TASK_STATE_LABELS[row.state],  # at the year's end
        "status": row.status,
        "overdue": row.status == OVERDUE,
        "reopened": row.reopened and row.state != TaskState.CLOSED,  # closed, then reopened in the year
        "closed_on": row.closed_on.isoformat() if row.closed_on else "",
    }


def figures(report: AnnualReport, now: datetime | None = None) -> dict[str, Any]:
    """The section's figures as plain values (for the pages and the PDF template): the tasks the
    department leads and those it cooperates on, each table with its counts, as at the year's end."""
    year, jurisdiction_id, department_id = report.cycle.year, report.cycle.jurisdiction_id, report.department_id
    end = year_end(year, now or local_now())
    tables = {}
    for role in (LEAD, COOPERATING):
        rows = year_rows(jurisdiction_id, department_id, year, role=role, now=now)
        c = counts(rows)
        tables[role] = {"counts": c, "summary": summary_text(c), "tasks": [_plain(r) for r in rows]}
    return {
        "year": year,
        "as_of": end.as_of,
        "complete": end.complete,  # the year has ended: figures at its end, else as of today
        "led": tables[LEAD],
        "cooperating": tables[COOPERATING],
    }


def figures_of(report: AnnualReport) -> dict[str, Any] | None:
    """The figures when the report has the section (None otherwise: nothing to compute)."""
    if not _has_section(report):
        return None
    return figures(report)
