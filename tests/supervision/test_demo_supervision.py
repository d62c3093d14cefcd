"""The demo's ledgers (registry/demo/supervision): 示例省's inspection ledger of thirty tasks imported
through the ledger import from its XLSX; every state present, a closure on public notice with its
objection window open whatever day the demo is loaded and an objection waiting for the office, 督办 at
every level with one overdue and unanswered, decomposed tasks, a stalled one, a lead's report about a
cooperating department, a reopened task that keeps its history; last month's bulletin published;
loading it again adds nothing."""

from sqlalchemy import func, select

from registry.auth.models import User
from registry.core.audit import AuditEntry
from registry.core.timezone import local_date, local_today
from registry.demo.supervision import JIANGCHUAN_LEDGER, PROVINCE_LEDGER, load_supervision_demo
from registry.extensions import db
from registry.supervision import import_sheet, rules, sample_ledger
from registry.supervision.bulletin_data import period
from registry.supervision.models import (
    Bulletin,
    BulletinState,
    ClosureState,
    EventKind,
    Ledger,
    ObjectionState,
    Phase,
    SignoffState,
    Supervision,
    Task,
    TaskState,
    TaskUnit,
)


def _ledger(title: str) -> Ledger:
    ledger = db.session.scalar(select(Ledger).where(Ledger.title == title))
    assert ledger is not None, title
    return ledger


def _tasks(title: str) -> list[Task]:
    return list(_ledger(title).tasks)


def _kinds(task: Task) -> list[str]:
    return [e.kind for e in sorted(task.events, key=lambda e: (e.at, e.id))]


def test_the_province_ledger_is_imported_from_its_file(demo):
    ledger = _ledger(PROVINCE_LEDGER)
    tasks = list(ledger.tasks)
    # The file's rows, as the import reads them, are the ledger's tasks, in the file's order.
    rows = import_sheet.plan_sheet(
        ledger.jurisdiction, sample_ledger.province_workbook(local_today()), sample_ledger.PROVINCE_FILENAME
    ).rows
    assert len(tasks) == len(rows) == 30
    assert [t.number for t in tasks] == [r.number for r in rows] == [str(n) for n in range(1, 31)]
    assert ledger.title == sample_ledger.PROVINCE_TITLE and ledger.source_title == "第二轮中央生态环境保护督察"
    for task, row in zip(tasks, rows, strict=True):
        assert (task.problem, task.lead_department_id, {d.id for d in task.cooperating}) == (
            row.problem,
            row.lead_department.id,
            {d.id for d in row.cooperating},
        )
        assert (task.responsible_person, task.responsible_post, task.due_date, task.phase) == (
            row.person,
            row.post,
            row.due_date,
            row.phase,
        )
    # Across the province's departments, the lead first in 责任单位 and the others cooperating.
    assert len({t.lead_department_id for t in tasks}) >= 7
    assert len({d.id for t in tasks for d in t.cooperating}) >= 12
    first = tasks[0]
    assert first.lead_department.name == "省住房和城乡建设厅"
    assert {d.name for d in first.cooperating} == {"省生态环境厅", "省水利厅"}
    assert (first.responsible_person, first.responsible_post) == ("周建华", "省住房城乡建设厅副厅长")
    # 整改时限 as dates, phases, and both.
    assert any(t.due_date and not t.phase for t in tasks)
    assert any(t.phase == Phase.LONG and t.due_date is None for t in tasks)
    assert any(t.phase == Phase.MEDIUM and t.due_date for t in tasks)
    # Imported in one go, five months ago, by the office: the ledger and every task audited then.
    created = {local_date(t.created_at) for t in tasks} | {local_date(ledger.created_at)}
    assert len(created) == 1 and created.pop() < local_today()
    audited = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "create",
            AuditEntry.entity_type == "tasks",
            AuditEntry.entity_id.in_([t.id for t in tasks]),
        )
    ).all()
    office = db.session.scalar(select(User).where(User.username == "province_office"))
    assert len(audited) == 30 and {a.actor_id for a in audited} == {office.id}
    assert {a.at for a in audited} == {ledger.created_at}
    assert all(_kinds(t)[0] == EventKind.CREATED for t in tasks)


def test_every_state_and_the_notice_window_open(demo):
    today = local_today()
    tasks = _tasks(PROVINCE_LEDGER)
    states = {t.state for t in tasks}
    assert states == {TaskState.OPEN, TaskState.APPLIED, TaskState.NOTICE, TaskState.CLOSED}
    assert 2 <= sum(t.state == TaskState.CLOSED for t in tasks) <= 3
    assert any(rules.is_overdue(t, today) for t in tasks)
    assert any(t.state == TaskState.OPEN and not rules.is_overdue(t, today) for t in tasks)
    assert any(rules.is_stalled(t, today) for t in tasks)
    # On notice: the window open today, an objection waiting for the office.
    [on_notice] = [t for t in tasks if t.state == TaskState.NOTICE]
    notice = on_notice.open_closure
    assert rules.objections_open(notice, today)
    assert [o.state for o in notice.objections] == [ObjectionState.NEW]
    # Applied: one still being certified by 省生态环境厅, one certified and waiting for its notice.
    applied = [t.open_closure for t in tasks if t.state == TaskState.APPLIED]
    assert {c.state for c in applied} == {ClosureState.CERTIFYING}
    signoffs = sorted(tuple(s.state for s in c.signoffs) for c in applied)
    assert signoffs == [(SignoffState.APPROVED,), (SignoffState.PENDING,)]
    # Sent back by the office, open again and reporting since.
    [returned] = [t for t in tasks if any(c.state == ClosureState.RETURNED for c in t.closures)]
    assert returned.state == TaskState.OPEN and _kinds(returned)[-1] == EventKind.PROGRESS
    # A closure that had an objection, found groundless, before its 销号.
    assert any(
        c.state == ClosureState.CLOSED and [o.state for o in c.objections] == [ObjectionState.DISMISSED]
        for t in tasks
        for c in t.closures
    )
    assert db.session.scalar(select(func.count(TaskUnit.id))) >= 6
    # Progress by the lead and by cooperating departments, over several months.
    first = tasks[0]
    assert {p.department_id for p in first.progress} > {first.lead_department_id}
    assert len({p.month for p in first.progress}) >= 4
    # §7: a lead reminded a cooperating department and reported it to the office.
    [escalated] = [t for t in tasks if EventKind.ESCALATED in _kinds(t)]
    kinds = _kinds(escalated)
    assert kinds.index(EventKind.REMINDED) < kinds.index(EventKind.ESCALATED)
    event = next(e for e in escalated.events if e.kind == EventKind.ESCALATED)
    assert event.other_department_id in {d.id for d in escalated.cooperating}
    # Every level of 督办, one past its answer date unanswered, some answered.
    supervisions = list(db.session.scalars(select(Supervision).join(Task).where(Task.id.in_([t.id for t in tasks]))))
    assert {s.level for s in supervisions} == {"remind", "supervise", "interview"}
    assert any(rules.supervision_overdue(s, today) for s in supervisions)
    assert any(s.answered_at for s in supervisions)
    # Every step is in the past.
    assert all(local_date(e.at) <= today for t in tasks for e in t.events)
    assert len(_tasks(JIANGCHUAN_LEDGER)) == 3


def test_the_reopened_task_keeps_its_history(demo):
    [reopened] = [t for t in _tasks(PROVINCE_LEDGER) if t.reopened_count]
    assert reopened.state == TaskState.OPEN and reopened.closed_at is None
    kinds = _kinds(reopened)
    for earlier, later in (
        (EventKind.APPLIED, EventKind.SIGNED),
        (EventKind.SIGNED, EventKind.NOTICE_STARTED),
        (EventKind.NOTICE_STARTED, EventKind.CLOSED),
        (EventKind.CLOSED, EventKind.REOPENED),
    ):
        assert kinds.index(earlier) < kinds.index(later)
    assert kinds[-1] == EventKind.PROGRESS  # reported again since
    [closed] = reopened.closures
    assert closed.state == ClosureState.CLOSED and closed.notice_starts and closed.public_text


def test_last_months_bulletin_is_published(demo):
    last = period(local_today().year, local_today().month).start
    last = rules.previous_month(last)
    b = db.session.scalar(select(Bulletin).where(Bulletin.year == last.year, Bulletin.month == last.month))
    assert b is not None and b.state == BulletinState.PUBLISHED and b.pdf_sha256 and b.pdf_size > 10_000


def test_loading_again_adds_nothing(demo):
    models = (Ledger, Task, Supervision, Bulletin, AuditEntry)
    counts = [db.session.scalar(select(func.count(m.id))) for m in models]
    load_supervision_demo()
    db.session.flush()
    assert [db.session.scalar(select(func.count(m.id))) for m in models] == counts
