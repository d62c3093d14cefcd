"""Forms of the targets pages (issue #19). Numbers are typed as text and read by `number_from`, so that
91.5、９１．５ and 91.5% all mean 91.5 and anything else gets a Chinese message next to its field; the
records a choice names (departments, plans, matters) are offered by the view and checked by the
services."""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from registry.core.forms import DbIntegerField, choices, record_id
from registry.targets.models import BINDING_LABELS, DIRECTION_LABELS

NEW_PLAN = "new"  # the plan choice that registers a new policy document from the two fields below it
MONTHS = [(0, _l("全年"))] + [(m, _l("%(m)d月", m=m)) for m in range(1, 13)]

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


class NotANumber(ValueError):
    pass


def number_from(text: str | None) -> float | None:
    """A value as people type it (28, 91.5, ９１．５, 91.5%, 1,234): None when blank; NotANumber else."""
    plain = unicodedata.normalize("NFKC", text or "").strip().replace(",", "").replace("，", "")
    plain = plain.removesuffix("%").strip()
    if not plain:
        return None
    if not _NUMBER.match(plain) or len(plain) > 30:
        raise NotANumber(text)
    return float(plain)


def year_from(text: str | None) -> int | None:
    """A year as typed (2025, 2025年); None when blank; NotANumber else."""
    plain = unicodedata.normalize("NFKC", text or "").strip().removesuffix("年").strip()
    if not plain:
        return None
    # ASCII digits only: "²" and "፩" are digits to str.isdigit, not to int().
    if not (plain.isascii() and plain.isdigit()) or len(plain) != 4:
        raise NotANumber(text)
    return int(plain)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class IndicatorForm(FlaskForm):
    name = StringField(_l("指标名称"), validators=[Length(max=200)])
    unit = StringField(_l("单位"), validators=[Length(max=30)])
    direction = RadioField(
        _l("指标方向"), choices=choices(list(DIRECTION_LABELS.items())), validate_choice=False, default=""
    )
    binding = RadioField(
        _l("指标属性"), choices=choices(list(BINDING_LABELS.items())), validate_choice=False, default="binding"
    )
    baseline_year = StringField(render_kw={"inputmode": "numeric"}, label=_l("基准年"))
    baseline_value = StringField(_l("基准值"))
    target_year = StringField(render_kw={"inputmode": "numeric"}, label=_l("目标年"))
    target_value = StringField(_l("目标值"))
    stretch_value = StringField(_l("力争值（可选）"))
    description = TextAreaField(_l("指标说明"), validators=[Length(max=2000)])
    plan = SelectField(_l("依据规划"), validate_choice=False)
    new_plan_title = StringField(_l("新规划文件名称"), validators=[Length(max=300)])
    new_plan_number = StringField(_l("文号"), validators=[Length(max=100)])
    lead_department = SelectField(_l("牵头部门"), coerce=record_id, validate_choice=False)
    matters = CheckboxesField(_l("关联事项"), coerce=record_id, validate_choice=False)
    lock_version = DbIntegerField(widget=HiddenInput(), validators=[Optional()])


class ValueForm(FlaskForm):
    """Record or correct a value (the lead department)."""

    year = StringField(_l("年度"), render_kw={"inputmode": "numeric", "autocomplete": "off"})
    month = SelectField(_l("月份"), choices=choices(MONTHS), coerce=int, validate_choice=False, default=0)
    value = StringField(_l("数值"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    source = StringField(
        _l("数据来源"), validators=[Length(max=100)], render_kw={"list": "sources", "autocomplete": "off"}
    )
    note = StringField(_l("说明（可选）"), validators=[Length(max=500)])
    # The version of the value being corrected, and the (year, month) it belongs to, when the form was
    # opened from it (else blank): a version is compared only for the year and month it was read for.
    value_version = DbIntegerField(widget=HiddenInput(), validators=[Optional()])
    version_year = DbIntegerField(widget=HiddenInput(), validators=[Optional()])
    version_month = DbIntegerField(widget=HiddenInput(), validators=[Optional()])


class ConfirmForm(FlaskForm):
    """A confirmation page's form: the CSRF token and the version the user saw."""

    lock_version = DbIntegerField(widget=HiddenInput(), validators=[Optional()])


class ImportForm(FlaskForm):
    file = FileField(
        _l("指标表格"),
        description=_l(
            "XLSX 或 CSV（UTF-8 或 GB18030 编码）。表头：指标名称、单位、指标属性、基准年、基准值、目标年、目标值、"
            "力争值、牵头部门、依据规划、文号，可加“方向”（越低越好／越高越好）和“指标说明”。"
            "未写方向的，按目标值写的“≤”“≥”判断，否则目标值小于基准值为越低越好。"
        ),
    )


class ApplyImportForm(FlaskForm):
    """Only the CSRF token: the file stays on the server."""


class LockForm(FlaskForm):
    year = SelectField(_l("锁定年度"), coerce=record_id, validate_choice=False)
