"""The demo's ledgers (registry/demo/supervision): every state present, a closure on public notice with
its objection window open whatever day the demo is loaded, 督办 at every level with one overdue and
unanswered, decomposed tasks, a stalled one, last month's bulletin published; loading it again adds
nothing."""

from sqlalchemy import func, select

from registry.core.timezone import local_today
from registry.demo.supervision import JIANGCHUAN_LEDGER, PROVINCE_LEDGER, load_supervision_demo
from registry.extensions import db
from registry.supervision import rules
from registry.supervision.bulletin_data import period
from registry.supervision.models import (
    Bulletin,
    BulletinState,
    ClosureState,
    Ledger,
    Supervision,
    Task,
    TaskState,
    TaskUnit,
)


def _tasks(title: str) -> list[Task]:
    ledger = db.session.scalar(select(Ledger).where(Ledger.title == title))
    assert ledger is not None, title
    return list(ledger.tasks)


def test_every_state_and_the_notice_window_open(demo):
    today = local_today()
    tasks = _tasks(PROVINCE_LEDGER)
    assert len(tasks) == 10
    states = {t.state for t in tasks}
    assert states == {TaskState.OPEN, TaskState.APPLIED, TaskState.NOTICE, TaskState.CLOSED}
    assert any(rules.is_overdue(t, today) for t in tasks)
    assert any(t.state == TaskState.OPEN and not rules.is_overdue(t, today) for t in tasks)
    assert any(rules.is_stalled(t, today) for t in tasks)
    assert any(t.reopened_count and t.state == TaskState.OPEN for t in tasks)  # 反弹
    [on_notice] = [t for t in tasks if t.state == TaskState.NOTICE]
    assert rules.objections_open(on_notice.open_closure, today)
    [certifying] = [t for t in tasks if t.state == TaskState.APPLIED]
    assert certifying.open_closure.state == ClosureState.CERTIFYING and certifying.open_closure.signoffs
    assert db.session.scalar(select(func.count(TaskUnit.id))) >= 3
    # Progress by the lead and by cooperating departments, over several months.
    first = tasks[0]
    assert {p.department_id for p in first.progress} > {first.lead_department_id}
    assert len({p.month for p in first.progress}) >= 4
    # Every level of 督办, one past its answer date unanswered.
    supervisions = list(db.session.scalars(select(Supervision).join(Task).where(Task.id.in_([t.id for t in tasks]))))
    assert {s.level for s in supervisions} == {"remind", "supervise", "interview"}
    assert any(rules.supervision_overdue(s, today) for s in supervisions)
    # Every step is in the past.
    assert all(e.at.date() <= today for t in tasks for e in t.events)
    assert len(_tasks(JIANGCHUAN_LEDGER)) == 3


def test_last_months_bulletin_is_published(demo):
    last = period(local_today().year, local_today().month).start
    last = rules.previous_month(last)
    b = db.session.scalar(select(Bulletin).where(Bulletin.year == last.year, Bulletin.month == last.month))
    assert b is not None and b.state == BulletinState.PUBLISHED and b.pdf_sha256 and b.pdf_size > 10_000


def test_loading_again_adds_nothing(demo):
    counts = [db.session.scalar(select(func.count(m.id))) for m in (Ledger, Task, Supervision, Bulletin)]
    load_supervision_demo()
    db.session.flush()
    assert [db.session.scalar(select(func.count(m.id))) for m in (Ledger, Task, Supervision, Bulletin)] == counts
