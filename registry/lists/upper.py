"""Following the upper list (上级清单): which published version of its parent's list a jurisdiction's
working list follows (UpperFollow), what moved in the parent's list since, which of its own matters
correspond to each moved matter, and the office's answers: take over the parent's new wording, mark a
change reviewed, follow the newer version. Every answer is audited in the caller's transaction.

Correspondence: a matter linked to the upper matter (Matter.upper_matter_id) corresponds to it;
without a link, a matter of the same category whose title (or title and text) is alike enough —
the Dice coefficient of their character bigrams at least SIMILAR."""

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.core import audit
from registry.core.audit import Actor, AuditEntry
from registry.core.errors import DomainError, refuse
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Matter, UpperFollow
from registry.lists.services.common import _touch
from registry.lists.services.matters import matter_text_problems
from registry.versions.diff import MatterState, compare_versions
from registry.versions.models import ListVersion, VersionWithdrawal

# Two texts whose character bigrams overlap this much (Dice: 2·|A∩B| / (|A|+|B|)) are taken to speak
# of the same matter. 城市黑臭水体治理 / 城市内河黑臭水体长治久清 score 0.47; unrelated matters of
# one category rarely pass 0.2.
SIMILAR = 0.3
# The fields of a matter whose wording a lower list takes over from the upper one.
WORDING = ("title", "category", "description")
WORDING_LABELS = {"title": _l("名称"), "category": _l("事项类别"), "description": _l("责任内容")}

_NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of a text, punctuation and blanks left out (a lone character: itself)."""
    plain = _NOT_TEXT.sub("", text or "")
    if len(plain) < 2:
        return frozenset([plain]) if plain else frozenset()
    return frozenset(plain[i : i + 2] for i in range(len(plain) - 1))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def similarity(title_a: str, text_a: str, title_b: str, text_b: str) -> float:
    """How alike two matters read: their titles, or their titles with their texts, whichever is closer."""
    return max(
        dice(bigrams(title_a), bigrams(title_b)),
        dice(bigrams(title_a + text_a), bigrams(title_b + text_b)),
    )


# -- which version is followed ----------------------------------------------------------------------


def parent_latest(jurisdiction: Jurisdiction) -> ListVersion | None:
    """The parent's most recent published version that is not withdrawn (None: no parent, or none yet)."""
    if jurisdiction.parent_id is None:
        return None
    return db.session.scalar(
        select(ListVersion)
        .outerjoin(VersionWithdrawal, VersionWithdrawal.version_id == ListVersion.id)
        .where(ListVersion.jurisdiction_id == jurisdiction.parent_id, VersionWithdrawal.id.is_(None))
        .order_by(ListVersion.seq.desc())
        .limit(1)
    )


def parent_versions(jurisdiction: Jurisdiction) -> list[ListVersion]:
    """The parent's published versions, newest first."""
    if jurisdiction.parent_id is None:
        return []
    return list(
        db.session.scalars(
            select(ListVersion)
            .where(ListVersion.jurisdiction_id == jurisdiction.parent_id)
            .order_by(ListVersion.seq.desc())
        )
    )


def follow_of(jurisdiction: Jurisdiction) -> UpperFollow | None:
    return db.session.get(UpperFollow, jurisdiction.id)


def _record_follow(actor: Actor, jurisdiction: Jurisdiction, old: ListVersion | None, new: ListVersion) -> None:
    parent = new.jurisdiction.name
    audit.record(
        actor,
        "update" if old is not None else "create",
        None,
        entity_type="upper_follows",
        jurisdiction_id=jurisdiction.id,
        before={"label": old.label} if old is not None else None,
        after={"label": new.label},
        summary=(f"跟随{parent}清单「{new.label}」" + (f"（原为「{old.label}」）" if old is not None else "")),
    )


def set_follow(jurisdiction: Jurisdiction, version: ListVersion, *, actor: Actor) -> UpperFollow:
    """Record that the jurisdiction's list follows `version` of its parent's list."""
    if version.jurisdiction_id != jurisdiction.parent_id:
        raise DomainError(_l("只能跟随上级行政区划发布的清单版本。"), "version")
    if version.withdrawn:
        raise DomainError(_l("版本「%(label)s」已废止，不能跟随。", label=version.label), "version")
    follow = follow_of(jurisdiction)
    old = db.session.get(ListVersion, follow.version_id) if follow is not None else None
    if old is not None and old.id == version.id:
        return follow
    if follow is None:
        follow = UpperFollow(jurisdiction_id=jurisdiction.id, version_id=version.id)
        db.session.add(follow)
    else:
        follow.version_id = version.id
    follow.set_by_id = getattr(actor, "id", None)
    db.session.flush()
    _record_follow(actor, jurisdiction, old, version)
    return follow


def follow_when_publishing(jurisdiction: Jurisdiction, *, actor: Actor) -> int | None:
    """The parent's version a list being published follows, for ListVersion.follows_version_id.

    A list that never recorded one follows the parent's latest version from now on; one that did
    keeps it: moving to a newer parent version is the office's own act after it has looked at what
    moved (follow_latest), not a side effect of publishing something else."""
    follow = follow_of(jurisdiction)
    if follow is not None:
        return follow.version_id
    latest = parent_latest(jurisdiction)
    if latest is None:
        return None
    return set_follow(jurisdiction, latest, actor=actor).version_id


# -- what moved above -------------------------------------------------------------------------------


@dataclass
class UpperState:
    """Where a jurisdiction stands against its parent's list (the workbench's notice)."""

    parent: Jurisdiction | None
    followed: ListVersion | None
    latest: ListVersion | None

    @property
    def behind(self) -> bool:
        return self.followed is not None and self.latest is not None and self.latest.seq > self.followed.seq

    @property
    def unrecorded(self) -> bool:
        return self.followed is None and self.latest is not None


def upper_state(jurisdiction: Jurisdiction) -> UpperState:
    follow = follow_of(jurisdiction)
    followed = db.session.get(ListVersion, follow.version_id) if follow is not None else None
    return UpperState(jurisdiction.parent, followed, parent_latest(jurisdiction))


@dataclass
class Counterpart:
    """A matter of the lower list that corresponds to a moved upper matter."""

    matter: Matter
    linked: bool  # by upper_matter_id (else by similarity)
    score: float
    updates: list[tuple[str, str, str]] = field(default_factory=list)  # (field, now, the upper's new wording)


@dataclass
class UpperChange:
    kind: str  # changed | removed | added
    upper_id: int
    old: MatterState | None
    new: MatterState | None
    fields: list[str]  # what moved: title, category, description, lead, cooperating, status
    counterparts: list[Counterpart] = field(default_factory=list)
    reviewed_by: str | None = None  # who marked it reviewed against the latest version

    @property
    def title(self) -> str:
        return (self.new or self.old).title

    @property
    def category(self) -> str:
        return (self.new or self.old).category


@dataclass
class UpperReview:
    state: UpperState
    changes: list[UpperChange]

    @property
    def open(self) -> list[UpperChange]:
        return [c for c in self.changes if c.reviewed_by is None]


def _review_key(change: "UpperChange") -> tuple[int, str]:
    return (change.upper_id, change.kind)


def _reviewed(jurisdiction: Jurisdiction, latest: ListVersion) -> dict[tuple[int, str], str]:
    """(upper matter id, kind of change) → who marked it reviewed against `latest`.

    Keyed by the upper matter's id, not its title: two changes may name matters of one title."""
    entries = db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.jurisdiction_id == jurisdiction.id,
            AuditEntry.entity_type == "upper_follows",
            AuditEntry.action == "review",
        )
        .order_by(AuditEntry.id)
    )
    return {
        (e.after["upper_matter_id"], e.after.get("kind")): e.actor_name
        for e in entries
        if e.after and e.after.get("label") == latest.label and e.after.get("upper_matter_id") is not None
    }


def _counterparts(change: UpperChange, matters: list[Matter], grams: dict[int, tuple]) -> list[Counterpart]:
    linked = [m for m in matters if m.upper_matter_id == change.upper_id]
    found = [Counterpart(m, True, 1.0) for m in linked]
    if not found:
        states = [s for s in (change.old, change.new) if s is not None]
        categories = {s.category for s in states}
        # The upper states' bigrams once per change, not once per lower matter.
        upper_grams = [(bigrams(s.title), bigrams(s.title + s.description)) for s in states]
        for m in matters:
            if m.upper_matter_id is not None or m.category not in categories:
                continue
            title, full = grams[m.id]
            score = max(max(dice(title, t), dice(full, f)) for t, f in upper_grams)
            if score >= SIMILAR:
                found.append(Counterpart(m, False, score))
        found.sort(key=lambda c: (-c.score, c.matter.seq, c.matter.id))
    if change.kind == "changed":
        for c in found:
            c.updates = [
                (f, getattr(c.matter, f), getattr(change.new, f))
                for f in WORDING
                if f in change.fields and getattr(c.matter, f) != getattr(change.new, f)
            ]
    return found


def upper_review(jurisdiction: Jurisdiction) -> UpperReview:
    """What moved in the parent's list between the followed version and its latest, each moved matter
    with this list's corresponding matters."""
    state = upper_state(jurisdiction)
    if not state.behind:
        return UpperReview(state, [])
    diff = compare_versions(state.followed, state.latest)
    changes = [
        UpperChange(
            "changed",
            c.new.matter_id,
            c.old,
            c.new,
            [f for f in WORDING if getattr(c.old, f) != getattr(c.new, f)]
            + (["lead"] if c.lead_changed else [])
            + (["cooperating"] if c.cooperating_added or c.cooperating_removed else [])
            + (["status"] if c.old.status != c.new.status else []),
        )
        for c in diff.changed
    ]
    changes += [UpperChange("removed", m.matter_id, m, None, []) for m in diff.removed]
    changes += [UpperChange("added", m.matter_id, None, m, []) for m in diff.added]
    matters = list(
        db.session.scalars(select(Matter).where(Matter.jurisdiction_id == jurisdiction.id).order_by(Matter.seq))
    )
    grams = {m.id: (bigrams(m.title), bigrams(m.title + m.description)) for m in matters}
    reviewed = _reviewed(jurisdiction, state.latest)
    for change in changes:
        change.counterparts = _counterparts(change, matters, grams)
        change.reviewed_by = reviewed.get(_review_key(change))
    return UpperReview(state, changes)


def find_change(review: UpperReview, upper_id: int) -> UpperChange | None:
    return next((c for c in review.changes if c.upper_id == upper_id), None)


# -- the office's answers ---------------------------------------------------------------------------


def _wording(matter: Matter) -> dict[str, Any]:
    return {**{f: getattr(matter, f) for f in WORDING}, "upper_matter": matter.upper_matter_id}


def adopt_upper_wording(
    matter: Matter, change: UpperChange, label: str, *, expected_version: int | None = None, actor: Actor
) -> Matter:
    """Give a matter the upper matter's new wording (the fields that moved above) and link it to it."""
    from registry.lists.services.common import check_lock

    check_lock(matter, expected_version)
    if change.kind != "changed" or change.new is None:
        raise DomainError(_l("上级事项「%(title)s」没有可采用的新表述。", title=change.title))
    values = {f: getattr(change.new, f) for f in WORDING if f in change.fields}
    title, category = values.get("title", matter.title), values.get("category", matter.category)
    refuse(matter_text_problems(matter.jurisdiction, title, category, matter))
    before = matter.audit_data() | {"upper_matter": matter.upper_matter_id}
    for f, value in values.items():
        setattr(matter, f, value)
    matter.upper_matter_id = change.upper_id
    after = matter.audit_data() | {"upper_matter": matter.upper_matter_id}
    if after != before:
        _touch(matter)
        db.session.flush()
        audit.record(
            actor,
            "update",
            matter,
            jurisdiction_id=matter.jurisdiction_id,
            before=before,
            after=after,
            summary=f"按上级清单「{label}」更新「{change.title}」的表述",
        )
    return matter


def mark_reviewed(jurisdiction: Jurisdiction, change: UpperChange, latest: ListVersion, *, actor: Actor) -> bool:
    """Record that the office looked at a moved upper matter and its list needs nothing more for it.

    False (and nothing recorded) when it was marked reviewed against `latest` already."""
    if _review_key(change) in _reviewed(jurisdiction, latest):
        return False
    audit.record(
        actor,
        "review",
        None,
        entity_type="upper_follows",
        jurisdiction_id=jurisdiction.id,
        after={
            "label": latest.label,
            "upper_matter": change.title,
            "upper_matter_id": change.upper_id,
            "kind": change.kind,
        },
        summary=f"已核对上级清单「{latest.label}」中的「{change.title}」",
    )
    return True


def follow_latest(jurisdiction: Jurisdiction, *, expected_version_id: int | None = None, actor: Actor) -> UpperFollow:
    """Follow the parent's latest version (已核对，跟随新版本)."""
    latest = parent_latest(jurisdiction)
    if latest is None:
        raise DomainError(_l("上级尚未发布清单。"))
    if expected_version_id is not None and latest.id != expected_version_id:
        raise DomainError(_l("上级清单在您核对期间又发布了新版本，请核对新的变化后再确认。"))
    return set_follow(jurisdiction, latest, actor=actor)


def wording_label(field_name: str) -> Any:
    return WORDING_LABELS.get(field_name, field_name)


__all__ = [
    "SIMILAR",
    "UpperChange",
    "UpperReview",
    "UpperState",
    "adopt_upper_wording",
    "follow_latest",
    "follow_when_publishing",
    "mark_reviewed",
    "parent_latest",
    "parent_versions",
    "set_follow",
    "similarity",
    "upper_review",
    "upper_state",
]
