from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField

from registry.core.forms import choices


class ExceptionForm(FlaskForm):
    # Required-ness is the service's (every problem said at once, next to its field).
    day = DateField(_l("日期"), validators=[])
    is_workday = RadioField(
        _l("这一天"),
        choices=choices([("0", _l("放假（不上班）")), ("1", _l("上班"))]),
        default="0",
    )
    note = StringField(_l("说明"), render_kw={"maxlength": 200})


class ConfirmForm(FlaskForm):
    pass
