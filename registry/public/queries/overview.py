"""The portal's front page: the figures that matter and which jurisdictions have published."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department
from registry.public.cache import remembered
from registry.reports.models import AnnualReport, ReportingCycle, ReportState
from registry.versions.models import ListVersion, VersionDepartment, VersionMatter
from registry.versions.queries import in_force_ids

RECENT_REPORTS = 5


@remembered
def portal_overview(today: date, year_start: datetime) -> dict[str, Any]:
    """Figures over the versions in force on `today` and the reports published since `year_start`
    (the start of the local year, timezone-aware), and every jurisdiction with its state, parents first.
    Kept under the publication token: a publication, withdrawal or published report renews it, and
    `today` in the key renews it the day a version takes effect."""
    current = in_force_ids(today)
    version_ids = list(current.values())
    versions = {
        v.id: v
        for v in db.session.execute(
            select(ListVersion.id, ListVersion.label, ListVersion.matter_count).where(ListVersion.id.in_(version_ids))
        )
    }
    pending_by_version = dict(
        db.session.execute(
            select(VersionMatter.version_id, func.count())
            .where(VersionMatter.version_id.in_(version_ids), VersionMatter.status == "pending")
            .group_by(VersionMatter.version_id)
        ).all()
    )
    departments = db.session.scalar(
        select(func.count(VersionDepartment.id)).where(VersionDepartment.version_id.in_(version_ids))
    )
    published_once = set(db.session.scalars(select(ListVersion.jurisdiction_id).distinct()))
    rows = db.session.execute(
        select(Jurisdiction.id, Jurisdiction.code, Jurisdiction.name, Jurisdiction.level, Jurisdiction.parent_id)
    ).all()
    children: dict[int | None, list] = {}
    for row in sorted(rows, key=lambda r: r.code):
        children.setdefault(row.parent_id, []).append(row)

    def walk(parent_id: int | None, depth: int) -> list[dict[str, Any]]:
        nodes = []
        for r in children.get(parent_id, []):
            version = versions.get(current.get(r.id, -1))
            state = "in_force" if version else ("not_in_force" if r.id in published_once else "none")
            nodes.append(
                {
                    "code": r.code,
                    "name": r.name,
                    "level": r.level,
                    "depth": depth,
                    "state": state,
                    "label": version.label if version else None,
                    "matters": version.matter_count if version else 0,
                    "pending": pending_by_version.get(version.id, 0) if version else 0,
                    "children": walk(r.id, depth + 1) if depth < 16 else [],
                }
            )
        return nodes

    tree = walk(None, 0)
    levels: dict[str, list[int]] = {}
    for r in rows:
        counts = levels.setdefault(r.level, [0, 0])
        counts[1] += 1
        counts[0] += r.id in current
    published_reports = (
        select(AnnualReport.id)
        .where(AnnualReport.state == ReportState.PUBLISHED, AnnualReport.published_at >= year_start)
        .subquery()
    )
    recent = db.session.execute(
        select(
            AnnualReport.id,
            AnnualReport.title,
            AnnualReport.published_at,
            ReportingCycle.year,
            Department.name,
            Department.id,
            Jurisdiction.name,
        )
        .join(ReportingCycle, ReportingCycle.id == AnnualReport.cycle_id)
        .join(Department, Department.id == AnnualReport.department_id)
        .join(Jurisdiction, Jurisdiction.id == Department.jurisdiction_id)
        .where(AnnualReport.state == ReportState.PUBLISHED)
        .order_by(AnnualReport.published_at.desc(), AnnualReport.id.desc())
        .limit(RECENT_REPORTS)
    ).all()
    return {
        "figures": {
            "jurisdictions_in_force": len(current),
            "jurisdictions": len(rows),
            "matters": sum(v.matter_count for v in versions.values()),
            "departments": departments or 0,
            "reports_this_year": db.session.scalar(select(func.count()).select_from(published_reports)) or 0,
            "pending": sum(pending_by_version.values()),
        },
        "tree": tree,
        # (level, in force, all) from the top level down, for the bar chart.
        "levels": [(level, *levels[level]) for level in ("central", "province", "city", "county") if level in levels],
        "recent_reports": [
            {
                "id": r[0],
                "title": r[1],
                "published_at": r[2],
                "year": r[3],
                "department": r[4],
                "department_id": r[5],
                "jurisdiction": r[6],
            }
            for r in recent
        ],
    }
