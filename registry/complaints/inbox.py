"""The 举报 inbox: which complaints a department or an office sees, by tab, overdue first; and the
counts the tabs and the 工作台 show."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Select, and_, case, func, literal, select

from registry.complaints import rules
from registry.complaints.models import Complaint, ComplaintState, ExtensionState
from registry.core.permissions import DEPARTMENT_ROLES, Role
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department
from registry.lists.models import Role as AssignmentRole
from registry.versions.models import VersionAssignment

PER_PAGE = 30


@dataclass(frozen=True)
class Tab:
    key: str
    label: Any


TABS = {
    "new": Tab("new", _l("待受理")),
    "accepted": Tab("accepted", _l("办理中")),
    "overdue": Tab("overdue", _l("已逾期")),
    "answered": Tab("answered", _l("已办结")),
    "rejected": Tab("rejected", _l("不予受理")),
    "reopened": Tab("reopened", _l("待复核")),
    "extension": Tab("extension", _l("延期待批")),
    "all": Tab("all", _l("全部")),
    "cooperating": Tab("cooperating", _l("配合事项")),
}
DEPARTMENT_TABS = ("new", "accepted", "overdue", "answered", "rejected", "reopened", "all", "cooperating")
OFFICE_TABS = ("all", "overdue", "new", "accepted", "extension", "reopened", "answered", "rejected")


def reopened_dues(within: Select | None = None) -> dict[int, date]:
    """The office's review deadline of each reopened complaint among `within` (a select of complaint ids:
    the inbox's scope; None: all), by rules.current_due: working days cannot be counted in SQL, and few
    complaints of one inbox wait for a review at a time."""
    stmt = select(Complaint).where(Complaint.state == ComplaintState.REOPENED)
    if within is not None:
        stmt = stmt.where(Complaint.id.in_(within))
    reopened = db.session.scalars(stmt)
    return {c.id: due for c in reopened if (due := rules.current_due(c)) is not None}


def due_expression(reopened: dict[int, date]):
    """What is due next, in SQL (rules.current_due): the 受理 decision, the reply, the office's review."""
    whens = [
        (Complaint.state == ComplaintState.NEW, Complaint.accept_due),
        (Complaint.state == ComplaintState.ACCEPTED, Complaint.reply_due),
    ]
    if reopened:
        review = case({i: literal(due, Date) for i, due in reopened.items()}, value=Complaint.id, else_=None)
        whens.append((Complaint.state == ComplaintState.REOPENED, review))
    return case(*whens, else_=None)


def overdue_condition(today: date, reopened: dict[int, date]):
    due = due_expression(reopened)
    return and_(due.is_not(None), due < today)


def cooperating_matters(department_id: int):
    """The version matters a department cooperates on (or co-leads)."""
    return select(VersionAssignment.version_matter_id).where(
        VersionAssignment.department_id == department_id,
        VersionAssignment.role.in_([AssignmentRole.COOPERATING, AssignmentRole.CO_LEAD]),
    )


@dataclass
class Scope:
    """Whose complaints an inbox lists: a department's (and those it cooperates on), or every
    department's of one jurisdiction (an office)."""

    department: Department | None = None
    jurisdiction: Jurisdiction | None = None
    read_only: bool = False  # an office looking at a jurisdiction below its own (§5)

    @property
    def is_office(self) -> bool:
        return self.department is None

    def base(self, tab: str) -> Select:
        stmt = select(Complaint)
        if self.department is not None:
            if tab == "cooperating":
                return stmt.where(
                    Complaint.version_matter_id.in_(cooperating_matters(self.department.id)),
                    Complaint.department_id != self.department.id,
                )
            return stmt.where(Complaint.department_id == self.department.id)
        return stmt.join(Department, Department.id == Complaint.department_id).where(
            Department.jurisdiction_id == self.jurisdiction.id
        )


def scope_of(user: Any) -> Scope | None:
    """The user's own inbox: their department's, or their office's jurisdiction's."""
    if user.role in DEPARTMENT_ROLES and user.department is not None:
        return Scope(department=user.department)
    if user.role == Role.OFFICE_ADMIN:
        return Scope(jurisdiction=user.jurisdiction)
    return None


def _filtered(stmt: Select, tab: str, today: date, reopened: dict[int, date]) -> Select:
    if tab in ("new", "accepted", "answered", "rejected", "reopened"):
        return stmt.where(Complaint.state == tab)
    if tab == "overdue":
        return stmt.where(overdue_condition(today, reopened))
    if tab == "extension":
        return stmt.where(
            Complaint.extension_state == ExtensionState.REQUESTED, Complaint.state == ComplaintState.ACCEPTED
        )
    return stmt


def listing(scope: Scope, tab: str, today: date, *, department_id: int | None = None) -> Select:
    """The complaints of a tab: overdue first, then by what is due soonest, then the newest."""
    stmt = scope.base(tab)
    if department_id is not None and scope.is_office:
        stmt = stmt.where(Complaint.department_id == department_id)
    reopened = reopened_dues(stmt.with_only_columns(Complaint.id))
    stmt = _filtered(stmt, tab, today, reopened)
    due = due_expression(reopened)
    return stmt.order_by(
        case((overdue_condition(today, reopened), 0), else_=1),
        case((due.is_(None), 1), else_=0),
        due,
        Complaint.id.desc(),
    )


def counts(scope: Scope, today: date, *, department_id: int | None = None) -> dict[str, int]:
    """How many complaints each tab holds (the 工作台 shows some of them)."""
    result = dict.fromkeys(TABS, 0)
    base = scope.base("all")
    if department_id is not None and scope.is_office:
        base = base.where(Complaint.department_id == department_id)
    ids = base.with_only_columns(Complaint.id).subquery()
    overdue = overdue_condition(today, reopened_dues(select(ids.c.id)))
    rows = db.session.execute(
        select(
            Complaint.state,
            func.count(),
            func.sum(case((overdue, 1), else_=0)),
            func.sum(
                case(
                    (
                        and_(
                            Complaint.extension_state == ExtensionState.REQUESTED,
                            Complaint.state == ComplaintState.ACCEPTED,
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .where(Complaint.id.in_(select(ids.c.id)))
        .group_by(Complaint.state)
    )
    for state, n, overdue, extension in rows:
        result[state] = n
        result["all"] += n
        result["overdue"] += int(overdue or 0)
        result["extension"] += int(extension or 0)
    if scope.department is not None:
        result["cooperating"] = db.session.scalar(
            scope.base("cooperating").with_only_columns(func.count(Complaint.id)).order_by(None)
        )
    return result


def departments_of(jurisdiction: Jurisdiction) -> list[Department]:
    """The departments an office may filter its inbox by."""
    return list(
        db.session.scalars(
            select(Department)
            .where(Department.jurisdiction_id == jurisdiction.id)
            .order_by(Department.active.desc(), Department.sort_order, Department.id)
        )
    )


def repeats_of(complaint: Complaint) -> int:
    """How many complaints were linked to this one as repeats (重复举报) of it."""
    first_id = complaint.repeat_of_id or complaint.id
    return db.session.scalar(select(func.count(Complaint.id)).where(Complaint.repeat_of_id == first_id)) or 0
