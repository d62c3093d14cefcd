"""What the public reads: published versions only, as plain dicts, and the published state each page
shows (`*_state`, for registry.public.cache.cached). How they are cached: registry.public.cache."""

from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select

from registry.core.http import whole_number
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import STATUS_LABELS, Role
from registry.public.cache import PageState, publication_token, published, remembered, watch
from registry.public.models import SearchEntry
from registry.reports.models import AnnualReport, ReportState
from registry.versions.diff import compare_versions
from registry.versions.models import (
    ListVersion,
    VersionAssignment,
    VersionDepartment,
    VersionDuty,
    VersionMatter,
    VersionWithdrawal,
)
from registry.versions.queries import in_force_ids, pick_in_force

# What the public sees changes with these tables (registry.public.cache.watch): the token is made of
# these aggregates, read at most once a second per process.
watch(ListVersion, func.count(ListVersion.id), func.max(ListVersion.id), func.max(ListVersion.published_at))
watch(VersionWithdrawal, func.count(VersionWithdrawal.id))
watch(Jurisdiction, func.count(Jurisdiction.id), func.max(Jurisdiction.id))
watch(
    AnnualReport,
    func.count(AnnualReport.id).filter(AnnualReport.state == ReportState.PUBLISHED),
    func.max(AnnualReport.published_at),
)


# -- versions --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRef:
    id: int
    jurisdiction_id: int
    seq: int
    label: str
    doc_number: str
    effective_date: date
    publisher: str
    published_at: datetime
    checksum: str
    matter_count: int
    withdrawn: bool

    @property
    def fingerprint(self) -> tuple:
        return (self.id, self.checksum, self.published_at.isoformat(), self.label)


@remembered
def version_refs(jurisdiction_id: int) -> list[VersionRef]:
    """A jurisdiction's published versions, newest first."""
    rows = db.session.execute(
        select(
            ListVersion.id,
            ListVersion.jurisdiction_id,
            ListVersion.seq,
            ListVersion.label,
            ListVersion.doc_number,
            ListVersion.effective_date,
            ListVersion.publisher,
            ListVersion.published_at,
            ListVersion.checksum,
            ListVersion.matter_count,
            VersionWithdrawal.id.is_not(None),
        )
        .outerjoin(VersionWithdrawal, VersionWithdrawal.version_id == ListVersion.id)
        .where(ListVersion.jurisdiction_id == jurisdiction_id)
        .order_by(ListVersion.seq.desc())
    ).all()
    return [VersionRef(*row) for row in rows]


def in_force(refs: list[VersionRef], on_date: date | None = None) -> VersionRef | None:
    """The version in force on a date (default today), among a jurisdiction's cached refs."""
    return pick_in_force(refs, on_date or date.today())


def superseded_in_index() -> list[int]:
    """Ids of versions the search index holds that are not in force today: the index keeps the versions
    still to come into force beside the one in force, so that the day a version takes effect, pages,
    API and search switch to it together, with no reindex. Usually empty."""
    return _superseded_in_index(date.today())


@remembered
def _superseded_in_index(today: date) -> list[int]:
    indexed = db.session.execute(select(SearchEntry.jurisdiction_id, SearchEntry.version_id).distinct()).all()
    current = in_force_ids(today, {j for j, _ in indexed})
    return sorted(v for j, v in indexed if current.get(j) != v)


def by_label(refs: list[VersionRef], label: str) -> VersionRef | None:
    return next((r for r in refs if r.label == label), None)


def version_plain(ref: VersionRef) -> dict[str, Any]:
    return {
        "label": ref.label,
        "doc_number": ref.doc_number,
        "effective_date": ref.effective_date.isoformat(),
        "publisher": ref.publisher,
        "published_at": ref.published_at.isoformat(),
        "matter_count": ref.matter_count,
        "checksum": ref.checksum,
        "withdrawn": ref.withdrawn,
    }


# -- jurisdictions ---------------------------------------------------------------------------------


def jurisdiction_by_code(code: str) -> Jurisdiction | None:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


@dataclass(frozen=True)
class JurisdictionRef:
    """What a request needs of a jurisdiction before it knows whether to render."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None

    def load(self) -> Jurisdiction:
        """The ORM object, for rendering (templates walk its parents and children)."""
        return db.session.get(Jurisdiction, self.id)


_JURISDICTION_COLUMNS = (
    Jurisdiction.id,
    Jurisdiction.code,
    Jurisdiction.name,
    Jurisdiction.level,
    Jurisdiction.parent_id,
)


@remembered
def jurisdiction_ref(code: str) -> JurisdictionRef | None:
    """A jurisdiction by code (cached under the publication token)."""

    row = db.session.execute(select(*_JURISDICTION_COLUMNS).where(Jurisdiction.code == code)).first()
    return JurisdictionRef(*row) if row else None


def ancestor_refs(jurisdiction_id: int) -> list[JurisdictionRef]:
    """Parents from the nearest up to the root, like Jurisdiction.ancestors()."""
    result: list[JurisdictionRef] = []
    node = jurisdiction_ref_by_id(jurisdiction_id)
    while node is not None and node.parent_id is not None and len(result) < 16:
        node = jurisdiction_ref_by_id(node.parent_id)
        if node is not None:
            result.append(node)
    return result


@remembered
def jurisdiction_ref_by_id(jurisdiction_id: int) -> JurisdictionRef | None:
    row = db.session.execute(select(*_JURISDICTION_COLUMNS).where(Jurisdiction.id == jurisdiction_id)).first()
    return JurisdictionRef(*row) if row else None


def jurisdiction_tree() -> list[dict[str, Any]]:
    """Every jurisdiction with its depth and whether it has a published version, parents first."""
    rows = db.session.execute(
        select(Jurisdiction.id, Jurisdiction.code, Jurisdiction.name, Jurisdiction.level, Jurisdiction.parent_id)
    ).all()
    published = set(db.session.scalars(select(ListVersion.jurisdiction_id).distinct()))
    children: dict[int | None, list] = {}
    for row in sorted(rows, key=lambda r: r.code):
        children.setdefault(row.parent_id, []).append(row)
    result: list[dict[str, Any]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for r in children.get(parent_id, []):
            result.append(
                {
                    "id": r.id,
                    "code": r.code,
                    "name": r.name,
                    "level": r.level,
                    "depth": depth,
                    "published": r.id in published,
                }
            )
            walk(r.id, depth + 1)

    walk(None, 0)
    return result


def jurisdiction_plain(j: Jurisdiction) -> dict[str, str]:
    return {"code": j.code, "name": j.name}


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
        "cooperating": [_party(a) for a in m.assignments if a.role == Role.COOPERATING],
        "basis": list(m.basis or []),
        "jurisdiction": dict(jurisdiction),
        "version": label,
        "seq": m.seq,
        "status_label": STATUS_LABELS.get(m.status, m.status),
        "delegated_to": {"code": m.delegated_to_code, "name": m.delegated_to_name} if m.delegated_to_code else None,
    }


API_MATTER_KEYS = (
    "id",
    "title",
    "category",
    "description",
    "status",
    "lead",
    "cooperating",
    "basis",
    "jurisdiction",
    "version",
)


def api_matter(matter: dict[str, Any]) -> dict[str, Any]:
    return {k: matter[k] for k in API_MATTER_KEYS}


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


def matters_by_version_matter_ids(ids: list[int]) -> list[dict[str, Any]]:
    """Matters by version-matter id, in the order given (for search results)."""
    if not ids:
        return []
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
    by_id = {
        m.id: matter_plain(m, {"code": m.jurisdiction_code, "name": m.jurisdiction_name}, m.version_label) for m in rows
    }
    return [by_id[i] for i in ids if i in by_id]


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
def version_overview(ref: VersionRef) -> dict[str, Any]:
    """A version's departments (with their matter counts) and categories."""

    departments = db.session.scalars(
        select(VersionDepartment)
        .where(VersionDepartment.version_id == ref.id)
        .order_by(VersionDepartment.sort_order, VersionDepartment.id)
    ).all()
    counts: dict[tuple[int, str], int] = {
        (d, r): n
        for d, r, n in db.session.execute(
            select(VersionAssignment.department_id, VersionAssignment.role, func.count())
            .where(
                VersionAssignment.version_id == ref.id,
                # Only these are shown; and it lets the (department, version, role) index serve.
                VersionAssignment.department_id.in_([d.department_id for d in departments]),
            )
            .group_by(VersionAssignment.department_id, VersionAssignment.role)
        )
    }
    categories = db.session.execute(
        select(VersionMatter.category, func.count(), func.min(VersionMatter.seq))
        .where(VersionMatter.version_id == ref.id)
        .group_by(VersionMatter.category)
        .order_by(func.min(VersionMatter.seq))
    ).all()
    pending = db.session.scalar(
        select(func.count())
        .select_from(VersionMatter)
        .where(VersionMatter.version_id == ref.id, VersionMatter.status == "pending")
    )
    return {
        "departments": [
            {
                "id": d.department_id,
                "name": d.name,
                "short_name": d.short_name,
                "sector": d.sector,
                "website": d.website,
                "lead_count": counts.get((d.department_id, "lead"), 0),
                "cooperating_count": counts.get((d.department_id, "cooperating"), 0),
            }
            for d in departments
        ],
        "categories": [{"name": c, "count": n} for c, n, _ in categories],
        "pending": pending,
    }


@published
def department_in_version(ref: VersionRef, department_id: int, jurisdiction: dict[str, str]) -> dict[str, Any] | None:
    """A department as a version froze it: duties, matters it leads, matters it cooperates on."""

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
        "cooperates": [m for m in plain if any(c["id"] == department_id for c in m["cooperating"])],
    }


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
    for field in ("title", "category", "description", "status", "basis"):
        if old[field] != new[field]:
            changes.append(field)
    return changes


@published
def version_diff(old: VersionRef, new: VersionRef) -> dict[str, Any]:
    """compare_versions as plain data."""

    return compare_versions(db.session.get(ListVersion, old.id), db.session.get(ListVersion, new.id)).plain()


def global_fingerprint() -> tuple:
    """Changes whenever any version is published or withdrawn or a jurisdiction is added: the
    database part of the publication token (no query while the token is fresh)."""
    return publication_token()[1]


def latest_published_at():
    return publication_token()[1][2]


@published
def version_file(ref: VersionRef, fmt: str) -> tuple[bytes, str, str]:
    """A published version as a download: (content, file name, MIME type)."""
    from registry.versions.exporting import export_list

    version = db.session.get(ListVersion, ref.id)
    return export_list(version.jurisdiction, fmt, version)


# -- the published state each page shows (registry.public.cache.cached) ---------------------------


def _jurisdiction_parts(jref: JurisdictionRef, refs: list[VersionRef]) -> tuple:
    # Which version is in force changes with the date too (a future-dated version taking effect).
    current = in_force(refs)
    return (jref.code, jref.name, current.id if current else None, *(r.fingerprint + (r.withdrawn,) for r in refs))


def _last_published(refs: list[VersionRef]) -> datetime | None:
    return max((r.published_at for r in refs), default=None)


def jurisdiction_state(code: str, **_: Any) -> PageState | None:
    """A page about one jurisdiction's published versions."""
    jref = jurisdiction_ref(code)
    if jref is None:
        return None
    refs = version_refs(jref.id)
    return PageState(_jurisdiction_parts(jref, refs), _last_published(refs))


def _id(value: Any) -> int | None:
    # Pages get ids from the URL converter, the API as text it checks itself (None: let it answer).
    return value if isinstance(value, int) else whole_number(str(value), low=0)


def department_state(department_id: Any, **_: Any) -> PageState | None:
    """A department's page: its jurisdiction's versions and its published reports."""
    if (department_id := _id(department_id)) is None:
        return None
    jref = department_jurisdiction(department_id)
    if jref is None:
        return None
    refs = version_refs(jref.id)
    return PageState((*_jurisdiction_parts(jref, refs), *published_report_parts(department_id)), _last_published(refs))


def matter_state(matter_id: Any, **_: Any) -> PageState | None:
    """A matter's page: its jurisdiction's versions."""
    if (matter_id := _id(matter_id)) is None:
        return None
    jurisdiction_id = jurisdiction_of_matter(matter_id)
    if jurisdiction_id is None:
        return None
    refs = version_refs(jurisdiction_id)
    return PageState(_jurisdiction_parts(jurisdiction_ref_by_id(jurisdiction_id), refs), _last_published(refs))


def version_file_state(code: str, label: str, **_: Any) -> PageState | None:
    """A download of one published version: it never changes."""
    jref = jurisdiction_ref(code)
    ref = by_label(version_refs(jref.id), label) if jref else None
    return PageState((ref.fingerprint,), ref.published_at) if ref else None


def everything_state(**_: Any) -> PageState:
    """A page about all published data (the API's lists and searches): it changes with any publication,
    and on the day a version published earlier takes effect."""
    return PageState((*global_fingerprint(), tuple(superseded_in_index())), latest_published_at())


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
