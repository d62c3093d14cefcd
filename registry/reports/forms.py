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

TEXT_HINT = _l(
    "可直接输入文字，空一行分段；也可使用简单格式标签：<p> 段落、<strong> 加粗、<ul>/<ol>/<li> 列表、"
    "<table>/<tr>/<th>/<td> 表格。其他标签和脚本在保存时会被清除。"
)
MET_CHOICES = [SelectChoice("", _l("未评价")), SelectChoice("yes", _l("达标")), SelectChoice("no", _l("未达标"))]


class CycleForm(FlaskForm):
    year = IntegerField(_l("报告年度"), validators=[InputRequired(_l("请填写报告年度。")), NumberRange(2000, 2100)])
    deadline = DateField(_l("报送截止日期"), validators=[InputRequired(_l("请填写截止日期。"))])


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
    lock_version = HiddenField()
    body = TextAreaField(_l("正文"), validators=[Length(max=200_000)])


class LedMatterForm(SectionForm):
    progress = TextAreaField(_l("工作进展"), validators=[Length(max=200_000)])
    measures = TextAreaField(_l("主要措施与成效"), validators=[Length(max=200_000)])
    problems = TextAreaField(_l("存在问题"), validators=[Length(max=200_000)])
    plans = TextAreaField(_l("下一步计划"), validators=[Length(max=200_000)])
    body = TextAreaField(_l("其他说明（可选）"), validators=[Length(max=200_000)])
    indicators = FieldList(FormField(IndicatorForm), min_entries=0, max_entries=50)


class AttachmentForm(FlaskForm):
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
