from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from registry.core.forms import choices
from registry.core.permissions import ROLE_LABELS


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请填写用户名。")), Length(max=64)])
    display_name = StringField(_l("姓名或单位"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("角色"), choices=choices((role, _l(label)) for role, label in ROLE_LABELS.items()))
    jurisdiction_code = SelectField(_l("所属行政区划"), validators=[DataRequired(_l("请选择行政区划。"))])
    department_name = StringField(
        _l("所属部门"), validators=[Optional(), Length(max=200)], description=_l("部门角色必填：部门全称或简称")
    )
    password = PasswordField(_l("初始密码"), validators=[DataRequired(_l("请设置初始密码。")), Length(min=8, max=128)])


class JurisdictionForm(FlaskForm):
    code = StringField(_l("行政区划代码"), validators=[DataRequired(_l("请填写 6 位行政区划代码。"))])
    name = StringField(_l("名称"), validators=[DataRequired(_l("请填写名称。")), Length(max=100)])
    level = SelectField(
        _l("层级"),
        choices=choices(
            [("province", _l("省级")), ("city", _l("市级")), ("county", _l("县级")), ("central", _l("中央"))]
        ),
    )
    parent_code = SelectField(_l("上级行政区划"), validators=[Optional()])


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with a CSRF token."""
