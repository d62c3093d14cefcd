"""Form helpers shared by the domains."""

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, IntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange

from registry.core.errors import CONFLICT_MESSAGE, DomainError, DomainErrors
from registry.core.http import MAX_DB_INT, whole_number


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs. The label of a named value (a code such as
    "on_track", from a model's *_LABELS) is a msgid, translated when the page is rendered, so that a
    label table kept in Chinese reads in English too; a record chosen by its id or code (digits) keeps
    its name as stored (data stays as written)."""
    return [SelectChoice(value, _label(value, label)) for value, label in pairs]


def _label(value, label):
    if type(label) is not str or not label or isinstance(value, int) or str(value).isdigit():
        return label
    return _l(label)


def record_id(value) -> int:
    """Coerce a submitted choice to a record id; 0 (no such record) for anything no id column holds,
    so that a forged value reaches the services' "not found" message, never the database."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value <= MAX_DB_INT else 0
    return whole_number(str(value) if value is not None else "", low=0) or 0


class DbIntegerField(IntegerField):
    """An integer the database's `integer` columns can hold; anything else is a form error."""

    def __init__(self, label=None, validators=None, **kwargs):
        bound = NumberRange(-MAX_DB_INT, MAX_DB_INT, message=_l("请输入 %(min)s 到 %(max)s 之间的整数。"))
        super().__init__(label, [*(validators or []), bound], **kwargs)


def show_error(form, error: DomainError) -> None:
    """Put a service's refusal on the form: next to the field it names when the form has that field
    (a list of subforms keeps it in `form.extra_errors`), else above the form in `form.form_errors`.
    DomainErrors (several refusals) puts each in its place."""
    if isinstance(error, DomainErrors):
        for each in error.errors:
            show_error(form, each)
        return
    message = str(error)
    field = form._fields.get(error.field) if error.field else None
    if isinstance(field, FieldList):
        shown = getattr(form, "extra_errors", {})
        form.extra_errors = {**shown, error.field: [*shown.get(error.field, []), message]}
    elif field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def show_problems(form, problems) -> None:
    """Put rule problems, (field, message) pairs, on the form next to their fields, leaving out a field
    that already shows an error (WTForms' own check said it first)."""
    for field_name, message in problems:
        field = form._fields.get(field_name)
        if field is not None and field.errors and not isinstance(field, FieldList):
            continue
        show_error(form, DomainError(message, field_name))


def save_or_show(form, action) -> bool:
    """Run a service and commit; on refusal roll back, keep the user's input and show why. Whether it
    was saved."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    from registry.extensions import db

    try:
        action()
        db.session.commit()
        return True
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
    except (StaleDataError, IntegrityError):
        # Another save got between our check and our write (a version check, or a unique index that
        # the other save's rows now hold): same outcome as a refused stale edit, the input kept.
        db.session.rollback()
        form.form_errors.append(str(CONFLICT_MESSAGE))
    return False
