"""A jurisdiction's indicators, and the office defining, changing and deleting one."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from registry.core.forms import show_problems
from registry.core.http import whole_number
from registry.core.permissions import Permission, can, requires
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import queries as list_queries
from registry.lists.models import Department, Matter, PolicyDocument
from registry.lists.services import get_or_create_document
from registry.public.search import bigram_stream
from registry.targets import queries, services
from registry.targets.forms import NEW_PLAN, ConfirmForm, IndicatorForm, NotANumber, number_from, year_from
from registry.targets.models import TargetIndicator
from registry.targets.rules import number
from registry.targets.views import _commit, _indicator, _jurisdiction, bp, last_year

SUGGESTED_MATTERS = 8
# Bigrams nearly every matter has: they say nothing about which matters an indicator belongs to.
_COMMON = {"生态", "态环", "环境", "保护", "工作", "管理", "建设", "推进", "加强", "落实", "治理", "污染", "防治"}


@bp.route("/<code>/indicators")
@requires(Permission.TARGET_READ, _jurisdiction)
def indicators(code: str):
    j = g.target
    rows = queries.indicators(jurisdiction_id=j.id)
    year = last_year()
    missing = request.args.get("missing") == str(year)
    shown = [r for r in rows if not r.value_in(year) and r.baseline_year <= year] if missing else rows
    years = sorted({y for r in rows for y in r.years if y <= local_today().year})
    return render_template(
        "targets/indicators.html",
        j=j,
        rows=shown,
        total=len(rows),
        missing=missing,
        years=years,
        locked=services.locked_years(j.id),
        last_year=year,
        summary=queries.summary(rows, year),
        can_manage=can(current_user, Permission.TARGET_MANAGE, j),
    )


def _suggested(name: str, matters: list[Matter]) -> list[int]:
    """The matters whose title or description shares the most words (bigrams) with the indicator's name."""
    wanted = {b for b in bigram_stream([name]) if b} - _COMMON
    if not wanted:
        return []
    scored = []
    for m in matters:
        score = len(wanted & {b for b in bigram_stream([m.title, m.description or ""]) if b})
        if score:
            scored.append((-score, m.seq, m.id))
    return [matter_id for _score, _seq, matter_id in sorted(scored)[:SUGGESTED_MATTERS]]


def _offer(form: IndicatorForm, j: Jurisdiction, indicator: TargetIndicator | None) -> list[int]:
    """Fill the form's choices; the ids of the matters to offer first (suggested, or chosen)."""
    departments = list_queries.departments(j)
    if indicator is not None and indicator.lead_department not in departments:
        departments.append(indicator.lead_department)  # a retired lead stays choosable until changed
    form.lead_department.choices = [(0, _("请选择"))] + [(d.id, d.name) for d in departments]
    documents = list_queries.document_choices(j)
    form.plan.choices = (
        [("", _("（不填）"))]
        + [(str(d.id), f"《{d.title}》（{d.doc_number}）" if d.doc_number else f"《{d.title}》") for d in documents]
        + [(NEW_PLAN, _("新增规划文件（在下面填写名称和文号）"))]
    )
    matters = list(db.session.scalars(select(Matter).where(Matter.jurisdiction_id == j.id).order_by(Matter.seq)))
    suggested = _suggested(form.name.data or (indicator.name if indicator else ""), matters)
    chosen = set(form.matters.data or [])
    first = suggested + [m.id for m in matters if m.id in chosen and m.id not in suggested]
    by_id = {m.id: m for m in matters}
    rest = [m.id for m in matters if m.id not in first]
    form.matters.choices = [(i, by_id[i].title) for i in first + rest]
    return first


def _fill(form: IndicatorForm, indicator: TargetIndicator) -> None:
    form.name.data = indicator.name
    form.unit.data = indicator.unit
    form.direction.data = indicator.direction
    form.binding.data = indicator.binding
    form.baseline_year.data = str(indicator.baseline_year)
    form.baseline_value.data = number(indicator.baseline_value)
    form.target_year.data = str(indicator.target_year)
    form.target_value.data = number(indicator.target_value)
    form.stretch_value.data = number(indicator.stretch_value) if indicator.stretch_value is not None else ""
    form.description.data = indicator.description
    form.plan.data = str(indicator.plan_id) if indicator.plan_id else ""
    form.lead_department.data = indicator.lead_department_id
    form.matters.data = [m.id for m in indicator.matters]
    form.lock_version.data = indicator.lock_version


def _freeze(form: IndicatorForm, indicator: TargetIndicator) -> None:
    """Show the fields a locked year's results are computed from as read-only (services.ASSESSED_FIELDS;
    the service refuses a change to them all the same), holding the indicator's values: a change sent
    from a page opened before the lock is refused next to its field, and the page shown again can be
    saved as it is."""
    if form.is_submitted():
        stored = IndicatorForm(formdata=None)
        _fill(stored, indicator)
        for name in services.ASSESSED_FIELDS:
            form[name].data = stored[name].data
    for name in services.ASSESSED_FIELDS:
        form[name].render_kw = {**(form[name].render_kw or {}), "readonly": True, "aria-readonly": "true"}
    # A radio button cannot be read-only: disabled ones show the direction, a hidden input sends it.
    form.direction.render_kw = {"disabled": True}


def _data_from(form: IndicatorForm, indicator: TargetIndicator | None):
    """The form's statement as IndicatorData, and the problems only the form can see (unreadable
    numbers, records that do not exist)."""
    problems = []
    numbers = {}
    for name in ("baseline_year", "target_year"):
        try:
            numbers[name] = year_from(form[name].data)
        except NotANumber:
            numbers[name] = None
            problems.append((name, _("请填写四位数的年份，如 2025。")))
    for name in ("baseline_value", "target_value", "stretch_value"):
        try:
            numbers[name] = number_from(form[name].data)
        except NotANumber:
            numbers[name] = None
            problems.append((name, _("请填写数值，如 28 或 91.5。")))
    lead = _row(Department, form.lead_department.data)
    if form.lead_department.data and lead is None:
        problems.append(("lead_department", _("所选部门不存在。")))
    elif lead is not None and not lead.active and (indicator is None or lead.id != indicator.lead_department_id):
        problems.append(("lead_department", _("「%(name)s」已撤销，请选择现在的部门。", name=lead.name)))
    plan = None
    if form.plan.data == NEW_PLAN:
        if not (form.new_plan_title.data or "").strip("《》 "):
            problems.append(("new_plan_title", _("请填写新规划文件的名称。")))
    elif form.plan.data:
        plan = _row(PolicyDocument, form.plan.data)
        if plan is None:
            problems.append(("plan", _("所选规划文件不存在。")))
    matters = [_row(Matter, i) for i in form.matters.data or []]
    if any(m is None for m in matters):
        problems.append(("matters", _("所选事项不存在。")))
    data = services.IndicatorData(
        name=form.name.data or "",
        unit=form.unit.data or "",
        direction=form.direction.data or "",
        binding=form.binding.data or "",
        lead_department=lead,
        plan=plan,
        description=form.description.data or "",
        matters=[m for m in matters if m is not None],
        **numbers,
    )
    return data, problems


def _row(model, value):
    """The row a submitted id names, or None (for an id no row could have, too)."""
    number = whole_number(str(value)) if value is not None else None
    return db.session.get(model, number) if number else None


def _save(form: IndicatorForm, j: Jurisdiction, indicator: TargetIndicator | None) -> TargetIndicator | None:
    """Validate everything at once; on success define or change the indicator and commit."""
    if not form.is_submitted():
        return None
    valid = form.validate()
    data, problems = _data_from(form, indicator)
    problems += services.problems(j, data, indicator=indicator)  # a field shows the first of its problems
    if not valid or problems:
        show_problems(form, problems)
        return None
    done = []

    def action():
        if form.plan.data == NEW_PLAN:
            data.plan = get_or_create_document(
                j, title=form.new_plan_title.data, doc_number=form.new_plan_number.data or "", actor=current_user
            )
        if indicator is None:
            done.append(services.create_indicator(j, data, actor=current_user))
        else:
            services.update_indicator(indicator, data, actor=current_user, expected_version=form.lock_version.data)
            done.append(indicator)

    return done[0] if _commit(form, action) else None


def _form_page(form, j, indicator, first, locked_years=()):
    status = 400 if form.is_submitted() else 200
    return render_template(
        "targets/form.html", j=j, form=form, indicator=indicator, first=first, locked_years=list(locked_years)
    ), status


@bp.route("/<code>/indicators/new", methods=["GET", "POST"])
@requires(Permission.TARGET_MANAGE, _jurisdiction)
def new(code: str):
    j = g.target
    form = IndicatorForm()
    first = _offer(form, j, None)
    saved = _save(form, j, None)
    if saved is not None:
        flash(_("已新增目标指标「%(name)s」。", name=saved.name), "success")
        return redirect(url_for(".indicator", indicator_id=saved.id))
    return _form_page(form, j, None, first)


@bp.route("/indicators/<int:indicator_id>/edit", methods=["GET", "POST"])
@requires(Permission.TARGET_MANAGE, _indicator)
def edit(indicator_id: int):
    indicator = g.target
    j = indicator.jurisdiction
    form = IndicatorForm()
    if not form.is_submitted():
        _fill(form, indicator)
    first = _offer(form, j, indicator)
    locked_years = services.locked_value_years(indicator)
    saved = _save(form, j, indicator)
    if saved is not None:
        flash(_("已保存目标指标「%(name)s」。", name=saved.name), "success")
        return redirect(url_for(".indicator", indicator_id=saved.id))
    if locked_years:
        _freeze(form, indicator)
    return _form_page(form, j, indicator, first, locked_years)


@bp.route("/indicators/<int:indicator_id>/delete", methods=["GET", "POST"])
@requires(Permission.TARGET_MANAGE, _indicator)
def delete(indicator_id: int):
    indicator = g.target
    j = indicator.jurisdiction
    form = ConfirmForm()
    if not form.is_submitted():
        form.lock_version.data = indicator.lock_version
    elif form.validate() and _commit(
        form,
        lambda: services.delete_indicator(indicator, actor=current_user, expected_version=form.lock_version.data),
    ):
        flash(_("已删除目标指标。"), "success")
        return redirect(url_for(".indicators", code=j.code))
    name = indicator.name
    return render_template(
        "targets/confirm.html",
        j=j,
        indicator=indicator,
        form=form,
        heading=_("删除目标指标「%(name)s」", name=name),
        message=_(
            "删除后，该指标的定义和已填报的 %(n)d 个数值一并删除，不能恢复；操作记入日志。"
            "已锁定年度有数值的指标不能删除。",
            n=len(indicator.values),
        ),
        button=_("确认删除"),
        back=url_for(".indicator", indicator_id=indicator.id),
    ), (400 if form.is_submitted() else 200)
