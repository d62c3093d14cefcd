"""Published versions as the public reads them: refs, the one in force, overviews, diffs, files."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select

from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.public.cache import publication_token, published, remembered, watch
from registry.public.models import SearchEntry, VersionOverview
from registry.reports.models import AnnualReport, ReportState
from registry.versions.diff import compare_versions
from registry.versions.models import (
    ListVersion,
    VersionAssignment,
    VersionDepartment,
    VersionMatter,
    VersionWithdrawal,
)
from registry.versions.queries import in_force_ids, pick_in_force

# What the public sees changes with these tables (registry.public.cache.watch): the token is made of
# these aggregates, read at most once a second per process.
watch(ListVersion, func.count(ListVersion.id), func.max(ListVersion.id), func.max(ListVersion.published_at))
watch(VersionWithdrawal, func.count(VersionWithdrawal.id))
# The index gains a version's entries when it is published, or when `reindex-search` adds the
# versions still to take effect (a later one has higher entry ids); the primary key makes it cheap.
watch(SearchEntry, func.max(SearchEntry.version_matter_id))
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
def _every_version_ref() -> dict[int, list[VersionRef]]:
    """Every published version by jurisdiction, newest first: one query a publication."""
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
        .order_by(ListVersion.jurisdiction_id, ListVersion.seq.desc())
    ).all()
    found: dict[int, list[VersionRef]] = {}
    for row in rows:
        found.setdefault(row.jurisdiction_id, []).append(VersionRef(*row))
    return found


def version_refs(jurisdiction_id: int) -> list[VersionRef]:
    """A jurisdiction's published versions, newest first (don't change the list: it is shared)."""
    return _every_version_ref().get(jurisdiction_id, [])


def in_force(refs: list[VersionRef], on_date: date | None = None) -> VersionRef | None:
    """The version in force on a date (default today), among a jurisdiction's cached refs."""
    return pick_in_force(refs, on_date or local_today())


def superseded_in_index() -> list[int]:
    """Ids of versions the search index holds that are not in force today: the index keeps the versions
    still to come into force beside the one in force, so that the day a version takes effect, pages,
    API and search switch to it together, with no reindex. Usually empty."""
    return _superseded_in_index(local_today())


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


def overview_of(ex: Any, version_id: int) -> dict[str, Any]:
    """A version's departments (with their matter counts) and categories, as its page shows them:
    two plain queries through `ex` (a session or a connection). The index keeps the result of the
    versions it holds (VersionOverview); version_overview reads that."""

    def role_count(role: str):
        return func.count(case((VersionAssignment.role == role, 1)))

    departments = ex.execute(
        select(
            VersionDepartment.department_id,
            VersionDepartment.name,
            VersionDepartment.short_name,
            VersionDepartment.sector,
            VersionDepartment.website,
            role_count("lead"),
            role_count("cooperating"),
            role_count("co_lead"),
        )
        .outerjoin(
            VersionAssignment,
            # the (department, version, role) index serves the join
            (VersionAssignment.department_id == VersionDepartment.department_id)
            & (VersionAssignment.version_id == VersionDepartment.version_id),
        )
        .where(VersionDepartment.version_id == version_id)
        .group_by(VersionDepartment.id)
        .order_by(VersionDepartment.sort_order, VersionDepartment.id)
    ).all()
    categories = ex.execute(
        select(
            VersionMatter.category,
            func.count(),
            func.count(case((VersionMatter.status == "pending", 1))),
            func.min(VersionMatter.seq),
        )
        .where(VersionMatter.version_id == version_id)
        .group_by(VersionMatter.category)
        .order_by(func.min(VersionMatter.seq))
    ).all()
    keys = ("id", "name", "short_name", "sector", "website", "lead_count", "cooperating_count", "co_lead_count")
    return {
        "departments": [dict(zip(keys, row, strict=True)) for row in departments],
        "categories": [{"name": c, "count": n} for c, n, _, _ in categories],
        "pending": sum(pending for _, _, pending, _ in categories),
    }


@published
def version_overview(ref: VersionRef) -> dict[str, Any]:
    """A version's departments (with their matter counts), categories and list-wide rules: one query
    when the index keeps the version's overview, else three."""
    kept, defaults = db.session.execute(
        select(VersionOverview.body, ListVersion.defaults)
        .outerjoin(VersionOverview, VersionOverview.version_id == ListVersion.id)
        .where(ListVersion.id == ref.id)
    ).one()
    overview = json.loads(kept) if kept else overview_of(db.session, ref.id)
    overview["defaults"] = _defaults(defaults)
    return overview


def _defaults(defaults: Any) -> list[dict[str, Any]]:
    """The list-wide rules a version states once (以下均需…落实), their territorial implementers named."""
    from registry.lists.territorial import published_territorial

    return [
        {"text": d.get("text", ""), "territorial": published_territorial(d.get("territorial"))}
        for d in defaults or []
        if isinstance(d, dict)
    ]


@published
def version_diff(old: VersionRef, new: VersionRef) -> dict[str, Any]:
    """compare_versions as plain data, with how many matters changed their cooperating departments."""

    diff = compare_versions(db.session.get(ListVersion, old.id), db.session.get(ListVersion, new.id)).plain()
    diff["summary"]["cooperating_changed"] = sum(
        1 for c in diff["changed"] if c["cooperating_added"] or c["cooperating_removed"]
    )
    return diff


def global_fingerprint() -> tuple:
    """Changes whenever any version is published or withdrawn or a jurisdiction is added: the
    database part of the publication token (no query while the token is fresh)."""
    return publication_token()[1]


def latest_published_at():
    return publication_token()[1][2]


@published
def version_file(ref: VersionRef, fmt: str, source_url: str = "") -> tuple[bytes, str, str]:
    """A published version as a download: (content, file name, MIME type); source_url is the
    version's public page, which an XLSX names in its 说明 sheet."""
    from registry.versions.exporting import export_list

    version = db.session.get(ListVersion, ref.id)
    return export_list(version.jurisdiction, fmt, version, source_url)
