"""Importing a responsibility list from a spreadsheet: plan first (reads only, reports every bad
row), then apply all or nothing.

Built for big files (a province has ~100k matters): departments, documents and the existing matters
are read with a handful of bulk queries, never per row, and rows are written with core INSERTs in
chunks; the ORM unit of work is only used for the few departments an import may create.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from registry.core import audit
from registry.core.audit import Actor
from registry.core.errors import DomainError
from registry.core.http import whole_number
from registry.core.timezone import local_today
from registry.extensions import db
from registry.imports import recognition
from registry.imports.bulk import without_cycle_collection
from registry.imports.extraction import extract
from registry.imports.layout import ColumnRole, Mapping, Source, Target
from registry.imports.models import ImportMapping
from registry.imports.reading import (
    Basis,
    FileProblem,
    LayoutProblem,
    ListFile,
    parse_basis,
    read_list_file,
    read_source,
    split_departments,
)
from registry.imports.writing import ImportWriter, target_label
from registry.jurisdictions.models import Jurisdiction
from registry.lists import rules, services
from registry.lists.models import (
    ALL_LOWER,
    Assignment,
    Department,
    ListDefault,
    Matter,
    MatterStatus,
    MatterTarget,
    Role,
    matter_audit_data,
)
from registry.lists.naming import DepartmentNames, ambiguity_message, guess_kind, remember_alias
from registry.lists.queries import WorkingMatter, working_matters
from registry.lists.rules import Party
from registry.lists.services import StaleEdit
from registry.lists.services.matters import target_problems
from registry.lists.territorial import ALL_LOWER_SPELLINGS, deadline_of

# Matters are written in chunks of this many, each a COPY per table on PostgreSQL: large enough that
# the server works on a chunk while Python streams it (a COPY must end before the next one starts, and
# chunks of 2,000 left the server idle while each was built: 7,500 → 9,700 rows/s), small enough for
# a progress bar.
CHUNK = 20000
# How often planning tells its progress (a job's bar, the CLI's): rows between two reports.
PROGRESS_EVERY = 1000
# Column widths of the schema, checked here so that PostgreSQL never has to refuse a row.
MAX_TITLE, MAX_CATEGORY, MAX_DEPARTMENT = 300, 50, 100
MAX_DOC_TITLE, MAX_DOC_NUMBER, MAX_ARTICLE = 300, 100, 100

# Keywords of department names → sector (系统), to link created departments to their upper level.
SECTOR_KEYWORDS = [
    ("发展改革", "发展改革"),
    ("发展和改革", "发展改革"),
    ("工业和信息化", "工业和信息化"),
    ("工信", "工业和信息化"),
    ("公安", "公安"),
    ("司法", "司法行政"),
    ("财政", "财政"),
    ("自然资源", "自然资源"),
    ("生态环境", "生态环境"),
    ("住房城乡建设", "住房城乡建设"),
    ("住房和城乡建设", "住房城乡建设"),
    ("住建", "住房城乡建设"),
    ("交通运输", "交通运输"),
    ("水利", "水利"),
    ("水务", "水利"),
    ("农业农村", "农业农村"),
    ("商务", "商务"),
    ("卫生健康", "卫生健康"),
    ("卫健", "卫生健康"),
    ("应急管理", "应急管理"),
    ("市场监督管理", "市场监管"),
    ("市场监管", "市场监管"),
    ("能源", "能源"),
    ("林业和草原", "林草"),
    ("林草", "林草"),
    ("林业", "林草"),
    ("气象", "气象"),
    ("教育", "教育"),
    ("科技", "科技"),
    ("科学技术", "科技"),
    ("文化和旅游", "文化和旅游"),
    ("城市管理", "城市管理"),
    ("城管", "城市管理"),
    ("统计", "统计"),
    ("海洋", "海洋"),
    ("国有资产", "国资"),
    ("国资", "国资"),
    ("税务", "税务"),
]
OTHER_SECTOR = "其他"

CHANGE_LABELS = (
    "事项类别",
    "责任内容",
    "牵头部门",
    "共同牵头部门",
    "配合部门",
    "属地落实",
    "完成时限",
    "量化目标",
    "依据",
)
MAX_DEADLINE = 100
# Unknown names for which the preview offers the closest existing departments.
MAX_NAME_CHOICES = 50


class RowError(NamedTuple):
    row: int | None  # None: the file as a whole
    reason: str  # translated when the plan is made (plans are made per request, for the page they show)


@dataclass
class NewDepartment:
    name: str
    sector: str
    first_row: int


@dataclass
class PlannedMatter:
    row: int
    action: str  # create | change | same
    title: str
    category: str
    description: str
    seq: int | None
    lead: str | None  # a department key: full name of an existing department or a new one's name
    cooperating: list[str]
    basis: list[Basis]
    matter_id: int | None = None
    lock_version: int | None = None
    status: str = MatterStatus.PENDING
    changes: list[str] = field(default_factory=list)
    old_lead: str | None = None
    before: dict[str, Any] | None = None
    co_leads: list[str] = field(default_factory=list)
    territorial: list[str] = field(default_factory=list)  # lower jurisdictions' codes, or [ALL_LOWER]
    deadline_text: str = ""
    deadline: date | None = None
    targets: list[dict[str, Any]] = field(default_factory=list)  # MatterTarget.plain() shape


@dataclass
class PlannedDefault:
    """A list-wide rule (以下均需…落实，不再列出) the list does not state yet."""

    row: int
    text: str
    territorial: list[str]


@dataclass
class ImportPlan:
    jurisdiction_id: int
    jurisdiction_name: str
    filename: str = ""
    format: str = ""
    encoding: str = ""
    layout: str = ""
    create_departments: bool = False
    matters: list[PlannedMatter] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new_departments: list[NewDepartment] = field(default_factory=list)
    untouched: list[str] = field(default_factory=list)  # titles in the list that the file does not name
    department_ids: dict[str, int] = field(default_factory=dict)
    # A file in another layout (imports.layout): what it holds and how it was mapped, for the preview.
    source: Source | None = None
    mapping: Mapping | None = None
    # Names the file writes that no department has: the closest existing ones, [(id, name)].
    unknown_names: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)  # written name -> department id chosen by the office
    defaults: list[PlannedDefault] = field(default_factory=list)  # list-wide rules to add
    lower_names: dict[str, str] = field(default_factory=dict)  # code -> name of the lower jurisdictions
    duties: Any = None  # imports.duties.DutyPlan, for a list by department

    @property
    def mapped(self) -> bool:
        return self.mapping is not None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def to_create(self) -> list[PlannedMatter]:
        return [m for m in self.matters if m.action == "create"]

    @property
    def to_change(self) -> list[PlannedMatter]:
        return [m for m in self.matters if m.action == "change"]

    @property
    def unchanged(self) -> list[PlannedMatter]:
        return [m for m in self.matters if m.action == "same"]

    @property
    def changes_anything(self) -> bool:
        if self.duties is not None:
            return self.duties.changes_anything
        return bool(self.new_departments or self.defaults or any(m.action != "same" for m in self.matters))

    def territorial_names(self, codes: list[str]) -> list[str]:
        return [str(_l("各下级人民政府")) if c == ALL_LOWER else self.lower_names.get(c, c) for c in codes]

    def summary(self) -> LazyString:
        if self.duties is not None:
            return self.duties.summary()
        if self.defaults:
            return _l(
                "%(summary)s另有全清单适用的规定 %(n)s 条将新增。",
                summary=str(self._matter_summary()),
                n=len(self.defaults),
            )
        return self._matter_summary()

    def _matter_summary(self) -> LazyString:
        counts = {
            "created": len(self.to_create),
            "changed": len(self.to_change),
            "unchanged": len(self.unchanged),
            "untouched": len(self.untouched),
        }
        if self.new_departments:
            return _l(
                "新增 %(created)s 项，修改 %(changed)s 项，不变 %(unchanged)s 项；"
                "清单中另有 %(untouched)s 项文件未列出，保持不动；新建部门 %(departments)s 个。",
                departments=len(self.new_departments),
                **counts,
            )
        return _l(
            "新增 %(created)s 项，修改 %(changed)s 项，不变 %(unchanged)s 项；"
            "清单中另有 %(untouched)s 项文件未列出，保持不动。",
            **counts,
        )


@dataclass
class ImportResult:
    created: int
    changed: int
    unchanged: int
    departments_created: list[str]
    audit_id: int | None = None

    def summary(self) -> LazyString:
        counts = {"created": self.created, "changed": self.changed, "unchanged": self.unchanged}
        if self.departments_created:
            return _l(
                "新增 %(created)s 项，修改 %(changed)s 项，不变 %(unchanged)s 项，新建部门 %(departments)s 个。",
                departments=len(self.departments_created),
                **counts,
            )
        return _l("新增 %(created)s 项，修改 %(changed)s 项，不变 %(unchanged)s 项。", **counts)


@dataclass(frozen=True)
class _Dept:
    id: int
    name: str
    active: bool


def _departments(jurisdiction_id: int) -> tuple[dict[str, _Dept], dict[int, _Dept]]:
    rows = db.session.execute(
        select(Department.id, Department.name, Department.short_name, Department.active).where(
            Department.jurisdiction_id == jurisdiction_id
        )
    ).all()
    by_name: dict[str, _Dept] = {}
    by_id: dict[int, _Dept] = {}
    for id_, name, _short, active in rows:
        by_id[id_] = _Dept(id_, name, active)
    for id_, _name, short_name, _ in rows:
        by_name.setdefault(short_name, by_id[id_])
    for id_, name, _short, _ in rows:
        by_name[name] = by_id[id_]  # a full name wins over somebody's short name
    return by_name, by_id


def guess_sector(name: str) -> str:
    """The sector (系统) a department name suggests, else 其他."""
    return next((sector for keyword, sector in SECTOR_KEYWORDS if keyword in name), OTHER_SECTOR)


# -- planning ------------------------------------------------------------------------------------


@without_cycle_collection
def plan_import(
    jurisdiction: Jurisdiction,
    data: bytes,
    filename: str = "",
    *,
    create_departments: bool = False,
    mapping: Mapping | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPlan:
    """Read the file and say what importing it would do, and every bad row; changes nothing.
    `progress(rows checked, rows)` is told every PROGRESS_EVERY rows (a job's bar, the CLI's).

    A file in the plain import format is read as it is (the fast path); a file in another layout is
    read as a Source and mapped: by `mapping` when given (the office's correction), else by the
    proposal, which brings in what the office chose last time (imports.recognition)."""
    db.session.flush()  # the bulk reads below are core queries, which do not autoflush
    plan = ImportPlan(
        jurisdiction_id=jurisdiction.id,
        jurisdiction_name=jurisdiction.name,
        filename=filename,
        create_departments=create_departments,
    )
    try:
        parsed = _read(plan, jurisdiction, data, filename, mapping)
    except FileProblem as e:
        plan.errors.append(RowError(e.row, str(e)))
        return plan
    plan.format, plan.encoding, plan.layout = parsed.format, parsed.encoding, parsed.layout
    if (plan.mapping is not None and plan.mapping.target == Target.DUTIES) or (parsed.duties and not parsed.rows):
        from registry.imports.duties import plan_duties

        plan.duties = plan_duties(jurisdiction, parsed, create_departments=create_departments, filename=filename)
        plan.errors.extend(plan.duties.errors)
        plan.new_departments = list(plan.duties.new_departments)
        return plan
    if not parsed.rows:
        plan.errors.append(RowError(None, str(_l("文件中没有任何事项行。"))))
        return plan
    _plan_matters(plan, jurisdiction, parsed, progress)
    return plan


def _read(
    plan: ImportPlan, jurisdiction: Jurisdiction, data: bytes, filename: str, mapping: Mapping | None
) -> ListFile:
    plain_problem = None
    if mapping is None:
        try:
            return read_list_file(data, filename)
        except LayoutProblem as e:
            plain_problem = e
    plan.source = source = read_source(data, filename)
    try:
        if mapping is None:
            kind = recognition.kind_of(source)
            remembered, headers = recognition.remembered_mapping(jurisdiction.id, kind)
            mapping = recognition.propose(source, remembered, headers)
        plan.mapping = mapping
        parsed = extract(source, mapping)
    except FileProblem:
        raise  # a ValueError too, but already the reason to give
    except (IndexError, KeyError, ValueError, TypeError, AttributeError) as e:
        # A mapping that does not fit the file (a table it does not have): say so, never fail.
        raise FileProblem(_l("所选的版式与文件不符，请检查表头行和各列的含义。")) from e
    if plain_problem is not None and source.format in ("xlsx", "csv") and not _recognized(mapping, parsed):
        raise plain_problem  # no layout found either: say what the plain format looks like
    return parsed


def _recognized(mapping: Mapping, parsed: ListFile) -> bool:
    """Whether a table in another layout was recognized as a list: departments by their own column,
    or matters with a category and a department column."""
    roles = set(mapping.columns.values())
    if parsed.duties:
        return ColumnRole.DEPARTMENT in roles
    departments = {ColumnRole.LEAD, ColumnRole.RESPONSIBLE, ColumnRole.CO_LEAD}
    return bool(parsed.rows) and bool(roles & departments) and any(r.category.strip() for r in parsed.rows)


@dataclass
class _Extras:
    """What a matter has beyond working_matters: co-leads, territorial implementers, deadline, targets."""

    co_lead_ids: list[int] = field(default_factory=list)
    territorial: list[str] = field(default_factory=list)
    deadline_text: str = ""
    deadline: date | None = None
    targets: list[dict[str, Any]] = field(default_factory=list)


def _extras(jurisdiction_id: int) -> dict[int, _Extras]:
    m, a, t = Matter.__table__, Assignment.__table__, MatterTarget.__table__
    extras = {
        id_: _Extras([], list(territorial or ()), deadline_text or "", deadline)
        for id_, territorial, deadline_text, deadline in db.session.execute(
            select(m.c.id, m.c.territorial, m.c.deadline_text, m.c.deadline).where(
                m.c.jurisdiction_id == jurisdiction_id
            )
        )
    }
    for matter_id, department_id in db.session.execute(
        select(a.c.matter_id, a.c.department_id)
        .join(m, m.c.id == a.c.matter_id)
        .where(m.c.jurisdiction_id == jurisdiction_id, a.c.role == Role.CO_LEAD)
        .order_by(a.c.matter_id, a.c.position, a.c.id)
    ):
        extras[matter_id].co_lead_ids.append(department_id)
    for row in db.session.execute(
        select(t.c.matter_id, t.c.indicator, t.c.comparison, t.c.value, t.c.unit, t.c.stretch_value, t.c.text)
        .join(m, m.c.id == t.c.matter_id)
        .where(m.c.jurisdiction_id == jurisdiction_id)
        .order_by(t.c.matter_id, t.c.position, t.c.id)
    ):
        keys = ("indicator", "comparison", "value", "unit", "stretch_value", "text")
        extras[row[0]].targets.append(dict(zip(keys, row[1:], strict=True)))
    return extras


def _target(found: dict[str, Any]) -> dict[str, Any]:
    """A target as phrases found it, in MatterTarget.plain()'s shape."""

    def number(value: Any) -> Any:
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    return {
        "indicator": str(found.get("indicator") or "").strip(),
        "comparison": str(found.get("comparison") or ""),
        "value": number(found.get("value")),
        "unit": str(found.get("unit") or "").strip(),
        "stretch_value": number(found.get("stretch_value")),
        "text": str(found.get("text") or "").strip()[:300],
    }


def _target_key(targets: list[dict[str, Any]]) -> list[tuple]:
    keys = ("indicator", "comparison", "value", "unit", "stretch_value", "text")
    return [tuple(t.get(k) for k in keys) for t in targets]


def _plan_matters(
    plan: ImportPlan, jurisdiction: Jurisdiction, parsed: ListFile, progress: Callable[[int, int], None] | None = None
) -> None:
    create_departments = plan.create_departments
    jurisdiction_id, jurisdiction_name = jurisdiction.id, jurisdiction.name  # read once, not per row
    by_name, by_id = _departments(jurisdiction.id)
    names = DepartmentNames(jurisdiction.id)
    chosen = {w: i for w, i in (plan.mapping.names if plan.mapping else {}).items() if i in by_id}
    existing = {w.title: w for w in working_matters(jurisdiction.id)}
    extras = _extras(jurisdiction.id) if existing else {}
    new_departments: dict[str, NewDepartment] = {}
    seen: dict[str, int] = {}
    year = local_today().year
    lower = {child.name: child.code for child in jurisdiction.children}
    plan.lower_names = {code: name for name, code in lower.items()}

    parties: dict[str, Party] = {}
    checked_together: dict[tuple, list] = {}

    def party(key: str) -> Party:
        if key not in parties:
            department = by_name.get(key)
            parties[key] = Party(key, key, jurisdiction.id, department.active if department else True)
        return parties[key]

    known: dict[str, _Dept | None] = {}

    def lookup(name: str) -> _Dept | None:
        """The existing department a written name means: its full or short name, the office's choice
        on the preview, or any name lists.naming knows (aliases, 省发改委 …)."""
        if name not in known:
            department = by_name.get(name)
            if department is None and name in chosen:
                department = by_id[chosen[name]]
                plan.aliases[name] = department.id
            if department is None:
                found = names.match(name)
                department = by_id.get(found.id) if found is not None else None
            if department is not None:
                by_name.setdefault(department.name, department)
            known[name] = department
        return known[name]

    def place(name: str) -> str | None:
        """A lower jurisdiction's code for a name as written (江东区, 江东区人民政府), or ALL_LOWER."""
        plain = name.strip()
        # 各市 / 各县（市、区） / 各区县: every lower government, however the level is named.
        if plain in ALL_LOWER_SPELLINGS or (plain.startswith("各") and len(plain) <= 12):
            return ALL_LOWER
        if plain in plan.lower_names:
            return plain
        for candidate in (plain, plain.removesuffix("人民政府"), plain.removesuffix("政府")):
            if candidate in lower:
                return lower[candidate]
        return None

    def places(written: list[str], errors: list[LazyString]) -> list[str]:
        codes = []
        for name in written:
            code = place(name)
            if code is None:
                errors.append(
                    _l(
                        "属地落实「%(name)s」不是%(jurisdiction)s的下级行政区划。",
                        name=name,
                        jurisdiction=jurisdiction.name,
                    )
                )
            elif code not in codes:
                codes.append(code)
        if ALL_LOWER in codes:
            codes = [ALL_LOWER]
            if not lower:
                errors.append(
                    _l("%(jurisdiction)s没有下级行政区划，不能由下级人民政府落实。", jurisdiction=jurisdiction.name)
                )
        return codes

    def resolve(name: str) -> str | None:
        """The department a written name means (its name, or the name of one to be created), or None
        with the reason added to the row's errors. Reads the row being planned (`raw`, `errors`)."""
        department = lookup(name)
        if department is not None:
            return department.name
        candidates = names.ambiguous(name)
        if name not in plan.unknown_names and len(plan.unknown_names) < MAX_NAME_CHOICES:
            plan.unknown_names[name] = [(c.id, c.name) for c in candidates] or names.closest(name, n=3)
        if candidates:
            # Never a new department for a name that already means two: the file must say which.
            errors.append(ambiguity_message(name, candidates))
            return None
        if not create_departments:
            errors.append(
                _l(
                    "找不到部门「%(department)s」：%(jurisdiction)s没有以此为全称、简称或其他名称的部门。",
                    department=name,
                    jurisdiction=jurisdiction.name,
                )
            )
            return None
        if len(name) > MAX_DEPARTMENT:
            errors.append(_l("部门名称「%(start)s…」过长（最多 %(max)s 字）。", start=name[:20], max=MAX_DEPARTMENT))
            return None
        new_departments.setdefault(name, NewDepartment(name, guess_sector(name), raw.row))
        return name

    for checked, raw in enumerate(parsed.rows):
        if progress is not None and checked % PROGRESS_EVERY == 0:
            progress(checked, len(parsed.rows))
        errors: list[LazyString] = []

        title, category, description = raw.title.strip(), raw.category.strip(), raw.description.strip()
        if not title:
            errors.append(_l("具体事项为空。"))
        elif len(title) > MAX_TITLE:
            errors.append(_l("具体事项过长（最多 %(max)s 字）。", max=MAX_TITLE))
        elif title in seen:
            errors.append(_l("具体事项「%(title)s」与第 %(row)s 行重复。", title=title, row=seen[title]))
        else:
            seen[title] = raw.row
        if not category and parsed.layout != "mapped":  # a document may have no categories at all
            errors.append(_l("事项类别为空。"))
        elif len(category) > MAX_CATEGORY:
            errors.append(_l("事项类别过长（最多 %(max)s 字）。", max=MAX_CATEGORY))

        lead_names = split_departments(raw.lead)
        if len(lead_names) > 1:
            errors.append(_l("牵头部门只能填写一个部门（「%(lead)s」），其余请填入配合部门。", lead=raw.lead.strip()))
        lead = resolve(lead_names[0]) if lead_names else None
        co_lead_keys = [key for key in map(resolve, raw.co_leads) if key is not None]
        named = [key for key in map(resolve, raw.cooperating) if key is not None]
        # The services' rules, on the names as resolved (a department to be created is in being); rows
        # naming the same departments have the same problems, checked once.
        named_together = (lead, tuple(named), tuple(co_lead_keys))
        problems = checked_together.get(named_together)
        if problems is None:
            problems = checked_together[named_together] = rules.assignment_problems(
                jurisdiction_id,
                jurisdiction_name,
                party(lead) if lead else None,
                [party(k) for k in named],
                [party(k) for k in co_lead_keys],
            )
        errors.extend(message for _field, message in problems)
        co_leads = list(dict.fromkeys(k for k in co_lead_keys if k != lead))
        cooperating = list(dict.fromkeys(k for k in named if k != lead and k not in co_leads))

        territorial = places(raw.territorial, errors)
        deadline_text = raw.deadline_text.strip()
        if len(deadline_text) > MAX_DEADLINE:
            errors.append(_l("完成时限过长（最多 %(max)s 字）。", max=MAX_DEADLINE))
        targets = [_target(t) for t in raw.targets]
        errors.extend(message for _field, message in target_problems(targets))

        basis = raw.basis if isinstance(raw.basis, list) else parse_basis(raw.basis)
        for item in basis:
            if not item.title:
                errors.append(_l("依据中有空的文件名称（《》）。"))
            elif len(item.title) > MAX_DOC_TITLE:
                errors.append(
                    _l("依据「%(start)s…」名称过长（最多 %(max)s 字）。", start=item.title[:20], max=MAX_DOC_TITLE)
                )
            if len(item.doc_number) > MAX_DOC_NUMBER:
                errors.append(
                    _l("依据「%(title)s」的文号过长（最多 %(max)s 字）。", title=item.title, max=MAX_DOC_NUMBER)
                )
            if len(item.article) > MAX_ARTICLE:
                errors.append(_l("依据「%(title)s」的条款过长（最多 %(max)s 字）。", title=item.title, max=MAX_ARTICLE))

        old = existing.get(title)
        if old is not None and old.status == MatterStatus.DELEGATED:
            cooperating_ids = [by_name[k].id if k in by_name else k for k in cooperating]
            problems = rules.delegated_problems(
                title,
                old.delegated_to_name,
                names_departments=lead is not None or bool(co_leads) or cooperating_ids != old.cooperating_ids,
            )
            errors.extend(message for _field, message in problems)
        if errors:
            plan.errors.extend(RowError(raw.row, str(reason)) for reason in errors)
            continue

        planned = PlannedMatter(
            row=raw.row,
            action="create",
            title=title,
            category=category,
            description=description,
            seq=whole_number(raw.seq, low=0),
            lead=lead,
            cooperating=cooperating,
            basis=basis,
            status=MatterStatus.ASSIGNED if lead else MatterStatus.PENDING,
            co_leads=co_leads,
            territorial=territorial,
            deadline_text=deadline_text,
            deadline=deadline_of(deadline_text, year),
            targets=targets,
        )
        if old is not None:
            extra = extras.get(old.id) or _Extras()
            if parsed.layout != "mapped":
                # The plain format may have no column for each of these (a CSV has none for targets):
                # what the file does not state, the matter keeps; an empty cell of a column it has clears.
                if "co_leads" not in raw.carries and lead:
                    taken = {lead, *cooperating}
                    planned.co_leads = [by_id[i].name for i in extra.co_lead_ids if by_id[i].name not in taken]
                if "territorial" not in raw.carries:
                    planned.territorial = list(extra.territorial)
                if "deadline_text" not in raw.carries:
                    planned.deadline_text, planned.deadline = extra.deadline_text, extra.deadline
                if "targets" not in raw.carries:
                    planned.targets = list(extra.targets)
            _compare(planned, old, extra, by_name, by_id)
        plan.matters.append(planned)

    _plan_defaults(plan, jurisdiction, parsed, places)
    plan.new_departments = list(new_departments.values())
    plan.department_ids = {d.name: d.id for d in by_id.values()}
    plan.untouched = [t for t in existing if t not in seen]


def _plan_defaults(plan: ImportPlan, jurisdiction: Jurisdiction, parsed: ListFile, places: Callable) -> None:
    """The list-wide rules the file states that the list does not state yet (the same text is not added twice)."""
    if not parsed.defaults:
        return
    stated = set(db.session.scalars(select(ListDefault.text).where(ListDefault.jurisdiction_id == jurisdiction.id)))
    for default in parsed.defaults:
        text = default.text.strip()
        if not text or text in stated:
            continue
        stated.add(text)
        errors: list[LazyString] = []
        codes = places(default.territorial, errors)
        if errors:
            # The item stating the rule may have said the same of itself: once is enough.
            said = set(plan.errors)
            plan.errors.extend(e for e in (RowError(default.row, str(r)) for r in errors) if e not in said)
            continue
        plan.defaults.append(PlannedDefault(default.row, text, codes))


def _compare(
    planned: PlannedMatter, old: WorkingMatter, extra: _Extras, by_name: dict[str, _Dept], by_id: dict[int, _Dept]
) -> None:
    def ident(key: str | None) -> int | str | None:
        # Departments still to be created have no id yet: they differ from every existing one.
        return by_name[key].id if key in by_name else key

    planned.matter_id, planned.lock_version = old.id, old.lock_version
    planned.old_lead = by_id[old.lead_id].name if old.lead_id else None
    if old.status == MatterStatus.DELEGATED:
        planned.status = MatterStatus.DELEGATED
    old_cooperating = [i for i in old.cooperating_ids if i not in extra.co_lead_ids]
    differs = {
        "事项类别": planned.category != old.category,
        "责任内容": planned.description != old.description,
        "牵头部门": ident(planned.lead) != old.lead_id,
        "共同牵头部门": [ident(k) for k in planned.co_leads] != extra.co_lead_ids,
        "配合部门": [ident(k) for k in planned.cooperating] != old_cooperating,
        "属地落实": planned.territorial != extra.territorial,
        "完成时限": (planned.deadline_text, planned.deadline) != (extra.deadline_text, extra.deadline),
        "量化目标": _target_key(planned.targets) != _target_key(extra.targets),
        "依据": list(planned.basis) != old.basis,
    }
    planned.changes = [label for label in CHANGE_LABELS if differs[label]]
    planned.action = "change" if planned.changes else "same"
    if planned.changes:
        planned.before = matter_audit_data(
            seq=old.seq,
            category=old.category,
            title=old.title,
            description=old.description,
            status=old.status,
            delegated_to=old.delegated_to_code or old.delegated_to_name,  # several: their names
            lead=planned.old_lead,
            cooperating=[by_id[i].name for i in old_cooperating],
            basis=[b.label for b in old.basis],
            co_leads=[by_id[i].name for i in extra.co_lead_ids],
            territorial=extra.territorial,
            deadline_text=extra.deadline_text,
            targets=[target_label(t) for t in extra.targets],
        )
        planned.seq = old.seq


# -- applying ------------------------------------------------------------------------------------


@without_cycle_collection
def apply_import(plan: ImportPlan, actor: Actor, *, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Carry out a plan with no errors, all or nothing, with audit entries; flushes, never commits.
    A mapped file's mapping is remembered for the jurisdiction's next import of that kind."""
    if not plan.ok:
        raise DomainError(_l("导入文件有 %(count)s 处错误，未导入任何内容。", count=len(plan.errors)))
    jurisdiction = db.session.get(Jurisdiction, plan.jurisdiction_id)
    if plan.duties is not None:
        from registry.imports.duties import apply_duties

        with db.session.begin_nested():
            result = apply_duties(plan.duties, actor)
            remember_mapping(plan, actor)
        return result
    db.session.flush()
    try:
        with db.session.begin_nested():
            result = _apply(plan, jurisdiction, actor, progress or (lambda n: None))
    except IntegrityError as e:  # a row inserted meanwhile with a title the plan thought free
        raise StaleEdit(_l("清单在预览之后已被修改（有同名事项新增），请重新上传预览后再确认导入。")) from e
    # Core statements bypass the identity map: make loaded objects read the new rows.
    db.session.expire_all()
    return result


def _apply(plan: ImportPlan, jurisdiction: Jurisdiction, actor: Any, progress: Callable[[int], None]) -> ImportResult:
    ids = dict(plan.department_ids)
    created_departments = []
    if plan.new_departments:
        order = db.session.scalar(
            select(func.max(Department.sort_order)).where(Department.jurisdiction_id == jurisdiction.id)
        )
        for offset, new in enumerate(plan.new_departments, start=1):
            department = services.create_department(
                jurisdiction,
                name=new.name,
                short_name=new.name,
                sector=new.sector,
                sort_order=(order or 0) + offset,
                kind=guess_kind(new.name),
                actor=actor,
            )
            ids[department.name] = department.id
            created_departments.append(department.name)
    _remember_names(plan, jurisdiction, actor)
    writer = ImportWriter(jurisdiction, ids, actor)
    writer.ensure_documents(m.basis for m in plan.matters if m.action != "same")
    progress(len(plan.unchanged))
    to_create, to_change = plan.to_create, plan.to_change
    next_seq = max(
        [db.session.scalar(select(func.max(Matter.seq)).where(Matter.jurisdiction_id == jurisdiction.id)) or 0]
        + [m.seq or 0 for m in to_create]
    )
    for planned in to_create:
        if planned.seq is None:
            next_seq += 1
            planned.seq = next_seq
    for start in range(0, len(to_create), CHUNK):
        writer.create(to_create[start : start + CHUNK])
        progress(len(to_create[start : start + CHUNK]))
    for start in range(0, len(to_change), CHUNK):
        writer.change(to_change[start : start + CHUNK])
        progress(len(to_change[start : start + CHUNK]))
    _write_defaults(plan, jurisdiction, actor)
    remember_mapping(plan, actor)
    result = ImportResult(len(to_create), len(to_change), len(plan.unchanged), created_departments)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # the log is written in the default language
        result_text = str(result.summary())
    entry = audit.record(
        actor,
        "import",
        jurisdiction,
        jurisdiction_id=jurisdiction.id,
        after={
            "file": plan.filename,
            "created": result.created,
            "changed": result.changed,
            "unchanged": result.unchanged,
            "untouched": len(plan.untouched),
            "departments_created": created_departments,
            "defaults_added": [d.text for d in plan.defaults],
            "names_remembered": sorted(plan.aliases),
            "mapping": plan.mapping.as_dict() if plan.mapping is not None else None,
        },
        summary=f"导入清单{('「' + plan.filename + '」') if plan.filename else ''}：{result_text}",
    )
    db.session.flush()
    result.audit_id = entry.id
    return result


def _write_defaults(plan: ImportPlan, jurisdiction: Jurisdiction, actor: Actor) -> None:
    if not plan.defaults:
        return
    position = db.session.scalar(
        select(func.max(ListDefault.position)).where(ListDefault.jurisdiction_id == jurisdiction.id)
    )
    for offset, planned in enumerate(plan.defaults, start=1):
        default = ListDefault(
            jurisdiction_id=jurisdiction.id,
            position=(position or 0) + offset,
            text=planned.text,
            territorial=planned.territorial,
        )
        db.session.add(default)
        db.session.flush()
        audit.record(actor, "create", default, jurisdiction_id=jurisdiction.id, after=default.audit_data())


def _remember_names(plan: ImportPlan, jurisdiction: Jurisdiction, actor: Actor) -> None:
    """The names the office matched to departments on the preview become those departments' aliases
    (kind written, audited), so the next import matches them by itself."""
    for written, department_id in plan.aliases.items():
        department = db.session.get(Department, department_id)
        if department is None:
            continue
        try:
            with db.session.begin_nested():
                remember_alias(jurisdiction, department, written, actor)
        except DomainError:
            continue  # the name is another department's: this import used the office's choice all the same


def remember_mapping(plan: ImportPlan, actor: Actor) -> None:
    """Keep the mapping a confirmed import used, as the jurisdiction's proposal for its next file of the kind."""
    if plan.mapping is None:
        return
    data = recognition.mapping_to_remember(plan.source, plan.mapping)
    row = db.session.scalar(
        select(ImportMapping).where(
            ImportMapping.jurisdiction_id == plan.jurisdiction_id, ImportMapping.kind == plan.mapping.kind
        )
    )
    if row is None:
        row = ImportMapping(jurisdiction_id=plan.jurisdiction_id, kind=plan.mapping.kind)
        db.session.add(row)
    row.data = data
    row.updated_by_id = getattr(actor, "id", None) if isinstance(getattr(actor, "id", None), int) else None
    db.session.flush()
