"""§8 分解落实: a department decomposes each task it leads, and each matter it leads, co-leads or
cooperates on, to its units (内设机构、直属单位), each with a responsible person, post and the work
the unit carries — "事情有人管、责任有人担". A department without the unit it needs adds it on the spot
(lists' create_unit, audited). Every edit of a decomposition row or a unit is optimistically locked
(lock_version) as other list data; a task's decomposition goes on its timeline (events.record), a
matter's (working-list data) into the audit log."""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.core import audit
from registry.core.errors import DomainError, refuse
from registry.core.permissions import Permission, can
from registry.extensions import db
from registry.lists.models import Assignment, Department, Matter, Unit
from registry.lists.services.common import check_lock
from registry.lists.services.departments import create_unit, update_unit
from registry.supervision import events, rules
from registry.supervision.models import EventKind, MatterUnit, Task, TaskUnit

PERSON_MAX = 100
POST_MAX = 200
WORK_MAX = 2000
# The roles on a matter that a department decomposes (§8: the matters it leads and cooperates on).
MATTER_ROLES = ("lead", "co_lead", "cooperating")


class NotAllowed(DomainError):
    """The actor may not change this department's decomposition (views answer 403)."""


def _require_department_user(actor: Any, department_id: int) -> None:
    """A person must be a head or editor of the department (a process, named by a string, may act)."""
    allowed = rules.is_department_user(actor, department_id) and can(actor, Permission.TASK_REPORT)
    if rules.is_person(actor) and not allowed:
        raise NotAllowed(_l("只有本部门的负责人和填报人可以分解到单位。"))


def _clean(person: str | None, post: str | None, work: str | None) -> tuple[str, str, str]:
    return (person or "").strip(), (post or "").strip(), (work or "").strip()


def row_problems(person: str, post: str, work: str) -> list[tuple[str, Any]]:
    problems: list[tuple[str, Any]] = []
    if not person:
        problems.append(("person", _l("请填写责任人：分解到单位须明确责任人。")))
    elif len(person) > PERSON_MAX:
        problems.append(("person", _l("责任人不能超过 %(n)s 个字。", n=PERSON_MAX)))
    if len(post) > POST_MAX:
        problems.append(("post", _l("职务不能超过 %(n)s 个字。", n=POST_MAX)))
    if not work:
        problems.append(("work", _l("请填写该单位承担的工作。")))
    elif len(work) > WORK_MAX:
        problems.append(("work", _l("承担的工作不能超过 %(n)s 个字。", n=WORK_MAX)))
    return problems


def _unit_problems(unit: Unit | None, department: Department) -> list[tuple[str, Any]]:
    if unit is None:
        return [("unit", _l("请选择承担的单位，或新增一个本部门的单位。"))]
    if unit.department_id != department.id:
        return [("unit", _l("只能分解到本部门（%(name)s）的内设机构或直属单位。", name=department.name))]
    if not unit.active:
        return [("unit", _l("「%(name)s」已撤销，不能再分解到它。", name=unit.name))]
    return []


# -- units --------------------------------------------------------------------------------------------


def add_unit(department: Department, *, name: str, kind: str = "internal", actor: Any) -> Unit:
    """A department adds one of its own units (内设机构、直属单位) where it decomposes (audited by lists)."""
    _require_department_user(actor, department.id)
    if not department.active:
        raise DomainError(_l("该部门已撤销。"))
    if len((name or "").strip()) > 200:
        raise DomainError(_l("机构名称不能超过200字。"), "name")
    return create_unit(department, name=name or "", kind=kind, actor=actor)


def rename_unit(unit: Unit, *, name: str, kind: str, lock_version: int | None, actor: Any) -> Unit:
    """A department renames one of its units (or changes its kind), refused on a stale copy."""
    _require_department_user(actor, unit.department_id)
    if len((name or "").strip()) > 200:
        raise DomainError(_l("机构名称不能超过200字。"), "name")
    check_lock(unit, lock_version)
    return update_unit(unit, name=name or "", kind=kind, actor=actor)


def unit_for(department: Department, unit_id: int | None, new_name: str, new_kind: str, *, actor: Any) -> Unit | None:
    """The unit a decomposition form names: a new one of the department when a name is typed (added
    at once; its refusals on the field "new_unit"), else the one chosen (None when none is)."""
    new_name = (new_name or "").strip()
    if new_name:
        try:
            return add_unit(department, name=new_name, kind=new_kind or "internal", actor=actor)
        except NotAllowed:
            raise
        except DomainError as error:
            raise DomainError(error.message, "new_unit") from error
    return db.session.get(Unit, unit_id) if unit_id else None


# -- tasks --------------------------------------------------------------------------------------------


def decompose_task(task: Task, unit: Unit | None, *, person: str, post: str = "", work: str, actor: Any) -> TaskUnit:
    """The lead department gives (part of) a task to one of its units with a responsible person."""
    _require_department_user(actor, task.lead_department_id)
    rules.check_state(task, "decompose")
    person, post, work = _clean(person, post, work)
    problems = _unit_problems(unit, task.lead_department) + row_problems(person, post, work)
    if unit is not None and not problems[:1] and any(tu.unit_id == unit.id for tu in task.units):
        problems.insert(0, ("unit", _l("「%(name)s」已承担该任务，请修改原有的分解。", name=unit.name)))
    refuse(problems)
    row = TaskUnit(task=task, unit=unit, responsible_person=person, responsible_post=post, work=work)
    db.session.add(row)
    db.session.flush()
    events.record(
        task,
        EventKind.DECOMPOSED,
        actor,
        action="decompose",
        entity=row,
        department=task.lead_department,
        text=f"{unit.name}：{person}{('（' + post + '）') if post else ''}",
        after=row.audit_data(),
        summary=f"{task.number or task.id} 分解到{unit.name}",
    )
    return row


def update_task_unit(
    task_unit: TaskUnit, *, person: str, post: str = "", work: str, lock_version: int | None, actor: Any
) -> TaskUnit:
    task = task_unit.task
    _require_department_user(actor, task.lead_department_id)
    rules.check_state(task, "decompose")
    check_lock(task_unit, lock_version)
    person, post, work = _clean(person, post, work)
    refuse(row_problems(person, post, work))
    before = task_unit.audit_data()
    task_unit.responsible_person, task_unit.responsible_post, task_unit.work = person, post, work
    db.session.flush()
    if task_unit.audit_data() != before:
        events.record(
            task,
            EventKind.DECOMPOSED,
            actor,
            action="update",
            entity=task_unit,
            department=task.lead_department,
            text=f"{task_unit.unit.name}：{person}{('（' + post + '）') if post else ''}",
            before=before,
            after=task_unit.audit_data(),
            summary=f"{task.number or task.id} 修改分解到{task_unit.unit.name}",
        )
    return task_unit


def remove_task_unit(task_unit: TaskUnit, *, actor: Any, lock_version: int | None = None) -> None:
    task = task_unit.task
    _require_department_user(actor, task.lead_department_id)
    rules.check_state(task, "decompose")
    check_lock(task_unit, lock_version)
    before = task_unit.audit_data()
    name = task_unit.unit.name
    events.record(
        task,
        EventKind.DECOMPOSED,
        actor,
        action="delete",
        entity=task_unit,
        department=task.lead_department,
        text=f"不再由{name}承担",
        before=before,
        summary=f"{task.number or task.id} 取消分解到{name}",
    )
    task.units.remove(task_unit)
    db.session.delete(task_unit)
    db.session.flush()


# -- matters ------------------------------------------------------------------------------------------


def matter_role(matter: Matter, department: Department) -> str | None:
    """The department's role on the matter (lead, co_lead, cooperating), if it has one."""
    return db.session.scalar(
        select(Assignment.role).where(Assignment.matter_id == matter.id, Assignment.department_id == department.id)
    )


def decompose_matter(
    matter: Matter, department: Department, unit: Unit | None, *, person: str, post: str = "", work: str, actor: Any
) -> MatterUnit:
    """A department gives a matter it leads or cooperates on to one of its units (§8)."""
    _require_department_user(actor, department.id)
    if matter.jurisdiction_id != department.jurisdiction_id or matter_role(matter, department) not in MATTER_ROLES:
        raise DomainError(_l("只能分解本部门牵头或配合的事项。"))
    person, post, work = _clean(person, post, work)
    problems = _unit_problems(unit, department) + row_problems(person, post, work)
    if (
        unit is not None
        and not problems[:1]
        and db.session.scalar(
            select(func.count(MatterUnit.id)).where(MatterUnit.matter_id == matter.id, MatterUnit.unit_id == unit.id)
        )
    ):
        problems.insert(0, ("unit", _l("「%(name)s」已承担该事项，请修改原有的分解。", name=unit.name)))
    refuse(problems)
    row = MatterUnit(
        matter=matter, department=department, unit=unit, responsible_person=person, responsible_post=post, work=work
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "decompose",
        row,
        jurisdiction_id=department.jurisdiction_id,
        after=row.audit_data(),
        summary=f"「{matter.title}」分解到{unit.name}",
    )
    return row


def update_matter_unit(
    matter_unit: MatterUnit, *, person: str, post: str = "", work: str, lock_version: int | None, actor: Any
) -> MatterUnit:
    _require_department_user(actor, matter_unit.department_id)
    check_lock(matter_unit, lock_version)
    person, post, work = _clean(person, post, work)
    refuse(row_problems(person, post, work))
    before = matter_unit.audit_data()
    matter_unit.responsible_person, matter_unit.responsible_post, matter_unit.work = person, post, work
    db.session.flush()
    if matter_unit.audit_data() != before:
        audit.record(
            actor,
            "update",
            matter_unit,
            jurisdiction_id=matter_unit.department.jurisdiction_id,
            before=before,
            after=matter_unit.audit_data(),
            summary=f"修改「{matter_unit.matter.title}」分解到{matter_unit.unit.name}",
        )
    return matter_unit


def remove_matter_unit(matter_unit: MatterUnit, *, actor: Any, lock_version: int | None = None) -> None:
    _require_department_user(actor, matter_unit.department_id)
    check_lock(matter_unit, lock_version)
    audit.record(
        actor,
        "delete",
        matter_unit,
        jurisdiction_id=matter_unit.department.jurisdiction_id,
        before=matter_unit.audit_data(),
        summary=f"取消「{matter_unit.matter.title}」分解到{matter_unit.unit.name}",
    )
    db.session.delete(matter_unit)
    db.session.flush()


# -- what each unit carries ---------------------------------------------------------------------------


def unit_loads(department: Department) -> list[dict[str, Any]]:
    """Each active unit of the department (and retired ones that still carry something) with the tasks
    and matters it carries: [{unit, tasks: [TaskUnit], matters: [MatterUnit]}], by unit name."""
    units = list(db.session.scalars(select(Unit).where(Unit.department_id == department.id).order_by(Unit.id)))
    task_rows = db.session.scalars(
        select(TaskUnit).join(Unit, Unit.id == TaskUnit.unit_id).where(Unit.department_id == department.id)
    ).all()
    matter_rows = db.session.scalars(
        select(MatterUnit).where(MatterUnit.department_id == department.id).order_by(MatterUnit.id)
    ).all()
    by_unit: dict[int, dict[str, Any]] = {u.id: {"unit": u, "tasks": [], "matters": []} for u in units}
    for row in task_rows:
        by_unit[row.unit_id]["tasks"].append(row)
    for row in matter_rows:
        if row.unit_id in by_unit:
            by_unit[row.unit_id]["matters"].append(row)
    for load in by_unit.values():
        load["tasks"].sort(key=lambda r: (r.task.state == "closed", r.task.ledger_id, r.task.position))
        load["open_tasks"] = sum(1 for r in load["tasks"] if r.task.state != "closed")
    return [load for load in by_unit.values() if load["unit"].active or load["tasks"] or load["matters"]]
