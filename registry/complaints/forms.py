"""The forms of a complaint's page (each action its own small form, with a prefix so that several sit on
one page without their fields colliding) and of the deadline settings.

Every POST is checked for its CSRF token by CSRFProtect (registry.extensions.csrf), which finds the
page's one `csrf_token` input; the forms do not carry a token of their own.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from registry.complaints.handling import MAX_TEXT
from registry.core.forms import DbIntegerField

TOO_LONG = _l("不能超过 %(max)d 个字。")


def _text(label, required_message=None, rows=4, **kwargs):
    validators = [Length(max=MAX_TEXT, message=TOO_LONG)]
    if required_message:
        validators.insert(0, DataRequired(required_message))
    return TextAreaField(label, validators=validators, render_kw={"rows": rows}, **kwargs)


class ActionForm(FlaskForm):
    """A step on a complaint: carries the lock_version of the page it was opened on."""

    class Meta:
        csrf = False  # CSRFProtect checks the page's token (see above)

    PREFIX = ""
    lock_version = DbIntegerField(widget=HiddenInput(), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.PREFIX)
        super().__init__(*args, **kwargs)


class AcceptForm(ActionForm):
    PREFIX = "accept"


class TransferForm(ActionForm):
    PREFIX = "transfer"
    # Choices are set by the view (the departments of the place and above; that department's matters).
    department = SelectField(
        _l("转办给"), choices=[], validate_choice=False, validators=[DataRequired(_l("请选择转办给哪个部门。"))]
    )
    matter = SelectField(
        _l("所属事项"),
        choices=[],
        validate_choice=False,
        validators=[DataRequired(_l("请选择这件举报属于该部门的哪个事项。"))],
    )
    reason = _text(_l("转办理由"), _l("请填写转办理由：为什么由该部门办理。"))
    confirm = BooleanField(
        _l("我确认转办：本部门不再承办这件举报，由所选部门重新决定是否受理"),
        validators=[DataRequired(_l("请勾选确认后再转办。"))],
    )


class AnswerForm(ActionForm):
    PREFIX = "answer"
    reply = _text(_l("答复"), _l("请填写答复：向举报人说明核查和处理的情况。"), rows=6)
    attachments = MultipleFileField(_l("附件（可选）"))
    confirm = BooleanField(
        _l("我确认办结：答复将在举报查询页面向举报人公开，办结后不能修改"),
        validators=[DataRequired(_l("请勾选确认后再办结。"))],
    )


class RejectForm(ActionForm):
    PREFIX = "reject"
    responsible = SelectField(
        _l("负责的部门"),
        choices=[],
        validate_choice=False,
        validators=[DataRequired(_l("请指明负责的部门；确实没有其他责任部门的，请选择“无其他责任部门”。"))],
    )
    reason = _text(_l("不予受理的理由"), _l("请填写不予受理的理由。"))
    confirm = BooleanField(
        _l("我确认不予受理：理由和负责的部门将告知举报人，不能撤回"),
        validators=[DataRequired(_l("请勾选确认后再提交。"))],
    )


class ExtensionForm(ActionForm):
    PREFIX = "extension"
    reason = _text(_l("延期理由"), _l("请填写延期理由。"), rows=3)


class DecideExtensionForm(ActionForm):
    PREFIX = "decide"
    reason = _text(_l("意见（不同意时必填）"), rows=3)


class NoteForm(ActionForm):
    PREFIX = "note"
    text = _text(_l("备注内容"), _l("请填写备注内容。"), rows=3)


class ReviewForm(ActionForm):
    PREFIX = "review"
    comment = _text(_l("复核意见"), _l("请填写复核意见。"), rows=3)


class PhotoForm(ActionForm):
    PREFIX = "photo"


class SettingsForm(FlaskForm):
    # Text, read as whole numbers by the view: the service says what is wrong, next to the field.
    accept_days = StringField(_l("受理期限（工作日）"), render_kw={"inputmode": "numeric", "autocomplete": "off"})
    reply_days = StringField(
        _l("答复期限（工作日，自受理起）"), render_kw={"inputmode": "numeric", "autocomplete": "off"}
    )
    extension_days = StringField(
        _l("延期（工作日，一次，需办公室同意）"), render_kw={"inputmode": "numeric", "autocomplete": "off"}
    )
