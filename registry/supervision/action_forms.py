"""Forms of 督办 and 销号 (views/supervise.py, views/closure.py, views/public.py). The services judge
what is typed (supervise.py, closure.py) and the views put their refusals next to the fields; the
forms only carry the input and its length limits."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from registry.core.forms import choices
from registry.supervision import closure as closure_rules
from registry.supervision import supervise
from registry.supervision.models import LEVEL_LABELS, LEVEL_ORDER


class SuperviseForm(FlaskForm):
    level = RadioField(
        _l("级别"),
        choices=choices([(level, _l(LEVEL_LABELS[level])) for level in LEVEL_ORDER]),
        validate_choice=False,
    )
    department = SelectField(_l("督办对象"), validate_choice=False)
    text = TextAreaField(_l("督办事项和要求"), validators=[Length(max=supervise.TEXT_MAX)])
    # Typed as text and read by the view, so that a wrong date gets a Chinese message.
    respond_by = StringField(_l("答复期限"), render_kw={"type": "date"})
    number = StringField(_l("督办单编号（可选）"), validators=[Length(max=supervise.NUMBER_MAX)])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("答复"), validators=[Length(max=supervise.TEXT_MAX)])


class ApplyForm(FlaskForm):
    statement = TextAreaField(_l("整改完成情况说明"), validators=[Length(max=closure_rules.TEXT_MAX)])
    files = MultipleFileField(
        _l("佐证材料（可选）"),
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg,.docx,.xlsx", "multiple": True},
    )


class SignForm(FlaskForm):
    decision = RadioField(
        _l("认定意见"),
        choices=choices([("approve", _l("同意销号")), ("refuse", _l("不同意，退回牵头部门"))]),
        validators=[DataRequired(_l("请选择“同意销号”或“不同意”。"))],
        validate_choice=False,
    )
    note = TextAreaField(_l("意见说明"), validators=[Length(max=closure_rules.NOTE_MAX)])


class NoticeForm(FlaskForm):
    public_text = TextAreaField(_l("公示内容"), validators=[Length(max=closure_rules.TEXT_MAX)])


class HandleObjectionForm(FlaskForm):
    decision = RadioField(
        _l("处理结果"),
        choices=choices([("upheld", _l("异议成立")), ("dismissed", _l("异议不成立"))]),
        validators=[DataRequired(_l("请选择“异议成立”或“异议不成立”。"))],
        validate_choice=False,
    )
    note = TextAreaField(_l("处理意见"), validators=[Length(max=closure_rules.NOTE_MAX)])


class DecisionForm(FlaskForm):
    """销号 and 退回: one note (required to send back)."""

    note = TextAreaField(_l("意见"), validators=[Length(max=closure_rules.NOTE_MAX)])


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("问题反弹的情况"), validators=[Length(max=closure_rules.NOTE_MAX)])


class ContactForm(FlaskForm):
    """查看联系方式: a POST (CSRF) so that a look is deliberate and audited."""


class ObjectionForm(FlaskForm):
    """The public's objection to a closure notice: the text, a contact (name, and a phone or an
    e-mail), the CAPTCHA."""

    text = TextAreaField(
        _l("异议内容和理由"),
        validators=[Length(max=closure_rules.TEXT_MAX, message=_l("不超过 %(n)s 字。", n=closure_rules.TEXT_MAX))],
    )
    name = StringField(_l("姓名"), validators=[Length(max=closure_rules.NAME_MAX)], render_kw={"autocomplete": "name"})
    phone = StringField(
        _l("电话"),
        validators=[Length(max=closure_rules.PHONE_MAX)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    email = EmailField(
        _l("电子邮箱"),
        validators=[Optional(), Length(max=closure_rules.EMAIL_MAX)],
        render_kw={"autocomplete": "email"},
    )
    captcha = StringField(
        _l("验证码"),
        validators=[DataRequired(_l("请输入图片中的字符。")), Length(max=20)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    captcha_token = HiddenField()
