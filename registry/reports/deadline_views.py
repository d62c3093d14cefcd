"""A cycle's deadline on the pages: changing it (with "N 个工作日后" computed from the working-day
calendar), and `working_deadline(day, jurisdiction)` for the templates that show a deadline with the
working days left. Importing this module adds them to the reports blueprint."""

from datetime import date
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField
from wtforms.validators import Optional

from registry.core.errors import DomainError
from registry.core.forms import show_error
from registry.core.http import whole_number
from registry.core.permissions import Permission, requires
from registry.core.timezone import local_today
from registry.extensions import db
from registry.reports import deadlines
from registry.reports.views import bp, load_cycle
from registry.workdays import MAX_WORKING_DAYS
from registry.workdays import deadline as working_deadline_of

WEEKDAYS = (_l("星期一"), _l("星期二"), _l("星期三"), _l("星期四"), _l("星期五"), _l("星期六"), _l("星期日"))
WORKDAYS_LABEL = _l("或：自今天起第几个工作日")


class DeadlineForm(FlaskForm):
    deadline = DateField(_l("报送截止日期"), validators=[Optional()])
    workdays = IntegerField(WORKDAYS_LABEL, validators=[Optional()])


@bp.app_template_global()
def working_deadline(day: date, jurisdiction: Any = None):
    """A deadline as pages show it: its date, the working days left from today (Beijing time), and
    the note when the national schedule does not cover it (registry.workdays.Deadline)."""
    return working_deadline_of(day, local_today(), jurisdiction)


@bp.app_template_global()
def weekday_name(day: date) -> str:
    return str(WEEKDAYS[day.weekday()])


def compute_deadline(form, jurisdiction: Any) -> bool:
    """When the form's "按工作日计算" was pressed: put the date N working days after today into its
    deadline field (or the error next to the working days). True when it was pressed."""
    if "compute" not in request.form:
        return False
    form.workdays.errors = []
    raw = form.workdays.raw_data[0] if form.workdays.raw_data else ""
    try:
        # ASCII digits only ("²" or "５" is no number here), within the calendar's guard
        number = whole_number(raw, low=0, high=MAX_WORKING_DAYS + 1)
        form.deadline.data = deadlines.deadline_after(jurisdiction, number, local_today())
        form.deadline.raw_data = [form.deadline.data.isoformat()]
        form.deadline.errors = []
    except DomainError as error:
        show_error(form, error)
    return True


@bp.route("/cycles/<int:cycle_id>/deadline", methods=["GET", "POST"])
@requires(Permission.CYCLE_MANAGE, load_cycle)  # the office of the cycle's jurisdiction
def edit_deadline(cycle_id: int):
    cycle = g.target
    form = DeadlineForm()
    if request.method == "GET":
        form.deadline.data = cycle.deadline
    elif not compute_deadline(form, cycle.jurisdiction) and form.validate_on_submit():
        try:
            deadlines.change_deadline(cycle, form.deadline.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("截止日期已改为 %(date)s。", date=cycle.deadline.isoformat()), "success")
            return redirect(url_for("reports.cycle", cycle_id=cycle.id))
    elif form.deadline.errors:
        written = (form.deadline.raw_data or [""])[0].strip()
        form.deadline.errors = [_("请按“年-月-日”填写日期，例如 2026-10-09。") if written else _("请填写截止日期。")]
    status = 400 if request.method == "POST" and any(f.errors for f in form) else 200
    return render_template("reports/cycle_deadline.html", cycle=cycle, form=form), status
