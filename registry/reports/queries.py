"""Read-only look-ups of reports."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from registry.extensions import db
from registry.lists.models import Department
from registry.reports.models import STATE_LABELS, AnnualReport, ReportingCycle, ReportRecipient, ReportState


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
