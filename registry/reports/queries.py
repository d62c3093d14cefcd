"""Read-only look-ups of reports."""

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from registry.extensions import db
from registry.reports.models import AnnualReport, ReportingCycle, ReportState


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
