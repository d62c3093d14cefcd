"""Accountability in numbers (§4 公众举报办理情况): how many complaints the departments received, accepted,
transferred, closed on time, let run overdue, and how satisfied the people who reported were.

One function, `figures(...)`, computes every number the public pages, the open-data API and the annual
report's generated section show. It reads only the few columns the rules need (never a description,
a place or a contact detail) as plain rows, and judges each row with the rules of rules.py
(`answered_on_time`, `is_overdue`), so a deadline means the same here as in the inbox.

A complaint counts where it is handled now: the department it was transferred to, in that department's
jurisdiction. The year is the local (Beijing) calendar year the complaint was received in.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, exists, func, select

from registry.complaints import rules
from registry.complaints.models import Complaint, ComplaintEvent, ComplaintState, EventKind, Rating
from registry.core.timezone import local_date, local_day_start, local_today
from registry.extensions import db
from registry.lists.models import Department
from registry.public.cache import PageState

FIRST_YEAR = 2000  # years a visitor may ask for: FIRST_YEAR … LAST_YEAR (the API says so too)
LAST_YEAR = 2100
COUNT_NAMES = (
    "received",
    "accepted",
    "transferred",
    "answered",
    "rejected",
    "on_time",
    "overdue",
    "repeat",
    "rated",
    "satisfied",
)


@dataclass
class Counts:
    """The figures of one group of complaints (a jurisdiction, a department, a matter, or all)."""

    received: int = 0  # 收到
    accepted: int = 0  # 受理 at least once
    transferred: int = 0  # 转办 at least once
    answered: int = 0  # 已办结 (replied; also when reopened after the reply: rules.was_answered)
    rejected: int = 0  # 不予受理
    on_time: int = 0  # closed (replied or refused) by its deadline: rules.answered_on_time
    closed_late: int = 0  # closed after its deadline
    open_overdue: int = 0  # still open and past its deadline today: rules.is_overdue
    repeat: int = 0  # 重复举报 (linked to an earlier complaint about the same matter and place)
    rated: int = 0
    satisfied: int = 0

    @property
    def overdue(self) -> int:
        """Overdue now, or closed late."""
        return self.open_overdue + self.closed_late

    @property
    def closed(self) -> int:
        return self.on_time + self.closed_late

    @property
    def on_time_rate(self) -> float | None:
        """Closed on time, of all closed; None when nothing is closed yet."""
        return self.on_time / self.closed if self.closed else None

    @property
    def satisfaction_rate(self) -> float | None:
        """满意, of all rated; None when nobody rated."""
        return self.satisfied / self.rated if self.rated else None

    def plain(self) -> dict[str, Any]:
        """The counts and rates as the API gives them (rates rounded to 4 places, null without data)."""
        out: dict[str, Any] = {name: getattr(self, name) for name in COUNT_NAMES}
        out["overdue_open"] = self.open_overdue
        out["closed_late"] = self.closed_late
        out["on_time_rate"] = None if self.on_time_rate is None else round(self.on_time_rate, 4)
        out["satisfaction_rate"] = None if self.satisfaction_rate is None else round(self.satisfaction_rate, 4)
        return out

    def add(self, row: Any, today: date) -> None:
        self.received += 1
        self.accepted += bool(row.was_accepted)
        self.transferred += bool(row.was_transferred)
        self.answered += rules.was_answered(row)
        self.rejected += row.state == ComplaintState.REJECTED
        on_time = rules.answered_on_time(row)
        self.on_time += on_time is True
        self.closed_late += on_time is False
        # A reopened complaint was answered (on time or late); the office's review is not the department's.
        self.open_overdue += on_time is None and rules.is_overdue(row, today)
        self.repeat += row.repeat_of_id is not None
        self.rated += row.rating is not None
        self.satisfied += row.rating == Rating.SATISFIED


@dataclass
class Group:
    """A department or a matter with its counts. key: the department id, or the matter id (None: no
    matter chosen, routed by the 12369 desk)."""

    key: int | None
    name: str
    counts: Counts = field(default_factory=Counts)


@dataclass
class Figures:
    year: int | None  # None: all time
    as_of: date  # "overdue" is as of this day
    totals: Counts
    by_jurisdiction: dict[int, Counts]  # jurisdiction id (of the handling department) → counts
    by_department: list[Group]  # most received first
    by_matter: list[Group]  # most received first; the group without a matter last
    # Received per month of the year (12 entries: (1, n) … (12, n)), or per year for all time.
    by_period: list[tuple[int, int]]

    @property
    def empty(self) -> bool:
        return self.totals.received == 0


def year_bounds(year: int) -> tuple[Any, Any]:
    """The UTC instants the local calendar year starts and ends at."""
    return local_day_start(date(year, 1, 1)), local_day_start(date(year + 1, 1, 1))


def figures(
    *,
    jurisdiction_ids: Iterable[int] | None = None,
    department_id: int | None = None,
    matter_ids: Iterable[int] | None = None,
    year: int | None = None,
    today: date | None = None,
) -> Figures:
    """The figures of the complaints handled by the departments of `jurisdiction_ids` (or by
    `department_id`), or about the working matters `matter_ids`, received in `year` (None: all time)."""
    today = today or local_today()
    accepted = exists().where(
        and_(ComplaintEvent.complaint_id == Complaint.id, ComplaintEvent.kind == EventKind.ACCEPTED)
    )
    transferred = exists().where(
        and_(ComplaintEvent.complaint_id == Complaint.id, ComplaintEvent.kind == EventKind.TRANSFERRED)
    )
    stmt = select(
        Complaint.state,
        Complaint.accept_due,
        Complaint.reply_due,
        Complaint.answered_at,
        Complaint.rated_at,
        Complaint.received_at,
        Complaint.rating,
        Complaint.repeat_of_id,
        Complaint.department_id,
        Complaint.matter_id,
        Complaint.matter_title,
        Department.jurisdiction_id.label("department_jurisdiction_id"),
        accepted.label("was_accepted"),
        transferred.label("was_transferred"),
    ).join(Department, Department.id == Complaint.department_id)
    if jurisdiction_ids is not None:
        stmt = stmt.where(Department.jurisdiction_id.in_(list(jurisdiction_ids)))
    if department_id is not None:
        stmt = stmt.where(Complaint.department_id == department_id)
    if matter_ids is not None:
        stmt = stmt.where(Complaint.matter_id.in_(list(matter_ids)))
    if year is not None:
        start, end = year_bounds(year)
        stmt = stmt.where(Complaint.received_at >= start, Complaint.received_at < end)

    totals = Counts()
    by_jurisdiction: dict[int, Counts] = {}
    departments: dict[int, Counts] = {}
    matters: dict[int | None, Counts] = {}
    titles: dict[int, str] = {}
    periods: Counter[int] = Counter()
    for row in db.session.execute(stmt):
        totals.add(row, today)
        by_jurisdiction.setdefault(row.department_jurisdiction_id, Counts()).add(row, today)
        departments.setdefault(row.department_id, Counts()).add(row, today)
        matters.setdefault(row.matter_id, Counts()).add(row, today)
        if row.matter_id is not None and row.matter_title:
            titles.setdefault(row.matter_id, row.matter_title)
        received = local_date(row.received_at)
        periods[received.month if year is not None else received.year] += 1

    names = dict(
        db.session.execute(select(Department.id, Department.name).where(Department.id.in_(list(departments)))).all()
    )
    by_department = sorted(
        (Group(key, names.get(key, ""), counts) for key, counts in departments.items()),
        key=lambda g: (-g.counts.received, g.name),
    )
    by_matter = sorted(
        (Group(key, titles.get(key, "") if key is not None else "", counts) for key, counts in matters.items()),
        key=lambda g: (g.key is None, -g.counts.received, g.name),
    )
    if year is not None:
        by_period = [(month, periods[month]) for month in range(1, 13)]
    elif periods:
        by_period = [(y, periods[y]) for y in range(min(periods), max(periods) + 1)]
    else:
        by_period = []
    return Figures(year, today, totals, by_jurisdiction, by_department, by_matter, by_period)


def years_with_complaints(jurisdiction_ids: Iterable[int] | None = None) -> list[int]:
    """The years a year selector offers: from the first complaint's year to this year, newest first."""
    stmt = select(func.min(Complaint.received_at))
    if jurisdiction_ids is not None:
        stmt = stmt.join(Department, Department.id == Complaint.department_id).where(
            Department.jurisdiction_id.in_(list(jurisdiction_ids))
        )
    first = db.session.scalar(stmt)
    this_year = local_today().year
    start = min(local_date(first).year, this_year) if first is not None else this_year
    return list(range(this_year, start - 1, -1))


def page_state(**_kwargs: Any) -> PageState:
    """What a page of figures depends on, for public.cache.cached: every step of every complaint adds a
    timeline event (services.add_event; the retention job's erasure too), "overdue" moves with the day,
    and the departments' names are shown. Two cheap queries."""
    events = db.session.execute(select(func.count(ComplaintEvent.id), func.max(ComplaintEvent.id))).one()
    departments = db.session.execute(select(func.count(Department.id), func.sum(Department.lock_version))).one()
    return PageState(("complaint-stats", tuple(events), tuple(departments), local_today().isoformat()))
