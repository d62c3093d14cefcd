"""One indicator: its definition, chart and values; the lead department recording, correcting and
deleting a value."""

from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from registry.core.charts import NARROW, SVG_POLICY, WIDTH
from registry.core.forms import show_problems
from registry.core.http import whole_number
from registry.core.permissions import Permission, can, requires
from registry.core.timezone import local_today
from registry.extensions import db, talisman
from registry.targets import charts, queries, services
from registry.targets.forms import MONTHS, ConfirmForm, NotANumber, ValueForm, number_from, year_from
from registry.targets.models import SOURCES, IndicatorValue, TargetIndicator
from registry.targets.rules import number
from registry.targets.views import _commit, _indicator, _value, bp, last_year

# The chart as an <img>: pygal's inline styles need a policy of their own (the pages allow none).


def _knows(form: ValueForm, row: IndicatorValue) -> None:
    """Let the form carry the version of `row` and the (year, month) it belongs to."""
    for field, data in ((form.value_version, row.lock_version), (form.version_year, row.year)):
        field.data, field.raw_data = data, [str(data)]
    form.version_month.data, form.version_month.raw_data = row.month, [str(row.month)]


def _value_form(indicator: TargetIndicator, year: int, month: int) -> ValueForm:
    """The record form for (year, month), filled from the value recorded for it, if any."""
    form = ValueForm(formdata=None)
    form.year.data, form.month.data = str(year), month
    row = services.find_value(indicator, year, month)
    if row is not None:
        form.value.data, form.source.data, form.note.data = number(row.value), row.source, row.note
        _knows(form, row)
    return form


def _detail(indicator: TargetIndicator, form: ValueForm, status: int = 200):
    row = queries.indicator(indicator.id)
    values = list(
        db.session.scalars(
            select(IndicatorValue)
            .where(IndicatorValue.indicator_id == indicator.id)
            .order_by(IndicatorValue.year, IndicatorValue.month)
        )
    )
    locked = services.locked_years(indicator.jurisdiction_id)
    return render_template(
        "targets/indicator.html",
        j=indicator.jurisdiction,
        indicator=indicator,
        row=row,
        values_by_year={v.year: v for v in values if v.month == 0},
        monthly=[v for v in values if v.month],
        locked=locked,
        form=form,
        months=MONTHS,
        sources=SOURCES,
        last_year=last_year(),
        this_year=local_today().year,
        can_record=can(current_user, Permission.TARGET_RECORD, indicator),
        can_manage=can(current_user, Permission.TARGET_MANAGE, indicator),
        can_list=can(current_user, Permission.TARGET_READ, indicator.jurisdiction),
    ), status


def _arg_int(name: str, default: int, low: int, high: int) -> int:
    """A whole number in the query string within [low, high]; `default` for anything else."""
    number = whole_number(request.args.get(name), low=low, high=high)
    return default if number is None else number


def _open_year(indicator: TargetIndicator) -> int:
    """The year the record form opens on: last year (or the baseline year, if later), or the first
    year after it up to this year that is not locked; last year when all are locked."""
    first = max(last_year(), indicator.baseline_year)
    locked = services.locked_years(indicator.jurisdiction_id)
    return next((y for y in range(first, local_today().year + 1) if y not in locked), first)


@bp.route("/indicators/<int:indicator_id>")
@requires(Permission.TARGET_READ, _indicator)
def indicator(indicator_id: int):
    indicator = g.target
    year = _arg_int("year", _open_year(indicator), 1900, 9999)
    month = _arg_int("month", 0, 0, 12)
    return _detail(indicator, _value_form(indicator, year, month))


def _expected_version(form: ValueForm, year: int | None, month: int):
    """The version of the value the user corrects: the form's, when it was read for this (year, month);
    else None (the user saw no value there)."""
    if form.value_version.data is not None and (form.version_year.data, form.version_month.data) == (year, month):
        return form.value_version.data
    return None


@bp.route("/indicators/<int:indicator_id>/values", methods=["POST"])
@requires(Permission.TARGET_RECORD, _indicator)
def record(indicator_id: int):
    indicator = g.target
    form = ValueForm()
    valid = form.validate()
    problems = []
    try:
        year = year_from(form.year.data)
    except NotANumber:
        year = None
        problems.append(("year", _("请填写四位数的年份，如 2025。")))
    try:
        value = number_from(form.value.data)
    except NotANumber:
        value = None
        problems.append(("value", _("请填写数值，如 28 或 91.5。")))
    month = form.month.data if isinstance(form.month.data, int) else 0
    entered = {"year": year, "value": value, "source": form.source.data or "", "note": form.note.data or ""}
    problems += services.value_problems(indicator, month=month, **entered)
    if not valid or problems:
        show_problems(form, problems)
        return _detail(indicator, form, 400)
    existing = []

    def action():
        try:
            services.record_value(
                indicator,
                actor=current_user,
                month=month,
                expected_version=_expected_version(form, year, month),
                **entered,
            )
        except services.ValueExists as exists:
            existing.append(exists.row)
            raise

    if not _commit(form, action):
        if existing:
            # A value the form did not show (recorded meanwhile, or the user changed the year): the
            # message names it; saving again, the form now carrying its version, corrects it.
            _knows(form, existing[0])
            return _detail(indicator, form, 409)
        return _detail(indicator, form, 400)
    when = _("%(year)d年%(month)d月", year=year, month=month) if month else _("%(year)d年", year=year)
    flash(_("已保存%(when)s数值 %(value)s。", when=when, value=number(value)), "success")
    return redirect(url_for(".indicator", indicator_id=indicator.id, year=year, month=month or None))


@bp.route("/indicator-values/<int:value_id>/delete", methods=["GET", "POST"])
@requires(Permission.TARGET_RECORD, _value)
def delete_value(value_id: int):
    row = g.target
    indicator = row.indicator
    form = ConfirmForm()
    if not form.is_submitted():
        form.lock_version.data = row.lock_version
    elif form.validate() and _commit(
        form, lambda: services.delete_value(row, actor=current_user, expected_version=form.lock_version.data)
    ):
        flash(_("已删除该数值。"), "success")
        return redirect(url_for(".indicator", indicator_id=indicator.id))
    when = _("%(year)d年%(month)d月", year=row.year, month=row.month) if row.month else _("%(year)d年", year=row.year)
    return render_template(
        "targets/confirm.html",
        j=indicator.jurisdiction,
        indicator=indicator,
        form=form,
        heading=_("删除「%(name)s」%(when)s的数值", name=indicator.name, when=when),
        message=_(
            "将删除%(when)s的数值 %(value)s%(unit)s（%(source)s）；删除后该年度按无数据计算，"
            "可以重新填报。操作记入日志。",
            when=when,
            value=number(row.value),
            unit=indicator.unit,
            source=row.source,
        ),
        button=_("确认删除"),
        back=url_for(".indicator", indicator_id=indicator.id),
    ), (400 if form.is_submitted() else 200)


@bp.route("/indicators/<int:indicator_id>/chart.svg")
@talisman(content_security_policy=SVG_POLICY)
@requires(Permission.TARGET_READ, _indicator)
def chart(indicator_id: int):
    """The indicator's chart as an SVG image (<img> on its page); ?size=narrow for phones."""
    row = queries.indicator(g.target.id)
    svg = charts.chart(row, NARROW if request.args.get("size") == "narrow" else WIDTH)
    response = make_response(svg)
    response.headers["Content-Type"] = "image/svg+xml; charset=utf-8"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
