"""Changing a jurisdiction's working list. Services flush, never commit, and write the audit entry."""

import hashlib
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from registry.core import audit
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import (
    Assignment,
    Citation,
    Department,
    Duty,
    LeadDecision,
    ListVersion,
    Matter,
    MatterStatus,
    PolicyDocument,
    Role,
    Unit,
    VersionAssignment,
    VersionDepartment,
    VersionDuty,
    VersionMatter,
)


class ListError(ValueError):
    """A change the rules refuse. `field` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleEdit(ListError):
    """Someone else saved the record since this edit began."""


def check_lock(obj: Any, expected_version: int | None) -> None:
    """Refuse a save based on an out-of-date copy (optimistic locking)."""
    if expected_version is not None and obj.lock_version != expected_version:
        raise StaleEdit("该记录已被他人修改并保存，您的修改未保存。请重新打开页面，在最新内容上修改。")


def create_department(
    jurisdiction: Jurisdiction,
    *,
    name: str,
    short_name: str,
    sector: str,
    website: str = "",
    sort_order: int = 0,
    actor=None,
) -> Department:
    """Add a department to a jurisdiction."""
    name, short_name, sector = name.strip(), (short_name or name).strip(), sector.strip()
    _check_department_names(jurisdiction, name, short_name, exclude_id=None)
    if not sector:
        raise ListError("请填写所属系统。", "sector")
    department = Department(
        jurisdiction=jurisdiction,
        name=name,
        short_name=short_name,
        sector=sector,
        website=website.strip(),
        sort_order=sort_order,
    )
    db.session.add(department)
    db.session.flush()
    audit.record(actor, "create", department, jurisdiction_id=jurisdiction.id, after=department.audit_data())
    return department


def _check_department_names(jurisdiction: Jurisdiction, name: str, short_name: str, exclude_id: int | None) -> None:
    if not name:
        raise ListError("部门全称不能为空。", "name")
    clash = select(Department).where(Department.jurisdiction_id == jurisdiction.id)
    if exclude_id is not None:
        clash = clash.where(Department.id != exclude_id)
    for field, value in (("name", name), ("short_name", short_name)):
        other = db.session.scalar(clash.where((Department.name == value) | (Department.short_name == value)).limit(1))
        if other is not None:
            raise ListError(f"{jurisdiction.name}已有部门「{other.name}」使用了名称「{value}」。", field)


def resolve_department(jurisdiction: Jurisdiction, name: str) -> Department | None:
    """A department of the jurisdiction by full or short name."""
    return db.session.scalar(
        select(Department).where(
            Department.jurisdiction_id == jurisdiction.id,
            (Department.name == name) | (Department.short_name == name),
        )
    )


def add_duty(
    department: Department, text: str, *, citations: Sequence[tuple[PolicyDocument, str]] = (), actor=None
) -> Duty:
    """Add a duty line to a department, optionally citing policy documents."""
    text = text.strip()
    if not text:
        raise ListError("职责内容不能为空。", "text")
    _check_citations(department.jurisdiction_id, citations)
    seq = (db.session.scalar(select(func.max(Duty.seq)).where(Duty.department_id == department.id)) or 0) + 1
    duty = Duty(department=department, text=text, seq=seq)
    db.session.add(duty)
    for document, article in citations:
        cite(duty, document, article)
    db.session.flush()
    audit.record(actor, "create", duty, jurisdiction_id=department.jurisdiction_id, after=duty_data(duty))
    return duty


def get_or_create_document(
    jurisdiction: Jurisdiction,
    *,
    title: str,
    doc_number: str = "",
    issuer: str = "",
    issued_on: date | None = None,
    actor=None,
) -> PolicyDocument:
    """The jurisdiction's policy document with this title and 文号, created when missing."""
    title = title.strip().strip("《》")
    if not title:
        raise ListError("文件名称不能为空。", "title")
    document = db.session.scalar(
        select(PolicyDocument).where(
            PolicyDocument.jurisdiction_id == jurisdiction.id,
            PolicyDocument.title == title,
            PolicyDocument.doc_number == doc_number.strip(),
        )
    )
    if document is None:
        document = PolicyDocument(
            jurisdiction_id=jurisdiction.id,
            title=title,
            doc_number=doc_number.strip(),
            issuer=issuer.strip(),
            issued_on=issued_on,
        )
        db.session.add(document)
        db.session.flush()
        audit.record(actor, "create", document, jurisdiction_id=jurisdiction.id, after=document.audit_data())
    return document


def validate_assignments(
    jurisdiction: Jurisdiction, lead: Department | None, cooperating: Sequence[Department]
) -> None:
    """The rules of assignments the database cannot see: same jurisdiction, active, one role each."""
    for department, field in [(lead, "lead"), *((d, "cooperating") for d in cooperating)]:
        if department is None:
            continue
        if department.jurisdiction_id != jurisdiction.id:
            raise ListError(f"「{department.name}」不属于{jurisdiction.name}，不能承担本级事项。", field)
        if not department.active:
            raise ListError(f"「{department.name}」已撤销，不能承担事项。", field)
    ids = [d.id for d in cooperating]
    if len(ids) != len(set(ids)):
        raise ListError("配合部门重复。", "cooperating")
    if lead is not None and lead.id in ids:
        raise ListError(f"「{lead.name}」已是牵头部门，不能同时作为配合部门。", "cooperating")


def _apply_assignments(matter: Matter, lead: Department | None, cooperating: Sequence[Department]) -> None:
    matter.assignments.clear()
    db.session.flush()  # delete old rows before inserting, so unique indexes never see both
    if lead is not None:
        matter.assignments.append(Assignment(department=lead, role=Role.LEAD, position=0))
    for position, department in enumerate(cooperating, start=1):
        matter.assignments.append(Assignment(department=department, role=Role.COOPERATING, position=position))
    if matter.status != MatterStatus.DELEGATED:
        matter.status = MatterStatus.ASSIGNED if lead is not None else MatterStatus.PENDING


def create_matter(
    jurisdiction: Jurisdiction,
    *,
    title: str,
    category: str,
    description: str = "",
    lead: Department | None = None,
    cooperating: Sequence[Department] = (),
    seq: int | None = None,
    citations: Sequence[tuple[PolicyDocument, str]] = (),
    actor=None,
) -> Matter:
    """Add a matter; with no lead it is pending (§5)."""
    title, category = title.strip(), category.strip()
    if not title:
        raise ListError("具体事项名称不能为空。", "title")
    if not category:
        raise ListError("请填写事项类别。", "category")
    if db.session.scalar(select(Matter.id).where(Matter.jurisdiction_id == jurisdiction.id, Matter.title == title)):
        raise ListError(f"{jurisdiction.name}已有名为「{title}」的事项。", "title")
    validate_assignments(jurisdiction, lead, cooperating)
    _check_citations(jurisdiction.id, citations)
    if seq is None:
        seq = (
            db.session.scalar(select(func.max(Matter.seq)).where(Matter.jurisdiction_id == jurisdiction.id)) or 0
        ) + 1
    matter = Matter(jurisdiction=jurisdiction, title=title, category=category, description=description.strip(), seq=seq)
    db.session.add(matter)
    _apply_assignments(matter, lead, cooperating)
    for document, article in citations:
        cite(matter, document, article)
    db.session.flush()
    audit.record(actor, "create", matter, jurisdiction_id=jurisdiction.id, after=matter.audit_data())
    return matter


def cite(matter_or_duty: Matter | Duty, document: PolicyDocument, article: str = "") -> Citation:
    """Make a matter or duty cite a policy document (no audit of its own: part of the owner's change)."""
    citation = Citation(document=document, article=article.strip())
    matter_or_duty.citations.append(citation)
    return citation


# -- publishing ----------------------------------------------------------------------------------


def frozen_content(jurisdiction: Jurisdiction) -> dict[str, Any]:
    """The working list as plain data: what a published version freezes and its checksum covers."""
    departments = db.session.scalars(
        select(Department)
        .where(Department.jurisdiction_id == jurisdiction.id, Department.active.is_(True))
        .options(selectinload(Department.duties).selectinload(Duty.citations).selectinload(Citation.document))
        .order_by(Department.sort_order, Department.id)
    ).all()
    matters = db.session.scalars(
        select(Matter)
        .where(Matter.jurisdiction_id == jurisdiction.id)
        .options(
            selectinload(Matter.assignments).selectinload(Assignment.department),
            selectinload(Matter.citations).selectinload(Citation.document),
            selectinload(Matter.delegated_to),
        )
        .order_by(Matter.seq, Matter.id)
    ).all()
    return {
        "jurisdiction": {"code": jurisdiction.code, "name": jurisdiction.name},
        "departments": [
            {
                "id": d.id,
                "name": d.name,
                "short_name": d.short_name,
                "sector": d.sector,
                "website": d.website,
                "sort_order": d.sort_order,
                "duties": [
                    {"id": t.id, "seq": t.seq, "text": t.text, "basis": [c.plain() for c in t.citations]}
                    for t in d.duties
                    if t.active
                ],
            }
            for d in departments
        ],
        "matters": [
            {
                "id": m.id,
                "seq": m.seq,
                "category": m.category,
                "title": m.title,
                "description": m.description,
                "status": m.status,
                "delegated_to": (
                    {"code": m.delegated_to.code, "name": m.delegated_to.name} if m.delegated_to else None
                ),
                "assignments": [
                    {
                        "department_id": a.department_id,
                        "name": a.department.name,
                        "short_name": a.department.short_name,
                        "role": a.role,
                    }
                    for a in m.assignments
                ],
                "basis": [c.plain() for c in m.citations],
            }
            for m in matters
        ],
    }


def checksum(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def publish_version(
    jurisdiction: Jurisdiction,
    *,
    label: str,
    doc_number: str,
    effective_date: date,
    publisher: str,
    actor=None,
) -> ListVersion:
    """Freeze the working list into a new immutable version."""
    label, doc_number, publisher = label.strip(), doc_number.strip(), publisher.strip()
    if not label:
        raise ListError("请填写版本名称。", "label")
    if not doc_number:
        raise ListError("请填写发布文号。", "doc_number")
    if not publisher:
        raise ListError("请填写发布机关。", "publisher")
    if db.session.scalar(
        select(ListVersion.id).where(ListVersion.jurisdiction_id == jurisdiction.id, ListVersion.label == label)
    ):
        raise ListError(f"版本「{label}」已存在，请换一个版本名称。", "label")
    content = frozen_content(jurisdiction)
    seq = (
        db.session.scalar(select(func.max(ListVersion.seq)).where(ListVersion.jurisdiction_id == jurisdiction.id)) or 0
    ) + 1
    version = ListVersion(
        jurisdiction_id=jurisdiction.id,
        seq=seq,
        label=label,
        doc_number=doc_number,
        effective_date=effective_date,
        publisher=publisher,
        published_by_id=getattr(actor, "id", None),
        checksum=checksum(content),
        matter_count=len(content["matters"]),
    )
    db.session.add(version)
    db.session.flush()
    _write_snapshot(version, content)
    from registry.public.search import reindex_jurisdiction  # the public search follows the version in force

    reindex_jurisdiction(jurisdiction.id)
    audit.record(
        actor,
        "publish",
        version,
        jurisdiction_id=jurisdiction.id,
        after={
            "label": label,
            "doc_number": doc_number,
            "effective_date": effective_date.isoformat(),
            "publisher": publisher,
            "checksum": version.checksum,
            "matters": version.matter_count,
        },
    )
    return version


def _write_snapshot(version: ListVersion, content: dict[str, Any]) -> None:
    # Core inserts: a national list has millions of rows and the ORM unit of work is not needed here.
    v = version.id
    departments = [
        {
            "version_id": v,
            "department_id": d["id"],
            "name": d["name"],
            "short_name": d["short_name"],
            "sector": d["sector"],
            "website": d["website"],
            "sort_order": d["sort_order"],
        }
        for d in content["departments"]
    ]
    if departments:
        db.session.execute(VersionDepartment.__table__.insert(), departments)
    duties = [
        {
            "version_id": v,
            "department_id": d["id"],
            "duty_id": t["id"],
            "seq": t["seq"],
            "text": t["text"],
            "basis": t["basis"],
        }
        for d in content["departments"]
        for t in d["duties"]
    ]
    if duties:
        db.session.execute(VersionDuty.__table__.insert(), duties)
    matters = content["matters"]
    vm_table, va_table = VersionMatter.__table__, VersionAssignment.__table__
    for begin in range(0, len(matters), _SNAPSHOT_CHUNK):
        chunk = matters[begin : begin + _SNAPSHOT_CHUNK]
        rows = []
        for m in chunk:
            lead = next((a for a in m["assignments"] if a["role"] == Role.LEAD), None)
            rows.append(
                {
                    "version_id": v,
                    "matter_id": m["id"],
                    "seq": m["seq"],
                    "category": m["category"],
                    "title": m["title"],
                    "description": m["description"],
                    "status": m["status"],
                    "delegated_to_code": m["delegated_to"]["code"] if m["delegated_to"] else None,
                    "delegated_to_name": m["delegated_to"]["name"] if m["delegated_to"] else None,
                    "lead_department_id": lead["department_id"] if lead else None,
                    "basis": m["basis"],
                }
            )
        # RETURNING in parameter order pairs each new version-matter id with its matter.
        ids = db.session.execute(
            vm_table.insert().returning(vm_table.c.id, sort_by_parameter_order=True), rows
        ).scalars()
        assignments = [
            {
                "version_matter_id": vm_id,
                "version_id": v,
                "department_id": a["department_id"],
                "department_name": a["name"],
                "department_short_name": a["short_name"],
                "role": a["role"],
                "position": i,
            }
            for vm_id, m in zip(ids, chunk, strict=True)
            for i, a in enumerate(m["assignments"])
        ]
        if assignments:
            db.session.execute(va_table.insert(), assignments)
    db.session.flush()


_SNAPSHOT_CHUNK = 2000


# -- editing the working list (offices) ----------------------------------------------------------

BASIS_KINDS = {"meeting": "会议研究", "document": "发文明确"}


class DepartmentStillLeads(ListError):
    """Retiring a department that still leads matters: `matters` lists them."""

    def __init__(self, message: str, matters: Sequence[Matter]):
        super().__init__(message, None)
        self.matters = list(matters)


def duty_data(duty: Duty) -> dict[str, Any]:
    """A duty's audit data, with the documents it cites."""
    return {**duty.audit_data(), "basis": [c.label for c in duty.citations]}


def _check_citations(jurisdiction_id: int, citations: Sequence[tuple[PolicyDocument, str]]) -> None:
    seen = set()
    for document, article in citations:
        if document.jurisdiction_id != jurisdiction_id:
            raise ListError(f"《{document.title}》不是本级登记的政策文件，不能引用。", "citations")
        key = (document.id, article.strip())
        if key in seen:
            raise ListError(f"《{document.title}》{article.strip()}重复引用。", "citations")
        seen.add(key)


def _replace_citations(owner: Matter | Duty, citations: Sequence[tuple[PolicyDocument, str]]) -> None:
    owner.citations.clear()
    db.session.flush()
    for document, article in citations:
        cite(owner, document, article)


def _touch(obj: Any) -> None:
    # Changes to child rows (assignments, citations) must still bump the owner's lock_version, so
    # that a concurrent edit of the same record is refused.
    flag_modified(obj, _FIRST_COLUMN[type(obj)])


_FIRST_COLUMN: dict[type, str] = {Matter: "title", Duty: "text", Department: "name", PolicyDocument: "title"}


def update_department(
    department: Department,
    *,
    name: str,
    short_name: str,
    sector: str,
    website: str = "",
    sort_order: int = 0,
    expected_version: int | None = None,
    actor=None,
) -> Department:
    """Change a department's names, sector, website or order."""
    check_lock(department, expected_version)
    name, short_name, sector = name.strip(), (short_name or name).strip(), sector.strip()
    _check_department_names(department.jurisdiction, name, short_name, exclude_id=department.id)
    if not sector:
        raise ListError("请填写所属系统。", "sector")
    before = department.audit_data()
    department.name, department.short_name, department.sector = name, short_name, sector
    department.website, department.sort_order = website.strip(), sort_order
    db.session.flush()
    if department.audit_data() != before:
        audit.record(
            actor,
            "update",
            department,
            jurisdiction_id=department.jurisdiction_id,
            before=before,
            after=department.audit_data(),
        )
    return department


def matters_led_by(department: Department) -> list[Matter]:
    return list(
        db.session.scalars(
            select(Matter)
            .join(Assignment)
            .where(Assignment.department_id == department.id, Assignment.role == Role.LEAD)
            .order_by(Matter.seq, Matter.id)
        )
    )


def matters_cooperated_by(department: Department) -> list[Matter]:
    return list(
        db.session.scalars(
            select(Matter)
            .join(Assignment)
            .where(Assignment.department_id == department.id, Assignment.role == Role.COOPERATING)
            .order_by(Matter.seq, Matter.id)
        )
    )


def retire_department(department: Department, *, expected_version: int | None = None, actor=None) -> Department:
    """Retire a department (active=False); refused while it leads matters. It leaves the matters it
    cooperated on."""
    check_lock(department, expected_version)
    if not department.active:
        raise ListError(f"「{department.name}」已撤销。")
    led = matters_led_by(department)
    if led:
        raise DepartmentStillLeads(
            f"「{department.name}」仍牵头 {len(led)} 项事项，不能撤销。请先为这些事项另行明确牵头部门。", led
        )
    for matter in matters_cooperated_by(department):
        before = matter.audit_data()
        matter.assignments = [a for a in matter.assignments if a.department_id != department.id]
        _touch(matter)
        db.session.flush()
        audit.record(
            actor,
            "update",
            matter,
            jurisdiction_id=matter.jurisdiction_id,
            before=before,
            after=matter.audit_data(),
            summary=f"因撤销「{department.name}」，移出配合部门",
        )
    before = department.audit_data()
    department.active = False
    db.session.flush()
    audit.record(
        actor,
        "retire",
        department,
        jurisdiction_id=department.jurisdiction_id,
        before=before,
        after=department.audit_data(),
    )
    return department


UNIT_KINDS = {"internal": "内设机构", "affiliated": "直属单位"}


def _check_unit(department: Department, name: str, kind: str, exclude_id: int | None) -> None:
    if not name:
        raise ListError("机构名称不能为空。", "name")
    if kind not in UNIT_KINDS:
        raise ListError("请选择机构类型。", "kind")
    clash = select(Unit.id).where(Unit.department_id == department.id, Unit.name == name)
    if exclude_id is not None:
        clash = clash.where(Unit.id != exclude_id)
    if db.session.scalar(clash):
        raise ListError(f"「{department.name}」已有名为「{name}」的机构。", "name")


def create_unit(department: Department, *, name: str, kind: str = "internal", actor=None) -> Unit:
    """Add a 内设机构 or 直属单位 to a department."""
    name = name.strip()
    _check_unit(department, name, kind, None)
    unit = Unit(department=department, name=name, kind=kind)
    db.session.add(unit)
    db.session.flush()
    audit.record(actor, "create", unit, jurisdiction_id=department.jurisdiction_id, after=unit.audit_data())
    return unit


def update_unit(unit: Unit, *, name: str, kind: str, actor=None) -> Unit:
    """Rename a unit or change its kind."""
    name = name.strip()
    _check_unit(unit.department, name, kind, unit.id)
    before = unit.audit_data()
    unit.name, unit.kind = name, kind
    db.session.flush()
    if unit.audit_data() != before:
        audit.record(
            actor,
            "update",
            unit,
            jurisdiction_id=unit.department.jurisdiction_id,
            before=before,
            after=unit.audit_data(),
        )
    return unit


def retire_unit(unit: Unit, *, actor=None) -> Unit:
    """Retire a unit (active=False)."""
    if not unit.active:
        raise ListError(f"「{unit.name}」已撤销。")
    before = unit.audit_data()
    unit.active = False
    db.session.flush()
    audit.record(
        actor, "retire", unit, jurisdiction_id=unit.department.jurisdiction_id, before=before, after=unit.audit_data()
    )
    return unit


def update_duty(
    duty: Duty,
    *,
    text: str,
    citations: Sequence[tuple[PolicyDocument, str]] = (),
    expected_version: int | None = None,
    actor=None,
) -> Duty:
    """Change a duty's text and the documents it cites."""
    check_lock(duty, expected_version)
    text = text.strip()
    if not text:
        raise ListError("职责内容不能为空。", "text")
    _check_citations(duty.department.jurisdiction_id, citations)
    before = duty_data(duty)
    duty.text = text
    _replace_citations(duty, citations)
    if duty_data(duty) != before:
        _touch(duty)
        db.session.flush()
        audit.record(
            actor,
            "update",
            duty,
            jurisdiction_id=duty.department.jurisdiction_id,
            before=before,
            after=duty_data(duty),
        )
    return duty


def delete_duty(duty: Duty, *, expected_version: int | None = None, actor=None) -> None:
    """Delete a duty line (published versions keep their copy)."""
    check_lock(duty, expected_version)
    before, jurisdiction_id = duty_data(duty), duty.department.jurisdiction_id
    db.session.delete(duty)
    db.session.flush()
    audit.record(actor, "delete", duty, jurisdiction_id=jurisdiction_id, before=before, entity_type="duties")


def update_matter(
    matter: Matter,
    *,
    title: str,
    category: str,
    description: str = "",
    lead: Department | None = None,
    cooperating: Sequence[Department] = (),
    citations: Sequence[tuple[PolicyDocument, str]] = (),
    expected_version: int | None = None,
    actor=None,
) -> Matter:
    """Change a matter's text, lead and cooperating departments and legal basis."""
    check_lock(matter, expected_version)
    title, category = title.strip(), category.strip()
    if not title:
        raise ListError("具体事项名称不能为空。", "title")
    if not category:
        raise ListError("请填写事项类别。", "category")
    if db.session.scalar(
        select(Matter.id).where(
            Matter.jurisdiction_id == matter.jurisdiction_id, Matter.title == title, Matter.id != matter.id
        )
    ):
        raise ListError(f"{matter.jurisdiction.name}已有名为「{title}」的事项。", "title")
    if matter.status == MatterStatus.DELEGATED and (lead is not None or cooperating):
        raise ListError(
            f"该事项已交由{matter.delegated_to.name}研究明确，本级不再指定牵头或配合部门。",
            "lead" if lead is not None else "cooperating",
        )
    validate_assignments(matter.jurisdiction, lead, cooperating)
    _check_citations(matter.jurisdiction_id, citations)
    before = matter.audit_data()
    matter.title, matter.category, matter.description = title, category, description.strip()
    _apply_assignments(matter, lead, cooperating)
    _replace_citations(matter, citations)
    if matter.audit_data() != before:
        _touch(matter)
        db.session.flush()
        audit.record(
            actor,
            "update",
            matter,
            jurisdiction_id=matter.jurisdiction_id,
            before=before,
            after=matter.audit_data(),
        )
    return matter


def delete_matter(matter: Matter, *, expected_version: int | None = None, actor=None) -> None:
    """Delete a matter from the working list (published versions keep their copy)."""
    check_lock(matter, expected_version)
    if matter.status == MatterStatus.DELEGATED:
        raise ListError(f"该事项已交由{matter.delegated_to.name}研究明确，不能删除。")
    if matter.delegated_from_id is not None:
        raise ListError("该事项由上级交由本级研究明确，不能删除；请研究明确其牵头部门。")
    before, jurisdiction_id = matter.audit_data(), matter.jurisdiction_id
    db.session.delete(matter)
    db.session.flush()
    audit.record(actor, "delete", matter, jurisdiction_id=jurisdiction_id, before=before, entity_type="matters")


def _check_document(jurisdiction_id: int, title: str, doc_number: str, exclude_id: int | None) -> None:
    if not title:
        raise ListError("文件名称不能为空。", "title")
    clash = select(PolicyDocument.id).where(
        PolicyDocument.jurisdiction_id == jurisdiction_id,
        PolicyDocument.title == title,
        PolicyDocument.doc_number == doc_number,
    )
    if exclude_id is not None:
        clash = clash.where(PolicyDocument.id != exclude_id)
    if db.session.scalar(clash):
        raise ListError(f"已登记《{title}》{('（' + doc_number + '）') if doc_number else ''}。", "title")


def create_document(
    jurisdiction: Jurisdiction,
    *,
    title: str,
    doc_number: str = "",
    issuer: str = "",
    issued_on: date | None = None,
    actor=None,
) -> PolicyDocument:
    """Register a policy document that matters and duties may cite."""
    title, doc_number = title.strip().strip("《》"), doc_number.strip()
    _check_document(jurisdiction.id, title, doc_number, None)
    document = PolicyDocument(
        jurisdiction_id=jurisdiction.id, title=title, doc_number=doc_number, issuer=issuer.strip(), issued_on=issued_on
    )
    db.session.add(document)
    db.session.flush()
    audit.record(actor, "create", document, jurisdiction_id=jurisdiction.id, after=document.audit_data())
    return document


def update_document(
    document: PolicyDocument,
    *,
    title: str,
    doc_number: str = "",
    issuer: str = "",
    issued_on: date | None = None,
    expected_version: int | None = None,
    actor=None,
) -> PolicyDocument:
    """Correct a policy document's title, 文号, issuer or date."""
    check_lock(document, expected_version)
    title, doc_number = title.strip().strip("《》"), doc_number.strip()
    _check_document(document.jurisdiction_id, title, doc_number, document.id)
    before = document.audit_data()
    document.title, document.doc_number, document.issuer, document.issued_on = (
        title,
        doc_number,
        issuer.strip(),
        issued_on,
    )
    db.session.flush()
    if document.audit_data() != before:
        audit.record(
            actor,
            "update",
            document,
            jurisdiction_id=document.jurisdiction_id,
            before=before,
            after=document.audit_data(),
        )
    return document


def _check_basis(basis_kind: str, basis_doc_number: str, basis_date: date | None) -> None:
    if basis_kind not in BASIS_KINDS:
        raise ListError("请选择决定方式（会议研究或发文明确）。", "basis_kind")
    if basis_kind == "document" and not basis_doc_number.strip():
        raise ListError("发文明确的，请填写文号。", "basis_doc_number")
    if basis_date is None:
        raise ListError("请填写决定日期。", "basis_date")


def _basis_text(decision: LeadDecision) -> str:
    parts = [BASIS_KINDS[decision.basis_kind], decision.basis_date.isoformat()]
    if decision.basis_doc_number:
        parts.append(decision.basis_doc_number)
    return "，".join(parts)


def decide_lead(
    matter: Matter,
    *,
    lead: Department | None,
    cooperating: Sequence[Department] = (),
    basis_kind: str,
    basis_doc_number: str = "",
    basis_date: date | None,
    note: str = "",
    expected_version: int | None = None,
    actor=None,
) -> LeadDecision:
    """Settle a pending matter (§5): name its lead (and cooperating departments), recording the basis."""
    check_lock(matter, expected_version)
    if matter.status != MatterStatus.PENDING:
        raise ListError(f"该事项当前状态为「{matter.status_label}」，不在待明确牵头部门之列。")
    if lead is None:
        raise ListError("请选择牵头部门。", "lead")
    validate_assignments(matter.jurisdiction, lead, cooperating)
    _check_basis(basis_kind, basis_doc_number, basis_date)
    before = matter.audit_data()
    _apply_assignments(matter, lead, cooperating)
    decision = LeadDecision(
        kind="assign",
        department=lead,
        basis_kind=basis_kind,
        basis_doc_number=basis_doc_number.strip(),
        basis_date=basis_date,
        note=note.strip(),
        decided_by_id=getattr(actor, "id", None),
    )
    matter.decisions.append(decision)
    _touch(matter)
    db.session.flush()
    summary = f"明确牵头部门为「{lead.name}」（{_basis_text(decision)}）"
    audit.record(
        actor,
        "assign",
        matter,
        jurisdiction_id=matter.jurisdiction_id,
        before=before,
        after=matter.audit_data(),
        summary=summary,
    )
    upper = matter.delegated_from
    if upper is not None:
        # The upper office sees in its own log how the matter it delegated was settled.
        audit.record(
            actor,
            "assign",
            upper,
            jurisdiction_id=upper.jurisdiction_id,
            summary=f"{matter.jurisdiction.name}{summary}",
        )
    return decision


def delegate_matter(
    matter: Matter,
    *,
    to: Jurisdiction | None,
    basis_kind: str,
    basis_doc_number: str = "",
    basis_date: date | None,
    note: str = "",
    expected_version: int | None = None,
    actor=None,
) -> Matter:
    """Hand a pending matter to a direct lower jurisdiction to settle (§5); returns the matter
    created in that jurisdiction's list, pending there."""
    check_lock(matter, expected_version)
    if matter.status != MatterStatus.PENDING:
        raise ListError(f"该事项当前状态为「{matter.status_label}」，不在待明确牵头部门之列。")
    if to is None or to.parent_id != matter.jurisdiction_id:
        raise ListError(f"只能交由{matter.jurisdiction.name}的直接下级研究明确。", "to_jurisdiction")
    _check_basis(basis_kind, basis_doc_number, basis_date)
    if db.session.scalar(select(Matter.id).where(Matter.jurisdiction_id == to.id, Matter.title == matter.title)):
        raise ListError(f"{to.name}已有名为「{matter.title}」的事项，不能重复交办。", "to_jurisdiction")
    before = matter.audit_data()
    seq = (db.session.scalar(select(func.max(Matter.seq)).where(Matter.jurisdiction_id == to.id)) or 0) + 1
    lower = Matter(
        jurisdiction=to,
        seq=seq,
        category=matter.category,
        title=matter.title,
        description=matter.description,
        status=MatterStatus.PENDING,
        delegated_from=matter,
    )
    db.session.add(lower)
    for citation in matter.citations:
        # Documents belong to a jurisdiction's register: the lower level gets its own entry.
        document = get_or_create_document(
            to,
            title=citation.document.title,
            doc_number=citation.document.doc_number,
            issuer=citation.document.issuer,
            issued_on=citation.document.issued_on,
            actor=actor,
        )
        cite(lower, document, citation.article)
    matter.status, matter.delegated_to = MatterStatus.DELEGATED, to
    decision = LeadDecision(
        kind="delegate",
        to_jurisdiction=to,
        basis_kind=basis_kind,
        basis_doc_number=basis_doc_number.strip(),
        basis_date=basis_date,
        note=note.strip(),
        decided_by_id=getattr(actor, "id", None),
    )
    matter.decisions.append(decision)
    db.session.flush()
    audit.record(
        actor,
        "delegate",
        matter,
        jurisdiction_id=matter.jurisdiction_id,
        before=before,
        after=matter.audit_data(),
        summary=f"交由{to.name}研究明确牵头部门（{_basis_text(decision)}）",
    )
    audit.record(
        actor,
        "create",
        lower,
        jurisdiction_id=to.id,
        after=lower.audit_data(),
        summary=f"{matter.jurisdiction.name}交由本级研究明确牵头部门",
    )
    return lower
