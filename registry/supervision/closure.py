"""销号 (seed 003): the lead department applies with a statement and evidence → the certifying
departments the office designated sign off → the office starts a public notice (公示) → the public
may object while its window is open (moderated by the office) → the office closes the task once the
window has ended with no objection standing, or sends it back; a closed task can be reopened (反弹).
Every step keeps the earlier ones: a returned application, a closure that was reopened stay on the
task with their sign-offs and objections."""

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from registry.core import audit
from registry.core.db import lock_row, utcnow
from registry.core.errors import DomainError, refuse
from registry.core.timezone import local_today
from registry.extensions import db
from registry.lists.models import Department
from registry.supervision import events, evidence, rules
from registry.supervision.models import (
    ClosureNotice,
    ClosureSignoff,
    ClosureState,
    EventKind,
    Objection,
    ObjectionContact,
    ObjectionState,
    SignoffState,
    Task,
    TaskState,
)

TEXT_MAX = 4000
NOTE_MAX = 2000
OBJECTION_MIN = 5
NAME_MAX = 100
PHONE_MAX = 50
EMAIL_MAX = 200
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{5,30}[0-9]$")
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _lock(row: Any) -> None:
    """Take the row's lock (core.db.lock_row) and reload it: a second request waits for the first and
    then sees what it wrote. What this transaction changed before is written first, not lost."""
    db.session.flush()
    lock_row(db.session, row)


def _manager(actor: Any, task: Task) -> None:
    if rules.is_person(actor) and not rules.can_manage(actor, task):
        raise DomainError(_l("只有本级办公室可以办理销号公示和决定。"))


def _text(value: str | None) -> str:
    return (value or "").strip()


# -- the application ---------------------------------------------------------------------------------


def apply_closure(task: Task, *, statement: str, files: Sequence[tuple[str, bytes]] = (), actor: Any) -> ClosureNotice:
    """The lead department applies to close the task: a statement (整改完成情况说明) and evidence
    ((filename, data) pairs, checked as progress evidence is); the
    designated certifying departments (other than the lead) are asked to sign off, or with none it goes
    to the office at once."""
    if rules.is_person(actor) and not rules.can_report(actor, task):
        raise DomainError(_l("只有牵头部门可以申请销号。"))
    rules.check_state(task, "apply_closure")
    statement = _text(statement)
    problems = []
    if not statement:
        problems.append(("statement", _l("请填写整改完成情况说明。")))
    elif len(statement) > TEXT_MAX:
        problems.append(("statement", _l("说明不能超过 %(n)s 个字。", n=TEXT_MAX)))
    try:
        # The same checks as progress evidence (evidence.py): judged by content, size, count.
        checked = evidence.check_files([evidence.Upload(name, data) for name, data in files])
    except DomainError as error:
        problems.extend((e.field, e.message) for e in getattr(error, "errors", [error]))
        checked = []
    refuse(problems)
    closure = ClosureNotice(statement=statement, applied_by_id=getattr(actor, "id", None), applied_at=utcnow())
    task.closures.append(closure)
    db.session.add(closure)
    certifiers = [
        d
        for d in (db.session.get(Department, i) for i in rules.certifier_ids(task.jurisdiction_id))
        if d is not None and d.active and d.jurisdiction_id == task.jurisdiction_id and d.id != task.lead_department_id
    ]
    for department in sorted(certifiers, key=lambda d: (d.sort_order, d.name)):
        closure.signoffs.append(ClosureSignoff(department=department))
    db.session.flush()
    evidence.store_files(task, checked, actor=actor, closure=closure)
    before = {"state": task.state}
    task.state = TaskState.APPLIED
    db.session.flush()
    # notices.py reads the closure and its pending sign-offs: they are in place before the event.
    events.record(
        task,
        EventKind.APPLIED,
        actor,
        action="apply_closure",
        entity=closure,
        department=task.lead_department,
        text=statement,
        before=before,
        after={**closure.audit_data(), "files": [f.filename for f in closure.files]},
    )
    return closure


def certified(closure: ClosureNotice) -> bool:
    """Every certifying department has agreed (none asked: true)."""
    return all(s.state == SignoffState.APPROVED for s in closure.signoffs)


def sign(closure: ClosureNotice, department: Department, *, approve: bool, note: str, actor: Any) -> ClosureSignoff:
    """A certifying department agrees (同意销号) or refuses with its reasons; a refusal returns the
    application to the lead department (the task is open again). Two signatures at once (two tabs):
    the second waits for the first's lock, then finds it signed."""
    _lock(closure)
    if closure.state != ClosureState.CERTIFYING:
        raise DomainError(_l("该销号申请已不在认定阶段。"))
    signoff = next((s for s in closure.signoffs if s.department_id == department.id), None)
    if signoff is None:
        raise DomainError(_l("本部门不是该销号申请的认定部门。"))
    _lock(signoff)
    if signoff.state != SignoffState.PENDING:
        raise DomainError(_l("本部门已签署过该销号申请。"))
    if rules.is_person(actor) and rules.pending_signoff(actor, closure) is not signoff:
        raise DomainError(_l("只有认定部门的填报人或负责人可以签署。"))
    note = _text(note)
    if not approve and not note:
        raise DomainError(_l("不同意销号时请写明理由。"), "note")
    if len(note) > NOTE_MAX:
        raise DomainError(_l("意见不能超过 %(n)s 个字。", n=NOTE_MAX), "note")
    task = closure.task
    signoff.state = SignoffState.APPROVED if approve else SignoffState.REFUSED
    signoff.note = note
    signoff.signed_at = utcnow()
    signoff.signed_by_id = getattr(actor, "id", None)
    if not approve:
        closure.state = ClosureState.RETURNED
        task.state = TaskState.OPEN
    db.session.flush()
    events.record(
        task,
        EventKind.SIGNED,
        actor,
        action="sign",
        entity=signoff,
        department=department,
        text=note or str(signoff.state_label),
        after={"department": department.name, "state": signoff.state, "note": note},
    )
    return signoff


# -- the public notice -------------------------------------------------------------------------------


def snapshot(task: Task) -> dict[str, Any]:
    """What a notice publishes about its task, frozen when the notice starts: a later edit of the task
    (after a reopen) does not change a notice the public has read. Names, not ids; the phase as its key
    (its label is translated where shown); never the responsible person."""
    return {
        "number": task.number,
        "problem": task.problem,
        "target": task.target,
        "measures": task.measures,
        "lead": task.lead_department.name,
        "cooperating": [d.name for d in task.cooperating],
        "due_date": task.due_date.isoformat() if task.due_date else None,
        "phase": task.phase,
        "ledger": task.ledger.title,
        "jurisdiction": task.jurisdiction.name,
    }


def start_notice(closure: ClosureNotice, *, public_text: str, actor: Any, today: date | None = None) -> ClosureNotice:
    """公示: the text published, from today for objection_days calendar days (rules.notice_window)."""
    task = closure.task
    _manager(actor, task)
    _lock(closure)  # a second click finds the notice started
    rules.check_state(task, "start_notice")
    if closure.state != ClosureState.CERTIFYING or not certified(closure):
        raise DomainError(rules.MESSAGES["start_notice"])
    public_text = _text(public_text)
    if not public_text:
        raise DomainError(_l("请填写公示内容。"), "public_text")
    if len(public_text) > TEXT_MAX:
        raise DomainError(_l("公示内容不能超过 %(n)s 个字。", n=TEXT_MAX), "public_text")
    before = closure.audit_data()
    closure.public_text = public_text
    closure.snapshot = snapshot(task)
    closure.notice_starts, closure.notice_ends = rules.notice_window(today or local_today(), task.jurisdiction_id)
    closure.state = ClosureState.NOTICE
    task.state = TaskState.NOTICE
    db.session.flush()
    events.record(
        task,
        EventKind.NOTICE_STARTED,
        actor,
        action="start_notice",
        entity=closure,
        text=public_text,
        before=before,
        after=closure.audit_data(),
    )
    return closure


def contact_problems(name: str, phone: str, email: str) -> list[tuple[str, Any]]:
    problems = []
    if not name:
        problems.append(("name", _l("请填写姓名，以便办公室联系核实。")))
    elif len(name) > NAME_MAX:
        problems.append(("name", _l("姓名不能超过 %(n)s 个字。", n=NAME_MAX)))
    if not phone and not email:
        problems.append(("phone", _l("请至少填写电话或电子邮箱中的一项。")))
    if phone and (len(phone) > PHONE_MAX or not PHONE_RE.match(phone)):
        problems.append(("phone", _l("电话号码格式不正确。")))
    if email and (len(email) > EMAIL_MAX or not EMAIL_RE.match(email)):
        problems.append(("email", _l("电子邮箱格式不正确。")))
    return problems


def submit_objection(
    closure: ClosureNotice, *, text: str, name: str, phone: str, email: str, today: date | None = None
) -> Objection:
    """A person's objection while the notice is open; their contact is kept apart, for the office only
    (never in the audit data, the timeline or a notice)."""
    if not rules.objections_open(closure, today):
        raise DomainError(_l("该公示已结束，不再接受异议。"))
    text, name, phone, email = _text(text), _text(name), _text(phone), _text(email)
    problems = []
    if len(text) < OBJECTION_MIN:
        problems.append(("text", _l("请说明异议的内容和理由（至少 %(n)s 个字）。", n=OBJECTION_MIN)))
    elif len(text) > TEXT_MAX:
        problems.append(("text", _l("异议内容不能超过 %(n)s 个字。", n=TEXT_MAX)))
    problems.extend(contact_problems(name, phone, email))
    refuse(problems)
    objection = Objection(text=text, received_at=utcnow())
    objection.contact = ObjectionContact(name=name, phone=phone, email=email)
    closure.objections.append(objection)
    db.session.add(objection)
    db.session.flush()
    events.record(
        closure.task,
        EventKind.OBJECTION,
        None,
        action="object",
        entity=objection,
        after=objection.audit_data(),
    )
    return objection


def handle_objection(objection: Objection, *, upheld: bool, note: str, actor: Any) -> Objection:
    """异议成立 (the closure cannot go ahead) or 不成立, with the office's note. The closure's lock: one
    decision at a time on a notice (two tabs, or the 销号 meanwhile), each seeing the one before."""
    closure = objection.closure
    task = closure.task
    _manager(actor, task)
    _lock(closure)
    _lock(objection)
    if objection.state != ObjectionState.NEW:
        raise DomainError(_l("该异议已处理。"))
    if closure.state != ClosureState.NOTICE:
        raise DomainError(_l("该销号公示已结束。"))
    note = _text(note)
    if not note:
        raise DomainError(_l("请填写处理意见（核实情况）。"), "note")
    if len(note) > NOTE_MAX:
        raise DomainError(_l("处理意见不能超过 %(n)s 个字。", n=NOTE_MAX), "note")
    before = objection.audit_data()
    objection.state = ObjectionState.ACCEPTED if upheld else ObjectionState.DISMISSED
    objection.handling_note = note
    objection.handled_at = utcnow()
    objection.handled_by_id = getattr(actor, "id", None)
    events.record(
        task,
        EventKind.OBJECTION_HANDLED,
        actor,
        action="handle_objection",
        entity=objection,
        text=f"{objection.state_label}：{note}",
        before=before,
        after=objection.audit_data(),
    )
    return objection


def may_see_contact(user: Any, objection: Objection) -> bool:
    """The office of the task's jurisdiction (not the offices above, not the departments)."""
    return rules.can_manage(user, objection.closure.task)


def show_contact(objection: Objection, actor: Any) -> ObjectionContact | None:
    """The objector's contact for the office; every look is audited (without the details)."""
    if not may_see_contact(actor, objection):
        raise DomainError(_l("只有本级办公室可以查看异议人的联系方式。"))
    task = objection.closure.task
    audit.record(
        actor,
        "view_objection_contact",
        objection,
        jurisdiction_id=task.jurisdiction_id,
        summary=f"查看任务 {task.number or task.id} 公示异议 #{objection.id} 的联系方式",
    )
    db.session.flush()
    return objection.contact


# -- the decision ------------------------------------------------------------------------------------


def close_task(closure: ClosureNotice, *, note: str, actor: Any, today: date | None = None) -> ClosureNotice:
    """销号: only after the window has ended, every objection handled and none upheld."""
    task = closure.task
    _manager(actor, task)
    _lock(closure)  # after any objection handled meanwhile (handle_objection locks it too)
    rules.check_state(task, "close")
    rules.check_may_close(closure, today)
    note = _text(note)
    if len(note) > NOTE_MAX:
        raise DomainError(_l("意见不能超过 %(n)s 个字。", n=NOTE_MAX), "note")
    before = closure.audit_data()
    closure.state = ClosureState.CLOSED
    closure.decision_note = note
    closure.decided_at = utcnow()
    closure.decided_by_id = getattr(actor, "id", None)
    task.state = TaskState.CLOSED
    task.closed_at = closure.decided_at
    events.record(
        task,
        EventKind.CLOSED,
        actor,
        action="close",
        entity=closure,
        text=note,
        before=before,
        after=closure.audit_data(),
    )
    return closure


def send_back(closure: ClosureNotice, *, note: str, actor: Any) -> ClosureNotice:
    """不予销号: the application goes back to the lead department, the task is open again."""
    task = closure.task
    _manager(actor, task)
    _lock(closure)
    rules.check_state(task, "send_back")
    if closure.state not in (ClosureState.CERTIFYING, ClosureState.NOTICE):
        raise DomainError(rules.MESSAGES["send_back"])
    note = _text(note)
    if not note:
        raise DomainError(_l("请写明退回的理由和需要继续整改的内容。"), "note")
    if len(note) > NOTE_MAX:
        raise DomainError(_l("意见不能超过 %(n)s 个字。", n=NOTE_MAX), "note")
    before = closure.audit_data()
    closure.state = ClosureState.RETURNED
    closure.decision_note = note
    closure.decided_at = utcnow()
    closure.decided_by_id = getattr(actor, "id", None)
    task.state = TaskState.OPEN
    events.record(
        task,
        EventKind.RETURNED,
        actor,
        action="send_back",
        entity=closure,
        text=note,
        before=before,
        after=closure.audit_data(),
    )
    return closure


def reopen(task: Task, *, reason: str, actor: Any) -> Task:
    """反弹: the problem came back; the task is open again, its closure and history kept."""
    _manager(actor, task)
    rules.check_state(task, "reopen")
    reason = _text(reason)
    if not reason:
        raise DomainError(_l("请写明问题反弹的情况。"), "reason")
    if len(reason) > NOTE_MAX:
        raise DomainError(_l("说明不能超过 %(n)s 个字。", n=NOTE_MAX), "reason")
    before = task.audit_data()
    task.state = TaskState.OPEN
    task.reopened_count += 1
    task.closed_at = None
    events.record(
        task,
        EventKind.REOPENED,
        actor,
        action="reopen",
        text=reason,
        before=before,
        after=task.audit_data(),
    )
    return task


def outcome(closure: ClosureNotice) -> str:
    """What the public page says of a notice that has ended: 已销号 or 已退回重新整改 ("" while open)."""
    if closure.state == ClosureState.CLOSED:
        return "closed"
    if closure.state == ClosureState.RETURNED:
        return "returned"
    return ""
