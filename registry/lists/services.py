"""Changing a jurisdiction's working list. Services flush, never commit, and write the audit entry."""

import hashlib
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from registry.core import audit
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import (
    Assignment,
    Citation,
    Department,
    Duty,
    ListVersion,
    Matter,
    MatterStatus,
    PolicyDocument,
    Role,
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


def add_duty(department: Department, text: str, *, actor=None) -> Duty:
    """Add a duty line to a department."""
    text = text.strip()
    if not text:
        raise ListError("职责内容不能为空。", "text")
    seq = (db.session.scalar(select(func.max(Duty.seq)).where(Duty.department_id == department.id)) or 0) + 1
    duty = Duty(department=department, text=text, seq=seq)
    db.session.add(duty)
    db.session.flush()
    audit.record(actor, "create", duty, jurisdiction_id=department.jurisdiction_id, after=duty.audit_data())
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
    if seq is None:
        seq = (
            db.session.scalar(select(func.max(Matter.seq)).where(Matter.jurisdiction_id == jurisdiction.id)) or 0
        ) + 1
    matter = Matter(jurisdiction=jurisdiction, title=title, category=category, description=description.strip(), seq=seq)
    db.session.add(matter)
    _apply_assignments(matter, lead, cooperating)
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
    for m in content["matters"]:
        lead = next((a for a in m["assignments"] if a["role"] == Role.LEAD), None)
        vm = VersionMatter(
            version_id=v,
            matter_id=m["id"],
            seq=m["seq"],
            category=m["category"],
            title=m["title"],
            description=m["description"],
            status=m["status"],
            delegated_to_code=m["delegated_to"]["code"] if m["delegated_to"] else None,
            delegated_to_name=m["delegated_to"]["name"] if m["delegated_to"] else None,
            lead_department_id=lead["department_id"] if lead else None,
            basis=m["basis"],
        )
        vm.assignments = [
            VersionAssignment(
                version_id=v,
                department_id=a["department_id"],
                department_name=a["name"],
                department_short_name=a["short_name"],
                role=a["role"],
                position=i,
            )
            for i, a in enumerate(m["assignments"])
        ]
        db.session.add(vm)
    db.session.flush()
