"""Departments by the names files write them in (#14, 名称照写): full name, short name, other names
(简称, 曾用名, a file's spelling) and the abbreviations offices commonly use (省发改委 = 省发展和改革委员会,
市住建局 = 市住房和城乡建设局, 市市场监管局 = 市市场监督管理局).

`DepartmentNames(jurisdiction_id)` reads one jurisdiction's departments and their aliases once (build it
once per import); `.match(written)` names one department or none, never a guess between two (`.ambiguous(written)`
tells which ones it could be);
`.closest(written)` offers the most similar ones for a name it does not know."""

import difflib
import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.core import audit
from registry.core.audit import Actor
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import AliasKind, Department, DepartmentAlias, DepartmentKind


@dataclass(frozen=True)
class NamedDepartment:
    """A department as matching names it: plain values, usable after the session moves on."""

    id: int
    name: str
    short_name: str
    active: bool
    kind: str


# Long forms and the short forms offices write for them, both reduced to one key. Longest first:
# a phrase is replaced before any phrase it contains.
_ABBREVIATIONS: list[tuple[str, str]] = [
    ("发展和改革委员会", "发改委"),
    ("发展改革委员会", "发改委"),
    ("发展和改革委", "发改委"),
    ("发展改革委", "发改委"),
    ("发展和改革局", "发改局"),
    ("发展改革局", "发改局"),
    ("住房和城乡建设", "住建"),
    ("住房城乡建设", "住建"),
    ("工业和信息化", "工信"),
    ("人力资源和社会保障", "人社"),
    ("人力资源社会保障", "人社"),
    ("市场监督管理", "市场监管"),
    ("卫生健康委员会", "卫健委"),
    ("卫生和健康委员会", "卫健委"),
    ("卫生健康委", "卫健委"),
    ("卫生健康局", "卫健局"),
    ("自然资源和规划", "自然资源规划"),
    ("文化广电和旅游", "文广旅"),
    ("文化广电旅游", "文广旅"),
    ("文化和旅游", "文旅"),
    ("城市管理综合行政执法", "城管执法"),
    ("城市管理综合执法", "城管执法"),
    ("城市管理", "城管"),
    ("林业和草原", "林草"),
    ("医疗保障", "医保"),
    ("退役军人事务", "退役军人"),
    ("交通运输", "交通"),
    ("应急管理", "应急"),
    ("机关事务管理", "机关事务"),
    ("政务服务管理", "政务服务"),
    ("科学技术", "科技"),
    ("环境保护", "环保"),
    ("农业农村", "农业农村"),
    ("广播电视", "广电"),
    ("人民政府", "政府"),
    ("委员会", "委"),
    ("办公室", "办"),
]

_BRACKETS = re.compile(r"\(([^()]*)\)")
_SPACE = re.compile(r"\s+")
# Prefixes a department's name starts with for its own jurisdiction (市生态环境局 in 江川市), by the
# jurisdiction's level: 市生态环境局 written in a province's file is a city's department, not 省生态环境厅's.
_LEVEL_PREFIXES = {
    "province": ("自治区", "省"),  # and 市 for a municipality (北京市): its own name says so
    "city": ("自治州", "市", "州", "盟"),
    "county": ("自治县", "县", "区", "旗", "市"),
}
_NAME_ENDINGS = ("自治区", "自治州", "自治县", "省", "市", "州", "盟", "县", "区", "旗")

# 非常设机构: words that name a body rather than a standing department.
_BODY_WORDS = ("领导小组办公室", "领导小组", "指挥部", "专班", "委员会办公室", "联席会议办公室", "联席会议")


def normalize(written: str) -> str:
    """A name as compared: full-width and half-width alike (NFKC: （）→ ()), without any spaces."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", written or ""))


def _abbreviated(name: str) -> str:
    for long, short in _ABBREVIATIONS:
        name = name.replace(long, short)
    return name.replace("和", "")


def guess_kind(name: str) -> str:
    """The kind a new department of this name most likely is: a body (领导小组办公室, 指挥部, 专班,
    委员会办公室) or a standing department."""
    plain = normalize(name)
    return DepartmentKind.BODY if any(word in plain for word in _BODY_WORDS) else DepartmentKind.DEPARTMENT


def similarity(a: str, b: str) -> float:
    """How alike two names are, 0..1: the mean of difflib's ratio and the Dice coefficient of
    character bigrams (either alone ranks short Chinese names poorly)."""
    if not a or not b:
        return 0.0
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    grams_a = {a[i : i + 2] for i in range(len(a) - 1)} or {a}
    grams_b = {b[i : i + 2] for i in range(len(b) - 1)} or {b}
    dice = 2 * len(grams_a & grams_b) / (len(grams_a) + len(grams_b))
    return (ratio + dice) / 2


class DepartmentNames:
    """One jurisdiction's departments by every name they are written by; built once, then read."""

    def __init__(self, jurisdiction_id: int):
        self.jurisdiction_id = jurisdiction_id
        jurisdiction = db.session.get(Jurisdiction, jurisdiction_id)
        self._prefixes = self._prefixes_of(jurisdiction)
        self.departments: dict[int, NamedDepartment] = {}
        names: dict[int, list[str]] = {}
        for d in db.session.scalars(select(Department).where(Department.jurisdiction_id == jurisdiction_id)):
            self.departments[d.id] = NamedDepartment(d.id, d.name, d.short_name, d.active, d.kind)
            names[d.id] = [d.name, d.short_name]
        for department_id, alias in db.session.execute(
            select(DepartmentAlias.department_id, DepartmentAlias.name).where(
                DepartmentAlias.jurisdiction_id == jurisdiction_id
            )
        ):
            names.setdefault(department_id, []).append(alias)
        # Three tiers, tried in turn: the name as written, its abbreviation key, and the key without
        # the jurisdiction's prefix (生态环境局 for 市生态环境局).
        self._tiers: list[dict[str, set[int]]] = [{}, {}, {}]
        for department_id, written in names.items():
            for name in written:
                plain = normalize(name)
                if not plain:
                    continue
                self._tiers[0].setdefault(plain, set()).add(department_id)
                self._tiers[1].setdefault(_abbreviated(plain), set()).add(department_id)
                for key in self._unprefixed(plain):
                    self._tiers[2].setdefault(_abbreviated(key), set()).add(department_id)

    @staticmethod
    def _prefixes_of(jurisdiction: Jurisdiction | None) -> list[str]:
        if jurisdiction is None:
            return []
        prefixes = [normalize(jurisdiction.name)]
        for suffix in _NAME_ENDINGS:
            if jurisdiction.name.endswith(suffix) and len(jurisdiction.name) > len(suffix) + 1:
                prefixes.append(normalize(jurisdiction.name[: -len(suffix)]))
        words = list(_LEVEL_PREFIXES.get(jurisdiction.level, ()))
        if jurisdiction.level == "province" and jurisdiction.name.endswith("市"):
            words.append("市")
        return prefixes + words

    def _unprefixed(self, plain: str) -> list[str]:
        """The name as it is and without one leading prefix of the jurisdiction (江川市, 市)."""
        keys = [plain]
        for prefix in self._prefixes:
            if plain.startswith(prefix) and len(plain) > len(prefix) + 1:
                keys.append(plain[len(prefix) :])
                break
        return keys

    def _hits(self, plain: str) -> set[int]:
        """The departments a whole name means, from the first tier that knows it: none, one or several."""
        keys = [[plain], [_abbreviated(plain)], [_abbreviated(k) for k in self._unprefixed(plain)]]
        for tier, candidates in zip(self._tiers, keys, strict=True):
            hits = set().union(*(tier.get(k, set()) for k in candidates))
            if not hits:
                continue
            # A merged department's names are also its successor's: the one still existing wins.
            active = {i for i in hits if self.departments[i].active}
            return active or hits
        return set()

    def _lookup(self, plain: str) -> NamedDepartment | None | bool:
        """The one department a whole name means; None when none; False when several do."""
        chosen = self._hits(plain)
        if not chosen:
            return None
        return self.departments[next(iter(chosen))] if len(chosen) == 1 else False

    def ambiguous(self, written: str) -> list[NamedDepartment]:
        """The departments a written name could mean when `match` gives none because it could mean
        several (by name); empty when it means one or none."""
        plain = normalize(written)
        if not plain or self.match(written) is not None:
            return []
        found = self._hits(plain)
        if not found and _BRACKETS.search(plain):
            outer = _BRACKETS.sub("", plain)
            found = self._hits(outer) if outer else set()
            if not found:
                for part in _BRACKETS.findall(plain):
                    found |= self._hits(part) if part else set()
        if len(found) < 2:
            return []
        return sorted((self.departments[i] for i in found), key=lambda d: d.name)

    def match(self, written: str) -> NamedDepartment | None:
        """The department a written name means, or None when it means none or could mean several.
        A bureau written inside a commission's name (省发改委（省能源局）) means the named one that
        exists, the name before the bracket first."""
        plain = normalize(written)
        if not plain:
            return None
        found = self._lookup(plain)
        if found is not None:
            return found or None
        inner = _BRACKETS.findall(plain)
        if not inner:
            return None
        outer = _BRACKETS.sub("", plain)
        found = self._lookup(outer) if outer else None
        if found:
            return found
        if found is False:
            return None
        named = {f.id: f for f in (self._lookup(part) for part in inner if part) if f}
        return next(iter(named.values())) if len(named) == 1 else None

    def closest(self, written: str, n: int = 3) -> list[tuple[int, str]]:
        """Up to n existing departments (id, name) whose names are most like the written one, most
        alike first; none that are barely alike. Inactive departments are not offered."""
        plain = _abbreviated(normalize(written))
        if not plain:
            return []
        best: dict[int, float] = {}
        for tier in self._tiers[1:]:
            for key, ids in tier.items():
                score = similarity(plain, key)
                for i in ids:
                    if self.departments[i].active and score > best.get(i, 0.0):
                        best[i] = score
        ranked = sorted((i for i, s in best.items() if s >= 0.4), key=lambda i: (-best[i], self.departments[i].name))
        return [(i, self.departments[i].name) for i in ranked[:n]]


def ambiguity_message(written: str, candidates: list[NamedDepartment]):
    """Why a written name was not matched although it is known: it could mean several departments."""
    names = [c.name for c in candidates]
    return _l(
        "「%(written)s」可能指%(options)s或「%(last)s」，请在文件中写全称。",
        written=written,
        options="、".join(f"「{n}」" for n in names[:-1]),
        last=names[-1],
    )


def alias_names(department: Department) -> list[str]:
    return [a.name for a in department.aliases]


def name_owner(
    jurisdiction_id: int, name: str, exclude_id: int | None = None, *, for_alias: bool = False
) -> Department | None:
    """The department of the jurisdiction that already uses this name (full, short or other). For a
    name to become an alias, a department that no longer exists does not hold its own names: they pass
    to its successor (机构改革)."""
    # Compared as normalized on both sides: 省发改委(省能源局) is the name 省发改委（省能源局）.
    plain = normalize(name)
    if not plain:
        return None
    by_name = select(Department.id, Department.name, Department.short_name).where(
        Department.jurisdiction_id == jurisdiction_id
    )
    if for_alias:
        by_name = by_name.where(Department.active.is_(True))
    if exclude_id is not None:
        by_name = by_name.where(Department.id != exclude_id)
    for department_id, full, short in db.session.execute(by_name.order_by(Department.id)):
        if plain in (normalize(full), normalize(short)):
            return db.session.get(Department, department_id)
    by_alias = select(DepartmentAlias.department_id, DepartmentAlias.name).where(
        DepartmentAlias.jurisdiction_id == jurisdiction_id
    )
    if exclude_id is not None:
        by_alias = by_alias.where(DepartmentAlias.department_id != exclude_id)
    for department_id, alias in db.session.execute(by_alias.order_by(DepartmentAlias.id)):
        if normalize(alias) == plain:
            return db.session.get(Department, department_id)
    return None


def add_alias(
    department: Department, name: str, kind: str, *, actor: Actor, audited: bool = True
) -> DepartmentAlias | None:
    """Give a department another name; None when it already has it (full, short or other name).
    Refused when the name is another department's."""
    plain = normalize(name)
    if not plain:
        raise DomainError(_l("名称不能为空。"), "aliases")
    if kind not in set(AliasKind):
        raise DomainError(_l("请选择别名类型。"), "aliases")
    if plain in (department.name, department.short_name) or plain in alias_names(department):
        return None
    other = name_owner(department.jurisdiction_id, plain, exclude_id=department.id, for_alias=True)
    if other is not None:
        raise DomainError(
            _l("名称「%(name)s」已是部门「%(department)s」的名称。", name=plain, department=other.name), "aliases"
        )
    before = alias_names(department)
    alias = DepartmentAlias(jurisdiction_id=department.jurisdiction_id, department=department, name=plain, kind=kind)
    db.session.add(alias)
    db.session.flush()
    if audited:
        audit.record(
            actor,
            "update",
            department,
            jurisdiction_id=department.jurisdiction_id,
            before={"aliases": before},
            after={"aliases": alias_names(department)},
        )
    return alias


def remember_alias(
    jurisdiction: Jurisdiction, department: Department, written: str, actor: Actor
) -> DepartmentAlias | None:
    """Remember a name as a file wrote it (kind written) for the department the office matched it to,
    so that the next import matches it by itself. Idempotent: nothing when the name is already the
    department's; refused (DomainError) when it is another department's."""
    if department.jurisdiction_id != jurisdiction.id:
        raise DomainError(_l("所选部门不属于%(jurisdiction)s。", jurisdiction=jurisdiction.name))
    return add_alias(department, written, AliasKind.WRITTEN, actor=actor)
