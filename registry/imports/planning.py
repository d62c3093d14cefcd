"""Importing a responsibility list from a spreadsheet: plan first (reads only, reports every bad
row), then apply all or nothing.

Built for big files (a province has ~100k matters): departments, documents and the existing matters
are read with a handful of bulk queries, never per row, and rows are written with core INSERTs in
chunks; the ORM unit of work is only used for the few departments an import may create.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
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
from registry.extensions import db
from registry.imports.reading import Basis, FileProblem, parse_basis, read_list_file, split_departments
from registry.imports.writing import ImportWriter
from registry.jurisdictions.models import Jurisdiction
from registry.lists import rules, services
from registry.lists.models import (
    Department,
    Matter,
    MatterStatus,
    matter_audit_data,
)
from registry.lists.queries import WorkingMatter, working_matters
from registry.lists.rules import Party
from registry.lists.services import StaleEdit

# Matters are written in chunks of this many, each a COPY per table on PostgreSQL: large enough that
# the server works on a chunk while Python streams it (a COPY must end before the next one starts, and
# chunks of 2,000 left the server idle while each was built: 7,500 → 9,700 rows/s), small enough for
# a progress bar.
CHUNK = 20000
# A row inserted meanwhile with a title the plan thought free trips the unique constraint.
DUPLICATE_ERRORS: tuple[type[Exception], ...] = (IntegrityError,)
try:
    import psycopg

    DUPLICATE_ERRORS += (psycopg.errors.IntegrityError,)  # raised by COPY, which bypasses SQLAlchemy
except ImportError:  # pragma: no cover - SQLite-only installs
    pass
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

CHANGE_LABELS = ("事项类别", "责任内容", "牵头部门", "配合部门", "依据")


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
        return bool(self.new_departments or any(m.action != "same" for m in self.matters))

    def summary(self) -> LazyString:
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


def plan_import(
    jurisdiction: Jurisdiction, data: bytes, filename: str = "", *, create_departments: bool = False
) -> ImportPlan:
    """Read the file and say what importing it would do, and every bad row; changes nothing."""
    db.session.flush()  # the bulk reads below are core queries, which do not autoflush
    plan = ImportPlan(
        jurisdiction_id=jurisdiction.id,
        jurisdiction_name=jurisdiction.name,
        filename=filename,
        create_departments=create_departments,
    )
    try:
        parsed = read_list_file(data, filename)
    except FileProblem as e:
        plan.errors.append(RowError(e.row, str(e)))
        return plan
    plan.format, plan.encoding, plan.layout = parsed.format, parsed.encoding, parsed.layout
    if not parsed.rows:
        plan.errors.append(RowError(None, str(_l("文件中没有任何事项行。"))))
        return plan

    by_name, by_id = _departments(jurisdiction.id)
    existing = {w.title: w for w in working_matters(jurisdiction.id)}
    new_departments: dict[str, NewDepartment] = {}
    seen: dict[str, int] = {}

    parties: dict[str, Party] = {}

    def party(key: str) -> Party:
        if key not in parties:
            department = by_name.get(key)
            parties[key] = Party(key, key, jurisdiction.id, department.active if department else True)
        return parties[key]

    for raw in parsed.rows:
        errors: list[LazyString] = []

        def resolve(name: str, row: int = raw.row, errors: list[LazyString] = errors) -> str | None:
            department = by_name.get(name)
            if department is not None:
                return department.name
            if not create_departments:
                errors.append(
                    _l(
                        "找不到部门「%(department)s」：%(jurisdiction)s没有以此为全称或简称的部门。",
                        department=name,
                        jurisdiction=jurisdiction.name,
                    )
                )
                return None
            if len(name) > MAX_DEPARTMENT:
                errors.append(
                    _l("部门名称「%(start)s…」过长（最多 %(max)s 字）。", start=name[:20], max=MAX_DEPARTMENT)
                )
                return None
            new_departments.setdefault(name, NewDepartment(name, guess_sector(name), row))
            return name

        title, category, description = raw.title.strip(), raw.category.strip(), raw.description.strip()
        if not title:
            errors.append(_l("具体事项为空。"))
        elif len(title) > MAX_TITLE:
            errors.append(_l("具体事项过长（最多 %(max)s 字）。", max=MAX_TITLE))
        elif title in seen:
            errors.append(_l("具体事项「%(title)s」与第 %(row)s 行重复。", title=title, row=seen[title]))
        else:
            seen[title] = raw.row
        if not category:
            errors.append(_l("事项类别为空。"))
        elif len(category) > MAX_CATEGORY:
            errors.append(_l("事项类别过长（最多 %(max)s 字）。", max=MAX_CATEGORY))

        lead_names = split_departments(raw.lead)
        if len(lead_names) > 1:
            errors.append(_l("牵头部门只能填写一个部门（「%(lead)s」），其余请填入配合部门。", lead=raw.lead.strip()))
        lead = resolve(lead_names[0]) if lead_names else None
        named = [key for key in map(resolve, raw.cooperating) if key is not None]
        # The services' rules, on the names as resolved (a department to be created is in being).
        problems = rules.assignment_problems(
            jurisdiction.id, jurisdiction.name, party(lead) if lead else None, [party(k) for k in named]
        )
        errors.extend(message for _field, message in problems)
        cooperating = list(dict.fromkeys(k for k in named if k != lead))

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
                names_departments=lead is not None or cooperating_ids != old.cooperating_ids,
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
        )
        if old is not None:
            _compare(planned, old, by_name, by_id)
        plan.matters.append(planned)

    plan.new_departments = list(new_departments.values())
    plan.department_ids = {d.name: d.id for d in by_id.values()}
    plan.untouched = [t for t in existing if t not in seen]
    return plan


def _compare(planned: PlannedMatter, old: WorkingMatter, by_name: dict[str, _Dept], by_id: dict[int, _Dept]) -> None:
    def ident(key: str | None) -> int | str | None:
        # Departments still to be created have no id yet: they differ from every existing one.
        return by_name[key].id if key in by_name else key

    planned.matter_id, planned.lock_version = old.id, old.lock_version
    planned.old_lead = by_id[old.lead_id].name if old.lead_id else None
    if old.status == MatterStatus.DELEGATED:
        planned.status = MatterStatus.DELEGATED
    differs = {
        "事项类别": planned.category != old.category,
        "责任内容": planned.description != old.description,
        "牵头部门": ident(planned.lead) != old.lead_id,
        "配合部门": [ident(k) for k in planned.cooperating] != old.cooperating_ids,
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
            cooperating=[by_id[i].name for i in old.cooperating_ids],
            basis=[b.label for b in old.basis],
        )
        planned.seq = old.seq


# -- applying ------------------------------------------------------------------------------------


def apply_import(plan: ImportPlan, actor: Actor, *, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Carry out a plan with no errors, all or nothing, with audit entries; flushes, never commits."""
    if not plan.ok:
        raise DomainError(_l("导入文件有 %(count)s 处错误，未导入任何内容。", count=len(plan.errors)))
    jurisdiction = db.session.get(Jurisdiction, plan.jurisdiction_id)
    db.session.flush()
    try:
        with db.session.begin_nested():
            result = _apply(plan, jurisdiction, actor, progress or (lambda n: None))
    except DUPLICATE_ERRORS as e:
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
                actor=actor,
            )
            ids[department.name] = department.id
            created_departments.append(department.name)
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
        },
        summary=f"导入清单{('「' + plan.filename + '」') if plan.filename else ''}：{result_text}",
    )
    db.session.flush()
    result.audit_id = entry.id
    return result
