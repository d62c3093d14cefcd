"""Forms of the ledger pages (#18): a ledger's heading, a task, the office's settings, the import.
Dates and numbers are typed as text and read by the view, so that a wrong one gets a Chinese message
next to its field; the records a choice names (departments, documents, matters) are offered by the view
and checked by the services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from registry.core.forms import DbIntegerField, choices, record_id
from registry.supervision.models import PHASE_LABELS, SOURCE_LABELS

NEW_DOCUMENT = "new"  # the document choice that registers a new policy document from the fields below it
NEW_LEDGER = "new"  # the import's ledger choice that makes a new ledger


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LedgerForm(FlaskForm):
    title = StringField(_l("台账名称"), validators=[Length(max=200)])
    source_kind = SelectField(
        _l("任务来源类型"), choices=choices(list(SOURCE_LABELS.items())), validate_choice=False, default="inspection"
    )
    source_title = StringField(_l("任务来源"), validators=[Length(max=300)])
    document = SelectField(_l("反馈意见或交办文件"), validate_choice=False)
    new_document_title = StringField(_l("新文件名称"), validators=[Length(max=300)])
    new_document_number = StringField(_l("文号"), validators=[Length(max=100)])
    description = TextAreaField(
        _l("公开说明"), description=_l("显示在公开的台账页面上；内部事项请勿写在这里。"), validators=[Length(max=2000)]
    )
    lock_version = DbIntegerField(widget=HiddenInput(), validators=[Optional()])


class ArchiveForm(FlaskForm):
    """归档 / 取消归档 a ledger: what is wanted ("1" archive, "0" take out) and the version seen."""

    archived = HiddenField()
    lock_version = DbIntegerField(widget=HiddenInput(), validators=[Optional()])


class TaskForm(FlaskForm):
    number = StringField(_l("序号"), validators=[Length(max=20)])
    problem = TextAreaField(_l("问题（任务）"), validators=[Length(max=5000)])
    target = TextAreaField(_l("整改目标"), validators=[Length(max=5000)])
    measures = TextAreaField(_l("整改措施"), validators=[Length(max=10000)])
    lead_department = SelectField(_l("牵头（责任）部门"), coerce=record_id, validate_choice=False)
    cooperating = CheckboxesField(_l("配合部门"), coerce=record_id, validate_choice=False)
    responsible_person = StringField(_l("责任人"), validators=[Length(max=100)])
    responsible_post = StringField(_l("责任人职务"), validators=[Length(max=200)])
    due_date = StringField(_l("整改时限（日期）"), render_kw={"type": "date", "autocomplete": "off"})
    phase = SelectField(
        _l("整改阶段"),
        choices=choices([("", _l("（不填）"))] + list(PHASE_LABELS.items())),
        validate_choice=False,
        default="",
    )
    matters = CheckboxesField(_l("所属清单事项"), coerce=record_id, validate_choice=False)
    lock_version = DbIntegerField(widget=HiddenInput(), validators=[Optional()])


class SettingsForm(FlaskForm):
    objection_days = StringField(_l("销号公示期（天）"), render_kw={"inputmode": "numeric"})
    progress_day = StringField(_l("每月进展报送日"), render_kw={"inputmode": "numeric"})
    remind_days = StringField(_l("提前提醒（工作日）"), render_kw={"inputmode": "numeric"})
    answer_days = StringField(_l("督办答复期限（工作日）"), render_kw={"inputmode": "numeric"})
    certifiers = CheckboxesField(_l("认定部门"), coerce=record_id, validate_choice=False)
    publish_responsible = BooleanField(_l("在公开页面列出各项任务的责任人姓名和职务"))


class ImportForm(FlaskForm):
    file = FileField(
        _l("台账表格"),
        description=_l(
            "XLSX 或 CSV（UTF-8 或 GB18030 编码）。"
            "表头：序号、反馈问题、整改目标、整改措施、责任单位、责任人、整改时限，可加“配合单位”。表头上方可有一行标题。"
        ),
    )
    ledger = SelectField(_l("导入到"), validate_choice=False, default=NEW_LEDGER)
    title = StringField(_l("新台账名称"), validators=[Length(max=200)])
    source_kind = SelectField(
        _l("任务来源类型"), choices=choices(list(SOURCE_LABELS.items())), validate_choice=False, default="inspection"
    )
    source_title = StringField(_l("任务来源"), validators=[Length(max=300)])


class ApplyImportForm(FlaskForm):
    """Only the CSRF token: the file stays on the server."""
