from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from registry.notify import KINDS

KIND_PREFIX = "kind_"


class EmailForm(FlaskForm):
    """An e-mail address (optional); checked by registry.notify.services.clean_email."""

    email = StringField(
        _l("电子邮件地址"),
        validators=[Length(max=254, message=_l("电子邮件地址不能超过 254 个字符。"))],
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with a CSRF token."""


def settings_form(**kwargs) -> EmailForm:
    """The settings form: the address, and one checkbox per kind of notice (registry.notify.KINDS)."""

    class SettingsForm(EmailForm):
        pass

    for kind, spec in KINDS.items():
        setattr(SettingsForm, KIND_PREFIX + kind, BooleanField(spec.label))
    return SettingsForm(**kwargs)
