"""The 工作台: each role's start page after login; a jurisdiction's overview and its list health."""

from flask import current_app, g, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from registry.auth import queries as user_queries
from registry.core import audit
from registry.core.permissions import DEPARTMENT_ROLES, Permission, Role, requires
from registry.core.timezone import local_today
from registry.jurisdictions import queries as jurisdiction_queries
from registry.lists import queries, upper
from registry.lists.views.blueprint import bp
from registry.lists.views.common import (
    _can_edit,
    _jurisdiction,
)
from registry.notify.views import unread_notices
from registry.public.cache import process_cache
from registry.reports import cooperation
from registry.reports import queries as report_queries
from registry.versions import queries as version_queries


@bp.route("/")
@requires(Permission.ACCOUNT)  # every signed-in user starts here; what they see is their own
def workbench():
    today = local_today()  # deadlines are counted in local (Beijing) days
    if current_user.role == Role.OFFICE_ADMIN:
        j = current_user.jurisdiction
        return render_template(
            "lists/home.html",
            kind="office",
            j=j,
            today=today,
            counts=queries.counts(j),
            delegations=queries.delegations(j),
            awaiting=report_queries.awaiting_review(j.id),
            cycles=report_queries.cycle_progress(j.id, today),
            changes=version_queries.unpublished_changes(j),
            below=queries.below(j),
            upper=upper.upper_state(j),  # 上级清单已更新
        )
    if current_user.role in DEPARTMENT_ROLES and current_user.department is not None:
        d = current_user.department
        return render_template(
            "lists/home.html",
            kind="department",
            d=d,
            j=d.jurisdiction,
            today=today,
            reports=report_queries.department_reports(d.id, today),
            matter_counts=queries.department_matter_counts(d),
            coop_reminders=cooperation.reminders_to_department(d.id),  # §7: lead departments' 提醒
        )
    return render_template(
        "lists/home.html",
        kind="sysadmin" if current_user.role == Role.SYSADMIN else "other",
        today=today,
        users=user_queries.user_counts() if current_user.role == Role.SYSADMIN else {},
        tree=jurisdiction_queries.tree(),
        published=version_queries.in_force_ids(today),
    )


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


# An office opens its list health again and again while nothing changed. The page is kept until the
# data moves (audit.revision), per list, reader (which departments the reader may open) and language,
# together with what its frame shows of the reader's session: the unread count, the session's form
# token (退出 posts it) and the address the language switch returns to. A page carrying a flashed
# message is made afresh (the message is shown once).
_pages = process_cache(maxsize=256)


@bp.route("/<code>/health")
@requires(Permission.LIST_READ, _jurisdiction)
def health(code: str):
    j = g.target
    if session.get("_flashes"):
        return _health_page(j)
    generate_csrf()  # the session's token, made now if it has none, so that the key holds it
    key = (
        j.id,
        current_user.id,
        str(get_locale()),
        audit.revision(),
        unread_notices(),
        session[current_app.config["WTF_CSRF_FIELD_NAME"]],
        request.full_path,
    )
    return _pages.get_or_set(key, lambda: _health_page(j))


def _health_page(j) -> str:
    return render_template("lists/health.html", j=j, health=queries.health(j), can_edit=_can_edit(j))
