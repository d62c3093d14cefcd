"""Forms of the offices' list pages. Choices that name records (departments, documents,
jurisdictions) are offered by the view and checked by the services, not by WTForms, so that a forged
value gets the services' Chinese message next to the field."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from registry.core.forms import DbIntegerField, choices, record_id, show_problems
from registry.lists import rules


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LockedForm(FlaskForm):
    """A form editing a record that may be changed by someone else meanwhile."""

    lock_version = DbIntegerField(widget=HiddenInput(), validators=[Optional()])


class DepartmentForm(LockedForm):
    name = StringField(_l("部门全称"), validators=[DataRequired(_l("请填写部门全称。")), Length(max=200)])
    short_name = StringField(
        _l("部门简称"), validators=[Optional(), Length(max=100)], description=_l("留空则与全称相同。")
    )
    sector = StringField(
        _l("所属系统"),
        validators=[DataRequired(_l("请填写所属系统。")), Length(max=50)],
        description=_l("如“生态环境”“住房城乡建设”，用于找到上级主管部门。"),
    )
    website = StringField(
        _l("门户网站"), validators=[Optional(), URL(message=_l("请输入有效的网址。")), Length(max=300)]
    )
    sort_order = DbIntegerField(_l("排序"), default=0, validators=[Optional()])


class ConfirmForm(LockedForm):
    """A confirmation page's form: only the CSRF token and the version the user saw."""


class UnitForm(FlaskForm):
    name = StringField(_l("机构名称"), validators=[DataRequired(_l("请填写机构名称。")), Length(max=200)])
    kind = SelectField(
        _l("类型"),
        choices=choices([("internal", _l("内设机构")), ("affiliated", _l("直属单位"))]),
        validate_choice=False,
    )


class CitationForm(Form):
    document = SelectField(_l("政策文件"), coerce=record_id, validate_choice=False)
    article = StringField(_l("条款"), validators=[Optional(), Length(max=100)])


class CitationsMixin:
    citations = FieldList(FormField(CitationForm), label=_l("法律法规及政策依据"), min_entries=0)


class DutyForm(LockedForm, CitationsMixin):
    text = TextAreaField(_l("职责内容"), validators=[DataRequired(_l("请填写职责内容。"))])


class MatterForm(LockedForm, CitationsMixin):
    category = StringField(
        _l("事项类别"),
        validators=[DataRequired(_l("请填写事项类别。")), Length(max=50)],
        render_kw={"list": "categories"},
    )
    title = StringField(_l("具体事项"), validators=[DataRequired(_l("请填写具体事项名称。")), Length(max=300)])
    description = TextAreaField(_l("责任内容"))
    lead = SelectField(_l("牵头部门"), coerce=record_id, validate_choice=False)
    cooperating = CheckboxesField(_l("配合部门"), coerce=record_id, validate_choice=False)


class DocumentForm(LockedForm):
    title = StringField(_l("文件名称"), validators=[DataRequired(_l("请填写文件名称。")), Length(max=300)])
    doc_number = StringField(_l("文号"), validators=[Optional(), Length(max=100)])
    issuer = StringField(_l("发文机关"), validators=[Optional(), Length(max=200)])
    issued_on = DateField(_l("发文日期"), validators=[Optional()])


class BasisFields(LockedForm):
    basis_kind = RadioField(
        _l("决定方式"),
        choices=choices([("meeting", _l("会议研究")), ("document", _l("发文明确"))]),
        validators=[InputRequired(_l("请选择决定方式。"))],
        validate_choice=False,
    )
    basis_doc_number = StringField(
        _l("文号"), validators=[Optional(), Length(max=100)], description=_l("会议纪要或文件的文号；发文明确的必填。")
    )
    basis_date = DateField(_l("决定日期"), validators=[InputRequired(_l("请填写决定日期。"))])
    note = TextAreaField(_l("说明"), validators=[Optional()])

    def problems(self) -> list[rules.Problem]:
        """The rules a submit breaks beyond each field's own checks (a document needs its number …)."""
        return rules.basis_problems(self.basis_kind.data or "", self.basis_doc_number.data, self.basis_date.data)

    def validate(self, extra_validators=None) -> bool:
        # Every field and every rule at once, so that one submit shows all that is missing.
        valid = super().validate(extra_validators)
        problems = self.problems()
        show_problems(self, problems)
        return valid and not problems


class DecideForm(BasisFields):
    lead = SelectField(_l("牵头部门"), coerce=record_id, validate_choice=False)
    cooperating = CheckboxesField(_l("配合部门"), coerce=record_id, validate_choice=False)
    description = TextAreaField(
        _l("责任内容"),
        validators=[Optional()],
        description=_l("明确牵头部门后，责任内容将随清单发布；请一并修改“尚未明确牵头部门”等表述。"),
    )

    def problems(self) -> list[rules.Problem]:
        lead = [] if self.lead.data else [("lead", _l("请选择牵头部门。"))]
        return lead + super().problems()


class DelegateForm(BasisFields):
    to_jurisdiction = CheckboxesField(_l("交由下级"), coerce=record_id, validate_choice=False)
    all_children = BooleanField(_l("全部下级（每个下级各自研究明确）"))

    def problems(self) -> list[rules.Problem]:
        chosen = self.all_children.data or any(self.to_jurisdiction.data or [])
        target = [] if chosen else [("to_jurisdiction", _l("请选择交由哪个下级研究明确。"))]
        return target + super().problems()
