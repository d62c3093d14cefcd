"""Reading published list versions: which is in force, by label, the latest, the one before."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Assignment, Citation, Department, Duty, Matter
from registry.versions.models import ListVersion, VersionWithdrawal


def version_in_force(jurisdiction: Jurisdiction, on_date: date) -> ListVersion | None:
    """The latest non-withdrawn version of the jurisdiction whose effective date is on or before on_date."""
    return db.session.scalar(
        select(ListVersion)
        .outerjoin(VersionWithdrawal, VersionWithdrawal.version_id == ListVersion.id)
        .where(
            ListVersion.jurisdiction_id == jurisdiction.id,
            ListVersion.effective_date <= on_date,
            VersionWithdrawal.id.is_(None),
        )
        .order_by(ListVersion.effective_date.desc(), ListVersion.seq.desc())
        .limit(1)
    )


def versions_of(jurisdiction: Jurisdiction) -> list[ListVersion]:
    """All versions of a jurisdiction, newest first, with their withdrawal loaded."""
    return list(
        db.session.scalars(
            select(ListVersion)
            .where(ListVersion.jurisdiction_id == jurisdiction.id)
            .options(selectinload(ListVersion.withdrawal))
            .order_by(ListVersion.seq.desc())
        )
    )


def version_by_label(jurisdiction: Jurisdiction, label: str) -> ListVersion | None:
    """A jurisdiction's version by its label."""
    return db.session.scalar(
        select(ListVersion).where(ListVersion.jurisdiction_id == jurisdiction.id, ListVersion.label == label.strip())
    )


def previous_version(version: ListVersion) -> ListVersion | None:
    """The version published just before this one in the same jurisdiction."""
    return db.session.scalar(
        select(ListVersion)
        .where(ListVersion.jurisdiction_id == version.jurisdiction_id, ListVersion.seq < version.seq)
        .order_by(ListVersion.seq.desc())
        .limit(1)
    )


def latest_version(jurisdiction: Jurisdiction) -> ListVersion | None:
    """The most recently published version (withdrawn or not)."""
    return db.session.scalar(
        select(ListVersion)
        .where(ListVersion.jurisdiction_id == jurisdiction.id)
        .order_by(ListVersion.seq.desc())
        .limit(1)
    )


def frozen_content(jurisdiction: Jurisdiction) -> dict[str, Any]:
    """The working list as plain data: what a published version freezes and its checksum covers."""
    departments = db.session.scalars(
        select(Department)
        .where(Department.jurisdiction_id == jurisdiction.id, Department.active.is_(True))
        .options(selectinload(Department.duties).selectinload(Duty.citations).selectinload(Citation.document))
        .order_by(Department.sort_order, Department.id)
    ).all()
    matters = db.session.scalars(
        select(Matter)
        .where(Matter.jurisdiction_id == jurisdiction.id)
        .options(
            selectinload(Matter.assignments).selectinload(Assignment.department),
            selectinload(Matter.citations).selectinload(Citation.document),
            selectinload(Matter.delegated_to),
        )
        .order_by(Matter.seq, Matter.id)
    ).all()
    return {
        "jurisdiction": {"code": jurisdiction.code, "name": jurisdiction.name},
        "departments": [
            {
                "id": d.id,
                "name": d.name,
                "short_name": d.short_name,
                "sector": d.sector,
                "website": d.website,
                "sort_order": d.sort_order,
                "duties": [
                    {"id": t.id, "seq": t.seq, "text": t.text, "basis": [c.plain() for c in t.citations]}
                    for t in d.duties
                    if t.active
                ],
            }
            for d in departments
        ],
        "matters": [
            {
                "id": m.id,
                "seq": m.seq,
                "category": m.category,
                "title": m.title,
                "description": m.description,
                "status": m.status,
                "delegated_to": (
                    {"code": m.delegated_to.code, "name": m.delegated_to.name} if m.delegated_to else None
                ),
                "assignments": [
                    {
                        "department_id": a.department_id,
                        "name": a.department.name,
                        "short_name": a.department.short_name,
                        "role": a.role,
                    }
                    for a in m.assignments
                ],
                "basis": [c.plain() for c in m.citations],
            }
            for m in matters
        ],
    }
