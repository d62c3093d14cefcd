"""Forms of the import pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField


class ImportForm(FlaskForm):
    file = FileField(
        _l("清单文件"),
        validators=[FileRequired(_l("请选择要导入的文件。"))],
        description=_l(
            "XLSX 或 CSV（UTF-8 或 GB18030 编码），表头：序号、事项类别、具体事项、牵头部门、配合部门、责任内容、依据；"
            "也可用一列“责任部门”（第一个部门为牵头部门，其余为配合部门）。"
        ),
    )
    create_departments = BooleanField(_l("自动新建文件中出现而本级尚未登记的部门"))


class ConfirmImportForm(FlaskForm):
    """Only the CSRF token: the file itself stays on the server."""
