"""Importing a list by department (序号 | 成员单位 | 职责任务, or a department's own published list):
each row's duties become that department's Duty lines. Plan first (reads only, reports every bad row),
then apply all or nothing; the same duty text of the same department is never added twice, so a
re-import changes nothing."""

import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from registry.core import audit
from registry.core.audit import Actor
from registry.core.errors import DomainError
from registry.extensions import db
from registry.imports.planning import MAX_DEPARTMENT, NewDepartment, RowError, guess_sector
from registry.imports.reading import ListFile
from registry.jurisdictions.models import Jurisdiction
from registry.lists import services
from registry.lists.models import Department, Duty
from registry.lists.naming import DepartmentNames, ambiguity_message

# A duty's own numbering inside a cell (1. / 1、 / （1）), not part of its text; "1.5万吨" keeps its digits.
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}[.、．](?!\d)|[（(]\d{1,2}[）)])\s*")
MAX_DUTY = 2000


def duty_text(text: str) -> str:
    """A duty's text as it is stored and compared: its own numbering and outer blanks removed."""
    return _NUMBERING.sub("", text or "", count=1).strip()


@dataclass
class PlannedDuty:
    row: int
    department: str  # the department's full name, or a new one's name as written
    text: str
    action: str  # create | same
    department_id: int | None = None


@dataclass
class DutyPlan:
    jurisdiction_id: int
    jurisdiction_name: str
    filename: str = ""
    create_departments: bool = False
    duties: list[PlannedDuty] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new_departments: list[NewDepartment] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def to_create(self) -> list[PlannedDuty]:
        return [d for d in self.duties if d.action == "create"]

    @property
    def unchanged(self) -> list[PlannedDuty]:
        return [d for d in self.duties if d.action == "same"]

    @property
    def departments(self) -> list[str]:
        """The departments the file lists duties of, in file order."""
        return list(dict.fromkeys(d.department for d in self.duties))

    @property
    def changes_anything(self) -> bool:
        return bool(self.new_departments or self.to_create)

    def summary(self) -> LazyString:
        counts = {
            "departments": len(self.departments),
            "created": len(self.to_create),
            "unchanged": len(self.unchanged),
        }
        if self.new_departments:
            return _l(
                "%(departments)s 个部门的职责：新增 %(created)s 条，已有 %(unchanged)s 条；新建部门 %(new)s 个。",
                new=len(self.new_departments),
                **counts,
            )
        return _l("%(departments)s 个部门的职责：新增 %(created)s 条，已有 %(unchanged)s 条。", **counts)


@dataclass
class DutyResult:
    created: int
    unchanged: int
    departments: int
    departments_created: list[str]
    audit_id: int | None = None

    def summary(self) -> LazyString:
        counts = {"departments": self.departments, "created": self.created, "unchanged": self.unchanged}
        if self.departments_created:
            return _l(
                "%(departments)s 个部门的职责：新增 %(created)s 条，已有 %(unchanged)s 条，新建部门 %(new)s 个。",
                new=len(self.departments_created),
                **counts,
            )
        return _l("%(departments)s 个部门的职责：新增 %(created)s 条，已有 %(unchanged)s 条。", **counts)


def plan_duties(
    jurisdiction: Jurisdiction, listfile: ListFile, *, create_departments: bool = False, filename: str = ""
) -> DutyPlan:
    """Say what importing a list by department would add, and every bad row; changes nothing."""
    db.session.flush()
    plan = DutyPlan(jurisdiction.id, jurisdiction.name, filename=filename, create_departments=create_departments)
    if not listfile.duties:
        plan.errors.append(RowError(None, str(_l("文件中没有任何部门职责行。"))))
        return plan
    names = DepartmentNames(jurisdiction.id)
    existing: dict[int, set[str]] = {}
    for department_id, text in db.session.execute(
        select(Duty.department_id, Duty.text)
        .join(Department, Department.id == Duty.department_id)
        .where(Department.jurisdiction_id == jurisdiction.id, Duty.active.is_(True))
    ):
        existing.setdefault(department_id, set()).add(duty_text(text))
    new_departments: dict[str, NewDepartment] = {}
    planned: set[tuple[str, str]] = set()
    for raw in listfile.duties:
        written, text = (raw.department or "").strip(), duty_text(raw.text)
        errors: list[LazyString] = []
        key, department_id = None, None
        if not written:
            errors.append(_l("成员单位为空。"))
        elif (found := names.match(written)) is not None:
            if not found.active:
                errors.append(_l("部门「%(department)s」已撤销，不能再登记职责。", department=found.name))
            key, department_id = found.name, found.id
        elif candidates := names.ambiguous(written):
            # Never a new department for a name that already means two: the file must say which.
            errors.append(ambiguity_message(written, candidates))
        elif not create_departments:
            errors.append(
                _l(
                    "找不到部门「%(department)s」：%(jurisdiction)s没有以此为全称、简称或其他名称的部门。",
                    department=written,
                    jurisdiction=jurisdiction.name,
                )
            )
        elif len(written) > MAX_DEPARTMENT:
            errors.append(_l("部门名称「%(start)s…」过长（最多 %(max)s 字）。", start=written[:20], max=MAX_DEPARTMENT))
        else:
            key = written
            new_departments.setdefault(written, NewDepartment(written, guess_sector(written), raw.row))
        if not text:
            errors.append(_l("职责内容为空。"))
        elif len(text) > MAX_DUTY:
            errors.append(_l("职责内容过长（最多 %(max)s 字）。", max=MAX_DUTY))
        if errors:
            plan.errors.extend(RowError(raw.row, str(reason)) for reason in errors)
            continue
        known = department_id is not None and text in existing.get(department_id, set())
        action = "same" if known or (key, text) in planned else "create"
        planned.add((key, text))
        plan.duties.append(PlannedDuty(raw.row, key, text, action, department_id))
    plan.new_departments = list(new_departments.values())
    return plan


def apply_duties(plan: DutyPlan, actor: Actor) -> DutyResult:
    """Carry out a plan with no errors, all or nothing, with audit entries; flushes, never commits."""
    if not plan.ok:
        raise DomainError(_l("导入文件有 %(count)s 处错误，未导入任何内容。", count=len(plan.errors)))
    jurisdiction = db.session.get(Jurisdiction, plan.jurisdiction_id)
    with db.session.begin_nested():
        ids: dict[str, int] = {}
        created_departments = []
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
            ids[new.name] = department.id
            created_departments.append(department.name)
        for duty in plan.to_create:
            department = db.session.get(Department, duty.department_id or ids[duty.department])
            services.add_duty(department, duty.text, actor=actor)
        result = DutyResult(len(plan.to_create), len(plan.unchanged), len(plan.departments), created_departments)
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            result_text = str(result.summary())
        entry = audit.record(
            actor,
            "import",
            jurisdiction,
            jurisdiction_id=jurisdiction.id,
            after={
                "file": plan.filename,
                "duties_created": result.created,
                "duties_unchanged": result.unchanged,
                "departments_created": created_departments,
            },
            summary=f"导入部门职责{('「' + plan.filename + '」') if plan.filename else ''}：{result_text}",
        )
        db.session.flush()
    result.audit_id = entry.id
    return result
