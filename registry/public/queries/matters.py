"""Matters as the public reads them: pages of a version, the matters in force, histories, the API listing."""

from types import SimpleNamespace
from typing import Any

import orjson
from sqlalchemy import func, select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import STATUS_LABELS, Role
from registry.public.cache import published, remembered, remembered_each
from registry.public.models import SearchEntry
from registry.public.queries.jurisdictions import JurisdictionRef, jurisdiction_plain
from registry.public.queries.versions import VersionRef, superseded_in_index, version_plain
from registry.versions.models import (
    ListVersion,
    VersionAssignment,
    VersionMatter,
)

# -- matters ---------------------------------------------------------------------------------------


def _party(a: VersionAssignment) -> dict[str, Any]:
    return {"id": a.department_id, "name": a.department_name, "short_name": a.department_short_name}


def matter_plain(m: Any, jurisdiction: dict[str, str], label: str) -> dict[str, Any]:
    """A matter as the API and the pages show it (the API's shape plus seq and delegation)."""
    lead = next((a for a in m.assignments if a.role == Role.LEAD), None)
    return {
        "id": m.matter_id,
        "title": m.title,
        "category": m.category,
        "description": m.description,
        "status": m.status,
        "lead": _party(lead) if lead else None,
        "co_leads": [_party(a) for a in m.assignments if a.role == Role.CO_LEAD],
        "cooperating": [_party(a) for a in m.assignments if a.role == Role.COOPERATING],
        "basis": list(m.basis or []),
        # Versions published before #14 hold none of these: they read as empty.
        "territorial": list(getattr(m, "territorial", None) or []),
        "deadline": _deadline(getattr(m, "deadline_text", ""), getattr(m, "deadline", None)),
        "targets": list(getattr(m, "targets", None) or []),
        "jurisdiction": dict(jurisdiction),
        "version": label,
        "seq": m.seq,
        "status_label": STATUS_LABELS.get(m.status, m.status),
        "delegated_to": {"code": m.delegated_to_code, "name": m.delegated_to_name} if m.delegated_to_name else None,
    }


def _deadline(text: str | None, on: Any) -> dict[str, Any] | None:
    """完成时限 as published: the text as written and the date it names (None when it names none)."""
    if not text:
        return None
    return {"text": text, "date": on.isoformat() if on is not None else None}


API_MATTER_KEYS = (
    "id",
    "title",
    "category",
    "description",
    "status",
    "lead",
    "co_leads",
    "cooperating",
    "territorial",
    "deadline",
    "targets",
    "basis",
    "jurisdiction",
    "version",
)


_API_EMPTY = {"co_leads": [], "territorial": [], "deadline": None, "targets": []}


def api_matter(matter: dict[str, Any]) -> dict[str, Any]:
    return {k: matter[k] if k in matter else _API_EMPTY.get(k) for k in API_MATTER_KEYS}


_MATTER_COLUMNS = (
    VersionMatter.id,
    VersionMatter.version_id,
    VersionMatter.matter_id,
    VersionMatter.seq,
    VersionMatter.category,
    VersionMatter.title,
    VersionMatter.description,
    VersionMatter.status,
    VersionMatter.delegated_to_code,
    VersionMatter.delegated_to_name,
    VersionMatter.basis,
    VersionMatter.territorial,
    VersionMatter.deadline_text,
    VersionMatter.deadline,
    VersionMatter.targets,
)


def _matter_rows(query) -> list[SimpleNamespace]:
    """Version matters with their assignments as light rows, for matter_plain (two core queries: no
    ORM objects to hydrate and track). `query` selects _MATTER_COLUMNS, possibly more."""
    matters = [SimpleNamespace(**row._mapping, assignments=[]) for row in db.session.execute(query)]
    by_id = {m.id: m for m in matters}
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        for a in db.session.execute(
            select(
                VersionAssignment.version_matter_id,
                VersionAssignment.role,
                VersionAssignment.department_id,
                VersionAssignment.department_name,
                VersionAssignment.department_short_name,
            )
            .where(VersionAssignment.version_matter_id.in_(ids[start : start + 500]))
            .order_by(VersionAssignment.version_matter_id, VersionAssignment.position, VersionAssignment.id)
        ):
            by_id[a.version_matter_id].assignments.append(a)
    return matters


def _matter_query(ref_id: int, category: str | None, department_id: int | None, role: str | None):
    query = select(VersionMatter).where(VersionMatter.version_id == ref_id)
    if category:
        query = query.where(VersionMatter.category == category)
    if department_id is not None:
        held = select(VersionAssignment.version_matter_id).where(
            VersionAssignment.version_id == ref_id, VersionAssignment.department_id == department_id
        )
        if role:
            held = held.where(VersionAssignment.role == role)
        query = query.where(VersionMatter.id.in_(held))
    return query


@published
def version_matters(
    ref: VersionRef,
    jurisdiction: dict[str, str],
    *,
    category: str | None = None,
    department_id: int | None = None,
    role: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """One page of a version's matters, filtered: {"items", "total"}."""

    query = _matter_query(ref.id, category, department_id, role)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    matters = _matter_rows(
        query.with_only_columns(*_MATTER_COLUMNS)
        .order_by(VersionMatter.seq, VersionMatter.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return {"items": [matter_plain(m, jurisdiction, ref.label) for m in matters], "total": total}


@published
def version_matter_cards(
    ref: VersionRef,
    jurisdiction: dict[str, str],
    *,
    category: str | None = None,
    department_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """One page of a version's matters as their index entries' result cards (what the page shows,
    kept as JSON when the version was indexed): one query for the page, one for the total — no rows
    to assemble. When some matter of the page has no card (a version no longer in the index, or
    indexed before cards existed), version_matters, the long way."""
    query = _matter_query(ref.id, category, department_id, None)
    if category is None and department_id is None:
        total = ref.matter_count
    else:
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.with_only_columns(SearchEntry.card)
        .select_from(VersionMatter)
        .join(SearchEntry, SearchEntry.version_matter_id == VersionMatter.id, isouter=True)
        .order_by(VersionMatter.seq, VersionMatter.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).scalars()
    items = []
    for card in rows:
        if card is None:
            return version_matters(
                ref, jurisdiction, category=category, department_id=department_id, page=page, per_page=per_page
            )
        plain = orjson.loads(card)
        plain["status_label"] = STATUS_LABELS.get(plain["status"], plain["status"])
        items.append(plain)
    return {"items": items, "total": total}


def matters_by_version_matter_ids(ids: list[int]) -> list[dict[str, Any]]:
    """Matters by version-matter id, in the order given (for search results)."""
    if not ids:
        return []
    by_id = _matters_by_id(ids)
    return [by_id[i] for i in ids if i in by_id]


def search_results(ids: list[int]) -> list[dict[str, Any]]:
    """Search results by version-matter id, in the order given: the cards kept in the index (no basis)."""
    if not ids:
        return []
    by_id = _cards(ids)
    return [by_id[i] for i in ids if i in by_id]


@remembered_each
def _cards(ids: list[int]) -> dict[int, dict[str, Any]]:
    from registry.public.search import cards

    found = cards(ids)
    if missing := [i for i in ids if i not in found]:  # indexed before cards existed
        found.update(_matters_by_id(missing))
    return found


@remembered_each
def _matters_by_id(ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = _matter_rows(
        select(
            *_MATTER_COLUMNS,
            ListVersion.label.label("version_label"),
            Jurisdiction.code.label("jurisdiction_code"),
            Jurisdiction.name.label("jurisdiction_name"),
        )
        .join(ListVersion, ListVersion.id == VersionMatter.version_id)
        .join(Jurisdiction, Jurisdiction.id == ListVersion.jurisdiction_id)
        .where(VersionMatter.id.in_(ids))
    )
    return {
        m.id: matter_plain(m, {"code": m.jurisdiction_code, "name": m.jurisdiction_name}, m.version_label) for m in rows
    }


def _current(query):
    """The query's index entries less those of versions not (or no longer) in force."""
    superseded = superseded_in_index()
    return query.where(SearchEntry.version_id.not_in(superseded)) if superseded else query


def in_force_matters(
    *,
    jurisdiction_id: int | None = None,
    department_id: int | None = None,
    role: str | None = None,
    category: str | None = None,
    matching: Any = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[int], int]:
    """Version-matter ids of the matters in force (all jurisdictions or one), filtered, and the total.

    The search index holds exactly the matters in force, so it serves as their list."""
    query = _current(select(SearchEntry.version_matter_id))
    if jurisdiction_id is not None:
        query = query.where(SearchEntry.jurisdiction_id == jurisdiction_id)
    if matching is not None:
        query = query.where(SearchEntry.version_matter_id.in_(matching))
    if category:
        query = query.join(VersionMatter, VersionMatter.id == SearchEntry.version_matter_id).where(
            VersionMatter.category == category
        )
    if department_id is not None:
        held = select(VersionAssignment.version_matter_id).where(VersionAssignment.department_id == department_id)
        if role:
            held = held.where(VersionAssignment.role == role)
        query = query.where(SearchEntry.version_matter_id.in_(held))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    ids = list(db.session.scalars(query.order_by(SearchEntry.version_matter_id).limit(limit).offset(offset)))
    return ids, total


def in_force_matter_ref(matter_id: int) -> tuple[int, int] | None:
    """(jurisdiction id, version-matter id) of a matter in the version in force, if it is in one."""
    row = db.session.execute(
        _current(
            select(SearchEntry.jurisdiction_id, SearchEntry.version_matter_id).where(SearchEntry.matter_id == matter_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


@remembered
def jurisdiction_of_matter(matter_id: int) -> int | None:
    """The jurisdiction of a matter that appears in any published version."""
    in_force = db.session.scalar(
        _current(select(SearchEntry.jurisdiction_id).where(SearchEntry.matter_id == matter_id)).limit(1)
    )
    if in_force is not None:
        return in_force
    return db.session.scalar(
        select(ListVersion.jurisdiction_id)
        .join(VersionMatter, VersionMatter.version_id == ListVersion.id)
        .where(VersionMatter.matter_id == matter_id)
        .limit(1)
    )


@published
def matter_history(refs: list[VersionRef], matter_id: int, jurisdiction: dict[str, str]) -> list[dict[str, Any]]:
    """The matter as each published version froze it, oldest first, with what changed from the
    previous version that held it."""

    by_version = {
        m.version_id: m
        for m in _matter_rows(
            select(*_MATTER_COLUMNS).where(
                VersionMatter.matter_id == matter_id, VersionMatter.version_id.in_([r.id for r in refs])
            )
        )
    }
    history, previous = [], None
    for ref in sorted(refs, key=lambda r: r.seq):
        m = by_version.get(ref.id)
        state = matter_plain(m, jurisdiction, ref.label) if m else None
        entry = {"version": version_plain(ref), "matter": state, "previous": previous, "changes": []}
        if state is None and previous is not None:
            entry["changes"] = ["removed"]
        elif state is not None and previous is None:
            entry["changes"] = ["added"] if history else []
        elif state is not None:
            entry["changes"] = _changes(previous, state)
        if state is not None or previous is not None:
            history.append(entry)
        previous = state
    return history


def _changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    changes = []
    if (old["lead"] or {}).get("id") != (new["lead"] or {}).get("id"):
        changes.append("lead")
    if [c["id"] for c in old["cooperating"]] != [c["id"] for c in new["cooperating"]]:
        changes.append("cooperating")
    if [c["id"] for c in old["co_leads"]] != [c["id"] for c in new["co_leads"]]:
        changes.append("co_leads")
    for field in ("title", "category", "description", "status", "basis", "territorial", "deadline", "targets"):
        if old[field] != new[field]:
            changes.append(field)
    return changes


def api_matters(
    j: JurisdictionRef | None,
    ref: VersionRef | None,
    *,
    q: str,
    category: str | None,
    department_id: int | None,
    role: str | None,
    page: int,
    per_page: int,
) -> tuple[list[dict[str, Any]], int]:
    """The API's matter listing: a version's matters (ref), a search (q), or the matters in force,
    filtered; (items as the API gives them, total)."""
    from registry.public import search

    offset = (page - 1) * per_page
    if ref is not None:
        result = version_matters(
            ref,
            jurisdiction_plain(j),
            category=category,
            department_id=department_id,
            role=role,
            page=page,
            per_page=per_page,
        )
        return [api_matter(m) for m in result["items"]], result["total"]
    if q and not (category or department_id):
        hits = search.search_ids(q, j.id if j else None, offset=offset, limit=per_page)
        ids, total = hits.version_matter_ids, hits.total
    else:
        ids, total = in_force_matters(
            jurisdiction_id=j.id if j else None,
            department_id=department_id,
            role=role,
            category=category,
            matching=search.matching_ids(q, j.id if j else None) if q else None,
            offset=offset,
            limit=per_page,
        )
    return [api_matter(m) for m in matters_by_version_matter_ids(ids)], total
