"""Times are stored in UTC and shown in one local time zone (config BABEL_DEFAULT_TIMEZONE, set by the
environment variable DISPLAY_TIMEZONE, Asia/Shanghai by default): every page, PDF and default date
goes through these helpers, so a clerk in Beijing never sees a UTC time or yesterday's date."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


def display_timezone() -> ZoneInfo:
    """The zone times are shown in (Flask-Babel's `format_datetime` reads the same setting)."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def local_now() -> datetime:
    return datetime.now(UTC).astimezone(display_timezone())


def local_today() -> date:
    """Today's date where the users are: the default for effective dates, report dates, PDF covers."""
    return local_now().date()


def local_day_start(day: date) -> datetime:
    """The UTC instant at which a local calendar day begins (to filter stored times by local dates)."""
    return datetime.combine(day, time.min, tzinfo=display_timezone()).astimezone(UTC)


def to_local(value: datetime) -> datetime:
    """A stored time in the display zone (a naive value is taken as UTC, as the database keeps it)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(display_timezone())


def local_date(value: datetime | date | None) -> date | None:
    """The local calendar date of a stored time (a plain date stays as it is)."""
    if value is None or not isinstance(value, datetime):
        return value
    return to_local(value).date()


def format_local(value: datetime | date | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as the users read it; '' for none. Jinja: `{{ t|localtime }}`, `{{ t|localdate }}`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime(pattern)


def zone_label() -> str:
    """How pages name the display zone: 北京时间 for the default, else the zone's own name."""
    from flask_babel import gettext as _

    name = display_timezone().key
    return _("北京时间") if name == DEFAULT_TIMEZONE else name


def init_app(app) -> None:
    app.jinja_env.globals["time_zone_label"] = zone_label
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["localdate"] = lambda value: format_local(value, "%Y-%m-%d")
