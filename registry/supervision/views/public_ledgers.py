"""The public ledger pages (#18 deliverable 7): a jurisdiction's ledgers with their progress, one ledger
by state and by lead department (charts and a table with the same figures) with its tasks, and one
task with the public steps of its timeline. No login; what is public is decided in
registry/supervision/public_data.py (responsible persons only where the office publishes them; never a
contact, an objection, a progress text or a 督办).

The pages change with every step on a task, so they are rendered per request; the charts are SVG
images with a strong ETag over the figures they show (registry.public.cache.cached)."""

from typing import Any

from flask import abort, make_response, render_template, request
from flask_babel import gettext as _

from registry.core.charts import NARROW, SVG_POLICY, WIDTH
from registry.core.http import paginate, whole_number
from registry.core.permissions import public
from registry.core.timezone import local_today
from registry.extensions import db, talisman
from registry.jurisdictions import queries as jurisdiction_queries
from registry.jurisdictions.models import Jurisdiction
from registry.public.cache import PageState, cached
from registry.public.queries.supervision import supervision_links
from registry.public.queries.targets import matters_in_force
from registry.supervision import ledger_queries as lq
from registry.supervision import public_charts, public_data
from registry.supervision.blueprint import bp
from registry.supervision.models import EVENT_LABELS, TASK_STATE_LABELS, Ledger, Task
from registry.supervision.public_data import STATE_ORDER

PER_PAGE = 20
SIZES = {"": WIDTH, "narrow": NARROW}
CHART_MAX_AGE = 60  # seconds: the figures move with every closure


def _jurisdiction(code: str) -> Jurisdiction:
    j = jurisdiction_queries.by_code(code)
    if j is None:
        abort(404)
    return j


def _ledger(code: str, ledger_id: int) -> tuple[Jurisdiction, Ledger]:
    j = _jurisdiction(code)
    ledger = public_data.ledger_of(j.id, ledger_id)
    if ledger is None:
        abort(404)
    return j, ledger


@bp.app_template_global("public_supervision_links")
def public_supervision_links(jurisdiction_id: int) -> tuple[bool, bool]:
    """(has a ledger, has a published bulletin): the jurisdiction page's links (in its ETag)."""
    return supervision_links(jurisdiction_id)


@bp.app_template_global("public_chart_size")
def public_chart_size(kind: str, size: str, departments: int = 0) -> tuple[int, int]:
    """(width, height) of a public ledger chart, for <img width height>."""
    return SIZES[size], public_charts.height(kind, departments)


@bp.route("/jurisdictions/<code>/ledgers", endpoint="public_ledgers")
@public
def ledgers(code: str):
    """整改台账: the jurisdiction's ledgers, each with its counts by state, % closed and overdue."""
    j = _jurisdiction(code)
    today = local_today()
    found = public_data.ledgers(j.id)
    return render_template(
        "supervision/public/ledgers.html",
        jurisdiction=j,
        ledgers=found,
        counts=lq.counts([ledger.id for ledger in found], today),
        today=today,
    )


@bp.route("/jurisdictions/<code>/ledgers/<int:ledger_id>", endpoint="public_ledger")
@public
def ledger(code: str, ledger_id: int):
    """One ledger: its figures by state and by lead department, and its tasks (filtered, paged)."""
    j, found = _ledger(code, ledger_id)
    today = local_today()
    state = request.args.get("state", "")
    state = state if state in TASK_STATE_LABELS else ""
    departments = public_data.by_department(found, today)
    department_id = whole_number(request.args.get("department", ""))
    if department_id not in {d.id for d in departments}:
        department_id = None
    page = paginate(public_data.tasks(ledger_id=found.id, state=state, department_id=department_id), PER_PAGE)
    return render_template(
        "supervision/public/ledger.html",
        jurisdiction=j,
        ledger=found,
        counts=lq.counts([found.id], today)[found.id],
        departments=departments,
        page=page,
        filters={"state": state, "department": department_id},
        filtered=bool(state or department_id),
        show_responsible=public_data.publishes_responsible(j.id),
        state_order=STATE_ORDER,
        today=today,
    )


def _chart_state(code: str, ledger_id: int, **_: Any) -> PageState | None:
    """The figures a ledger's chart shows (None: the view answers 404)."""
    j = jurisdiction_queries.by_code(code)
    found = public_data.ledger_of(j.id, ledger_id) if j is not None else None
    if found is None:
        return None
    today = local_today()
    counts = lq.counts([found.id], today)[found.id]
    return PageState(
        (
            "ledger-chart",
            found.id,
            found.title,
            public_data.figures_key(counts, public_data.by_department(found, today)),
        )
    )


@bp.route("/jurisdictions/<code>/ledgers/<int:ledger_id>/chart.svg", endpoint="public_ledger_chart")
@talisman(content_security_policy=SVG_POLICY)
@public
@cached(_chart_state, max_age=CHART_MAX_AGE)
def ledger_chart(code: str, ledger_id: int):
    """A ledger's chart as an SVG image: ?by=state (default) or department; ?size=narrow for phones."""
    kind = request.args.get("by", "state")
    size = request.args.get("size", "")
    if kind not in public_charts.CHARTS or size not in SIZES:
        abort(404)
    j, found = _ledger(code, ledger_id)
    today = local_today()
    if kind == "state":
        svg = public_charts.state_chart(
            lq.counts([found.id], today)[found.id], _("%(title)s：各状态任务数", title=found.title), SIZES[size]
        )
    else:
        svg = public_charts.department_chart(
            public_data.by_department(found, today), _("%(title)s：各牵头部门任务进展", title=found.title), SIZES[size]
        )
    response = make_response(svg)
    response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/jurisdictions/<code>/tasks/<int:task_id>", endpoint="public_task")
@public
def task(code: str, task_id: int):
    """One task as the public sees it, with the public steps of its timeline."""
    j = _jurisdiction(code)
    found = db.session.get(Task, task_id)
    if found is None or found.jurisdiction_id != j.id:
        abort(404)
    today = local_today()
    published = matters_in_force(tuple(m.id for m in found.matters))
    return render_template(
        "supervision/public/task.html",
        jurisdiction=j,
        ledger=found.ledger,
        task=found,
        milestones=public_data.milestones(found),
        event_labels=EVENT_LABELS,
        notice=public_data.latest_notice(found),
        matters=[(m.id, published[m.id]) for m in found.matters if m.id in published],
        show_responsible=public_data.publishes_responsible(j.id),
        today=today,
    )
