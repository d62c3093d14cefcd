"""机构改革: a department renamed, merged into another, or split into several. The departments that
no longer exist stay, inactive, with a succession row to each successor, so that their pages (and
published versions, which are never touched) still name them and say who took over."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from registry.core import audit, signals
from registry.core.audit import Actor
from registry.core.errors import DomainError, refuse
from registry.extensions import db
from registry.lists.models import (
    AliasKind,
    Assignment,
    Department,
    DepartmentAlias,
    DepartmentSuccession,
    Duty,
    Matter,
    Role,
    SuccessionKind,
    Unit,
)
from registry.lists.naming import normalize
from registry.lists.services.common import _touch, check_lock
from registry.lists.services.departments import create_department, department_data, department_problems

# A department holds one role per matter; when two merge, the stronger stays.
ROLE_STRENGTH = {Role.LEAD: 3, Role.CO_LEAD: 2, Role.COOPERATING: 1}

SUCCESSION_LABELS = {"rename": "更名", "merge": "合并", "split": "拆分"}

# A new department's fields, as department_problems names them.
NEW_FIELDS = ("name", "short_name", "sector")


@dataclass(frozen=True)
class NewDepartment:
    """A successor created by the reorganisation itself."""

    name: str
    short_name: str = ""
    sector: str = ""


@dataclass(frozen=True)
class Basis:
    """What decided the reorganisation: 文号, effective date, a note."""

    doc_number: str = ""
    effective_date: date | None = None
    note: str = ""


def _check_active(department: Department, field: str | None = None) -> None:
    if not department.active:
        raise DomainError(_l("「%(name)s」已撤销，不能再调整。", name=department.name), field)


def _succession(kind: str, source: Department, target: Department, basis: Basis, actor: Actor, old_name: str = ""):
    row = DepartmentSuccession(
        jurisdiction_id=source.jurisdiction_id,
        kind=kind,
        from_department_id=source.id,
        to_department_id=target.id,
        old_name=old_name or source.name,
        doc_number=basis.doc_number.strip(),
        effective_date=basis.effective_date,
        note=basis.note.strip(),
        actor_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    return row


def _give_name(department: Department, name: str, kind: str) -> None:
    """Add an other name to a department unless it already has it (its own names or an alias)."""
    plain = normalize(name)
    if not plain or plain in {normalize(department.name), normalize(department.short_name)}:
        return
    existing = db.session.scalar(
        select(DepartmentAlias).where(
            DepartmentAlias.jurisdiction_id == department.jurisdiction_id, DepartmentAlias.name == plain
        )
    )
    if existing is None:
        department.aliases.append(DepartmentAlias(jurisdiction_id=department.jurisdiction_id, name=plain, kind=kind))
    elif existing.department_id != department.id:
        # The name was another (now merged) department's other name: it follows the department.
        existing.department_id = department.id


def _basis_text(basis: Basis) -> str:
    parts = [basis.effective_date.isoformat() if basis.effective_date else "", basis.doc_number.strip()]
    return "，".join(p for p in parts if p)


def rename_department(
    department: Department,
    *,
    name: str,
    short_name: str = "",
    basis: Basis = Basis(),
    expected_version: int | None = None,
    actor: Actor,
) -> DepartmentSuccession:
    """Rename a department (更名): the old names become its other names (曾用名), still matched on import."""
    check_lock(department, expected_version)
    _check_active(department)
    name, short_name = name.strip(), (short_name or name).strip()
    problems = department_problems(department.jurisdiction, name, short_name, department.sector, department.id)
    if name and name == department.name and short_name == department.short_name:
        problems.append(("name", _l("新名称与现名称相同。")))
    refuse(problems)
    before = department_data(department)
    old_name, old_short = department.name, department.short_name
    # The new name may be one of its own other names (a name it had before): no longer an alias.
    for alias in list(department.aliases):
        if alias.name in (normalize(name), normalize(short_name)):
            department.aliases.remove(alias)
    db.session.flush()
    department.name, department.short_name = name, short_name
    for old in (old_name, old_short):
        _give_name(department, old, AliasKind.OLD)
    row = _succession(SuccessionKind.RENAME, department, department, basis, actor, old_name=old_name)
    _touch(department)
    db.session.flush()
    audit.record(
        actor,
        "rename",
        department,
        jurisdiction_id=department.jurisdiction_id,
        before=before,
        after=department_data(department),
        summary=f"「{old_name}」更名为「{name}」" + (f"（{_basis_text(basis)}）" if _basis_text(basis) else ""),
    )
    return row


def _move_role(matter: Matter, source: Department, target: Department) -> bool:
    """Give `target` the role `source` has on `matter`; a department keeps one role per matter, the
    stronger of the two (lead > co-lead > cooperating). True when the matter changed."""
    mine = next((a for a in matter.assignments if a.department_id == source.id), None)
    if mine is None or source.id == target.id:
        return False
    theirs = next((a for a in matter.assignments if a.department_id == target.id), None)
    if theirs is None:
        mine.department_id, mine.department = target.id, target
        return True
    role, position = mine.role, mine.position
    matter.assignments.remove(mine)
    # The one-lead index: the source's lead row is gone before the target's row becomes the lead.
    db.session.flush()
    if ROLE_STRENGTH[Role(role)] > ROLE_STRENGTH[Role(theirs.role)]:
        theirs.role, theirs.position = role, position
    return True


def _matters_of(department: Department) -> list[Matter]:
    return list(
        db.session.scalars(
            select(Matter)
            .join(Assignment)
            .where(Assignment.department_id == department.id)
            .options(selectinload(Matter.assignments))  # each matter's roles, read for every matter
            .order_by(Matter.seq, Matter.id)
        )
    )


def _move_matter(matter: Matter, source: Department, target: Department, why: str, actor: Actor) -> None:
    before = matter.audit_data()
    if _move_role(matter, source, target):
        _touch(matter)
        db.session.flush()
        db.session.refresh(matter)
        audit.record(
            actor,
            "update",
            matter,
            jurisdiction_id=matter.jurisdiction_id,
            before=before,
            after=matter.audit_data(),
            summary=why,
        )


def _move_duty(duty: Duty, target: Department, actor: Actor) -> None:
    source = duty.department
    seq = (db.session.scalar(select(func.max(Duty.seq)).where(Duty.department_id == target.id)) or 0) + 1
    duty.department, duty.seq = target, seq
    _touch(duty)
    db.session.flush()
    audit.record(
        actor,
        "update",
        duty,
        jurisdiction_id=target.jurisdiction_id,
        before={"department": source.name},
        after={"department": target.name},
    )


UNIT_NAME_MAX = 200  # Unit.name's column


def _free_unit_name(name: str, source: Department, target: Department) -> str:
    """The name a unit moving to `target` takes: its own when the target has no unit of that name;
    else it keeps where it came from, 「name（原X）」, numbered 「name（原X）2」… when that too is taken
    (a second merge), the name shortened so that the whole fits the column."""
    taken = set(db.session.scalars(select(Unit.name).where(Unit.department_id == target.id)))
    if name not in taken:
        return name
    for number in range(1, 1000):
        suffix = f"（原{source.short_name}）" + (str(number) if number > 1 else "")
        if len(suffix) >= UNIT_NAME_MAX:
            suffix = f"（原{source.id}）" + (str(number) if number > 1 else "")
        candidate = name[: UNIT_NAME_MAX - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise DomainError(
        _l("「%(department)s」已有名为「%(name)s」的机构，请先更改其中一个的名称。", department=target.name, name=name)
    )


def _move_unit(unit: Unit, target: Department, actor: Actor) -> None:
    source = unit.department
    name = _free_unit_name(unit.name, source, target)
    before = {"department": source.name, "name": unit.name}
    unit.department, unit.name = target, name
    db.session.flush()
    audit.record(
        actor,
        "update",
        unit,
        jurisdiction_id=target.jurisdiction_id,
        before=before,
        after={"department": target.name, "name": unit.name},
    )


def _successor(jurisdiction, spec: "Department | NewDepartment", actor: Actor) -> Department:
    if isinstance(spec, NewDepartment):
        return create_department(
            jurisdiction, name=spec.name, short_name=spec.short_name, sector=spec.sector, actor=actor
        )
    return spec


def _check_successor(source_jurisdiction_id: int, spec, field: str | None = None) -> None:
    if isinstance(spec, Department):
        if spec.jurisdiction_id != source_jurisdiction_id:
            raise DomainError(_l("继任部门须是同一行政区划的部门。"), field)
        _check_active(spec, field)


def _retire(source: Department, kind: str, targets: Sequence[Department], basis: Basis, actor: Actor) -> None:
    before = department_data(source)
    source.active = False
    for target in targets:
        _succession(kind, source, target, basis, actor)
    _touch(source)
    db.session.flush()
    names = "、".join(t.name for t in targets)
    verb = "并入" if kind == SuccessionKind.MERGE else "拆分为"
    audit.record(
        actor,
        kind,
        source,
        jurisdiction_id=source.jurisdiction_id,
        before=before,
        after=department_data(source),
        summary=f"「{source.name}」{verb}「{names}」" + (f"（{_basis_text(basis)}）" if _basis_text(basis) else ""),
    )


def merge_departments(
    sources: Sequence[Department],
    into: "Department | NewDepartment",
    *,
    basis: Basis = Basis(),
    actor: Actor,
) -> Department:
    """Merge departments into one (合并), existing or new: every matter, duty and unit of each moves to
    it (one role per matter, the stronger kept), their names become its other names, and each merged
    department becomes inactive with a succession row. Returns the successor."""
    sources = list(dict.fromkeys(sources))
    if not sources:
        raise DomainError(_l("请选择要合并的部门。"), "sources")
    jurisdiction = sources[0].jurisdiction
    for source in sources:
        check_lock(source, None)  # two merges of one department at once: the second waits, then is refused
        _check_active(source, "sources")
        if source.jurisdiction_id != jurisdiction.id:
            raise DomainError(_l("只能合并同一行政区划的部门。"), "sources")
    _check_successor(jurisdiction.id, into, "target")
    if isinstance(into, Department) and into in sources:
        raise DomainError(_l("合并后的部门不能是被合并的部门之一。"), "target")
    if isinstance(into, NewDepartment):
        # Next to the merge form's fields for the new department (new_name, new_short_name, new_sector).
        problems = department_problems(jurisdiction, into.name, into.short_name, into.sector, None)
        refuse([(f"new_{field}" if field in NEW_FIELDS else field, message) for field, message in problems])
    else:
        check_lock(into, None)  # a retirement of the target at the same time: one waits, then is refused
        _check_active(into, "target")
    target = _successor(jurisdiction, into, actor)
    for source in sources:
        why = f"因「{source.name}」并入「{target.name}」"
        for matter in _matters_of(source):
            _move_matter(matter, source, target, why, actor)
        for duty in list(source.duties):
            _move_duty(duty, target, actor)
        for unit in list(source.units):
            _move_unit(unit, target, actor)
        before = department_data(target)
        for alias in list(source.aliases):
            alias.department_id = target.id
        db.session.flush()
        db.session.expire(source, ["aliases"])
        db.session.expire(target, ["aliases"])
        for old in (source.name, source.short_name):
            _give_name(target, old, AliasKind.OLD)
        db.session.flush()
        audit.record(
            actor,
            "update",
            target,
            jurisdiction_id=target.jurisdiction_id,
            before=before,
            after=department_data(target),
            summary=why,
        )
        signals.department_reorganised.send(source, kind="merge", successors=[target], matters={}, actor=actor)
        _retire(source, SuccessionKind.MERGE, [target], basis, actor)
    return target


def split_plan(department: Department) -> tuple[list[Matter], list[Duty], list[Unit]]:
    """What a split must hand over: the matters the department has a role on, its duties, its units."""
    return (
        _matters_of(department),
        [d for d in department.duties if d.active],
        [u for u in department.units if u.active],
    )


def split_department(
    source: Department,
    successors: Sequence["Department | NewDepartment"],
    *,
    matters: Mapping[int, int],
    duties: Mapping[int, int] | None = None,
    units: Mapping[int, int] | None = None,
    basis: Basis = Basis(),
    expected_version: int | None = None,
    actor: Actor,
) -> list[Department]:
    """Split a department (拆分) into successors, existing or new: each of its matters (matter id →
    index of its successor) and each duty and unit goes to the successor named; the department becomes
    inactive with a succession row to each. Returns the successors."""
    check_lock(source, expected_version)
    _check_active(source)
    if len(successors) < 2:
        raise DomainError(_l("拆分须至少有两个继任部门。"), "successors")
    existing = [s for s in successors if isinstance(s, Department)]
    if source in existing:
        raise DomainError(_l("继任部门不能是被拆分的部门本身。"), "successors")
    if len({s.id for s in existing}) != len(existing):
        raise DomainError(_l("继任部门重复。"), "successors")
    for spec in successors:
        _check_successor(source.jurisdiction_id, spec, "successors")
    new_names = [normalize(s.name) for s in successors if isinstance(s, NewDepartment)]
    if len(set(new_names)) != len(new_names):
        raise DomainError(_l("新设部门的名称重复。"), "successors")
    problems = []
    for spec in successors:
        if isinstance(spec, NewDepartment):
            problems += department_problems(source.jurisdiction, spec.name, spec.short_name, spec.sector, None)
    refuse(problems)
    led, own_duties, own_units = split_plan(source)
    allocation = {"matters": matters, "duties": duties or {}, "units": units or {}}
    missing = [m.title for m in led if allocation["matters"].get(m.id) not in range(len(successors))]
    if missing:
        raise DomainError(
            _l("请为每项事项选择继任部门（未选：%(titles)s）。", titles="、".join(missing[:5])), "matters"
        )
    targets = [_successor(source.jurisdiction, spec, actor) for spec in successors]
    why = f"因「{source.name}」拆分"
    for matter in led:
        _move_matter(matter, source, targets[allocation["matters"][matter.id]], why, actor)
    for duty in own_duties:
        _move_duty(duty, targets[allocation["duties"].get(duty.id, 0) % len(targets)], actor)
    for unit in own_units:
        _move_unit(unit, targets[allocation["units"].get(unit.id, 0) % len(targets)], actor)
    went = {m.id: targets[allocation["matters"][m.id]] for m in led}
    signals.department_reorganised.send(source, kind="split", successors=targets, matters=went, actor=actor)
    _retire(source, SuccessionKind.SPLIT, targets, basis, actor)
    return targets


def successions_from(department: Department) -> list[DepartmentSuccession]:
    """Where a department went (its successors), newest first; a rename names itself."""
    return list(
        db.session.scalars(
            select(DepartmentSuccession)
            .where(DepartmentSuccession.from_department_id == department.id)
            .options(selectinload(DepartmentSuccession.to_department))
            .order_by(DepartmentSuccession.created_at.desc(), DepartmentSuccession.id)
        )
    )


def successions_to(department: Department) -> list[DepartmentSuccession]:
    """What a department took over (merged or split into it) and its renames, oldest first."""
    return list(
        db.session.scalars(
            select(DepartmentSuccession)
            .where(DepartmentSuccession.to_department_id == department.id)
            .order_by(DepartmentSuccession.created_at, DepartmentSuccession.id)
        )
    )


def successors_by_department(jurisdiction_id: int) -> dict[int, list[DepartmentSuccession]]:
    """Every department of a jurisdiction that was merged or split → its succession rows."""
    result: dict[int, list[DepartmentSuccession]] = {}
    for row in db.session.scalars(
        select(DepartmentSuccession)
        .where(
            DepartmentSuccession.jurisdiction_id == jurisdiction_id,
            DepartmentSuccession.kind != SuccessionKind.RENAME,
        )
        .options(selectinload(DepartmentSuccession.to_department))  # the list names each successor
        .order_by(DepartmentSuccession.id)
    ):
        result.setdefault(row.from_department_id, []).append(row)
    return result
