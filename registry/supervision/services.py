"""Ledgers and their tasks: create and change them, each change audited in the same transaction and
put on the task's timeline (events.record). Progress, decomposition, 督办 and 销号 have their own
modules beside this one; every one checks rules.py first."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.core import audit
from registry.core.db import utcnow
from registry.core.errors import CONFLICT_MESSAGE, DomainError, DomainErrors
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department, Matter, PolicyDocument
from registry.supervision import events, rules
from registry.supervision.models import (
    EventKind,
    Ledger,
    Phase,
    SourceKind,
    SupervisionSettings,
    Task,
    certifying_departments,
)

# A phone number (7 digits or more, with or without separators) or an e-mail address.
CONTACT_RE = re.compile(r"\d[\d\s\-]{5,}\d|[^@\s]+@[^@\s]+\.[^@\s]+")
TITLE_MAX = 200
NUMBER_MAX = 20
PERSON_MAX = 100
POST_MAX = 200
# The task form's limits (forms.TaskForm), checked here so that the ledger import refuses too.
TEXT_MAX = {"problem": 5000, "target": 5000, "measures": 10000}
TEXT_MESSAGES = {
    "problem": lambda n: _l("问题（任务）不能超过 %(n)s 个字。", n=n),
    "target": lambda n: _l("整改目标不能超过 %(n)s 个字。", n=n),
    "measures": lambda n: _l("整改措施不能超过 %(n)s 个字。", n=n),
}
EARLIEST_DUE = date(2000, 1, 1)
DUE_YEARS_AHEAD = 20  # a deadline more than this many years ahead is a typing error


def ledger_problems(
    jurisdiction: Jurisdiction,
    *,
    title: str,
    source_kind: str,
    document: PolicyDocument | None,
    ledger: Ledger | None = None,
) -> list[DomainError]:
    """Every problem of a ledger's heading at once, each by its field (`ledger`: the one being changed)."""
    title = (title or "").strip()
    errors = []
    if not title:
        errors.append(DomainError(_l("请填写台账名称。"), "title"))
    elif len(title) > TITLE_MAX:
        errors.append(DomainError(_l("台账名称不能超过 %(n)s 个字。", n=TITLE_MAX), "title"))
    else:
        same = select(Ledger.id).where(Ledger.jurisdiction_id == jurisdiction.id, Ledger.title == title)
        if ledger is not None:
            same = same.where(Ledger.id != ledger.id)
        if db.session.scalar(same):
            errors.append(DomainError(_l("本级已有同名台账。"), "title"))
    if source_kind not in set(SourceKind):
        errors.append(DomainError(_l("请选择任务来源类型。"), "source_kind"))
    if document is not None and document.jurisdiction_id not in (None, jurisdiction.id):
        errors.append(DomainError(_l("依据文件不属于本级。"), "document"))
    return errors


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
    """A new ledger of the jurisdiction (the office)."""
    errors = ledger_problems(jurisdiction, title=title, source_kind=source_kind, document=document)
    if errors:
        raise DomainErrors(errors)
    title = title.strip()
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


def update_ledger(
    ledger: Ledger,
    *,
    title: str,
    source_kind: str,
    source_title: str = "",
    document: PolicyDocument | None = None,
    description: str = "",
    actor: Any,
    expected_version: int | None = None,
) -> Ledger:
    """Change a ledger's heading (the office); `expected_version`: the version the form was opened on."""
    if expected_version is not None and expected_version != ledger.lock_version:
        raise DomainError(CONFLICT_MESSAGE)
    errors = ledger_problems(
        ledger.jurisdiction, title=title, source_kind=source_kind, document=document, ledger=ledger
    )
    if errors:
        raise DomainErrors(errors)
    before = ledger.audit_data()
    description_changed = (description or "") != ledger.description
    ledger.title = title.strip()
    ledger.source_kind = source_kind
    ledger.source_title = (source_title or "").strip()
    ledger.document = document
    ledger.description = description or ""
    after = ledger.audit_data()
    if after != before or description_changed:
        db.session.flush()
        audit.record(
            actor,
            "update",
            ledger,
            jurisdiction_id=ledger.jurisdiction_id,
            before=before,
            after=after,
            summary=ledger.title,
        )
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
    for key, limit in TEXT_MAX.items():
        if len((getattr(data, key) or "").strip()) > limit:
            errors.append(DomainError(TEXT_MESSAGES[key](limit), key))
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
    # Names and posts may be published (the office's choice); contact details never are, so none is kept.
    for name in ("responsible_person", "responsible_post"):
        if CONTACT_RE.search(unicodedata.normalize("NFKC", getattr(data, name) or "")):
            errors.append(DomainError(_l("责任人和职务栏不填电话、邮箱等联系方式（公开时会一并公开）。"), name))
    if data.phase is not None and data.phase not in set(Phase):
        errors.append(DomainError(_l("请选择整改阶段。"), "phase"))
    if data.due_date is None and not data.phase:
        errors.append(DomainError(_l("请填写整改时限（日期）或选择整改阶段。"), "due_date"))
    elif data.due_date is not None:
        latest = latest_due()
        if not EARLIEST_DUE <= data.due_date <= latest:
            errors.append(
                DomainError(
                    _l(
                        "整改时限应在 %(low)s 至 %(high)s 之间，请检查年份是否写错。",
                        low=EARLIEST_DUE.isoformat(),
                        high=latest.isoformat(),
                    ),
                    "due_date",
                )
            )
    if any(m.jurisdiction_id != jurisdiction.id for m in data.matters):
        errors.append(DomainError(_l("所属事项须是本级清单的事项。"), "matters"))
    return errors


def latest_due(today: date | None = None) -> date:
    """The latest 整改时限 a task accepts: today, DUE_YEARS_AHEAD years on."""
    today = today or local_today()
    try:
        return today.replace(year=today.year + DUE_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + DUE_YEARS_AHEAD, day=28) + timedelta(days=1)


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


def update_task(task: Task, data: TaskData, *, actor: Any, expected_version: int | None = None) -> Task:
    """Change what a task says (the office, while it is open); `expected_version`: the version the
    form was opened on (another save since then is refused, nothing changed). A task in the 销号 process
    (applied, on notice) or closed is refused by rules.check_state.

    A new lead department takes the task over: the old lead's decomposition to its units (TaskUnit) is
    removed, each removal on the timeline and audited, and the new lead and any newly added cooperating
    department are told (notices.py, EventKind.EDITED, from `task.newly_involved`)."""
    if expected_version is not None and expected_version != task.lock_version:
        raise DomainError(CONFLICT_MESSAGE)
    rules.check_state(task, "edit")
    errors = task_problems(task.jurisdiction, data)
    if errors:
        raise DomainErrors(errors)
    old_lead = task.lead_department
    lead_changes = data.lead_department is not None and old_lead is not None and data.lead_department.id != old_lead.id
    involved_before = {old_lead.id, *(d.id for d in task.cooperating)} if old_lead else set()
    before = task.audit_data()
    if lead_changes:
        _drop_units(task, old_lead, data.lead_department, actor)
    _apply(task, data)
    after = task.audit_data()
    # Read by notices.tell on the EDITED event below: the departments the edit brings in (a transient
    # attribute of this instance, set on every edit so that an earlier one's never lingers).
    task.newly_involved = {
        "lead": task.lead_department if lead_changes else None,
        "cooperating": [d for d in task.cooperating if d.id not in involved_before],
    }
    if after != before:
        # The timeline's text is data, in Chinese as the other steps' (the label is translated on display).
        text = f"牵头部门由{old_lead.name}改为{task.lead_department.name}" if lead_changes else ""
        events.record(task, EventKind.EDITED, actor, action="update", text=text, before=before, after=after)
    return task


def _drop_units(task: Task, old_lead: Any, new_lead: Any, actor: Any) -> None:
    """The old lead's units no longer carry a task it no longer leads: each row removed, recorded."""
    for row in [r for r in task.units if r.unit is not None and r.unit.department_id == old_lead.id]:
        name = row.unit.name
        events.record(
            task,
            EventKind.DECOMPOSED,
            actor,
            action="delete",
            entity=row,
            department=old_lead,
            text=f"改由{new_lead.name}牵头，不再由{name}承担",
            before=row.audit_data(),
            summary=f"{task.number or task.id} 更换牵头部门，取消分解到{name}",
        )
        task.units.remove(row)
        db.session.delete(row)
    db.session.flush()


def archive_ledger(ledger: Ledger, *, archived: bool, actor: Any, expected_version: int | None = None) -> Ledger:
    """归档 (or take back out of the archive) a ledger (the office): an archived ledger is listed last,
    marked, and left out of the monthly bulletin; its tasks stay as they are."""
    if expected_version is not None and expected_version != ledger.lock_version:
        raise DomainError(CONFLICT_MESSAGE)
    if bool(archived) == ledger.archived:
        raise DomainError(_l("该台账已归档。") if archived else _l("该台账未归档。"))
    before = ledger.audit_data()
    ledger.archived = bool(archived)
    db.session.flush()
    audit.record(
        actor,
        "update",
        ledger,
        jurisdiction_id=ledger.jurisdiction_id,
        before=before,
        after=ledger.audit_data(),
        summary=f"{'归档' if archived else '取消归档'}「{ledger.title}」",
    )
    return ledger


# -- settings -----------------------------------------------------------------------------------------

# The ranges the settings page accepts: (low, high) for each value.
SETTING_RANGES = {"objection_days": (5, 60), "progress_day": (1, 31), "remind_days": (0, 10), "answer_days": (1, 30)}
SETTING_MESSAGES = {
    "objection_days": lambda low, high: _l("公示期请填写 %(low)s 到 %(high)s 之间的天数。", low=low, high=high),
    "progress_day": lambda low, high: _l("每月报送日请填写 %(low)s 到 %(high)s 之间的日期。", low=low, high=high),
    "remind_days": lambda low, high: _l("提前提醒请填写 %(low)s 到 %(high)s 之间的工作日数。", low=low, high=high),
    "answer_days": lambda low, high: _l("督办答复期限请填写 %(low)s 到 %(high)s 之间的工作日数。", low=low, high=high),
}


def save_settings(
    jurisdiction: Jurisdiction,
    *,
    objection_days: int | None,
    progress_day: int | None,
    remind_days: int | None,
    answer_days: int | None,
    certifier_ids: list[int],
    actor: Any,
    publish_responsible: bool = False,
) -> SupervisionSettings:
    """The jurisdiction's ledger rules and its certifying departments (认定部门), audited together."""
    values = {
        "objection_days": objection_days,
        "progress_day": progress_day,
        "remind_days": remind_days,
        "answer_days": answer_days,
    }
    errors = []
    for key, value in values.items():
        low, high = SETTING_RANGES[key]
        if value is None or not low <= value <= high:
            errors.append(DomainError(SETTING_MESSAGES[key](low, high), key))
    wanted = list(dict.fromkeys(certifier_ids))
    departments = {
        d.id: d
        for d in db.session.scalars(
            select(Department).where(Department.id.in_(wanted), Department.jurisdiction_id == jurisdiction.id)
        )
    }
    if any(i not in departments or not departments[i].active for i in wanted):
        errors.append(DomainError(_l("认定部门须是本级现有部门。"), "certifiers"))
    if errors:
        raise DomainErrors(errors)
    row = db.session.scalar(select(SupervisionSettings).where(SupervisionSettings.jurisdiction_id == jurisdiction.id))
    before_ids = rules.certifier_ids(jurisdiction.id)
    before = {
        **(row.audit_data() if row is not None else dict(SupervisionSettings.DEFAULTS)),
        "certifiers": _department_names(before_ids),
    }
    if row is None:
        row = SupervisionSettings(jurisdiction=jurisdiction)
        db.session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.publish_responsible = bool(publish_responsible)
    row.updated_by_id = getattr(actor, "id", None)
    row.updated_at = utcnow()
    if set(before_ids) != set(wanted):
        db.session.execute(
            certifying_departments.delete().where(certifying_departments.c.jurisdiction_id == jurisdiction.id)
        )
        if wanted:
            db.session.execute(
                certifying_departments.insert(),
                [{"jurisdiction_id": jurisdiction.id, "department_id": i} for i in wanted],
            )
    db.session.flush()
    after = {**row.audit_data(), "certifiers": _department_names(wanted)}
    if after != before:
        audit.record(
            actor,
            "update",
            row,
            jurisdiction_id=jurisdiction.id,
            before=before,
            after=after,
            summary=jurisdiction.name,
        )
    return row


def _department_names(ids: list[int]) -> list[str]:
    if not ids:
        return []
    rows = db.session.scalars(
        select(Department).where(Department.id.in_(ids)).order_by(Department.sort_order, Department.id)
    )
    return [d.name for d in rows]
