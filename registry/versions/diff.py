"""Comparing two states of a jurisdiction's list: two published versions, or a version and the
working list. Matters are followed by their id, so a renamed matter is a rename, not a removal."""

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Role
from registry.versions.models import ListVersion, VersionMatter
from registry.versions.queries import frozen_content


@dataclass(frozen=True)
class MatterState:
    matter_id: int
    title: str
    category: str
    description: str
    status: str
    lead: tuple[int, str] | None  # (department id, name)
    cooperating: tuple[tuple[int, str], ...]
    co_leads: tuple[tuple[int, str], ...] = ()
    territorial: tuple[tuple[str, str], ...] = ()  # (code or "*", name)
    deadline_text: str = ""
    targets: tuple[str, ...] = ()  # as labels (指标≥值单位（力争…）)

    def plain(self) -> dict[str, Any]:
        return {
            "id": self.matter_id,
            "title": self.title,
            "category": self.category,
            "status": self.status,
            "lead": {"id": self.lead[0], "name": self.lead[1]} if self.lead else None,
            "co_leads": [{"id": i, "name": n} for i, n in self.co_leads],
            "cooperating": [{"id": i, "name": n} for i, n in self.cooperating],
            "territorial": [{"code": c, "name": n} for c, n in self.territorial],
            "deadline_text": self.deadline_text,
            "targets": list(self.targets),
        }


@dataclass
class MatterChange:
    old: MatterState
    new: MatterState
    renamed: bool
    lead_changed: bool
    cooperating_added: list[str]
    cooperating_removed: list[str]
    other_fields: list[str]  # category, description, status, co_leads, territorial, deadline, targets
    co_leads_added: list[str] = field(default_factory=list)
    co_leads_removed: list[str] = field(default_factory=list)

    def plain(self) -> dict[str, Any]:
        return {
            "id": self.new.matter_id,
            "old_title": self.old.title,
            "title": self.new.title,
            "renamed": self.renamed,
            "lead_changed": self.lead_changed,
            "old_lead": self.old.plain()["lead"],
            "new_lead": self.new.plain()["lead"],
            "cooperating_added": self.cooperating_added,
            "cooperating_removed": self.cooperating_removed,
            "co_leads_added": self.co_leads_added,
            "co_leads_removed": self.co_leads_removed,
            "old_territorial": self.old.plain()["territorial"],
            "territorial": self.new.plain()["territorial"],
            "old_deadline_text": self.old.deadline_text,
            "deadline_text": self.new.deadline_text,
            "old_targets": list(self.old.targets),
            "targets": list(self.new.targets),
            "other_fields": self.other_fields,
        }


@dataclass
class ListDiff:
    old_label: str
    new_label: str
    added: list[MatterState] = field(default_factory=list)
    removed: list[MatterState] = field(default_factory=list)
    changed: list[MatterChange] = field(default_factory=list)

    @property
    def lead_changes(self) -> list[MatterChange]:
        return [c for c in self.changed if c.lead_changed]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def plain(self) -> dict[str, Any]:
        return {
            "from": self.old_label,
            "to": self.new_label,
            "added": [m.plain() for m in self.added],
            "removed": [m.plain() for m in self.removed],
            "changed": [c.plain() for c in self.changed],
            "summary": {
                "added": len(self.added),
                "removed": len(self.removed),
                "changed": len(self.changed),
                "lead_changed": len(self.lead_changes),
            },
        }


# Shown where a comparison names its sides; the export file names keep exporting.WORKING_LABEL.
WORKING = lazy_gettext("工作清单")


def version_states(version: ListVersion) -> dict[int, MatterState]:
    """The matters of a published version, by matter id."""
    matters = db.session.scalars(
        select(VersionMatter)
        .where(VersionMatter.version_id == version.id)
        .options(selectinload(VersionMatter.assignments))
        .order_by(VersionMatter.seq, VersionMatter.id)
    ).all()
    states = {}
    for m in matters:
        lead = next(((a.department_id, a.department_name) for a in m.assignments if a.role == Role.LEAD), None)
        coop = tuple((a.department_id, a.department_name) for a in m.assignments if a.role == Role.COOPERATING)
        co_leads = tuple((a.department_id, a.department_name) for a in m.assignments if a.role == Role.CO_LEAD)
        states[m.matter_id] = MatterState(
            m.matter_id,
            m.title,
            m.category,
            m.description,
            m.status,
            lead,
            coop,
            co_leads,
            _territorial(m.territorial),
            m.deadline_text or "",
            _targets(m.targets),
        )
    return states


# Versions published before #14 hold no territorial implementers, deadline or targets: they read as none.


def _territorial(items: list[dict[str, Any]] | None) -> tuple[tuple[str, str], ...]:
    return tuple((str(t.get("code") or ""), str(t.get("name") or "")) for t in items or ())


def _targets(items: list[dict[str, Any]] | None) -> tuple[str, ...]:
    return tuple(target_label(t) for t in items or ())


def target_label(t: dict[str, Any]) -> str:
    """A target (MatterTarget.plain()) in words, as MatterTarget.label writes it."""

    def number(v: Any) -> str:
        return "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))

    label = f"{t.get('indicator', '')}{t.get('comparison', '')}{number(t.get('value'))}{t.get('unit', '')}"
    if t.get("stretch_value") is not None:
        label += f"（力争{number(t.get('stretch_value'))}{t.get('unit', '')}）"
    return label


def working_states(jurisdiction: Jurisdiction, content: dict[str, Any] | None = None) -> dict[int, MatterState]:
    """The matters of the working (unpublished) list, by matter id (from `content` when the caller
    already read it with frozen_content)."""
    states = {}
    for m in (content or frozen_content(jurisdiction))["matters"]:
        lead = next(((a["department_id"], a["name"]) for a in m["assignments"] if a["role"] == Role.LEAD), None)
        coop = tuple((a["department_id"], a["name"]) for a in m["assignments"] if a["role"] == Role.COOPERATING)
        co_leads = tuple((a["department_id"], a["name"]) for a in m["assignments"] if a["role"] == Role.CO_LEAD)
        states[m["id"]] = MatterState(
            m["id"],
            m["title"],
            m["category"],
            m["description"],
            m["status"],
            lead,
            coop,
            co_leads,
            _territorial(m["territorial"]),
            m["deadline_text"],
            _targets(m["targets"]),
        )
    return states


def compare(old: dict[int, MatterState], new: dict[int, MatterState], old_label: str, new_label: str) -> ListDiff:
    """What changed from old to new."""
    diff = ListDiff(old_label, new_label)
    diff.added = [new[i] for i in new if i not in old]
    diff.removed = [old[i] for i in old if i not in new]
    for i in new:
        if i not in old or old[i] == new[i]:
            continue
        a, b = old[i], new[i]
        old_coop, new_coop = dict(a.cooperating), dict(b.cooperating)
        old_co, new_co = dict(a.co_leads), dict(b.co_leads)
        details = {
            "co_leads": [d for d, _n in a.co_leads] != [d for d, _n in b.co_leads],
            "territorial": [c for c, _n in a.territorial] != [c for c, _n in b.territorial],
            "deadline": a.deadline_text != b.deadline_text,
            "targets": a.targets != b.targets,
        }
        diff.changed.append(
            MatterChange(
                old=a,
                new=b,
                renamed=a.title != b.title,
                lead_changed=(a.lead[0] if a.lead else None) != (b.lead[0] if b.lead else None),
                cooperating_added=[n for d, n in b.cooperating if d not in old_coop],
                cooperating_removed=[n for d, n in a.cooperating if d not in new_coop],
                other_fields=[f for f in ("category", "description", "status") if getattr(a, f) != getattr(b, f)]
                + [f for f, changed in details.items() if changed],
                co_leads_added=[n for d, n in b.co_leads if d not in old_co],
                co_leads_removed=[n for d, n in a.co_leads if d not in new_co],
            )
        )
    return diff


def compare_versions(old: ListVersion, new: ListVersion) -> ListDiff:
    """Compare two published versions of the same jurisdiction."""
    return compare(version_states(old), version_states(new), old.label, new.label)


def compare_with_working(version: ListVersion, jurisdiction: Jurisdiction) -> ListDiff:
    """Compare a published version with the working list."""
    return compare(version_states(version), working_states(jurisdiction), version.label, WORKING)
