"""The workbench start page, a jurisdiction's overview and its list health."""

from flask import g, redirect, render_template, url_for
from flask_login import current_user

from registry.core.permissions import DEPARTMENT_ROLES, Permission, Role, requires
from registry.jurisdictions import queries as jurisdiction_queries
from registry.lists import queries
from registry.lists.views.blueprint import bp
from registry.lists.views.common import (
    _can_edit,
    _jurisdiction,
)


@bp.route("/")
@requires(Permission.ACCOUNT)
def workbench():
    if current_user.role == Role.OFFICE_ADMIN:
        return redirect(url_for(".jurisdiction", code=current_user.jurisdiction.code))
    if current_user.role in DEPARTMENT_ROLES:
        return redirect(url_for(".department", department_id=current_user.department_id))
    return render_template("lists/index.html", tree=jurisdiction_queries.tree())


@bp.route("/<code>/")
@requires(Permission.LIST_READ, _jurisdiction)
def jurisdiction(code: str):
    j = g.target
    return render_template(
        "lists/workbench.html",
        j=j,
        counts=queries.counts(j),
        below=queries.below(j),
        can_edit=_can_edit(j),
    )


@bp.route("/<code>/health")
@requires(Permission.LIST_READ, _jurisdiction)
def health(code: str):
    j = g.target
    return render_template("lists/health.html", j=j, health=queries.health(j), can_edit=_can_edit(j))
