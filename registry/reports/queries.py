"""Read-only look-ups of reports."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from registry.extensions import db
from registry.lists.models import Department
from registry.reports.models import (
    STATE_LABELS,
    AnnualReport,
    RecipientRole,
    ReportEvent,
    ReportingCycle,
    ReportRecipient,
    ReportState,
)


def published_reports(department_id: int) -> list[AnnualReport]:
    """A department's published annual reports, newest year first (PDF bytes not loaded)."""
    return list(
        db.session.scalars(
            select(AnnualReport)
            .join(AnnualReport.cycle)
            .options(contains_eager(AnnualReport.cycle))
            .where(AnnualReport.department_id == department_id, AnnualReport.state == ReportState.PUBLISHED)
            .order_by(ReportingCycle.year.desc())
        )
    )


def cycles_of(jurisdiction_id: int) -> list[ReportingCycle]:
    """A jurisdiction's reporting cycles, newest year first."""
    return list(
        db.session.scalars(
            select(ReportingCycle)
            .where(ReportingCycle.jurisdiction_id == jurisdiction_id)
            .order_by(ReportingCycle.year.desc())
        )
    )


def reports_of_department(department_id: int) -> list[AnnualReport]:
    """A department's reports of every cycle, newest year first."""
    return list(
        db.session.scalars(
            select(AnnualReport)
            .join(AnnualReport.cycle)
            .options(contains_eager(AnnualReport.cycle))
            .where(AnnualReport.department_id == department_id)
            .order_by(ReportingCycle.year.desc())
        )
    )


def cycle_reports(cycle_id: int) -> list[AnnualReport]:
    """Every report of a cycle with its department, in the departments' order."""
    return list(
        db.session.scalars(
            select(AnnualReport)
            .join(AnnualReport.department)
            .options(contains_eager(AnnualReport.department))
            .where(AnnualReport.cycle_id == cycle_id)
            .order_by(Department.sort_order, Department.id)
        )
    )


def cycle_by_year(jurisdiction_id: int, year: int) -> ReportingCycle | None:
    return db.session.scalar(
        select(ReportingCycle).where(ReportingCycle.jurisdiction_id == jurisdiction_id, ReportingCycle.year == year)
    )


def is_overdue(report: AnnualReport, today: date) -> bool:
    """Deadline passed and the report is neither submitted nor accepted (nor published)."""
    return report.cycle.deadline < today and report.state in (ReportState.DRAFT, ReportState.RETURNED)


def state_counts(reports: list[AnnualReport]) -> list[tuple[str, str, int]]:
    """(state, label, count) for every display state, in workflow order."""
    counts = dict.fromkeys(STATE_LABELS, 0)
    for report in reports:
        counts[report.display_state] += 1
    return [(state, STATE_LABELS[state], counts[state]) for state in STATE_LABELS]


def inbox(user) -> list[tuple[ReportRecipient, AnnualReport]]:
    """Reports submitted to the user's office (to) or copied to the user's department (cc)."""
    query = (
        select(ReportRecipient, AnnualReport)
        .join(ReportRecipient.report)
        .options(selectinload(AnnualReport.cycle), selectinload(AnnualReport.department))
        .order_by(ReportRecipient.received_at.desc(), ReportRecipient.id.desc())
    )
    if user.role == "office_admin":
        query = query.where(ReportRecipient.jurisdiction_id == user.jurisdiction_id)
    elif user.department_id is not None:
        query = query.where(ReportRecipient.department_id == user.department_id)
    else:
        return []
    return [(row[0], row[1]) for row in db.session.execute(query)]


@dataclass
class CycleProgress:
    """Where a reporting cycle stands: reports by state, days to the deadline, reports overdue."""

    cycle: ReportingCycle
    counts: list[tuple[str, str, int]]  # state_counts
    days_left: int  # negative once the deadline has passed
    overdue: int

    @property
    def total(self) -> int:
        return sum(n for _state, _label, n in self.counts)


def cycle_progress(jurisdiction_id: int, today: date) -> list[CycleProgress]:
    """The jurisdiction's newest cycle and any older one still under way (a report not yet accepted or
    published), newest first; `today` is the local date the days are counted from."""
    cycles = cycles_of(jurisdiction_id)
    if not cycles:
        return []
    reports = db.session.scalars(select(AnnualReport).where(AnnualReport.cycle_id.in_([c.id for c in cycles]))).all()
    by_cycle: dict[int, list[AnnualReport]] = {}
    for report in reports:
        by_cycle.setdefault(report.cycle_id, []).append(report)
    under_way = (ReportState.DRAFT, ReportState.RETURNED, ReportState.SUBMITTED)
    result = []
    for i, cycle in enumerate(cycles):
        own = by_cycle.get(cycle.id, [])
        if i == 0 or any(r.state in under_way for r in own):
            result.append(
                CycleProgress(
                    cycle=cycle,
                    counts=state_counts(own),
                    days_left=(cycle.deadline - today).days,
                    overdue=sum(1 for r in own if is_overdue(r, today)),
                )
            )
    return result


def awaiting_review(jurisdiction_id: int) -> list[AnnualReport]:
    """Reports submitted (报送) to this jurisdiction's office and not yet reviewed, oldest first."""
    return list(
        db.session.scalars(
            select(AnnualReport)
            .join(ReportRecipient, ReportRecipient.report_id == AnnualReport.id)
            .where(
                ReportRecipient.jurisdiction_id == jurisdiction_id,
                ReportRecipient.recipient_role == RecipientRole.TO,
                AnnualReport.state == ReportState.SUBMITTED,
            )
            .options(selectinload(AnnualReport.department), selectinload(AnnualReport.cycle))
            .order_by(AnnualReport.submitted_at, AnnualReport.id)
        )
    )


@dataclass
class DepartmentReports:
    """A department's report in its newest cycle, and the reports sent back to it with the reason."""

    current: AnnualReport | None
    days_left: int | None  # to the current cycle's deadline; negative once passed
    overdue: bool
    returned: list[tuple[AnnualReport, ReportEvent | None]]  # the report and the step that sent it back


def department_reports(department_id: int, today: date) -> DepartmentReports:
    """What a department has to do about its reports: the newest cycle's report and its deadline, and
    every report returned for revision with the office's comment."""
    reports = reports_of_department(department_id)
    current = reports[0] if reports else None
    returned = [r for r in reports if r.state == ReportState.RETURNED]
    last_return: dict[int, ReportEvent] = {}
    if returned:
        events = db.session.scalars(
            select(ReportEvent)
            # action, not to_state: 提请审核 and 退回填报人 also happen in a returned report
            .where(ReportEvent.report_id.in_([r.id for r in returned]), ReportEvent.action == "return")
            .order_by(ReportEvent.at, ReportEvent.id)
        )
        last_return = {e.report_id: e for e in events}
    return DepartmentReports(
        current=current,
        days_left=(current.cycle.deadline - today).days if current else None,
        overdue=is_overdue(current, today) if current else False,
        returned=[(r, last_return.get(r.id)) for r in returned],
    )
