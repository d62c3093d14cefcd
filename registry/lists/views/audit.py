"""The audit trail of a jurisdiction and of one matter."""

from flask import g, render_template, request

from registry.core.permissions import Permission, requires
from registry.lists import queries
from registry.lists.views.blueprint import bp
from registry.lists.views.common import (
    _jurisdiction,
    _matter,
    _paginate,
)


@bp.route("/<code>/audit")
@requires(Permission.AUDIT_READ, _jurisdiction)
def audit(code: str):
    j = g.target
    entity_type = request.args.get("type", "")
    return render_template(
        "lists/audit.html",
        j=j,
        page=_paginate(queries.audit_entries(j, entity_type)),
        entity_type=entity_type,
        entity_types=queries.audit_entity_types(j),
    )


@bp.route("/matters/<int:matter_id>/audit")
@requires(Permission.AUDIT_READ, _matter)
def matter_audit(matter_id: int):
    m = g.target
    return render_template("lists/matter_audit.html", m=m, j=m.jurisdiction, page=_paginate(queries.matter_audit(m.id)))
