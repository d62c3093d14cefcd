"""Who is told what when a task moves (signals.task_changed → registry.notify): the department or office
that acts next, with a link to the task's page. Titles and bodies are stored in the site's default
language. An objector's contact details never appear in a notice."""

from flask_babel import gettext as _

from registry.supervision.models import ClosureState, EventKind, SignoffState, Task, TaskEvent

EXCERPT = 300


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "……"


def tell(task: Task, event: TaskEvent, actor) -> None:
    from registry.notify import notify, path_for
    from registry.notify.receivers import _default_locale, _others, department_users, office_users

    url = path_for("supervision.task", task_id=task.id)
    name = f"{task.number}. {_excerpt(task.problem)[:60]}" if task.number else _excerpt(task.problem)[:60]
    lead = task.lead_department
    office = office_users(task.jurisdiction_id)
    kind = event.kind
    with _default_locale():
        if kind == EventKind.CREATED:
            notify(
                _others(department_users(lead.id), actor),
                "task_assigned",
                _("整改任务交由本部门牵头：%(task)s", task=name),
                body=_("台账「%(ledger)s」。整改时限：%(due)s。", ledger=task.ledger.title, due=_deadline(task)),
                url=url,
            )
            for department in task.cooperating:
                notify(
                    _others(department_users(department.id), actor),
                    "task_assigned",
                    _("整改任务请本部门配合：%(task)s", task=name),
                    body=_("牵头部门：%(lead)s。", lead=lead.name),
                    url=url,
                )
        elif kind == EventKind.EDITED:
            # Only the departments the edit brings in (services.update_task sets task.newly_involved).
            involved = getattr(task, "newly_involved", None) or {}
            if involved.get("lead") is not None:
                notify(
                    _others(department_users(involved["lead"].id), actor),
                    "task_assigned",
                    _("整改任务交由本部门牵头：%(task)s", task=name),
                    body=_("台账「%(ledger)s」。整改时限：%(due)s。", ledger=task.ledger.title, due=_deadline(task)),
                    url=url,
                )
            for department in involved.get("cooperating", ()):
                notify(
                    _others(department_users(department.id), actor),
                    "task_assigned",
                    _("整改任务请本部门配合：%(task)s", task=name),
                    body=_("牵头部门：%(lead)s。", lead=lead.name),
                    url=url,
                )
        elif kind == EventKind.PROGRESS and event.department_id != lead.id:
            notify(
                _others(department_users(lead.id), actor),
                "task_progress",
                _("%(department)s报送了配合落实情况：%(task)s", department=event.department.name, task=name),
                body=_excerpt(event.text),
                url=url,
            )
        elif kind == EventKind.REMINDED:
            notify(
                _others(department_users(event.other_department_id), actor),
                "task_reminded",
                _("%(lead)s提醒本部门推进整改任务：%(task)s", lead=lead.name, task=name),
                body=_excerpt(event.text),
                url=url,
            )
        elif kind == EventKind.ESCALATED:
            notify(
                _others(office, actor),
                "task_escalated",
                _(
                    "%(lead)s报告%(department)s推进不力：%(task)s",
                    lead=lead.name,
                    department=event.other_department.name,
                    task=name,
                ),
                body=_excerpt(event.text),
                url=url,
            )
        elif kind == EventKind.SUPERVISION:
            supervision = task.supervisions[-1]
            notify(
                _others(department_users(supervision.department_id), actor),
                "task_supervision",
                _("收到%(level)s：%(task)s", level=_(supervision.level_label), task=name),
                body=_("请于 %(date)s 前答复。", date=supervision.respond_by.isoformat()) + " " + _excerpt(event.text),
                url=url,
            )
        elif kind == EventKind.SUPERVISION_ANSWERED:
            notify(
                _others(office, actor),
                "task_supervision",
                _("%(department)s答复了督办：%(task)s", department=event.department.name, task=name),
                body=_excerpt(event.text),
                url=url,
            )
        elif kind in (EventKind.APPLIED, EventKind.SIGNED):
            closure = task.open_closure or task.closures[-1]
            pending = [s.department_id for s in closure.signoffs if s.state == SignoffState.PENDING]
            if closure.state == ClosureState.CERTIFYING and pending and kind == EventKind.APPLIED:
                for department_id in pending:
                    notify(
                        _others(department_users(department_id), actor),
                        "task_closure",
                        _("请认定销号申请：%(task)s", task=name),
                        body=_("%(lead)s申请销号。", lead=lead.name),
                        url=url,
                    )
            if closure.state == ClosureState.CERTIFYING and not pending:
                notify(
                    _others(office, actor),
                    "task_closure",
                    _("销号申请已认定，待公示：%(task)s", task=name),
                    url=url,
                )
            elif closure.state == ClosureState.RETURNED:
                notify(
                    _others(department_users(lead.id), actor),
                    "task_closure",
                    _("销号申请未获认定，已退回：%(task)s", task=name),
                    body=_excerpt(event.text),
                    url=url,
                )
        elif kind == EventKind.NOTICE_STARTED:
            closure = task.open_closure
            notify(
                _others(department_users(lead.id), actor),
                "task_closure",
                _("销号公示开始：%(task)s", task=name),
                body=_("公示期至 %(date)s。", date=closure.notice_ends.isoformat()) if closure else "",
                url=url,
            )
        elif kind == EventKind.OBJECTION:
            notify(office, "task_closure", _("销号公示收到异议：%(task)s", task=name), url=url)
        elif kind in (EventKind.CLOSED, EventKind.RETURNED):
            if kind == EventKind.CLOSED:
                title = _("任务已销号：%(task)s", task=name)
            else:
                title = _("销号申请被退回：%(task)s", task=name)
            notify(_others(department_users(lead.id), actor), "task_closure", title, body=_excerpt(event.text), url=url)
        elif kind == EventKind.REOPENED:
            users = department_users(lead.id) + [u for d in task.cooperating for u in department_users(d.id)]
            notify(
                _others(users, actor),
                "task_reopened",
                _("问题反弹，任务重新整改：%(task)s", task=name),
                body=_excerpt(event.text),
                url=url,
            )


def _deadline(task: Task) -> str:
    parts = []
    if task.due_date:
        parts.append(task.due_date.isoformat())
    if task.phase:
        parts.append(_(task.phase_label))
    return " / ".join(parts)


def on_task_changed(task, *, event, actor, **_kwargs) -> None:
    tell(task, event, actor)
