"""Working days (工作日): the one rule every deadline counted in working days goes through.

A day is a working day when China's official schedule says so — weekdays, minus the statutory
holidays, plus the 调休 make-up days (周末调休上班) — as the `chinesecalendar` package records it (the
State Council's yearly 国务院办公厅关于部分节假日安排的通知, which the package follows) — unless a local exception
says otherwise. Exceptions (`WorkdayException`) are installation-wide (jurisdiction None) or set by an
office for its jurisdiction and the ones below it; for one day the nearest wins: the jurisdiction's
own, then its parent's …, then the installation-wide one.

For a year the package does not know yet (it is published each November or December for the next
year), only weekends and the local exceptions count; pages that show such a deadline say so
(`calendar_note`), and an installation can enter the new year's holidays as installation-wide
exceptions until the package is updated.

Counting convention (`add_working_days`): the day something happens is not counted; "N 个工作日内"
ends on the N-th working day after it, as the policies count (issue #15: 受理 "2 个工作日内", a list
adjusted "10 个工作日内" after a trigger, a complaint answered "15 个工作日内"). E.g. a complaint
received on Wednesday 30 September 2026, to be accepted within 2 working days, must be accepted by
Friday 9 October 2026: 1–7 October is the National Day holiday, Thursday 8 October is the first working
day after it. A deadline so computed always falls on a working day.

Efficient by construction: a `WorkCalendar` loads the exceptions that apply to one jurisdiction in
one query and then answers every day from memory; the module-level functions build one per call.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chinese_calendar import constants as national
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from registry.extensions import db

# The years the national schedule covers (the package's own range).
FIRST_YEAR = min(d.year for d in national.holidays)
LAST_YEAR = max(d.year for d in national.holidays)

# The holidays' Chinese names (the package names them in English and Chinese; pages translate ours).
HOLIDAY_NAMES = {
    "New Year's Day": _l("元旦"),
    "Spring Festival": _l("春节"),
    "Tomb-sweeping Day": _l("清明节"),
    "Labour Day": _l("劳动节"),
    "Dragon Boat Festival": _l("端午节"),
    "National Day": _l("国庆节"),
    "Mid-autumn Festival": _l("中秋节"),
}

# A guard for nonsense input (a deadline 100 000 working days away): refuse rather than loop.
MAX_WORKING_DAYS = 2000


def national_calendar_covers(year: int) -> bool:
    """Whether the national holiday schedule (chinesecalendar) is known for `year`."""
    return FIRST_YEAR <= year <= LAST_YEAR


def calendar_note(*days: date | None) -> str:
    """The sentence a page shows next to a deadline computed for a year the national schedule does not
    cover yet; "" when every day given is covered. The days given are the ends of a span (today and a
    deadline): every year from the first to the last is counted through, so each uncovered one is named."""
    years = [d.year for d in days if d is not None]
    span = range(min(years), max(years) + 1) if years else range(0)
    missing = [year for year in span if not national_calendar_covers(year)]
    if not missing:
        return ""
    from flask_babel import gettext as _

    return _(
        "%(years)s 年法定节假日安排尚未收录，按周末和本地设置的例外计算，请以国务院办公厅公布的安排为准。",
        years="、".join(str(y) for y in missing),
    )


@dataclass(frozen=True)
class Exception_:
    """A local exception as the calendar uses it (plain values)."""

    id: int
    day: date
    is_workday: bool
    note: str
    jurisdiction_id: int | None
    jurisdiction_name: str  # "" for installation-wide


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says about one day, and why."""

    day: date
    is_workday: bool
    kind: str  # "workday" · "weekend" · "holiday" · "makeup" (调休上班) · "local_off" · "local_work"
    label: str = ""  # the holiday's name, or the exception's note
    exception: Exception_ | None = None
    covered: bool = True  # the national schedule knows the day's year


def _holiday_name(value: Any) -> str:
    """The holiday's name in the reader's language (the package gives its English name, or a Holiday)."""
    english = getattr(value, "value", value)
    return str(HOLIDAY_NAMES.get(english, getattr(value, "chinese", english)))


def _chain(jurisdiction: Any) -> list[Any]:
    """The jurisdiction and its ancestors, nearest first ([] for installation-wide only)."""
    if jurisdiction is None:
        return []
    return [jurisdiction, *jurisdiction.ancestors()]


class WorkCalendar:
    """The working days of one jurisdiction (None: installation-wide rules only). Loads its exceptions
    once (one query, optionally bounded by `since`/`until`) and answers from memory."""

    def __init__(self, jurisdiction: Any = None, *, since: date | None = None, until: date | None = None):
        from registry.workdays.models import WorkdayException

        chain = _chain(jurisdiction)
        rank = {j.id: i for i, j in enumerate(chain)}  # nearer: smaller
        names = {j.id: j.name for j in chain}
        query = select(WorkdayException).where(
            or_(WorkdayException.jurisdiction_id.is_(None), WorkdayException.jurisdiction_id.in_(list(rank)))
        )
        if since is not None:
            query = query.where(WorkdayException.day >= since)
        if until is not None:
            query = query.where(WorkdayException.day <= until)
        best: dict[date, tuple[int, Exception_]] = {}
        for row in db.session.scalars(query):
            r = rank.get(row.jurisdiction_id, len(chain)) if row.jurisdiction_id is not None else len(chain)
            if row.day in best and best[row.day][0] <= r:
                continue
            best[row.day] = (
                r,
                Exception_(
                    id=row.id,
                    day=row.day,
                    is_workday=row.is_workday,
                    note=row.note,
                    jurisdiction_id=row.jurisdiction_id,
                    jurisdiction_name=names.get(row.jurisdiction_id, "") if row.jurisdiction_id else "",
                ),
            )
        self.jurisdiction = jurisdiction
        self.exceptions: dict[date, Exception_] = {d: e for d, (_r, e) in best.items()}

    # -- one day -------------------------------------------------------------------------------

    def info(self, day: date) -> DayInfo:
        covered = national_calendar_covers(day.year)
        exception = self.exceptions.get(day)
        if exception is not None:
            kind = "local_work" if exception.is_workday else "local_off"
            return DayInfo(day, exception.is_workday, kind, exception.note, exception, covered)
        if covered:
            holiday = national.holidays.get(day)
            if holiday is not None:
                return DayInfo(day, False, "holiday", _holiday_name(holiday))
            makeup = national.workdays.get(day)
            if makeup is not None:
                return DayInfo(day, True, "makeup", str(_l("%(name)s调休上班", name=_holiday_name(makeup))))
        if day.weekday() >= 5:
            return DayInfo(day, False, "weekend", covered=covered)
        return DayInfo(day, True, "workday", covered=covered)

    def is_working_day(self, day: date) -> bool:
        exception = self.exceptions.get(day)
        if exception is not None:
            return exception.is_workday
        if national_calendar_covers(day.year):
            if day in national.holidays:
                return False
            if day in national.workdays:
                return True
        return day.weekday() < 5

    # -- counting ------------------------------------------------------------------------------

    def add(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start not counted); n = 0: start itself if it is a working
        day, else the next one (a deadline never falls on a day off); n < 0 counts back."""
        if abs(n) > MAX_WORKING_DAYS:
            raise ValueError(f"{n} working days is beyond {MAX_WORKING_DAYS}")
        day = start
        if n == 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
            return day
        step = timedelta(days=1 if n > 0 else -1)
        left = abs(n)
        while left:
            day += step
            if self.is_working_day(day):
                left -= 1
        return day

    def between(self, a: date, b: date) -> int:
        """Working days after `a` up to and including `b` (so add(a, n) = b gives n); negative when b
        is before a (the working days from b, exclusive, to a, inclusive, counted back)."""
        if b == a:
            return 0
        if b < a:
            return -self.between(b, a)
        return sum(1 for i in range(1, (b - a).days + 1) if self.is_working_day(a + timedelta(days=i)))

    def month(self, year: int, month: int) -> list[list[DayInfo | None]]:
        """The month as weeks (Monday first), None for the days of other months: a calendar grid."""
        first = date(year, month, 1)
        days_in = (
            (first.replace(year=year + 1, month=1) if month == 12 else first.replace(month=month + 1)) - first
        ).days
        cells: list[DayInfo | None] = [None] * first.weekday()
        cells += [self.info(first + timedelta(days=i)) for i in range(days_in)]
        cells += [None] * (-len(cells) % 7)
        return [cells[i : i + 7] for i in range(0, len(cells), 7)]


# -- the functions every deadline calls --------------------------------------------------------------


def _calendar(jurisdiction: Any, since: date | None = None, until: date | None = None) -> WorkCalendar:
    return WorkCalendar(jurisdiction, since=since, until=until)


def is_working_day(day: date, jurisdiction: Any = None) -> bool:
    """Whether `day` is a working day in `jurisdiction` (None: installation-wide rules only)."""
    return _calendar(jurisdiction, day, day).is_working_day(day)


def add_working_days(start: date, n: int, jurisdiction: Any = None) -> date:
    """The date `n` working days after `start`, start not counted ("N 个工作日内" ends that day)."""
    return _calendar(jurisdiction, since=start if n >= 0 else None, until=None if n >= 0 else start).add(start, n)


def working_days_between(a: date, b: date, jurisdiction: Any = None) -> int:
    """Working days after `a` up to and including `b` (negative when b is before a). With a = today and
    b = a deadline: the working days left (0 on the deadline itself or when only days off remain)."""
    return _calendar(jurisdiction, min(a, b), max(a, b)).between(a, b)


@dataclass(frozen=True)
class Deadline:
    """A deadline as pages show it: the date, working days left from `today`, and the note when the
    national schedule does not cover the span."""

    day: date
    today: date
    working_days_left: int  # negative: working days past
    note: str
    day_label: str = ""  # "国庆节调休上班" on a make-up day, the holiday's or exception's name on a day off

    @property
    def overdue(self) -> bool:
        return self.day < self.today

    @property
    def is_today(self) -> bool:
        return self.day == self.today


def deadline(day: date, today: date, jurisdiction: Any = None) -> Deadline:
    """How far a deadline is in working days (for a page or a reminder)."""
    calendar = _calendar(jurisdiction, min(today, day), max(today, day))
    return Deadline(day, today, calendar.between(today, day), calendar_note(today, day), _day_label(calendar.info(day)))


def _day_label(info: DayInfo) -> str:
    """What a deadline's own day is, when that is worth saying: a make-up working day, or a day off."""
    if info.kind in ("makeup", "local_work"):
        return info.label or str(_l("调休上班"))
    if not info.is_workday:
        return info.label or str(_l("非工作日"))
    return ""
