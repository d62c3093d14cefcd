"""The audit trail of a jurisdiction and of one matter."""

from datetime import date, timedelta

from flask import g, render_template, request
from flask_babel import gettext as _

from registry.core.audit import ACTION_LABELS, ENTITY_LABELS
from registry.core.http import paginate
from registry.core.permissions import Permission, requires
from registry.core.timezone import local_day_start
from registry.lists import auditlog, queries
from registry.lists.views.blueprint import bp
from registry.lists.views.common import (
    _jurisdiction,
    _matter,
)

# Entries per page: each may carry a text diff, so fewer than a list page.
PER_PAGE = 20


def _day(name: str, errors: dict[str, str]) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("日期格式应为 年-月-日，例如 2026-01-31。")
        return None
    if not date(1900, 1, 1) <= day <= date(2999, 12, 31):  # the edges of the calendar overflow in UTC
        errors[name] = _("请填写1900年至2999年之间的日期。")
        return None
    return day


def _object() -> tuple[str, int] | None:
    """The record the log is narrowed to, `?object=matters:12`; None when absent or malformed."""
    kind, _sep, raw_id = request.args.get("object", "").partition(":")
    if kind in ENTITY_LABELS and raw_id.isdigit() and len(raw_id) < 12:
        return kind, int(raw_id)
    return None


@bp.route("/<code>/audit")
@requires(Permission.AUDIT_READ, _jurisdiction)
def audit(code: str):
    j = g.target
    errors: dict[str, str] = {}
    filters = {
        "type": request.args.get("type", ""),
        "action": request.args.get("action", ""),
        "actor": request.args.get("actor", ""),
        "from": request.args.get("from", "").strip(),
        "to": request.args.get("to", "").strip(),
    }
    since, until = _day("from", errors), _day("to", errors)
    obj = _object()
    entity_type = obj[0] if obj else filters["type"]
    stmt = queries.audit_entries(
        j,
        entity_type=entity_type,
        action=filters["action"],
        actor=filters["actor"],
        since=local_day_start(since) if since else None,
        until=local_day_start(until + timedelta(days=1)) if until else None,
        entity_id=obj[1] if obj else None,
    )
    page = paginate(stmt, per_page=PER_PAGE)
    rows = auditlog.present(page.items)
    # The record's name only from this log's own entries: the id may be anyone's (another
    # jurisdiction's draft, a user account), and naming it would tell what this office may not read.
    narrowed = obj and {"key": f"{obj[0]}:{obj[1]}", "name": rows[0].name if rows else "", "entity": obj[0]}
    return render_template(
        "lists/audit.html",
        j=j,
        page=page,
        rows=rows,
        filters=filters,
        errors=errors,
        narrowed=narrowed,
        entity_types=[(t, _(ENTITY_LABELS.get(t, t))) for t in queries.audit_entity_types(j)],
        actions=[(a, _(ACTION_LABELS.get(a, a))) for a in queries.audit_actions(j)],
        actors=queries.audit_actors(j),
    )


@bp.route("/matters/<int:matter_id>/audit")
@requires(Permission.AUDIT_READ, _matter)
def matter_audit(matter_id: int):
    m = g.target
    page = paginate(queries.matter_audit(m.id), per_page=PER_PAGE)
    return render_template(
        "lists/matter_audit.html", m=m, j=m.jurisdiction, page=page, rows=auditlog.present(page.items)
    )
