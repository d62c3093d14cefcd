"""The 工作台: each role's start page after login; a jurisdiction's overview and its list health."""

import time

from flask import g, render_template
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

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


# An office opens its list health again and again while nothing changed. Every change is audited in its
# own transaction, so the report is kept until the audit log moves (audit.latest_id), per list, reader
# (which departments the reader may open) and language. On PostgreSQL two writers may commit out of
# the order of their entries' ids, so a report is also kept no longer than REPORT_SECONDS.
_reports = process_cache(maxsize=256)
REPORT_SECONDS = 60


@bp.route("/<code>/health")
@requires(Permission.LIST_READ, _jurisdiction)
def health(code: str):
    j = g.target
    key = (j.id, current_user.id, str(get_locale()), audit.latest_id())
    kept = _reports.get_many([key]).get(key)
    if kept is None or kept[0] < time.monotonic():
        report = render_template("lists/_health_report.html", j=j, health=queries.health(j))
        kept = (time.monotonic() + REPORT_SECONDS, report)
        _reports.set_many({key: kept})
    return render_template("lists/health.html", j=j, report=Markup(kept[1]), can_edit=_can_edit(j))
