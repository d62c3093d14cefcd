from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

# Hints speak plainly: the structured fields are plain text, prose sections have an editor.
TEXT_HINT = _l("直接输入文字即可；空一行表示另起一段，换行会保留。")
RICH_HINT = _l(
    "可用编辑器上方的按钮设置加粗、项目符号或编号列表和表格。不使用编辑器时，直接输入文字、空一行另起一段即可。"
    "保存时只保留段落、加粗、列表和表格，其他格式会被去掉。"
)
NO_PROGRESS_HINT = _l("仅在本年度该事项确实没有进展时填写，说明原因；有进展时请留空。")
COOPERATION_HINT = _l("本部门配合牵头部门做了哪些工作、效果如何。牵头部门会看到这里填写的内容。")
MET_CHOICES = [SelectChoice("", _l("未评价")), SelectChoice("yes", _l("达标")), SelectChoice("no", _l("未达标"))]


class CycleForm(FlaskForm):
    year = IntegerField(_l("报告年度"), validators=[InputRequired(_l("请填写报告年度。")), NumberRange(2000, 2100)])
    deadline = DateField(_l("报送截止日期"), validators=[InputRequired(_l("请填写截止日期。"))])
    # "N 个工作日后": reports.deadline_views.compute_deadline fills the date from it (nothing is saved).
    workdays = IntegerField(_l("或：自今天起第几个工作日"), validators=[Optional()])
    with_cover = BooleanField(_l("报告 PDF 加封面、目录和书签"), default=False)


class IndicatorForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(_l("指标名称"), validators=[Optional(), Length(max=200)])
    unit = StringField(_l("单位"), validators=[Optional(), Length(max=50)])
    target = StringField(_l("目标值"), validators=[Optional(), Length(max=50)])
    actual = StringField(_l("实际值"), validators=[Optional(), Length(max=50)])
    met = SelectField(_l("是否达标"), choices=MET_CHOICES, default="")
    remove = BooleanField(_l("删除此行"))


class SectionForm(FlaskForm):
    """A prose section (总体情况, 职责履行情况 …): rich text, edited with the editor when scripts run."""

    lock_version = HiddenField()
    body = TextAreaField(_l("正文"), validators=[Length(max=200_000)], render_kw={"data-editor": "rich", "rows": 14})


def _plain(label, **kwargs) -> TextAreaField:
    """A structured field of a matter's section: plain text, a few lines high, no editor."""
    return TextAreaField(label, validators=[Length(max=50_000)], render_kw={"rows": 6}, **kwargs)


class LedMatterForm(FlaskForm):
    """A led matter: the four structured fields as plain text, indicators, and the reason for no progress."""

    lock_version = HiddenField()
    progress = _plain(_l("工作进展"))
    measures = _plain(_l("主要措施与成效"))
    problems = _plain(_l("存在问题"))
    plans = _plain(_l("下一步计划"))
    no_progress_reason = _plain(_l("本年度无进展的说明"))
    indicators = FieldList(FormField(IndicatorForm), min_entries=0, max_entries=50)


class CoopMatterForm(FlaskForm):
    """A cooperating matter: 配合落实情况 first (what the lead department reads), then the four fields."""

    lock_version = HiddenField()
    cooperation = _plain(_l("配合落实情况"))
    progress = _plain(_l("工作进展"))
    measures = _plain(_l("主要措施与成效"))
    problems = _plain(_l("存在问题"))
    plans = _plain(_l("下一步计划"))


class AttachmentForm(FlaskForm):
    title = StringField(
        _l("附件标题"),
        validators=[
            DataRequired(_l("请填写附件标题，说明附件是什么。")),
            Length(max=200, message=_l("附件标题不能超过200字。")),
        ],
    )
    file = FileField(_l("选择文件"), validators=[FileRequired(_l("请选择要上传的文件。"))])


class ReturnForm(FlaskForm):
    comment = TextAreaField(
        _l("退回意见"), validators=[DataRequired(_l("请填写退回意见，说明需要修改的内容。")), Length(max=5000)]
    )


class AcceptForm(FlaskForm):
    comment = TextAreaField(_l("审核意见（可选）"), validators=[Length(max=5000)])


class ConfirmForm(FlaskForm):
    confirm = BooleanField(_l("我已确认"), validators=[DataRequired(_l("请勾选确认后再继续。"))])


class EmptyForm(FlaskForm):
    pass
