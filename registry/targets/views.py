"""The targets pages behind the sign-in (issue #19): the office defines its jurisdiction's indicators
(by hand or from a spreadsheet) and locks a year once published; the lead department records the
values; offices above read."""

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry.core.charts import NARROW, WIDTH
from registry.core.errors import CONFLICT_MESSAGE, DomainError
from registry.core.forms import show_error, show_problems
from registry.core.http import content_disposition, whole_number
from registry.core.permissions import DEPARTMENT_ROLES, Permission, Role, can, requires
from registry.core.timezone import local_today
from registry.extensions import db, talisman
from registry.imports import uploads
from registry.jurisdictions.models import Jurisdiction
from registry.lists import queries as list_queries
from registry.lists.models import Department, Matter, PolicyDocument
from registry.lists.services import get_or_create_document
from registry.public.search import bigram_stream
from registry.targets import charts, import_sheet, queries, services
from registry.targets.forms import (
    MONTHS,
    NEW_PLAN,
    ApplyImportForm,
    ConfirmForm,
    ImportForm,
    IndicatorForm,
    NotANumber,
    ValueForm,
    number_from,
    year_from,
)
from registry.targets.models import DIRECTION_LABELS, SOURCES, IndicatorValue, TargetIndicator
from registry.targets.rules import STATUS_LABELS, STATUS_TAGS, number

bp = Blueprint("targets", __name__, url_prefix="/manage")

# The chart as an <img>: pygal's inline styles need a policy of their own (the pages allow none).
SVG_POLICY = {"default-src": "'none'", "style-src": "'unsafe-inline'"}
SUGGESTED_MATTERS = 8
# Bigrams nearly every matter has: they say nothing about which matters an indicator belongs to.
_COMMON = {"生态", "态环", "环境", "保护", "工作", "管理", "建设", "推进", "加强", "落实", "治理", "污染", "防治"}
TEMPLATE_NAME = "目标指标导入模板.xlsx"


def _jurisdiction(code: str, **_ignored) -> Jurisdiction | None:
    return list_queries.jurisdiction_by_code(code)


def _indicator(indicator_id: int) -> TargetIndicator | None:
    return db.session.get(TargetIndicator, indicator_id)


def _value(value_id: int) -> IndicatorValue | None:
    return db.session.get(IndicatorValue, value_id)


def last_year() -> int:
    """The year whose values are due now: last year, in Beijing time."""
    return local_today().year - 1


@bp.context_processor
def _helpers():
    return {
        "status_labels": STATUS_LABELS,
        "status_tags": STATUS_TAGS,
        "number": number,
        "direction_labels": DIRECTION_LABELS,
    }


def _commit(form, action) -> bool:
    """Run a service and commit; on refusal roll back, keep the input and show why."""
    try:
        action()
        db.session.commit()
        return True
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        form.form_errors.append(str(CONFLICT_MESSAGE))
    return False


# -- a jurisdiction's indicators -------------------------------------------------------------------


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


# -- defining an indicator -------------------------------------------------------------------------


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
    problems += services.problems(j, data, indicator=indicator)
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


def _form_page(form, j, indicator, first):
    status = 400 if form.is_submitted() else 200
    return render_template("targets/form.html", j=j, form=form, indicator=indicator, first=first), status


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
    saved = _save(form, j, indicator)
    if saved is not None:
        flash(_("已保存目标指标「%(name)s」。", name=saved.name), "success")
        return redirect(url_for(".indicator", indicator_id=saved.id))
    return _form_page(form, j, indicator, first)


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


# -- one indicator: its definition, chart and values; recording a value ----------------------------


def _value_form(indicator: TargetIndicator, year: int, month: int) -> ValueForm:
    """The record form for (year, month), filled from the value recorded for it, if any."""
    form = ValueForm(formdata=None)
    form.year.data, form.month.data = str(year), month
    row = db.session.scalar(
        select(IndicatorValue).where(
            IndicatorValue.indicator_id == indicator.id, IndicatorValue.year == year, IndicatorValue.month == month
        )
    )
    if row is not None:
        form.value.data, form.source.data, form.note.data = number(row.value), row.source, row.note
        form.value_version.data = row.lock_version
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
    text = request.args.get(name, "")
    return int(text) if text.isdigit() and low <= int(text) <= high else default


@bp.route("/indicators/<int:indicator_id>")
@requires(Permission.TARGET_READ, _indicator)
def indicator(indicator_id: int):
    indicator = g.target
    year = _arg_int("year", max(last_year(), indicator.baseline_year), 1900, 9999)
    month = _arg_int("month", 0, 0, 12)
    return _detail(indicator, _value_form(indicator, year, month))


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
    entered = {"year": year, "value": value, "source": form.source.data or "", "note": form.note.data or ""}
    problems += services.value_problems(indicator, month=form.month.data, **entered)
    if not valid or problems:
        show_problems(form, problems)
        return _detail(indicator, form, 400)
    saved = []

    def action():
        saved.append(
            services.record_value(
                indicator,
                actor=current_user,
                month=form.month.data,
                expected_version=form.value_version.data,
                **entered,
            )
        )

    if not _commit(form, action):
        return _detail(indicator, form, 400)
    month = saved[0].month
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


# -- import from a spreadsheet ---------------------------------------------------------------------


@bp.route("/<code>/indicators/import", methods=["GET", "POST"])
@requires(Permission.TARGET_MANAGE, _jurisdiction)
def import_upload(code: str):
    j = g.target
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not upload.filename:
            show_error(form, DomainError(_("请选择要导入的文件。"), "file"))
        else:
            data, filename = upload.read(), uploads.base_name(upload.filename)
            plan = import_sheet.plan_sheet(j, data, filename)
            if plan.file_error is not None:
                show_error(form, DomainError(plan.file_error, "file"))
            else:
                pending = uploads.keep_upload(current_user, j, filename, data, create_departments=False)
                db.session.commit()
                return redirect(url_for(".import_preview", code=j.code, token=pending.token))
    return render_template("targets/import.html", j=j, form=form), (400 if form.is_submitted() else 200)


@bp.route("/<code>/indicators/import/template.xlsx")
@requires(Permission.TARGET_MANAGE, _jurisdiction)
def import_template(code: str):
    response = make_response(import_sheet.template_workbook(g.target))
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = content_disposition("attachment", TEMPLATE_NAME)
    return response


def _pending(j: Jurisdiction, token: str):
    pending = uploads.find_upload(current_user, j, token)
    if pending is None:
        abort(404)
    return pending


@bp.route("/<code>/indicators/import/<token>")
@requires(Permission.TARGET_MANAGE, _jurisdiction)
def import_preview(code: str, token: str):
    j = g.target
    pending = _pending(j, token)
    plan = import_sheet.plan_sheet(j, pending.data, pending.filename)
    return render_template(
        "targets/import_preview.html", j=j, plan=plan, pending=pending, form=ApplyImportForm(), labels=DIRECTION_LABELS
    )


@bp.route("/<code>/indicators/import/<token>", methods=["POST"])
@requires(Permission.TARGET_MANAGE, _jurisdiction)
def import_apply(code: str, token: str):
    j = g.target
    pending = _pending(j, token)
    if not ApplyImportForm().validate_on_submit():
        abort(400)
    # Read again from the stored file: the indicators may have changed since the preview.
    plan = import_sheet.plan_sheet(j, pending.data, pending.filename)
    if not plan.ok:
        flash(_("文件有错误，未导入任何指标。"), "error")
        return redirect(url_for(".import_preview", code=j.code, token=token))
    try:
        made = import_sheet.apply_sheet(j, plan, actor=current_user)
        uploads.discard_upload(pending)
        db.session.commit()
    except (DomainError, IntegrityError, StaleDataError) as error:
        db.session.rollback()
        reason = str(error) if isinstance(error, DomainError) else str(CONFLICT_MESSAGE)
        flash(_("未导入任何指标：%(reason)s", reason=reason), "error")
        return redirect(url_for(".import_preview", code=j.code, token=token))
    flash(_("已导入 %(n)d 项目标指标。", n=len(made)), "success")
    return redirect(url_for(".indicators", code=j.code))


# -- locking a year --------------------------------------------------------------------------------


@bp.route("/<code>/indicators/lock", methods=["GET", "POST"])
@requires(Permission.TARGET_MANAGE, _jurisdiction)
def lock(code: str):
    """Choose a year (GET), see what locking it means (GET ?year=), lock it (POST): final."""
    j = g.target
    rows = queries.indicators(jurisdiction_id=j.id)
    locked = services.locked_years(j.id)
    this_year = local_today().year
    first = min((r.baseline_year for r in rows), default=this_year - 1)
    open_years = [y for y in range(this_year, first - 1, -1) if y not in locked]
    form = ConfirmForm()
    text = request.form.get("year", "") if form.is_submitted() else request.args.get("year", "")
    year = int(text) if text.isdigit() and len(text) <= 4 else None
    status = 200
    if form.is_submitted():
        if year is None:
            form.form_errors.append(_("请选择要锁定的年度。"))
        elif form.validate() and _commit(form, lambda: services.lock_year(j, year, actor=current_user)):
            flash(_("已锁定%(year)d年度的目标指标数据，此后不能再修改。", year=year), "success")
            return redirect(url_for(".indicators", code=j.code))
        status = 400
    with_value = [r for r in rows if year is not None and r.value_in(year)]
    without = [r for r in rows if year is not None and not r.value_in(year)]
    return render_template(
        "targets/lock.html",
        j=j,
        form=form,
        year=year if year in open_years or form.is_submitted() else None,
        asked=year,
        open_years=open_years,
        locked=sorted(locked),
        default_year=this_year - 1,
        with_value=with_value,
        without=without,
    ), status


@bp.app_template_global("indicator_tag")
def indicator_tag(status: str) -> str:
    """The CSS class of a status's tag (for partials shown on other blueprints' pages)."""
    return STATUS_TAGS.get(status, "muted")


@bp.app_template_global("indicator_number")
def indicator_number(value: float | None) -> str:
    return number(value)


# -- the 工作台 ------------------------------------------------------------------------------------


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
