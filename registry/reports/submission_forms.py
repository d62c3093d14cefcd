"""Forms of the submission page, the editor-to-head hand-off and the office's return with comments
on single sections (registry/reports/submission_views.py)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from registry.reports.forms import ReturnForm
from registry.reports.submission import DOC_NUMBER_EXAMPLE, DOC_NUMBER_MAX, MAX_NOTE, MAX_SECTION_COMMENT

SPARE_COMMENT_ROWS = 3  # blank rows for comments on single sections: several, without JavaScript


class SubmitForm(FlaskForm):
    doc_number = StringField(
        _l("发文字号"),
        validators=[
            DataRequired(_l("请填写发文字号。")),
            Length(max=DOC_NUMBER_MAX, message=_l("发文字号不能超过 %(n)s 个字。", n=DOC_NUMBER_MAX)),
        ],
        render_kw={"placeholder": DOC_NUMBER_EXAMPLE, "autocomplete": "off"},
    )
    confirm = BooleanField(
        _l("我已核对报告内容和上面的完整性检查结果，确认以本部门名义报送本级办公室"),
        validators=[DataRequired(_l("请勾选确认后再报送。"))],
    )


class RequestReviewForm(FlaskForm):
    note = TextAreaField(
        _l("给部门负责人的说明（可选）"),
        validators=[Length(max=MAX_NOTE, message=_l("说明不能超过 %(n)s 个字。", n=MAX_NOTE))],
        render_kw={"rows": 3},
    )


class SendBackForm(FlaskForm):
    note = TextAreaField(
        _l("退回说明"),
        validators=[
            DataRequired(_l("请填写退回说明，告诉填报人需要修改什么。")),
            Length(max=MAX_NOTE, message=_l("说明不能超过 %(n)s 个字。", n=MAX_NOTE)),
        ],
        render_kw={"rows": 4},
    )


class SectionCommentForm(FlaskForm):
    class Meta:
        csrf = False

    # Choices are the report's sections, set by the view; an unknown value is the service's to refuse.
    section = SelectField(_l("针对的部分"), choices=[], validate_choice=False)
    text = TextAreaField(
        _l("对该部分的意见"),
        validators=[
            Length(max=MAX_SECTION_COMMENT, message=_l("每条分部分意见不能超过 %(n)s 个字。", n=MAX_SECTION_COMMENT))
        ],
        render_kw={"rows": 2},
    )


class SectionReturnForm(ReturnForm):
    section_comments = FieldList(FormField(SectionCommentForm), min_entries=SPARE_COMMENT_ROWS, max_entries=20)
