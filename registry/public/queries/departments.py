"""A department as a published version shows it, and its published reports."""

from typing import Any

import orjson
from sqlalchemy import func, select

from registry.extensions import db
from registry.lists.models import DepartmentSuccession
from registry.public.cache import published, remembered, watch
from registry.public.models import SearchEntry
from registry.public.queries.jurisdictions import JurisdictionRef, jurisdiction_ref_by_id
from registry.public.queries.matters import _MATTER_COLUMNS, _matter_query, _matter_rows, matter_plain
from registry.public.queries.versions import VersionRef
from registry.versions.models import (
    ListVersion,
    VersionAssignment,
    VersionDepartment,
    VersionDuty,
    VersionMatter,
)

# Entered by an office, never edited: a new one changes the count and the newest id.
watch(DepartmentSuccession, func.count(DepartmentSuccession.id), func.max(DepartmentSuccession.id))


@published
def department_in_version(
    ref: VersionRef, department_id: int, jurisdiction: dict[str, str], *, cards: bool = False
) -> dict[str, Any] | None:
    """A department as a version froze it: duties, matters it leads, co-leads and cooperates on.
    With `cards`, the matters are their index entries' result cards when the version has them (what
    the page shows: no basis), read in one query."""

    d = db.session.scalar(
        select(VersionDepartment).where(
            VersionDepartment.version_id == ref.id, VersionDepartment.department_id == department_id
        )
    )
    if d is None:
        return None
    duties = db.session.scalars(
        select(VersionDuty)
        .where(VersionDuty.version_id == ref.id, VersionDuty.department_id == department_id)
        .order_by(VersionDuty.seq, VersionDuty.id)
    ).all()
    plain = _cards(ref.id, department_id) if cards else None
    if plain is None:
        matters = _matter_rows(
            _matter_query(ref.id, None, department_id, None)
            .with_only_columns(*_MATTER_COLUMNS)
            .order_by(VersionMatter.seq, VersionMatter.id)
        )
        plain = [matter_plain(m, jurisdiction, ref.label) for m in matters]
    return {
        "id": d.department_id,
        "name": d.name,
        "short_name": d.short_name,
        "sector": d.sector,
        "website": d.website,
        "jurisdiction": dict(jurisdiction),
        "version": ref.label,
        "duties": [{"seq": t.seq, "text": t.text, "basis": list(t.basis or [])} for t in duties],
        "leads": [m for m in plain if m["lead"] and m["lead"]["id"] == department_id],
        "co_leads": [m for m in plain if any(c["id"] == department_id for c in m["co_leads"])],
        "cooperates": [m for m in plain if any(c["id"] == department_id for c in m["cooperating"])],
    }


def _cards(version_id: int, department_id: int) -> list[dict[str, Any]] | None:
    """The result cards of the matters a department holds in a version, in list order; None when one
    has none (see department_in_version)."""
    held = select(VersionAssignment.version_matter_id).where(
        VersionAssignment.version_id == version_id, VersionAssignment.department_id == department_id
    )
    found = []
    for card in db.session.scalars(
        select(SearchEntry.card)
        .select_from(VersionMatter)
        .join(SearchEntry, SearchEntry.version_matter_id == VersionMatter.id, isouter=True)
        .where(VersionMatter.version_id == version_id, VersionMatter.id.in_(held))
        .order_by(VersionMatter.seq, VersionMatter.id)
    ):
        if card is None:
            return None
        found.append(orjson.loads(card))
    return found


def department_as_published(
    refs: list[VersionRef],
    current: VersionRef | None,
    department_id: int,
    jurisdiction: dict[str, str],
    *,
    cards: bool = False,
) -> dict[str, Any] | None:
    """A department as the version in force shows it, else as the newest version that has it (one
    abolished since); None when no published version has it. `cards`: see department_in_version."""
    for ref in ([current] if current else []) + [r for r in refs if r != current]:
        info = department_in_version(ref, department_id, jurisdiction, cards=cards)
        if info is not None:
            return info
    return None


@remembered
def department_jurisdiction(department_id: int) -> JurisdictionRef | None:
    """The jurisdiction of a department that appears in a published version."""
    jurisdiction_id = db.session.scalar(
        select(ListVersion.jurisdiction_id)
        .join(VersionDepartment, VersionDepartment.version_id == ListVersion.id)
        .where(VersionDepartment.department_id == department_id)
        .limit(1)
    )
    return jurisdiction_ref_by_id(jurisdiction_id) if jurisdiction_id else None


@remembered
def published_report_parts(department_id: int) -> tuple:
    """What identifies a department's published reports, for the page's ETag."""
    from registry.reports.queries import published_reports

    return tuple((r.id, r.pdf_sha256, str(r.published_at)) for r in published_reports(department_id))


def successions(department_id: int) -> list[dict[str, Any]]:
    """机构改革 since: who took over a department (merged, split) or its new name (renamed), as the
    public page says it. The successions are working data, part of the page's state (its ETag), and
    recorded the moment an office enters one (the table is watched: registry.public.cache); the public
    learns of one only once the jurisdiction's version in force has the successor (a rename: has it
    under a name other than the old one), and by the name that version gives it. Before that, nothing
    is said: the office pages show the working state."""
    from registry.public.queries.versions import in_force, version_refs

    jref = department_jurisdiction(department_id)
    current = in_force(version_refs(jref.id)) if jref is not None else None
    if current is None:
        return []
    return _successions(department_id, current.id)


@remembered
def _successions(department_id: int, current_id: int) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(DepartmentSuccession)
        .where(DepartmentSuccession.from_department_id == department_id)
        .order_by(DepartmentSuccession.created_at, DepartmentSuccession.id)
    ).all()
    if not rows:
        return []
    published_names = dict(
        db.session.execute(
            select(VersionDepartment.department_id, VersionDepartment.name).where(
                VersionDepartment.version_id == current_id,
                VersionDepartment.department_id.in_({row.to_department_id for row in rows}),
            )
        ).all()
    )
    shown, seen = [], set()
    for row in reversed(rows):  # the latest first: of two renames to the name in force, the later says it
        name = published_names.get(row.to_department_id)
        if name is None or (row.kind == "rename" and name == row.old_name):
            continue  # the version in force does not have the successor (or the new name) yet
        if (row.kind, row.to_department_id, name) in seen:
            continue  # renamed twice, both in force: the name in force once
        seen.add((row.kind, row.to_department_id, name))
        shown.append(
            {
                "kind": row.kind,
                "to_id": row.to_department_id,
                "to_name": name,
                # In the version in force, so it has a public page (a rename: this very page).
                "linked": row.kind != "rename",
                "effective_date": row.effective_date.isoformat() if row.effective_date else "",
                "doc_number": row.doc_number,
            }
        )
    return shown[::-1]
