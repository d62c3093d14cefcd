"""The one error type of the services: a change the rules refuse, said to the user."""

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

# What the second of two people changing one record at once is told (a stale form, a lock it waited
# for, a constraint the first change now holds): one sentence wherever it happens.
CONFLICT_MESSAGE = _l("该记录已被他人修改并保存，您的修改未保存。请重新打开页面，在最新内容上修改。")


class DomainError(ValueError):
    """A refusal to show the user. `message` is translatable (lazy_gettext, rendered in the locale
    current when it is shown); `field` names the form field it belongs next to (None: the whole form)."""

    def __init__(self, message: str | LazyString, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class DomainErrors(DomainError):
    """Several refusals at once, each by its field, so that a form shows every problem of one submit
    together. Reads as its first error where one DomainError is expected."""

    def __init__(self, errors: "list[DomainError]"):
        super().__init__(errors[0].message, errors[0].field)
        self.errors = list(errors)


def refuse(problems) -> None:
    """Raise the (field, message) problems found, all at once (DomainErrors); nothing when none."""
    errors = [DomainError(message, field) for field, message in problems]
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)
