"""Forms of the government's yearly report (registry/targets/environment_views.py)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from registry.targets.environment import MAX_BODY, MAX_DOC_NUMBER


class NewReportForm(FlaskForm):
    # Text, checked by the service (environment.year_problems), so that every wrong input gets a sentence.
    year = StringField(
        _l("报告年度"), render_kw={"inputmode": "numeric", "size": 6, "autocomplete": "off", "class": "year-input"}
    )


class ReportForm(FlaskForm):
    lock_version = HiddenField()
    doc_number = StringField(_l("文号"), validators=[Length(max=MAX_DOC_NUMBER)], render_kw={"size": 30})
    body = TextAreaField(
        _l("环境状况和环境保护工作情况"),
        validators=[Length(max=MAX_BODY)],
        render_kw={"data-editor": "rich", "rows": 16},
    )


class CompileForm(FlaskForm):
    pass


class PublishForm(FlaskForm):
    confirm = BooleanField(
        _l("我已预览这份 PDF，确认公开，并锁定本年度目标指标数据"),
        validators=[DataRequired(_l("请勾选确认后再公开。"))],
    )
