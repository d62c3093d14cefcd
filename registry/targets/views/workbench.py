"""The 工作台's indicator figures (templates/targets/_workbench*.html)."""

from flask import g
from flask_login import current_user

from registry.core.permissions import DEPARTMENT_ROLES, Permission, Role, can
from registry.targets import queries
from registry.targets.views import bp, last_year


@bp.app_template_global("target_workbench")
def target_workbench():
    """The 工作台's indicator figures of the signed-in user: an office's jurisdiction, a department's
    own indicators (None for anyone else)."""
    if not can(current_user, Permission.TARGET_READ):
        return None
    if "target_workbench" not in g:  # the page asks twice (its figures, then its section)
        g.target_workbench = _workbench_figures()
    return g.target_workbench


def _workbench_figures():
    year = last_year()
    if current_user.role == Role.OFFICE_ADMIN:
        rows = queries.indicators(jurisdiction_id=current_user.jurisdiction_id)
    elif current_user.role in DEPARTMENT_ROLES and current_user.department_id:
        rows = queries.indicators(department_id=current_user.department_id)
    else:
        return None
    return {
        "rows": rows,
        "year": year,
        "missing": [r for r in rows if not r.value_in(year) and r.baseline_year <= year],
        "code": current_user.jurisdiction.code if current_user.jurisdiction else "",
    }
