"""The offices' working-day calendar: a year of the national schedule with the local exceptions, and
the exceptions an office sets for its jurisdiction (the sysadmin: for the whole installation)."""

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from registry.core.errors import DomainError
from registry.core.forms import show_error
from registry.core.http import whole_number
from registry.core.permissions import Permission, can, requires
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.workdays import LAST_YEAR, WorkCalendar, national_calendar_covers, services
from registry.workdays.forms import ConfirmForm, ExceptionForm
from registry.workdays.models import WorkdayException

bp = Blueprint("workdays", __name__, url_prefix="/manage")


class _Installation:
    """The target of the installation-wide pages: no jurisdiction, so only the sysadmin's scope reaches it."""

    scope_jurisdiction = None
    name = ""
    code = None


INSTALLATION = _Installation()


def _jurisdiction(code: str, **_: Any) -> Jurisdiction | None:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def _installation(**_: Any) -> _Installation:
    return INSTALLATION


def _year() -> int:
    today = local_today()
    year = whole_number(request.args.get("year", ""), low=2000) or today.year
    return year if year <= 2100 else today.year


def _page(j: Jurisdiction | None, form: ExceptionForm, status: int = 200):
    year = _year()
    today = local_today()
    calendar = WorkCalendar(j)
    own = sorted(
        (e for e in calendar.exceptions.values() if e.jurisdiction_id == (j.id if j else None)),
        key=lambda e: e.day,
    )
    inherited = sorted(
        (e for e in calendar.exceptions.values() if e.jurisdiction_id != (j.id if j else None) and e.day.year == year),
        key=lambda e: e.day,
    )
    target = j if j is not None else INSTALLATION
    return (
        render_template(
            "workdays/calendar.html",
            j=j,
            year=year,
            today=today,
            months=[(m, calendar.month(year, m)) for m in range(1, 13)],
            covered=national_calendar_covers(year),
            next_year_known=national_calendar_covers(today.year + 1),
            last_year=LAST_YEAR,
            own=own,
            inherited=inherited,
            form=form,
            can_manage=can(current_user, Permission.WORKDAYS_MANAGE, target),
            self_url=(lambda **kw: url_for("workdays.calendar", code=j.code, **kw))
            if j
            else (lambda **kw: url_for("workdays.installation", **kw)),
        ),
        status,
    )


def _add(j: Jurisdiction | None, back):
    form = ExceptionForm()
    form.validate_on_submit()  # CSRF and an unreadable date; the rules are the service's
    if form.csrf_token.errors:
        return _page(j, form, 400)
    written = (form.day.raw_data or [""])[0].strip()
    unreadable = bool(form.day.errors) and bool(written)
    if not written:
        form.day.data = None
    form.is_workday.errors = []  # a forged choice is read as 放假, the default
    is_workday = form.is_workday.data == "1"
    try:
        services.add_exception(
            j,
            day=None if unreadable else form.day.data,
            is_workday=is_workday,
            note=form.note.data or "",
            actor=current_user,
        )
    except DomainError as error:
        db.session.rollback()
        form.day.errors = []
        show_error(form, error)
        if unreadable:  # instead of "请填写日期": what was wrong with what was written
            form.day.errors = [_("请按“年-月-日”填写日期，例如 2026-10-09。")]
        return _page(j, form, 400)
    db.session.commit()
    day = form.day.data
    flash(
        _("已将 %(day)s 设为上班日。", day=day.isoformat())
        if is_workday
        else _("已将 %(day)s 设为休息日。", day=day.isoformat()),
        "success",
    )
    return redirect(back(year=day.year, _anchor="main"))


# -- a jurisdiction's calendar ---------------------------------------------------------------------


@bp.route("/<code>/workdays")
@requires(Permission.LIST_READ, _jurisdiction)  # the office and the offices above read it; its own manages it
def calendar(code: str):
    return _page(g.target, ExceptionForm())[0]


@bp.route("/<code>/workdays", methods=["POST"])
@requires(Permission.WORKDAYS_MANAGE, _jurisdiction)  # the office of the jurisdiction (and the sysadmin)
def add(code: str):
    j = g.target
    return _add(j, lambda **kw: url_for("workdays.calendar", code=j.code, **kw))


@bp.route("/<code>/workdays/<int:exception_id>/delete", methods=["GET", "POST"])
@requires(Permission.WORKDAYS_MANAGE, _jurisdiction)  # the office of the jurisdiction (and the sysadmin)
def remove(code: str, exception_id: int):
    j = g.target
    exception = db.session.get(WorkdayException, exception_id)
    if exception is None or exception.jurisdiction_id != j.id:
        abort(404)
    return _remove(exception, j, url_for("workdays.calendar", code=j.code, year=exception.day.year))


# -- installation-wide -----------------------------------------------------------------------------


@bp.route("/workdays")
@requires(Permission.WORKDAYS_MANAGE, _installation)  # the sysadmin only (no jurisdiction: offices' scope misses)
def installation():
    return _page(None, ExceptionForm())[0]


@bp.route("/workdays", methods=["POST"])
@requires(Permission.WORKDAYS_MANAGE, _installation)  # the sysadmin only
def installation_add():
    return _add(None, lambda **kw: url_for("workdays.installation", **kw))


@bp.route("/workdays/<int:exception_id>/delete", methods=["GET", "POST"])
@requires(Permission.WORKDAYS_MANAGE, _installation)  # the sysadmin only
def installation_remove(exception_id: int):
    exception = db.session.get(WorkdayException, exception_id)
    if exception is None or exception.jurisdiction_id is not None:
        abort(404)
    return _remove(exception, None, url_for("workdays.installation", year=exception.day.year))


def _remove(exception: WorkdayException, j: Jurisdiction | None, back: str):
    form = ConfirmForm()
    if form.validate_on_submit():
        day = exception.day
        services.remove_exception(exception, actor=current_user)
        db.session.commit()
        flash(_("已删除 %(day)s 的例外设置，这一天恢复按国家安排计算。", day=day.isoformat()), "success")
        return redirect(back)
    return render_template("workdays/remove.html", j=j, exception=exception, form=form, back=back)
