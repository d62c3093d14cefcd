"""Reading published list versions: which is in force, by label, the latest, the one before."""

from collections.abc import Iterable
from datetime import date
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Assignment, Citation, Department, Duty, ListDefault, Matter
from registry.lists.territorial import lower_names, territorial_plain
from registry.versions.models import ListVersion, VersionDepartment, VersionDuty, VersionWithdrawal


class _Dated(Protocol):
    effective_date: date
    seq: int
    withdrawn: bool


D = TypeVar("D", bound=_Dated)


def pick_in_force(versions: Iterable[D], on: date) -> D | None:
    """THE rule of which version is in force on a date: of the versions not withdrawn whose effective
    date has come, the one effective latest (of two effective the same day, the later published).
    Every page, the API and the search decide through this function."""
    candidates = [v for v in versions if not v.withdrawn and v.effective_date <= on]
    return max(candidates, key=lambda v: (v.effective_date, v.seq), default=None)


class _VersionDates(NamedTuple):
    id: int
    jurisdiction_id: int
    effective_date: date
    seq: int
    withdrawn: bool


def in_force_ids(on: date | None = None, jurisdiction_ids: Iterable[int] | None = None, conn=None) -> dict[int, int]:
    """jurisdiction id → id of its version in force on `on` (today by default)."""
    query = select(
        ListVersion.id,
        ListVersion.jurisdiction_id,
        ListVersion.effective_date,
        ListVersion.seq,
        VersionWithdrawal.id.is_not(None),
    ).outerjoin(VersionWithdrawal, VersionWithdrawal.version_id == ListVersion.id)
    if jurisdiction_ids is not None:
        query = query.where(ListVersion.jurisdiction_id.in_(list(jurisdiction_ids)))
    by_jurisdiction: dict[int, list[_VersionDates]] = {}
    for row in (conn if conn is not None else db.session).execute(query):
        by_jurisdiction.setdefault(row[1], []).append(_VersionDates(*row))
    on = on or local_today()
    result = {}
    for jurisdiction_id, versions in by_jurisdiction.items():
        if (current := pick_in_force(versions, on)) is not None:
            result[jurisdiction_id] = current.id
    return result


def in_force(jurisdiction_id: int, on: date | None = None, conn=None) -> int | None:
    """The id of the jurisdiction's version in force on `on` (today by default)."""
    return in_force_ids(on, [jurisdiction_id], conn).get(jurisdiction_id)


def version_in_force(jurisdiction: Jurisdiction, on_date: date) -> ListVersion | None:
    """The jurisdiction's version in force on a date, as a record."""
    version_id = in_force(jurisdiction.id, on_date)
    return db.session.get(ListVersion, version_id) if version_id is not None else None


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
            selectinload(Matter.lower_copies).selectinload(Matter.jurisdiction),
            selectinload(Matter.targets),
        )
        .order_by(Matter.seq, Matter.id)
    ).all()
    lower = lower_names(jurisdiction.id)
    defaults = db.session.scalars(
        select(ListDefault)
        .where(ListDefault.jurisdiction_id == jurisdiction.id)
        .order_by(ListDefault.position, ListDefault.id)
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
                # Delegated to several lower jurisdictions: no one code, the name says where (lists.models).
                "delegated_to": (
                    {"code": m.delegated_to.code if m.delegated_to else None, "name": m.delegated_to_label}
                    if m.delegated_to_label
                    else None
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
                "territorial": territorial_plain(m.territorial, lower),
                "deadline_text": m.deadline_text or "",
                "deadline": m.deadline.isoformat() if m.deadline else None,
                "targets": [t.plain() for t in m.targets],
                "upper_matter_id": m.upper_matter_id,
            }
            for m in matters
        ],
        # List-wide rules stated once (以下均需…落实): frozen into ListVersion.defaults, their territorial
        # implementers named as matters' are, so renaming a lower jurisdiction leaves published text alone.
        "defaults": [{"text": d.text, "territorial": territorial_plain(d.territorial, lower)} for d in defaults],
    }


class UnpublishedChanges(NamedTuple):
    version: ListVersion  # the latest published version the working list is compared with
    matters_added: int
    matters_removed: int
    matters_changed: int
    departments_changed: int  # added, retired or edited (names, sector, website, order, duties)

    @property
    def matters(self) -> int:
        return self.matters_added + self.matters_removed + self.matters_changed

    @property
    def total(self) -> int:
        return self.matters + self.departments_changed


def unpublished_changes(jurisdiction: Jurisdiction) -> UnpublishedChanges | None:
    """What the working list changed since the latest published version (None: nothing published yet)."""
    from registry.versions import diff  # diff reads this module

    version = latest_version(jurisdiction)
    if version is None:
        return None
    content = frozen_content(jurisdiction)
    matters = diff.compare(
        diff.version_states(version), diff.working_states(jurisdiction, content), version.label, diff.WORKING
    )
    published: dict[int, tuple] = {
        d.department_id: (d.name, d.short_name, d.sector, d.website, d.sort_order, [])
        for d in db.session.scalars(select(VersionDepartment).where(VersionDepartment.version_id == version.id))
    }
    for duty in db.session.scalars(
        select(VersionDuty).where(VersionDuty.version_id == version.id).order_by(VersionDuty.id)
    ):
        if duty.department_id in published:
            published[duty.department_id][5].append((duty.duty_id, duty.seq, duty.text, duty.basis))
    working = {
        d["id"]: (
            d["name"],
            d["short_name"],
            d["sector"],
            d["website"],
            d["sort_order"],
            [(t["id"], t["seq"], t["text"], t["basis"]) for t in d["duties"]],
        )
        for d in content["departments"]
    }
    departments_changed = sum(1 for i in published.keys() | working.keys() if published.get(i) != working.get(i))
    return UnpublishedChanges(
        version=version,
        matters_added=len(matters.added),
        matters_removed=len(matters.removed),
        matters_changed=len(matters.changed),
        departments_changed=departments_changed,
    )
