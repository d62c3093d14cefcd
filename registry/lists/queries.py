"""Read-only look-ups of the working list for the offices' pages."""

import hashlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher
from functools import cache
from typing import TypeVar

import orjson
from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import aliased, selectinload

from registry.core.audit import ENTITY_LABELS, FIELD_LABELS, AuditEntry  # noqa: F401 (labels: re-exported)
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import rules
from registry.lists.fileformat import Basis
from registry.lists.models import (
    Assignment,
    Citation,
    Department,
    LeadDecision,
    ListDefault,
    Matter,
    MatterStatus,
    MatterTarget,
    PolicyDocument,
    Role,
    delegation_label,
)
from registry.public.cache import LRUCache


def jurisdiction_by_code(code: str) -> Jurisdiction | None:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def below(jurisdiction: Jurisdiction) -> list[tuple[Jurisdiction, int]]:
    """The jurisdictions under this one with their depth (1 = direct child), parents first."""
    result: list[tuple[Jurisdiction, int]] = []

    def walk(node: Jurisdiction, depth: int) -> None:
        for child in node.children:
            result.append((child, depth))
            walk(child, depth + 1)

    walk(jurisdiction, 1)
    return result


def counts(jurisdiction: Jurisdiction) -> dict[str, int]:
    """Figures for the workbench: departments and matters by status."""
    by_status = dict(
        db.session.execute(
            select(Matter.status, func.count()).where(Matter.jurisdiction_id == jurisdiction.id).group_by(Matter.status)
        ).all()
    )
    return {
        "departments": db.session.scalar(
            select(func.count())
            .select_from(Department)
            .where(Department.jurisdiction_id == jurisdiction.id, Department.active.is_(True))
        )
        or 0,
        "matters": sum(by_status.values()),
        "assigned": by_status.get(MatterStatus.ASSIGNED, 0),
        "pending": by_status.get(MatterStatus.PENDING, 0),
        "delegated": by_status.get(MatterStatus.DELEGATED, 0),
        "from_above": db.session.scalar(
            select(func.count())
            .select_from(Matter)
            .where(
                Matter.jurisdiction_id == jurisdiction.id,
                Matter.status == MatterStatus.PENDING,
                Matter.delegated_from_id.is_not(None),
            )
        )
        or 0,
        "documents": db.session.scalar(
            select(func.count()).select_from(PolicyDocument).where(PolicyDocument.jurisdiction_id == jurisdiction.id)
        )
        or 0,
    }


def departments(jurisdiction: Jurisdiction, *, include_retired: bool = False) -> list[Department]:
    stmt = select(Department).where(Department.jurisdiction_id == jurisdiction.id)
    if not include_retired:
        stmt = stmt.where(Department.active.is_(True))
    return list(db.session.scalars(stmt.order_by(Department.active.desc(), Department.sort_order, Department.id)))


def assignment_counts(jurisdiction: Jurisdiction) -> dict[tuple[int, str], int]:
    """(department id, role) → number of matters."""
    rows = db.session.execute(
        select(Assignment.department_id, Assignment.role, func.count())
        .join(Department)
        .where(Department.jurisdiction_id == jurisdiction.id)
        .group_by(Assignment.department_id, Assignment.role)
    ).all()
    return {(d, r): n for d, r, n in rows}


def categories(jurisdiction: Jurisdiction) -> list[str]:
    return list(
        db.session.scalars(
            select(Matter.category)
            .where(Matter.jurisdiction_id == jurisdiction.id)
            .distinct()
            .order_by(Matter.category)
        )
    )


def _with_details(stmt: Select) -> Select:
    copies = selectinload(Matter.lower_copies)
    return stmt.options(
        selectinload(Matter.assignments).selectinload(Assignment.department),
        selectinload(Matter.delegated_to),
        # Where a delegated matter stands below (one copy per lower jurisdiction).
        copies.selectinload(Matter.jurisdiction),
        copies.selectinload(Matter.assignments).selectinload(Assignment.department),
        copies.selectinload(Matter.delegated_to),
    )


def matters(
    jurisdiction: Jurisdiction,
    *,
    category: str = "",
    department_id: int | None = None,
    role: str = "",
    status: str = "",
    text: str = "",
) -> Select:
    """The jurisdiction's matters filtered as the list page asks, in list order."""
    stmt = select(Matter).where(Matter.jurisdiction_id == jurisdiction.id)
    if category:
        stmt = stmt.where(Matter.category == category)
    if status:
        stmt = stmt.where(Matter.status == status)
    if text:
        stmt = stmt.where(Matter.title.contains(text, autoescape=True))
    if department_id:
        holding = select(Assignment.matter_id).where(Assignment.department_id == department_id)
        if role in (Role.LEAD, Role.CO_LEAD, Role.COOPERATING):
            holding = holding.where(Assignment.role == role)
        stmt = stmt.where(Matter.id.in_(holding))
    return _with_details(stmt.order_by(Matter.seq, Matter.id))


def list_defaults(jurisdiction: Jurisdiction) -> list[ListDefault]:
    """The list-wide rules stated once (以下均需…落实，不再列出), in the list's order."""
    return list(
        db.session.scalars(
            select(ListDefault)
            .where(ListDefault.jurisdiction_id == jurisdiction.id)
            .order_by(ListDefault.position, ListDefault.id)
        )
    )


def department_matters(department: Department, role: str) -> list[Matter]:
    return list(
        db.session.scalars(
            _with_details(
                select(Matter)
                .join(Assignment)
                .where(Assignment.department_id == department.id, Assignment.role == role)
                .order_by(Matter.seq, Matter.id)
            )
        )
    )


@dataclass
class Queue:
    own: list[Matter]  # pending matters of this level
    from_above: list[Matter]  # pending matters an upper level handed down
    handed_down: list[Matter]  # matters this level delegated, with where they stand below


def queue(jurisdiction: Jurisdiction) -> Queue:
    """§5: what the office still has to settle, and what it handed down."""
    pending = db.session.scalars(
        _with_details(
            select(Matter)
            .where(Matter.jurisdiction_id == jurisdiction.id, Matter.status == MatterStatus.PENDING)
            .options(selectinload(Matter.delegated_from).selectinload(Matter.jurisdiction))
            .order_by(Matter.seq, Matter.id)
        )
    ).all()
    handed_down = db.session.scalars(
        _with_details(
            select(Matter)
            .where(Matter.jurisdiction_id == jurisdiction.id, Matter.status == MatterStatus.DELEGATED)
            .order_by(Matter.seq, Matter.id)
        )
    ).all()
    return Queue(
        own=[m for m in pending if m.delegated_from_id is None],
        from_above=[m for m in pending if m.delegated_from_id is not None],
        handed_down=list(handed_down),
    )


def lower_matters(matter: Matter) -> list[Matter]:
    """The matters created in lower jurisdictions when this one was delegated."""
    return list(
        db.session.scalars(
            _with_details(select(Matter).where(Matter.delegated_from_id == matter.id).order_by(Matter.id))
        )
    )


@dataclass
class HistoryItem:
    matter: Matter
    decision: LeadDecision


def decision_history(matter: Matter) -> list[HistoryItem]:
    """Every lead decision on this matter, on the upper matters it was delegated from and on the lower
    matters it was delegated to, oldest first."""
    chain: list[Matter] = []
    node = matter.delegated_from
    while node is not None:
        chain.append(node)
        node = node.delegated_from
    chain.reverse()
    chain.append(matter)
    frontier = [matter]
    while frontier:
        nxt = []
        for m in frontier:
            nxt.extend(lower_matters(m))
        chain.extend(nxt)
        frontier = nxt
    items = [HistoryItem(m, d) for m in chain for d in m.decisions]
    return sorted(items, key=lambda i: (i.decision.decided_at, i.decision.id))


def documents(jurisdiction: Jurisdiction, text: str = "") -> Select:
    stmt = select(PolicyDocument).where(PolicyDocument.jurisdiction_id == jurisdiction.id)
    if text:
        stmt = stmt.where(
            PolicyDocument.title.contains(text, autoescape=True)
            | PolicyDocument.doc_number.contains(text, autoescape=True)
        )
    return stmt.order_by(PolicyDocument.title, PolicyDocument.id)


def document_choices(jurisdiction: Jurisdiction) -> list[PolicyDocument]:
    return list(db.session.scalars(documents(jurisdiction)))


def citation_counts(document_ids: list[int]) -> dict[int, int]:
    if not document_ids:
        return {}
    rows = db.session.execute(
        select(Citation.document_id, func.count())
        .where(Citation.document_id.in_(document_ids))
        .group_by(Citation.document_id)
    ).all()
    return dict(rows)


# -- list health -----------------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+")
DUPLICATE_RATIO = 0.8
_Item = TypeVar("_Item")


def normalise_title(title: str) -> str:
    """A title reduced to what matters for comparing: width-folded, lower case, no spaces or punctuation."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", title).lower())


def looks_duplicate(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= 4 and shorter in longer:
        return True
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return (
        matcher.real_quick_ratio() >= DUPLICATE_RATIO
        and matcher.quick_ratio() >= DUPLICATE_RATIO
        and matcher.ratio() >= DUPLICATE_RATIO
    )


def duplicate_pairs(items: Sequence[_Item]) -> list[tuple[_Item, _Item]]:
    """Pairs of items (anything with `title` and `category`, in list order) of the same category whose
    titles look alike: exactly the pairs for which `looks_duplicate` holds, earlier item first, by
    category in order of first appearance, then in list order — without comparing every pair."""
    return [(items[i], items[j]) for i, j in _duplicate_indexes([(m.title, m.category) for m in items])]


# The office's list health asks for the same lists' pairs again and again, and they change only when
# a title or a category does: the pairs of a list are kept by the digest of its titles and categories
# (a few KB a list), for whoever asks next.
_pairs_by_titles = LRUCache(maxsize=512)


def _duplicate_indexes(titles: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """duplicate_pairs of (title, category) pairs, as index pairs."""

    def compute() -> list[tuple[int, int]]:
        by_category: dict[str, list[int]] = {}
        for index, (_title, category) in enumerate(titles):
            by_category.setdefault(category, []).append(index)
        pairs = []
        for group in by_category.values():
            normalised = [normalise_title(titles[index][0]) for index in group]
            pairs.extend((group[i], group[j]) for i, j in similar_title_pairs(normalised))
        return pairs

    key = hashlib.blake2b(orjson.dumps(titles), digest_size=16).digest()
    return _pairs_by_titles.get_or_set(key, compute)


def similar_title_pairs(titles: list[str]) -> list[tuple[int, int]]:
    """The index pairs (i < j, sorted) of normalised titles for which `looks_duplicate(titles[i],
    titles[j])` holds, without comparing every pair (13 s for 5,000 matters). Candidates are found by
    filters that can only drop pairs `looks_duplicate` rejects:

    - a title of 4 characters or more contained in a longer one: the longer one has every character of
      the shorter;
    - similar titles (equal ones among them): `looks_duplicate` needs `real_quick_ratio` and
      `quick_ratio` ≥ DUPLICATE_RATIO, that is lengths within 2:3 and at least
      ⌈ratio × (len a + len b) / 2⌉ characters in common.

    Both count characters in common (as multisets, like `quick_ratio`): an inverted index character →
    titles, each entry a bitset (a Python int, bit j = title j), and for each title the characters it
    shares with every other title are counted at once on those bitsets (`_shared_counts`): a few
    big-integer operations per character instead of a loop over the titles. Every candidate is then
    checked with `looks_duplicate` itself (same function, same argument order as the all-pairs loop),
    so the result is that of comparing every pair, whatever the titles.

    Blocking on a shared bigram, skipping the common ones, is not enough here: lists are built from a
    small vocabulary (场所 + 对象 + 举措) and two titles sharing only a place and an action can look alike
    (工业园区扬尘综合整治 / 工业园区散煤综合整治), so no bigram is rare enough to skip, and at 5,000 matters
    the pairs sharing an informative bigram number in the hundreds of thousands.
    """
    lengths = [len(t) for t in titles]
    candidates: set[tuple[int, int]] = set()
    tokens = [_multiset(t) for t in titles]
    with_token: dict[object, int] = {}  # character (or its n-th repeat) → the titles having it
    of_length: dict[int, int] = {}  # length → the titles of that length
    for i, mine in enumerate(tokens):
        bit = 1 << i
        for token in mine:
            with_token[token] = with_token.get(token, 0) | bit
        of_length[lengths[i]] = of_length.get(lengths[i], 0) | bit

    for i, title in enumerate(titles):
        if not title:
            continue
        counts = _shared_counts(with_token, tokens[i])
        length = lengths[i]
        if length >= 4:  # contained in j: j has all of its characters
            for j in _bits(_at_least(counts, length)):
                if lengths[j] > length and title in titles[j]:
                    candidates.add((i, j) if i < j else (j, i))
        # Similar to an earlier j: a longer j needs more in common, so shorter ones are bounded apart.
        shortest, longest, need_shortest, need_same = _length_limits(length)
        shorter = 0
        for n in range(shortest, length):
            shorter |= of_length.get(n, 0)
        found = _at_least(counts, need_same)
        if shorter:
            found |= _at_least(counts, need_shortest) & shorter
        for j in _bits(found & ((1 << i) - 1)):
            if shortest <= lengths[j] <= longest and _count(counts, j) >= _needed(length + lengths[j]):
                candidates.add((j, i))

    return sorted((i, j) for i, j in candidates if looks_duplicate(titles[i], titles[j]))


def _multiset(title: str) -> set:
    """A title's characters as a set in which a repeated character's second occurrence is (character, 1),
    and so on: what two such sets have in common is what `quick_ratio` counts."""
    tokens = set(title)
    if len(tokens) == len(title):
        return tokens
    seen: dict[str, int] = {}
    tokens = set()
    for char in title:
        k = seen.get(char, 0)
        seen[char] = k + 1
        tokens.add((char, k) if k else char)
    return tokens


def _ratio_holds(matches: int, total: int) -> bool:
    """The test of `SequenceMatcher`'s ratios (2·matches / total), with the same float arithmetic."""
    return 2.0 * matches / total >= DUPLICATE_RATIO


@cache
def _needed(total: int) -> int:
    """The fewest characters two titles of `total` length together must share (`quick_ratio`)."""
    return next(m for m in range(total + 1) if _ratio_holds(m, total))


@cache
def _length_limits(length: int) -> tuple[int, int, int, int]:
    """For a title of `length`: the shortest and the longest other title `real_quick_ratio` lets
    through, and the characters in common `quick_ratio` needs with the shortest and with one as long."""
    shortest = next(n for n in range(1, length + 1) if _ratio_holds(n, length + n))
    longest = length
    while _ratio_holds(length, length + longest + 1):
        longest += 1
    return shortest, longest, _needed(length + shortest), _needed(2 * length)


def _shared_counts(with_token: dict[object, int], tokens: set) -> list[int]:
    """For every title at once, how many of `tokens` it has: binary counters spread over bitsets, bit j
    of `counts[k]` being bit k of title j's count. Each token's bitset is added to the counters with a
    carry: a few big-integer operations instead of a loop over the titles."""
    counts: list[int] = []
    for token in tokens:
        carry = with_token.get(token, 0)
        if not carry:
            continue
        for k, digit in enumerate(counts):
            counts[k] = digit ^ carry
            carry &= digit
            if not carry:
                break
        else:
            counts.append(carry)
    return counts


def _at_least(counts: list[int], need: int) -> int:
    """The bitset of the titles whose count (see `_shared_counts`) is at least `need` ≥ 1."""
    if need >= 1 << len(counts):
        return 0
    greater, equal = 0, -1  # compared from the highest bit down: already greater / equal so far
    for k in reversed(range(len(counts))):
        if need >> k & 1:
            equal &= counts[k]
        else:
            greater |= equal & counts[k]
            equal &= ~counts[k]
    return greater | equal


def _count(counts: list[int], j: int) -> int:
    """Title j's count (see `_shared_counts`)."""
    return sum(1 << k for k, digits in enumerate(counts) if digits >> j & 1)


def _bits(bitset: int) -> Iterator[int]:
    """The positions of the bits set in a bitset ≥ 0, lowest first."""
    while bitset:
        low = bitset & -bitset
        yield low.bit_length() - 1
        bitset ^= low


@dataclass
class Health:
    pending: list[Matter]
    delegated: list[Matter]
    idle_departments: list[Department]
    duplicates: list[tuple[Row, Row]] = field(default_factory=list)  # (id, title, category) rows
    stale_text: list[Matter] = field(default_factory=list)  # lead decided, text still says pending

    @property
    def problems(self) -> int:
        return len(self.pending) + len(self.idle_departments) + len(self.duplicates) + len(self.stale_text)


def health(jurisdiction: Jurisdiction) -> Health:
    """What in the working list needs the office's attention."""
    unsettled = db.session.scalars(
        _with_details(
            select(Matter)
            .where(
                Matter.jurisdiction_id == jurisdiction.id,
                Matter.status.in_((MatterStatus.PENDING, MatterStatus.DELEGATED)),
            )
            .order_by(Matter.seq, Matter.id)
        )
    ).all()
    # Plain rows (id, title, category: what the page shows of a pair), not matters with their details.
    titles = db.session.execute(
        select(Matter.id, Matter.title, Matter.category)
        .where(Matter.jurisdiction_id == jurisdiction.id)
        .order_by(Matter.seq, Matter.id)
    ).all()
    # Correlated with each department (the assignments' department index), not every lead of the country.
    leads = select(Assignment.id).where(Assignment.department_id == Department.id, Assignment.role == Role.LEAD)
    idle = db.session.scalars(
        select(Department)
        .where(
            Department.jurisdiction_id == jurisdiction.id,
            Department.active.is_(True),
            ~leads.exists(),
        )
        .order_by(Department.sort_order, Department.id)
    ).all()
    return Health(
        pending=[m for m in unsettled if m.status == MatterStatus.PENDING],
        delegated=[m for m in unsettled if m.status == MatterStatus.DELEGATED],
        idle_departments=list(idle),
        duplicates=duplicate_pairs(titles),
        stale_text=lead_text_pending(jurisdiction),
    )


def lead_text_pending(jurisdiction: Jurisdiction) -> list[Matter]:
    """Matters that have a lead although their responsibility text still says it is to be decided
    ("尚未明确牵头部门，待……研究明确", lists.rules.says_lead_pending): text that would be published stale."""
    candidates = db.session.scalars(
        select(Matter)
        .where(
            Matter.jurisdiction_id == jurisdiction.id,
            Matter.status == MatterStatus.ASSIGNED,
            # Every pending phrase says 明确: the database narrows, the rule decides.
            Matter.description.contains("明确"),
        )
        .order_by(Matter.seq, Matter.id)
        # The page names each one's lead: loaded with them, not a query per matter.
        .options(selectinload(Matter.assignments).selectinload(Assignment.department))
    )
    return [m for m in candidates if rules.says_lead_pending(m.description)]


# -- audit -----------------------------------------------------------------------------------------


def audit_entries(
    jurisdiction: Jurisdiction,
    *,
    entity_type: str = "",
    action: str = "",
    actor: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    entity_id: int | None = None,
) -> Select:
    """A jurisdiction's log, newest first, narrowed by whichever filters are given (times in UTC,
    `until` exclusive)."""
    stmt = select(AuditEntry).where(AuditEntry.jurisdiction_id == jurisdiction.id)
    if entity_type:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
        if entity_id is not None:
            stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor:
        stmt = stmt.where(AuditEntry.actor_name == actor)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def _distinct_audit_values(jurisdiction: Jurisdiction, column) -> list[str]:
    return list(
        db.session.scalars(
            select(column).where(AuditEntry.jurisdiction_id == jurisdiction.id).distinct().order_by(column)
        )
    )


def audit_entity_types(jurisdiction: Jurisdiction) -> list[str]:
    return _distinct_audit_values(jurisdiction, AuditEntry.entity_type)


def audit_actions(jurisdiction: Jurisdiction) -> list[str]:
    return _distinct_audit_values(jurisdiction, AuditEntry.action)


def audit_actors(jurisdiction: Jurisdiction) -> list[str]:
    return _distinct_audit_values(jurisdiction, AuditEntry.actor_name)


def matter_audit(matter_id: int) -> Select:
    return (
        select(AuditEntry)
        .where(AuditEntry.entity_type == "matters", AuditEntry.entity_id == matter_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )


# -- the working list in bulk (imports, exports) ------------------------------------------------------------------


@dataclass
class WorkingMatter:
    id: int
    seq: int
    title: str
    category: str
    description: str
    status: str
    lock_version: int
    delegated_to_code: str | None
    delegated_to_name: str | None
    lead_id: int | None = None
    cooperating_ids: list[int] = field(default_factory=list)
    basis: list[Basis] = field(default_factory=list)
    co_lead_ids: list[int] = field(default_factory=list)
    territorial: list[str] = field(default_factory=list)  # codes, or [ALL_LOWER]
    deadline_text: str = ""
    targets: list[dict] = field(default_factory=list)  # MatterTarget.plain()


_TARGET_KEYS = ("indicator", "comparison", "value", "unit", "stretch_value", "text")  # MatterTarget.plain()


def working_matters(jurisdiction_id: int) -> list[WorkingMatter]:
    """The working list's matters with assignments and citations, in three queries."""
    delegated = Jurisdiction.__table__.alias("delegated")
    m = Matter.__table__
    rows = db.session.execute(
        select(
            m.c.id,
            m.c.seq,
            m.c.title,
            m.c.category,
            m.c.description,
            m.c.status,
            m.c.lock_version,
            delegated.c.code,
            delegated.c.name,
            m.c.territorial,
            m.c.deadline_text,
        )
        .select_from(m.outerjoin(delegated, delegated.c.id == m.c.delegated_to_id))
        .where(m.c.jurisdiction_id == jurisdiction_id)
        .order_by(m.c.seq, m.c.id)
    ).all()
    matters = {r[0]: WorkingMatter(*r[:9], territorial=list(r[9] or ()), deadline_text=r[10] or "") for r in rows}
    several = [w.id for w in matters.values() if w.status == MatterStatus.DELEGATED and w.delegated_to_name is None]
    if several:
        # Delegated to several lower jurisdictions: named by the copies, as Matter.delegated_to_label.
        names: dict[int, list[str]] = {}
        for upper_id, name in db.session.execute(
            select(m.c.delegated_from_id, Jurisdiction.name)
            .join(Jurisdiction, Jurisdiction.id == m.c.jurisdiction_id)
            .where(m.c.delegated_from_id.in_(several))
            .order_by(m.c.id)
        ):
            names.setdefault(upper_id, []).append(name)
        for matter_id, found in names.items():
            matters[matter_id].delegated_to_name = delegation_label(found)
    a = Assignment.__table__
    for matter_id, department_id, role in db.session.execute(
        select(a.c.matter_id, a.c.department_id, a.c.role)
        .join(m, m.c.id == a.c.matter_id)
        .where(m.c.jurisdiction_id == jurisdiction_id)
        .order_by(a.c.matter_id, a.c.position, a.c.id)
    ):
        if role == Role.LEAD:
            matters[matter_id].lead_id = department_id
        elif role == Role.CO_LEAD:
            matters[matter_id].co_lead_ids.append(department_id)
        else:
            matters[matter_id].cooperating_ids.append(department_id)
    t = MatterTarget.__table__
    for row in db.session.execute(
        select(t.c.matter_id, t.c.indicator, t.c.comparison, t.c.value, t.c.unit, t.c.stretch_value, t.c.text)
        .join(m, m.c.id == t.c.matter_id)
        .where(m.c.jurisdiction_id == jurisdiction_id)
        .order_by(t.c.matter_id, t.c.position, t.c.id)
    ):
        matters[row[0]].targets.append(dict(zip(_TARGET_KEYS, row[1:], strict=True)))
    c, d = Citation.__table__, PolicyDocument.__table__
    for matter_id, title, doc_number, article in db.session.execute(
        select(c.c.matter_id, d.c.title, d.c.doc_number, c.c.article)
        .join(m, m.c.id == c.c.matter_id)
        .join(d, d.c.id == c.c.document_id)
        .where(m.c.jurisdiction_id == jurisdiction_id)
        .order_by(c.c.matter_id, c.c.id)
    ):
        matters[matter_id].basis.append(Basis(title, doc_number, article))
    return list(matters.values())


@dataclass
class Delegations:
    """§5 delegations seen from one jurisdiction, each with where it stands: the matters an upper level
    handed to it (its own copies) and the matters it handed below (each lower copy)."""

    received: list[Matter]  # this level's copies; their status is the result here
    sent: list[tuple[Matter, Matter]]  # (this level's matter, a lower level's copy: its status is the result)

    @property
    def received_by_status(self) -> dict[str, int]:
        return _by_status(m.status for m in self.received)

    @property
    def sent_by_status(self) -> dict[str, int]:
        return _by_status(lower.status for _upper, lower in self.sent)


def _by_status(statuses) -> dict[str, int]:
    counts = dict.fromkeys(MatterStatus, 0)
    for status in statuses:
        counts[MatterStatus(status)] += 1
    return {str(k): v for k, v in counts.items()}


def delegations(jurisdiction: Jurisdiction) -> Delegations:
    """Matters delegated to this jurisdiction from above and by it to the levels below, with results
    (pending, settled with a lead, or delegated further); a matter handed to several lower levels
    appears once per lower copy."""
    received = db.session.scalars(
        _with_details(
            select(Matter)
            .where(Matter.jurisdiction_id == jurisdiction.id, Matter.delegated_from_id.is_not(None))
            .options(selectinload(Matter.delegated_from).selectinload(Matter.jurisdiction))
            .order_by(Matter.seq, Matter.id)
        )
    ).all()
    lower = aliased(Matter)
    sent = db.session.execute(
        select(Matter, lower)
        .join(lower, lower.delegated_from_id == Matter.id)
        .where(Matter.jurisdiction_id == jurisdiction.id)
        .options(
            selectinload(lower.jurisdiction),
            selectinload(lower.assignments).selectinload(Assignment.department),
        )
        .order_by(Matter.seq, Matter.id, lower.jurisdiction_id)
    ).all()
    return Delegations(received=list(received), sent=[(row[0], row[1]) for row in sent])


def department_matter_counts(department: Department) -> dict[str, int]:
    """How many matters of its list the department leads and cooperates on (role → count)."""
    rows = db.session.execute(
        select(Assignment.role, func.count()).where(Assignment.department_id == department.id).group_by(Assignment.role)
    ).all()
    counts = {str(Role.LEAD): 0, str(Role.COOPERATING): 0}
    counts.update({role: n for role, n in rows})
    return counts
