"""A service's refusal: told in the language of the page that shows it, and put on the form where it belongs."""

import pytest
from flask_babel import force_locale
from wtforms import FieldList, Form, StringField

from registry.core.errors import DomainError
from registry.core.forms import show_error
from registry.jurisdictions.services import create_jurisdiction


def test_a_refusal_is_told_in_the_language_it_is_shown_in(ctx):
    with pytest.raises(DomainError) as refused:
        create_jurisdiction(code="12", name="甲省", level="province", actor="测试")
    assert refused.value.field == "code"
    assert str(refused.value) == "行政区划代码必须是 6 位数字，收到「12」。"
    with force_locale("en"):
        assert str(refused.value) == "A jurisdiction code must have 6 digits; got “12”."


class _Form(Form):
    name = StringField()
    rows = FieldList(StringField(), min_entries=1)


def test_show_error_puts_the_message_next_to_its_field_or_above_the_form(ctx):
    form = _Form()
    show_error(form, DomainError("名称已被使用。", "name"))
    show_error(form, DomainError("第 2 行缺少名称。", "rows"))
    show_error(form, DomainError("记录已被他人修改。", "no_such_field"))
    show_error(form, DomainError("不能撤销。"))
    assert list(form.name.errors) == ["名称已被使用。"]
    assert form.extra_errors == {"rows": ["第 2 行缺少名称。"]}
    assert form.form_errors == ["记录已被他人修改。", "不能撤销。"]
