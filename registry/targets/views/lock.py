"""Locking a year's values (the office), once they are published: final, so only an ended year from
the earliest baseline year on is offered, and a confirmation page comes first."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.core.http import whole_number
from registry.core.permissions import Permission, requires
from registry.targets import queries, services
from registry.targets.forms import ConfirmForm
from registry.targets.views import _commit, _jurisdiction, bp


@bp.route("/<code>/indicators/lock", methods=["GET", "POST"])
@requires(Permission.TARGET_MANAGE, _jurisdiction)
def lock(code: str):
    """Choose a year (GET), see what locking it means (GET ?year=), lock it (POST): final."""
    j = g.target
    rows = queries.indicators(jurisdiction_id=j.id)
    open_years = services.lockable_years(j) if rows else []  # nothing to lock without indicators
    low, high = services.lock_range(j)
    form = ConfirmForm()
    text = request.form.get("year") if form.is_submitted() else request.args.get("year")
    year = whole_number(text, low=1, high=9999)
    status = 200
    if form.is_submitted():
        if year is None:
            form.form_errors.append(_("请选择要锁定的年度。"))
        elif form.validate() and _commit(form, lambda: services.lock_year(j, year, actor=current_user)):
            flash(_("已锁定%(year)d年度的目标指标数据，此后不能再修改。", year=year), "success")
            return redirect(url_for(".indicators", code=j.code))
        status = 400
    shown = year if year in open_years else None
    return render_template(
        "targets/lock.html",
        j=j,
        form=form,
        year=shown,
        open_years=open_years,
        locked=sorted(services.locked_years(j.id)),
        has_indicators=bool(rows),
        refused=bool(text) and not form.is_submitted() and year not in open_years,  # ?year= of no lockable year
        low=low,
        high=high,
        with_value=[r for r in rows if shown is not None and r.value_in(shown)],
        without=[r for r in rows if shown is not None and not r.value_in(shown)],
    ), status
