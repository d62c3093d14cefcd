"""The open-data API of the rectification tasks (#18 deliverable 8): a jurisdiction's tasks, filtered by
state (and ledger), and one task with the public steps of its timeline.

What a task shows is registry/supervision/public_data.py's (the same as the public pages): its source,
problem, target, measures, departments, deadline, state, reported percentage and closure notice dates.
Nothing personal: the responsible person's name and post only where the office publishes them, never a
contact, an objection, a progress text or a 督办.

Tasks change with every step, so an answer's ETag is a hash of its content (the payload is built once per
request, for the ETag and the body) and it may be kept TASK_MAX_AGE seconds; If-None-Match gives 304."""

import hashlib
import json
from typing import Any

from flask import g, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from registry.core.permissions import public
from registry.core.timezone import local_today
from registry.extensions import db
from registry.public.api import ApiError, _bad, _id, _listing, _not_found, _paging, _positive_int, bp, json_response
from registry.public.cache import PageState, cached
from registry.public.openapi import TASK_MAX_AGE
from registry.public.queries import jurisdiction_ref
from registry.supervision import public_data
from registry.supervision.models import TASK_STATE_LABELS, Task

STATES = tuple(TASK_STATE_LABELS)


def _list_payload() -> dict[str, Any]:
    args = request.args
    code = args.get("jurisdiction", "").strip()
    if not code:
        raise _bad(_("参数 jurisdiction 是必填的（6 位行政区划代码）。"))
    j = jurisdiction_ref(code)
    if j is None:
        raise _not_found(_("行政区划代码 %(code)s 不存在。", code=code[:20]))
    state = args.get("state", "").strip()
    if state and state not in STATES:
        raise _bad(_("参数 state 只能是 open、applied、notice 或 closed。"))
    ledger_id = None
    if args.get("ledger", "").strip():
        ledger_id = _positive_int(args["ledger"], "ledger")
        if public_data.ledger_of(j.id, ledger_id) is None:
            raise _bad(_("%(place)s没有编号为 %(id)s 的整改台账。", place=j.name, id=ledger_id))
    page, per_page = _paging()
    stmt = public_data.tasks(jurisdiction_id=j.id, ledger_id=ledger_id, state=state)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)) if total else []
    publish = public_data.publishes_responsible(j.id)
    today = local_today()
    items = [public_data.task_plain(t, publish_responsible=publish, today=today) for t in rows]
    return _listing(items, total, page, per_page)


def _detail_payload(task_id: str) -> dict[str, Any]:
    tid = _id(task_id, _("任务编号必须是正整数。"))
    task = db.session.get(Task, tid)
    if task is None:
        raise _not_found(_("没有编号为 %(id)s 的整改任务。", id=tid))
    return public_data.task_detail(
        task, publish_responsible=public_data.publishes_responsible(task.jurisdiction_id), today=local_today()
    )


def _state(build) -> PageState | None:
    """The answer's content hash (None on a refusal: the view raises it again, uncached)."""
    try:
        payload = build()
    except ApiError:
        return None
    g.task_payload = payload
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return PageState(("tasks", hashlib.sha256(body.encode()).hexdigest()))


def list_state(**_: Any) -> PageState | None:
    return _state(_list_payload)


def detail_state(task_id: str, **_: Any) -> PageState | None:
    return _state(lambda: _detail_payload(task_id))


@bp.route("/tasks")
@public
@cached(list_state, max_age=TASK_MAX_AGE)
def tasks():
    return json_response(g.pop("task_payload", None) or _list_payload())


@bp.route("/tasks/<task_id>")
@public
@cached(detail_state, max_age=TASK_MAX_AGE)
def task(task_id: str):
    return json_response(g.pop("task_payload", None) or _detail_payload(task_id))
