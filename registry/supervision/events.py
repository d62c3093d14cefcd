"""One step on a task, recorded the one way: the timeline event (TaskEvent), the audit entry and the
signal that tells the people who act next (registry.notify.receivers), all in the caller's transaction.
Every service of this package that changes a task goes through `record`."""

from typing import Any

from registry.core import audit, signals
from registry.extensions import db
from registry.supervision.models import Task, TaskEvent


def record(
    task: Task,
    kind: str,
    actor: Any,
    *,
    action: str,
    entity: Any = None,
    department: Any = None,
    other_department: Any = None,
    text: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str = "",
) -> TaskEvent:
    """Add the event `kind` (models.EventKind) to the task's timeline, audit `action` on `entity`
    (default: the task) and send signals.task_changed. actor None: the public or a scheduled job."""
    event = TaskEvent(
        kind=kind,
        actor_id=getattr(actor, "id", None),
        actor_name=audit.actor_name(actor) if actor not in (None, "") else "公众",
        department_id=getattr(department, "id", None),
        other_department_id=getattr(other_department, "id", None),
        text=text or "",
        state=task.state,
    )
    task.events.append(event)
    db.session.add(event)
    audit.record(
        actor if actor not in (None, "") else "公众",
        action,
        entity if entity is not None else task,
        jurisdiction_id=task.jurisdiction_id,
        before=before,
        after=after,
        summary=summary or f"{task.number or task.id} {event.label}",
    )
    signals.task_changed.send(task, event=event, actor=actor)
    return event
