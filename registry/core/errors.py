"""The one error type of the services: a change the rules refuse, said to the user."""

from flask_babel.speaklater import LazyString


class DomainError(ValueError):
    """A refusal to show the user. `message` is translatable (lazy_gettext, rendered in the locale
    current when it is shown); `field` names the form field it belongs next to (None: the whole form)."""

    def __init__(self, message: str | LazyString, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
