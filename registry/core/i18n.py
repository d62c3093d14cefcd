"""The request's translations and locale, looked up once per request and locale.

Flask-Babel finds them anew on every call, through `g` four times; a public page translates a
hundred strings and keys a few dozen cached fragments by locale, which cost it about 3 ms. Both
helpers check the identity of the locale Flask-Babel keeps, so `force_locale` and `refresh` still
take effect at once."""

from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString


def _held(app_ctx) -> tuple | None:
    """(locale, translations, locale name) kept for the locale Flask-Babel holds now, or None."""
    state = app_ctx.g.__dict__.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    held = app_ctx.__dict__.get("_registry_i18n")
    return held if locale is not None and held is not None and held[0] is locale else None


def _refresh(app_ctx) -> tuple:
    found = get_translations()  # computes the locale and keeps it in g._flask_babel
    locale = app_ctx.g._flask_babel.babel_locale
    app_ctx._registry_i18n = held = (locale, found, str(locale))
    return held


def translations():
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return get_translations()
    return (_held(app_ctx) or _refresh(app_ctx))[1]


def locale_name() -> str:
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return str(get_locale())
    return (_held(app_ctx) or _refresh(app_ctx))[2]


def install(app) -> None:
    """Templates translate through `translations()`; printed lazy strings are text (Flask-Babel's
    lazy strings claim to be markup, so `{{ message }}` would print their tags unescaped)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.finalize = lambda value: str(value) if isinstance(value, LazyString) else value
