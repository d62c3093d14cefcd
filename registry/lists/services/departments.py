"""Departments, their units (内设机构、直属单位) and their duty lines."""

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from registry.core import audit, signals
from registry.core.audit import Actor
from registry.core.errors import DomainError, refuse
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import (
    AliasKind,
    Assignment,
    Department,
    DepartmentAlias,
    DepartmentKind,
    Duty,
    Matter,
    PolicyDocument,
    Role,
    Unit,
)
from registry.lists.naming import name_owner, normalize
from registry.lists.services.common import _touch, check_lock
from registry.lists.services.documents import _check_citations, _replace_citations, cite


def create_department(
    jurisdiction: Jurisdiction,
    *,
    name: str,
    short_name: str,
    sector: str,
    website: str = "",
    sort_order: int = 0,
    kind: str = DepartmentKind.DEPARTMENT,
    aliases: Mapping[str, Sequence[str]] | None = None,
    actor: Actor,
) -> Department:
    """Add a department to a jurisdiction, with its other names (kind → names) if given."""
    name, short_name, sector = name.strip(), (short_name or name).strip(), sector.strip()
    refuse(department_problems(jurisdiction, name, short_name, sector, exclude_id=None, kind=kind, aliases=aliases))
    department = Department(
        jurisdiction=jurisdiction,
        name=name,
        short_name=short_name,
        sector=sector,
        website=website.strip(),
        sort_order=sort_order,
        kind=kind,
    )
    db.session.add(department)
    db.session.flush()
    for alias_kind, alias_name in _alias_rows(department, aliases or {}):
        db.session.add(
            DepartmentAlias(jurisdiction_id=jurisdiction.id, department=department, name=alias_name, kind=alias_kind)
        )
    db.session.flush()
    audit.record(actor, "create", department, jurisdiction_id=jurisdiction.id, after=department_data(department))
    return department


def department_data(department: Department) -> dict[str, Any]:
    """A department's audit data, with its other names."""
    return {**department.audit_data(), "aliases": [a.name for a in department.aliases]}


ALIAS_KINDS = {"short": "简称", "old": "曾用名", "written": "文件中的写法"}


def _alias_rows(department: Department, aliases: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """(kind, name) of the other names given, normalized, without the department's own names and
    without repeats (the first kind given wins)."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = {normalize(department.name), normalize(department.short_name)}
    for kind, names in aliases.items():
        for written in names:
            plain = normalize(written)
            if plain and plain not in seen:
                seen.add(plain)
                rows.append((kind, plain))
    return rows


def alias_problems(
    jurisdiction: Jurisdiction,
    aliases: Mapping[str, Sequence[str]] | None,
    own_names: Sequence[str],
    exclude_id: int | None,
) -> list[tuple[str, object]]:
    """Every problem of a department's other names: each known kind, not too long, and no other
    department's name (full, short or other)."""
    problems: list[tuple[str, object]] = []
    for kind, names in (aliases or {}).items():
        field = f"aliases_{kind}"
        if kind not in ALIAS_KINDS:
            problems.append((None, _l("未知的别名类型。")))
            continue
        for written in names:
            plain = normalize(written)
            if not plain or plain in {normalize(n) for n in own_names}:
                continue
            if len(plain) > 200:
                problems.append((field, _l("名称「%(name)s」过长（最多200字）。", name=plain[:20] + "…")))
                continue
            other = name_owner(jurisdiction.id, plain, exclude_id=exclude_id, for_alias=True)
            if other is not None:
                problems.append(
                    (field, _l("名称「%(name)s」已是部门「%(department)s」的名称。", name=plain, department=other.name))
                )
    return problems


def department_problems(
    jurisdiction: Jurisdiction,
    name: str,
    short_name: str,
    sector: str,
    exclude_id: int | None,
    *,
    kind: str | None = None,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> list[tuple[str, object]]:
    """Every problem of a department's names, kind and sector at once: given, and no other department
    of the jurisdiction using any of its names (a name means one department, full, short or other)."""
    name, short_name, sector = name.strip(), (short_name or name).strip(), sector.strip()
    short_given = short_name != name  # a short name left empty is the full name
    problems: list[tuple[str, object]] = []
    if not name:
        problems.append(("name", _l("部门全称不能为空。")))
    # The columns' lengths, as field errors (a longer value would fail the database: a 5xx).
    too_long = {
        "name": (200, _l("部门全称过长（最多200字）。")),
        "short_name": (
            100,
            _l("部门简称过长（最多100字）。") if short_given else _l("全称超过100字时请另填简称（最多100字）。"),
        ),
        "sector": (50, _l("所属系统过长（最多50字）。")),
    }
    for field, value in (("name", name), ("short_name", short_name), ("sector", sector)):
        if len(value) > too_long[field][0]:
            problems.append((field, too_long[field][1]))
    for field, value in (("name", name), ("short_name", short_name)):
        if not value or len(value) > too_long[field][0]:
            continue
        other = name_owner(jurisdiction.id, value, exclude_id=exclude_id)
        if other is not None:
            problems.append(
                (
                    field,
                    _l(
                        "%(jurisdiction)s已有部门「%(department)s」使用了名称「%(name)s」。",
                        jurisdiction=jurisdiction.name,
                        department=other.name,
                        name=value,
                    ),
                )
            )
    if not sector:
        problems.append(("sector", _l("请填写所属系统。")))
    if kind is not None and kind not in set(DepartmentKind):
        problems.append(("kind", _l("请选择部门类型。")))
    problems += alias_problems(jurisdiction, aliases, (name, short_name), exclude_id)
    return problems


def resolve_department(jurisdiction: Jurisdiction, name: str) -> Department | None:
    """A department of the jurisdiction by full or short name."""
    return db.session.scalar(
        select(Department).where(
            Department.jurisdiction_id == jurisdiction.id,
            (Department.name == name) | (Department.short_name == name),
        )
    )


class DepartmentStillLeads(DomainError):
    """Retiring a department that still leads matters: `matters` lists them."""

    def __init__(self, message: str | LazyString, matters: Sequence[Matter]):
        super().__init__(message, None)
        self.matters = list(matters)


def update_department(
    department: Department,
    *,
    name: str,
    short_name: str,
    sector: str,
    website: str = "",
    sort_order: int = 0,
    kind: str | None = None,
    aliases: Mapping[str, Sequence[str]] | None = None,
    expected_version: int | None = None,
    actor: Actor,
) -> Department:
    """Change a department's names, kind, sector, website or order; with `aliases` (kind → names),
    its other names become exactly those."""
    check_lock(department, expected_version)
    name, short_name, sector = name.strip(), (short_name or name).strip(), sector.strip()
    refuse(
        department_problems(
            department.jurisdiction, name, short_name, sector, exclude_id=department.id, kind=kind, aliases=aliases
        )
    )
    before = department_data(department)
    old_names = (department.name, department.short_name)
    department.name, department.short_name, department.sector = name, short_name, sector
    department.website, department.sort_order = website.strip(), sort_order
    if kind is not None:
        department.kind = kind
    if aliases is not None:
        _replace_aliases(department, aliases)
    db.session.flush()
    _keep_old_names(department, old_names)
    db.session.flush()
    if department_data(department) != before:
        _touch(department)
        db.session.flush()
        audit.record(
            actor,
            "update",
            department,
            jurisdiction_id=department.jurisdiction_id,
            before=before,
            after=department_data(department),
        )
    return department


def _keep_old_names(department: Department, old_names: Sequence[str]) -> None:
    """A full or short name the department no longer has stays one of its other names (曾用名), so
    that files written with it still match; a new name that was an other name is no longer one."""
    own = {normalize(department.name), normalize(department.short_name)}
    for alias in list(department.aliases):
        if alias.name in own:
            department.aliases.remove(alias)
    db.session.flush()
    for old in old_names:
        plain = normalize(old)
        if not plain or plain in own or plain in {a.name for a in department.aliases}:
            continue
        holder = db.session.scalar(
            select(DepartmentAlias.id).where(
                DepartmentAlias.jurisdiction_id == department.jurisdiction_id, DepartmentAlias.name == plain
            )
        )
        if holder is None:  # another department's other name stays theirs
            department.aliases.append(
                DepartmentAlias(jurisdiction_id=department.jurisdiction_id, name=plain, kind=AliasKind.OLD)
            )


def _replace_aliases(department: Department, aliases: Mapping[str, Sequence[str]]) -> None:
    wanted = {name: kind for kind, name in _alias_rows(department, aliases)}
    for alias in list(department.aliases):
        if alias.name not in wanted:
            department.aliases.remove(alias)
        else:
            alias.kind = wanted.pop(alias.name)
    # Removed rows go first, so that a name moved between kinds never meets its old row.
    db.session.flush()
    for name, kind in wanted.items():
        department.aliases.append(DepartmentAlias(jurisdiction_id=department.jurisdiction_id, name=name, kind=kind))


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
    """The matters it co-leads (共同牵头) or cooperates on: what it leaves when retired."""
    return list(
        db.session.scalars(
            select(Matter)
            .join(Assignment)
            .where(Assignment.department_id == department.id, Assignment.role.in_((Role.CO_LEAD, Role.COOPERATING)))
            .order_by(Matter.seq, Matter.id)
        )
    )


def retire_department(department: Department, *, expected_version: int | None = None, actor: Actor) -> Department:
    """Retire a department (active=False); refused while it leads matters. It leaves the matters it
    co-led or cooperated on."""
    check_lock(department, expected_version)
    if not department.active:
        raise DomainError(_l("「%(name)s」已撤销。", name=department.name))
    led = matters_led_by(department)
    if led:
        raise DepartmentStillLeads(
            _l(
                "「%(department)s」仍牵头 %(count)s 项事项，不能撤销。请先为这些事项另行明确牵头部门。",
                department=department.name,
                count=len(led),
            ),
            led,
        )
    signals.department_retiring.send(department, actor=actor)
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
            summary=f"因撤销「{department.name}」，移出共同牵头或配合部门",
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
        raise DomainError(_l("机构名称不能为空。"), "name")
    if kind not in UNIT_KINDS:
        raise DomainError(_l("请选择机构类型。"), "kind")
    clash = select(Unit.id).where(Unit.department_id == department.id, Unit.name == name)
    if exclude_id is not None:
        clash = clash.where(Unit.id != exclude_id)
    if db.session.scalar(clash):
        raise DomainError(
            _l("「%(department)s」已有名为「%(name)s」的机构。", department=department.name, name=name), "name"
        )


def create_unit(department: Department, *, name: str, kind: str = "internal", actor: Actor) -> Unit:
    """Add a 内设机构 or 直属单位 to a department."""
    name = name.strip()
    _check_unit(department, name, kind, None)
    unit = Unit(department=department, name=name, kind=kind)
    db.session.add(unit)
    db.session.flush()
    audit.record(actor, "create", unit, jurisdiction_id=department.jurisdiction_id, after=unit.audit_data())
    return unit


def update_unit(unit: Unit, *, name: str, kind: str, actor: Actor) -> Unit:
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


def retire_unit(unit: Unit, *, actor: Actor) -> Unit:
    """Retire a unit (active=False)."""
    if not unit.active:
        raise DomainError(_l("「%(name)s」已撤销。", name=unit.name))
    before = unit.audit_data()
    unit.active = False
    db.session.flush()
    audit.record(
        actor, "retire", unit, jurisdiction_id=unit.department.jurisdiction_id, before=before, after=unit.audit_data()
    )
    return unit


def duty_data(duty: Duty) -> dict[str, Any]:
    """A duty's audit data, with the documents it cites."""
    return {**duty.audit_data(), "basis": [c.label for c in duty.citations]}


def add_duty(
    department: Department, text: str, *, citations: Sequence[tuple[PolicyDocument, str]] = (), actor: Actor
) -> Duty:
    """Add a duty line to a department, optionally citing policy documents."""
    text = text.strip()
    if not text:
        raise DomainError(_l("职责内容不能为空。"), "text")
    _check_citations(department.jurisdiction_id, citations)
    seq = (db.session.scalar(select(func.max(Duty.seq)).where(Duty.department_id == department.id)) or 0) + 1
    duty = Duty(department=department, text=text, seq=seq)
    db.session.add(duty)
    for document, article in citations:
        cite(duty, document, article)
    db.session.flush()
    audit.record(actor, "create", duty, jurisdiction_id=department.jurisdiction_id, after=duty_data(duty))
    return duty


def update_duty(
    duty: Duty,
    *,
    text: str,
    citations: Sequence[tuple[PolicyDocument, str]] = (),
    expected_version: int | None = None,
    actor: Actor,
) -> Duty:
    """Change a duty's text and the documents it cites."""
    check_lock(duty, expected_version)
    text = text.strip()
    if not text:
        raise DomainError(_l("职责内容不能为空。"), "text")
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


def delete_duty(duty: Duty, *, expected_version: int | None = None, actor: Actor) -> None:
    """Delete a duty line (published versions keep their copy)."""
    check_lock(duty, expected_version)
    before, jurisdiction_id = duty_data(duty), duty.department.jurisdiction_id
    db.session.delete(duty)
    db.session.flush()
    audit.record(actor, "delete", duty, jurisdiction_id=jurisdiction_id, before=before, entity_type="duties")
