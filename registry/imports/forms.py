"""Forms of the import pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import Length

from registry.core.forms import choices
from registry.imports import recognition
from registry.imports.layout import ColumnRole, Notation, ResponsibleMeans, Target

MAX_PASTED_CHARS = 200_000


class ImportForm(FlaskForm):
    file = FileField(
        _l("清单文件"),
        description=_l(
            "XLSX、CSV（UTF-8 或 GB18030 编码）、Word（.docx）或带文字层的 PDF。"
            "本系统的表格格式（表头：序号、事项类别、具体事项、牵头部门、配合部门、责任内容、依据，"
            "或一列“责任部门”）直接导入；其他版式（标题行、合并单元格、两行表头、编号段落中写明牵头和配合部门）"
            "先识别版式，在预览页可以改正。"
        ),
    )
    text = TextAreaField(
        _l("或粘贴文字"),
        validators=[Length(max=MAX_PASTED_CHARS, message=_l("粘贴的文字最多 %(max)d 字。"))],
        description=_l("例如从 PDF 中复制的分工方案：一、（一）1. 编号的段落，部门写在括号中。"),
    )
    create_departments = BooleanField(_l("自动新建文件中出现而本级尚未登记的部门"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.file.data and not (self.text.data or "").strip():
            self.file.errors = [_l("请选择要导入的文件，或粘贴清单文字。")]
            return False
        return valid


class ConfirmImportForm(FlaskForm):
    """Only the CSRF token: the file itself stays on the server."""


class MappingForm(FlaskForm):
    """The office's correction of the proposed layout (应用映射); its fields are made for the file by
    mapping_form."""


def mapping_form(plan) -> MappingForm:
    """The form correcting `plan`'s mapping: a role per column (a table), the notation and category
    level (paragraphs), what 责任单位 means (when the file has such a column or label), and for each
    name no department has, whether to create it or use one of the closest existing departments."""
    mapping, source = plan.mapping, plan.source

    class Form(MappingForm):
        pass

    data: dict = {"target": mapping.target, "responsible_means": mapping.responsible_means}
    Form.target = SelectField(
        _l("文件列出的是"), choices=choices((t.value, recognition.TARGET_LABELS[t]) for t in Target)
    )
    if mapping.kind == "table":
        roles = choices((r.value, recognition.ROLE_LABELS[r]) for r in ColumnRole)
        for column in recognition.column_previews(source, mapping):
            label = column.header or _l("第 %(n)s 列", n=column.index + 1)
            setattr(Form, f"column_{column.index}", SelectField(label, choices=roles))
            data[f"column_{column.index}"] = column.role
    else:
        Form.notation = SelectField(
            _l("部门的写法"), choices=choices((n.value, recognition.NOTATION_LABELS[n]) for n in Notation)
        )
        levels = recognition.paragraph_levels(source) or [mapping.category_level]
        level_choices = [(level, recognition.LEVEL_LABELS.get(level, str(level))) for level in levels]
        Form.category_level = SelectField(
            _l("事项类别取自哪一级编号"),
            choices=choices([(0, _l("不分类别")), *level_choices]),
            coerce=int,
        )
        data["notation"], data["category_level"] = mapping.notation, mapping.category_level
    Form.responsible_means = SelectField(
        _l("“责任单位/主责单位”的含义"),
        choices=choices((m.value, recognition.MEANS_LABELS[m]) for m in ResponsibleMeans),
    )
    # Names no department has, for which some existing department is alike: (field number, written, closest).
    Form.name_choices = [
        (n, written, closest) for n, (written, closest) in enumerate(plan.unknown_names.items()) if closest
    ]
    for number, written, closest in Form.name_choices:
        options = [("", _l("新建部门「%(name)s」", name=written) if plan.create_departments else _l("暂不处理"))]
        options += [(str(id_), _l("使用已有部门：%(name)s", name=name)) for id_, name in closest]
        setattr(Form, f"name_{number}", RadioField(written, choices=choices(options), default=""))
        setattr(Form, f"name_{number}_text", HiddenField())
        data[f"name_{number}"], data[f"name_{number}_text"] = "", written
    return Form(data=data)  # a submitted form's values win over the plan's
