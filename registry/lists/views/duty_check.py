"""A department's own list (its duties) checked against the jurisdiction's matters."""

from flask import g, render_template
from flask_login import current_user

from registry.core.permissions import Permission, can, requires
from registry.lists.duty_check import COVERED, check_duties
from registry.lists.views.blueprint import bp
from registry.lists.views.common import _can_edit, _department


@bp.route("/departments/<int:department_id>/duty-check")
@requires(Permission.DEPARTMENT_READ, _department)
def duty_check(department_id: int):
    d = g.target
    return render_template(
        "lists/duty_check.html",
        d=d,
        j=d.jurisdiction,
        # Without LIST_READ (the department itself) only the matters it has a role in are compared and named.
        check=check_duties(d, whole_list=can(current_user, Permission.LIST_READ, d.jurisdiction)),
        covered=int(COVERED * 100),
        can_edit=_can_edit(d),
    )
