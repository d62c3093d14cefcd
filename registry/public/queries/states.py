"""The published state each page shows, for registry.public.cache.cached: what identifies it and
when it was last published."""

from datetime import datetime
from typing import Any

from registry.core.http import whole_number
from registry.public.cache import PageState
from registry.public.queries import versions
from registry.public.queries.departments import department_jurisdiction, published_report_parts, successions
from registry.public.queries.jurisdictions import JurisdictionRef, jurisdiction_ref, jurisdiction_ref_by_id
from registry.public.queries.matters import jurisdiction_of_matter
from registry.public.queries.reports import matter_report_parts
from registry.public.queries.volumes import published_volume_parts

# -- the published state each page shows (registry.public.cache.cached) ---------------------------


def _jurisdiction_parts(jref: JurisdictionRef, refs: list[versions.VersionRef]) -> tuple:
    # Which version is in force changes with the date too (a future-dated version taking effect).
    current = versions.in_force(refs)
    return (jref.code, jref.name, current.id if current else None, *(r.fingerprint + (r.withdrawn,) for r in refs))


def _last_published(refs: list[versions.VersionRef]) -> datetime | None:
    return max((r.published_at for r in refs), default=None)


def jurisdiction_state(code: str, **_: Any) -> PageState | None:
    """A page about one jurisdiction's published versions."""
    jref = jurisdiction_ref(code)
    if jref is None:
        return None
    refs = versions.version_refs(jref.id)
    return PageState((*_jurisdiction_parts(jref, refs), *published_volume_parts(jref.id)), _last_published(refs))


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
    refs = versions.version_refs(jref.id)
    # 机构改革 after publication: the page says who took over.
    moved = tuple((s["kind"], s["to_id"], s["to_name"], s["linked"]) for s in successions(department_id))
    parts = (*_jurisdiction_parts(jref, refs), *published_report_parts(department_id), *moved)
    return PageState(parts, _last_published(refs))


def matter_state(matter_id: Any, **_: Any) -> PageState | None:
    """A matter's page: its jurisdiction's versions and the published reports on it."""
    if (matter_id := _id(matter_id)) is None:
        return None
    jurisdiction_id = jurisdiction_of_matter(matter_id)
    if jurisdiction_id is None:
        return None
    refs = versions.version_refs(jurisdiction_id)
    parts = (*_jurisdiction_parts(jurisdiction_ref_by_id(jurisdiction_id), refs), *matter_report_parts(matter_id))
    return PageState(parts, _last_published(refs))


def version_file_state(code: str, label: str, **_: Any) -> PageState | None:
    """A download of one published version: it never changes."""
    jref = jurisdiction_ref(code)
    ref = versions.by_label(versions.version_refs(jref.id), label) if jref else None
    return PageState((ref.fingerprint,), ref.published_at) if ref else None


def everything_state(**_: Any) -> PageState:
    """A page about all published data (the API's lists and searches): it changes with any publication,
    and on the day a version published earlier takes effect."""
    return PageState(
        (*versions.global_fingerprint(), tuple(versions.superseded_in_index())), versions.latest_published_at()
    )


def search_state(**_: Any) -> PageState:
    """The search page: all published data, and the synonym table it reads (an edit of the table
    changes what a query finds)."""
    from registry.public import synonyms

    everything = everything_state()
    return PageState((*everything.parts, synonyms.fingerprint()), everything.last_modified)


def home_state(**_: Any) -> PageState:
    """The portal's home page: figures over all published data, as of today (a version taking effect,
    the year's reports)."""
    from registry.core.timezone import local_today

    everything = everything_state()
    return PageState((*everything.parts, local_today().isoformat()), everything.last_modified)
