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
    SubmitField,
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
    kind = SelectField(
        _l("类型"),
        choices=choices([("department", _l("部门")), ("body", _l("非常设机构"))]),
        default="department",
        validate_choice=False,
        description=_l("领导小组办公室、指挥部、工作专班等为非常设机构。"),
    )
    # Other names, one a line (the service checks each: a name means one department).
    aliases_short = TextAreaField(
        _l("其他简称"), validators=[Optional()], description=_l("每行一个，如“省发改委”。导入时按这些名称认出本部门。")
    )
    aliases_old = TextAreaField(_l("曾用名"), validators=[Optional()], description=_l("每行一个。"))
    aliases_written = TextAreaField(
        _l("文件中的写法"), validators=[Optional()], description=_l("导入时确认过的写法，每行一个；删去即不再认。")
    )

    ALIAS_FIELDS = (("short", "aliases_short"), ("old", "aliases_old"), ("written", "aliases_written"))

    def aliases(self) -> dict[str, list[str]]:
        """The other names entered, by kind."""
        return {
            kind: [line.strip() for line in (getattr(self, f).data or "").splitlines() if line.strip()]
            for kind, f in self.ALIAS_FIELDS
        }

    def fill_aliases(self, department) -> None:
        for kind, f in self.ALIAS_FIELDS:
            getattr(self, f).data = "\n".join(a.name for a in department.aliases if a.kind == kind)


class RenameForm(LockedForm):
    name = StringField(_l("新全称"), validators=[DataRequired(_l("请填写新全称。")), Length(max=200)])
    short_name = StringField(
        _l("新简称"), validators=[Optional(), Length(max=100)], description=_l("留空则与全称相同。")
    )
    doc_number = StringField(_l("文号"), validators=[Optional(), Length(max=100)])
    effective_date = DateField(_l("施行日期"), validators=[Optional()])
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])


class MergeForm(FlaskForm):
    sources = CheckboxesField(_l("被合并的部门"), coerce=record_id, validate_choice=False)
    target = SelectField(_l("合并为"), validate_choice=False)
    new_name = StringField(_l("新设部门全称"), validators=[Optional(), Length(max=200)])
    new_short_name = StringField(_l("新设部门简称"), validators=[Optional(), Length(max=100)])
    new_sector = StringField(_l("新设部门所属系统"), validators=[Optional(), Length(max=50)])
    doc_number = StringField(_l("文号"), validators=[Optional(), Length(max=100)])
    effective_date = DateField(_l("施行日期"), validators=[Optional()])
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(_l("我已核对：合并后被合并的部门撤销，其事项、职责和机构转入合并后的部门。"))


class SplitForm(LockedForm):
    doc_number = StringField(_l("文号"), validators=[Optional(), Length(max=100)])
    effective_date = DateField(_l("施行日期"), validators=[Optional()])
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])


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


class TargetForm(Form):
    """One quantitative target of a matter (指标、比较、目标值、单位、力争值). Checked by the service
    (lists.services.target_problems), so that each problem is one sentence naming the target."""

    indicator = StringField(_l("指标"))
    comparison = SelectField(
        _l("比较"),
        choices=choices([("", _l("（无）")), ("≥", "≥"), ("≤", "≤"), ("=", "="), (">", ">"), ("<", "<")]),
        validate_choice=False,
    )
    value = StringField(_l("目标值"))
    unit = StringField(_l("单位"))
    stretch_value = StringField(_l("力争值"))
    text = StringField(_l("原文"))
    remove = BooleanField(_l("删除此项"))

    def is_blank(self) -> bool:
        return not any((f.data or "").strip() for f in (self.indicator, self.value, self.unit, self.stretch_value))


class MatterForm(LockedForm, CitationsMixin):
    category = StringField(
        _l("事项类别"),
        validators=[DataRequired(_l("请填写事项类别。")), Length(max=50)],
        render_kw={"list": "categories"},
    )
    title = StringField(_l("具体事项"), validators=[DataRequired(_l("请填写具体事项名称。")), Length(max=300)])
    description = TextAreaField(_l("责任内容"))
    lead = SelectField(_l("牵头部门"), coerce=record_id, validate_choice=False)
    co_leads = CheckboxesField(_l("共同牵头部门"), coerce=record_id, validate_choice=False)
    cooperating = CheckboxesField(_l("配合部门"), coerce=record_id, validate_choice=False)
    territorial = CheckboxesField(_l("属地落实"), validate_choice=False)
    deadline_text = StringField(_l("完成时限"), validators=[Optional(), Length(max=100)])
    targets = FieldList(FormField(TargetForm), label=_l("量化目标"), min_entries=0, max_entries=30)
    add_target = SubmitField(_l("再加一项目标"))


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
