"""The public forms: the report in two steps, the tracking look-up and the rating."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from registry.complaints import intake
from registry.core.forms import choices
from registry.core.timezone import local_today


class ReportForm(FlaskForm):
    """Step 1: what, where, when."""

    description = TextAreaField(
        _l("发生了什么"),
        validators=[
            DataRequired(_l("请说明发生了什么。")),
            Length(
                intake.DESCRIPTION_MIN,
                intake.DESCRIPTION_MAX,
                _l("请用 %(a)s 至 %(b)s 个字说明发生了什么。", a=intake.DESCRIPTION_MIN, b=intake.DESCRIPTION_MAX),
            ),
        ],
    )
    jurisdiction = SelectField(
        _l("地点"), validators=[DataRequired(_l("请选择发生地所在的地区。"))], validate_choice=False
    )
    place = StringField(
        _l("详细地址或位置描述"),
        validators=[
            DataRequired(_l("请填写详细地址或位置描述。")),
            Length(max=intake.PLACE_MAX, message=_l("不超过 %(n)s 字。", n=intake.PLACE_MAX)),
        ],
    )
    happened_on = DateField(_l("发生日期"), validators=[Optional()])
    happened_time = StringField(
        _l("时间说明"),
        validators=[Optional(), Length(max=intake.TIME_MAX, message=_l("不超过 %(n)s 字。", n=intake.TIME_MAX))],
    )
    # A matter named from its public page (its stable id), offered first on the check page.
    matter_ref = HiddenField()

    def validate_jurisdiction(self, field):
        if intake.place_by_code(field.data or "") is None:
            raise ValidationError(_l("请选择发生地所在的地区。"))

    def validate_happened_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_l("发生日期不能晚于今天。"))


class CheckForm(ReportForm):
    """Step 2: which matter, photos, contact details (optional), the CAPTCHA."""

    matter = RadioField(_l("看起来是哪一项事项"), validate_choice=False)
    q = StringField(_l("换个说法找事项"), validators=[Optional(), Length(max=100)])
    photos = MultipleFileField(
        _l("照片（可选，最多 3 张）"), render_kw={"accept": "image/jpeg,image/png,image/webp", "multiple": True}
    )
    name = StringField(
        _l("姓名"), validators=[Optional(), Length(max=intake.NAME_MAX)], render_kw={"autocomplete": "name"}
    )
    phone = StringField(
        _l("电话"),
        validators=[Optional(), Length(max=intake.PHONE_MAX)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    email = EmailField(
        _l("电子邮箱"), validators=[Optional(), Length(max=intake.EMAIL_MAX)], render_kw={"autocomplete": "email"}
    )
    captcha = StringField(
        _l("验证码"),
        validators=[DataRequired(_l("请输入图片中的字符。")), Length(max=20)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    captcha_token = HiddenField()


class TrackForm(FlaskForm):
    class Meta:
        csrf = False  # a look-up by GET

    code = StringField(_l("查询码"), validators=[DataRequired(_l("请输入查询码。")), Length(max=40)])


class RateForm(FlaskForm):
    code = HiddenField()
    rating = RadioField(
        _l("您对办理结果是否满意"),
        choices=choices([("satisfied", _l("满意")), ("unsatisfied", _l("不满意"))]),
        validators=[DataRequired(_l("请选择“满意”或“不满意”。"))],
        validate_choice=False,
    )
    comment = TextAreaField(_l("意见或说明"), validators=[Optional(), Length(max=intake.DESCRIPTION_MAX)])
