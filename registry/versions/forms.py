"""Forms of the publish / withdraw / compare pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class PublishForm(FlaskForm):
    label = StringField(
        _l("版本名称"),
        validators=[DataRequired(_l("请填写版本名称。")), Length(max=100)],
        description=_l("如“2026年版”。同一行政区划内不能重复。"),
    )
    doc_number = StringField(
        _l("发布文号"),
        validators=[DataRequired(_l("请填写发布文号。")), Length(max=100)],
        description=_l("如“示政办发〔2026〕5号”。"),
    )
    effective_date = DateField(
        _l("施行日期"), validators=[DataRequired(_l("请填写施行日期（年-月-日）。"))], format="%Y-%m-%d"
    )
    publisher = StringField(_l("发布机关"), validators=[DataRequired(_l("请填写发布机关。")), Length(max=200)])
    # Set by the confirmation page: the user has seen what will be frozen.
    confirmed = HiddenField(default="")


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("废止原因"),
        validators=[DataRequired(_l("请填写废止原因。")), Length(max=2000)],
        description=_l("如“已被2026年版取代”。废止后版本仍保留、可查阅，但不再是现行版本。"),
    )


class CompareForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    old = SelectField(_l("比较"), choices=[])
    new = SelectField(_l("与"), choices=[])
