"""§7 on the report pages: the 提醒 route and the helpers the partial reports/_cooperation_inputs.html
calls next to each section (the lead's panel of cooperating departments' inputs, and the reminders a
cooperating department received). Importing this module adds them to the reports blueprint."""

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, Optional

from registry.core.errors import DomainError
from registry.core.permissions import Permission, requires
from registry.extensions import db
from registry.reports import cooperation
from registry.reports.models import ReportSection, SectionKind
from registry.reports.views import bp, load_section_report


class RemindForm(FlaskForm):
    department_id = IntegerField(validators=[InputRequired()])
    note = StringField(
        _l("附言（可选）"),
        validators=[Optional(), Length(max=cooperation.NOTE_MAX, message=_l("附言不能超过500字。"))],
    )
    back = HiddenField()


@bp.route("/<int:report_id>/sections/<int:section_id>/remind", methods=["POST"])
@requires(Permission.REPORT_EDIT, load_section_report)
def remind(report_id: int, section_id: int):
    """提醒: the lead reminds a cooperating department to give its input on the section's matter."""
    section = db.session.get(ReportSection, section_id)
    form = RemindForm()
    back = (
        url_for("reports.edit_section", report_id=report_id, section_id=section_id)
        if form.back.data == "edit"
        else url_for("reports.report", report_id=report_id, _anchor=f"s{section_id}")
    )
    if not form.validate_on_submit():
        # The note's own message, or (a missing or garbled department, an expired token) one plain sentence.
        for error in form.note.errors or [_("请选择要提醒的配合部门。")]:
            flash(str(error), "error")
        return redirect(back)
    try:
        reminder = cooperation.send_reminder(
            section, form.department_id.data, actor=current_user, note=form.note.data or ""
        )
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        name = reminder.to_department.name
        db.session.commit()
        flash(_("已提醒%(department)s填写「%(title)s」的配合情况。", department=name, title=section.title), "success")
    return redirect(back)


@bp.app_template_global()
def cooperation_panel(section: ReportSection) -> dict[str, Any] | None:
    """The 配合部门意见 panel of a led-matter section, for the lead's own users only (None otherwise).
    Computed once per report and request: a report page includes it for every section."""
    if section.kind != SectionKind.LED_MATTER or not cooperation.may_see_inputs(current_user, section.report):
        return None
    cache = request.environ.setdefault("registry.cooperation_inputs", {})  # this request's, by report
    if section.report_id not in cache:
        cache[section.report_id] = cooperation.inputs_for_report(section.report)
    inputs = cache[section.report_id].get(section.id)
    if not inputs:
        return None
    return {
        "inputs": inputs,
        "may_remind": cooperation.may_remind(current_user, section.report),
        "form": RemindForm(formdata=None),
        "quote_fields": cooperation.QUOTE_FIELDS,
        "default_field": cooperation.DEFAULT_QUOTE_FIELD,
    }


@bp.app_template_global()
def cooperation_reminders(section: ReportSection) -> list[cooperation.Reminder]:
    """The reminders a cooperating department received about one of its coop sections (its own users only)."""
    if section.kind != SectionKind.COOPERATING_MATTER or not cooperation.may_see_inputs(current_user, section.report):
        return []
    cache = request.environ.setdefault("registry.cooperation_reminders", {})  # this request's, by report
    if section.report_id not in cache:
        cache[section.report_id] = cooperation.reminders_received(section.report)
    return cache[section.report_id].get(section.version_matter_id, []) if section.version_matter_id else []
