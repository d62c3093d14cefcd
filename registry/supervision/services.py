"""Ledgers and their tasks: create and change them, each change audited in the same transaction and
put on the task's timeline (events.record). Progress, decomposition, 督办 and 销号 have their own
modules beside this one; every one checks rules.py first."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.core import audit
from registry.core.errors import DomainError, DomainErrors
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department, Matter, PolicyDocument
from registry.supervision import events, rules
from registry.supervision.models import EventKind, Ledger, Phase, SourceKind, Task

TITLE_MAX = 200
NUMBER_MAX = 20
PERSON_MAX = 100
POST_MAX = 200


def create_ledger(
    jurisdiction: Jurisdiction,
    *,
    title: str,
    source_kind: str = SourceKind.INSPECTION,
    source_title: str = "",
    document: PolicyDocument | None = None,
    description: str = "",
    actor: Any,
) -> Ledger:
    title = (title or "").strip()
    errors = []
    if not title:
        errors.append(DomainError(_l("请填写台账名称。"), "title"))
    elif len(title) > TITLE_MAX:
        errors.append(DomainError(_l("台账名称不能超过 %(n)s 个字。", n=TITLE_MAX), "title"))
    elif db.session.scalar(select(Ledger.id).where(Ledger.jurisdiction_id == jurisdiction.id, Ledger.title == title)):
        errors.append(DomainError(_l("本级已有同名台账。"), "title"))
    if source_kind not in set(SourceKind):
        errors.append(DomainError(_l("请选择任务来源类型。"), "source_kind"))
    if document is not None and document.jurisdiction_id not in (None, jurisdiction.id):
        errors.append(DomainError(_l("依据文件不属于本级。"), "document"))
    if errors:
        raise DomainErrors(errors)
    ledger = Ledger(
        jurisdiction=jurisdiction,
        title=title,
        source_kind=source_kind,
        source_title=(source_title or "").strip(),
        document=document,
        description=description or "",
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(ledger)
    db.session.flush()
    audit.record(actor, "create", ledger, jurisdiction_id=jurisdiction.id, after=ledger.audit_data(), summary=title)
    return ledger


@dataclass
class TaskData:
    """What a task says; the form and the ledger import fill it, `task_problems` checks it."""

    problem: str
    lead_department: Department | None
    number: str = ""
    target: str = ""
    measures: str = ""
    cooperating: list[Department] = field(default_factory=list)
    responsible_person: str = ""
    responsible_post: str = ""
    due_date: date | None = None
    phase: str | None = None
    matters: list[Matter] = field(default_factory=list)


def task_problems(jurisdiction: Jurisdiction, data: TaskData) -> list[DomainError]:
    """Every problem of a task's data at once, each by its field."""
    errors = []
    if not (data.problem or "").strip():
        errors.append(DomainError(_l("请填写问题（任务）。"), "problem"))
    if len(data.number or "") > NUMBER_MAX:
        errors.append(DomainError(_l("序号不能超过 %(n)s 个字符。", n=NUMBER_MAX), "number"))
    lead = data.lead_department
    if lead is None:
        errors.append(DomainError(_l("请选择牵头（责任）部门。"), "lead_department"))
    elif lead.jurisdiction_id != jurisdiction.id or not lead.active:
        errors.append(DomainError(_l("牵头部门须是本级现有部门。"), "lead_department"))
    for department in data.cooperating:
        if department.jurisdiction_id != jurisdiction.id or not department.active:
            errors.append(DomainError(_l("配合部门须是本级现有部门。"), "cooperating"))
            break
    if lead is not None and any(d.id == lead.id for d in data.cooperating):
        errors.append(DomainError(_l("牵头部门不能同时是配合部门。"), "cooperating"))
    if len(data.responsible_person or "") > PERSON_MAX:
        errors.append(DomainError(_l("责任人不能超过 %(n)s 个字。", n=PERSON_MAX), "responsible_person"))
    if len(data.responsible_post or "") > POST_MAX:
        errors.append(DomainError(_l("职务不能超过 %(n)s 个字。", n=POST_MAX), "responsible_post"))
    if data.phase is not None and data.phase not in set(Phase):
        errors.append(DomainError(_l("请选择整改阶段。"), "phase"))
    if data.due_date is None and not data.phase:
        errors.append(DomainError(_l("请填写整改时限（日期）或选择整改阶段。"), "due_date"))
    if any(m.jurisdiction_id != jurisdiction.id for m in data.matters):
        errors.append(DomainError(_l("所属事项须是本级清单的事项。"), "matters"))
    return errors


def _apply(task: Task, data: TaskData) -> None:
    task.number = (data.number or "").strip()
    task.problem = data.problem.strip()
    task.target = (data.target or "").strip()
    task.measures = (data.measures or "").strip()
    task.lead_department = data.lead_department
    task.cooperating = list(dict.fromkeys(data.cooperating))
    task.responsible_person = (data.responsible_person or "").strip()
    task.responsible_post = (data.responsible_post or "").strip()
    task.due_date = data.due_date
    task.phase = data.phase or None
    task.matters = list(dict.fromkeys(data.matters))


def create_task(ledger: Ledger, data: TaskData, *, actor: Any) -> Task:
    errors = task_problems(ledger.jurisdiction, data)
    if errors:
        raise DomainErrors(errors)
    position = db.session.scalar(select(func.coalesce(func.max(Task.position), 0)).where(Task.ledger_id == ledger.id))
    task = Task(
        ledger=ledger,
        jurisdiction_id=ledger.jurisdiction_id,
        position=position + 1,
        created_by_id=getattr(actor, "id", None),
    )
    _apply(task, data)
    db.session.add(task)
    db.session.flush()
    events.record(
        task,
        EventKind.CREATED,
        actor,
        action="create",
        department=None,
        text=ledger.title,
        after=task.audit_data(),
    )
    return task


def update_task(task: Task, data: TaskData, *, actor: Any) -> Task:
    """Change what a task says (the office, while it is open)."""
    rules.check_state(task, "edit")
    errors = task_problems(task.jurisdiction, data)
    if errors:
        raise DomainErrors(errors)
    before = task.audit_data()
    _apply(task, data)
    after = task.audit_data()
    if after != before:
        events.record(task, EventKind.EDITED, actor, action="update", before=before, after=after)
    return task
