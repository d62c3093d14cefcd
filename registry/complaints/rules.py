"""The rules every complaint path shares, each in one place (STYLE habit 11): who may read a complaint,
act on it, oversee it or see the person's contact details; which deadlines hold, in working days; where
the 12369 desk of a place is.
"""

from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from registry.complaints.models import (
    Complaint,
    ComplaintFile,
    ComplaintSettings,
    ComplaintState,
    EventKind,
)
from registry.core.permissions import Permission, Role, can
from registry.core.timezone import local_date, local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department
from registry.lists.models import Role as AssignmentRole
from registry.versions.models import VersionAssignment
from registry.workdays import add_working_days, working_days_between

ECOLOGY_SECTOR = "生态环境"  # the same-level ecology-environment department runs the 12369 desk


# -- who may do what ---------------------------------------------------------------------------------


def cooperating_department_ids(complaint: Complaint) -> set[int]:
    """The departments that cooperate on (or co-lead) the complaint's matter, as listed in the version
    the person saw: they read the complaint and add notes, never see the contact details."""
    if complaint.version_matter_id is None:
        return set()
    ids = db.session.scalars(
        select(VersionAssignment.department_id).where(
            VersionAssignment.version_matter_id == complaint.version_matter_id,
            VersionAssignment.role.in_([AssignmentRole.COOPERATING, AssignmentRole.CO_LEAD]),
        )
    )
    return set(ids) - {complaint.department_id}


def can_read(user: Any, complaint: Complaint) -> bool:
    """The handling department, the matter's cooperating departments, the office of the handling
    department's jurisdiction and the offices above it."""
    return can(user, Permission.COMPLAINT_READ, complaint)


def can_handle(user: Any, complaint: Complaint) -> bool:
    """A user of the department handling it now: accept, transfer, answer, refuse, ask for more time."""
    return (
        user.is_authenticated
        and user.role in (Role.DEPT_HEAD, Role.DEPT_EDITOR)
        and user.department_id == complaint.department_id
        and can(user, Permission.COMPLAINT_HANDLE, complaint)
    )


def can_oversee(user: Any, complaint: Complaint) -> bool:
    """The office of the handling department's jurisdiction: consents to extensions, reviews a reopened
    complaint. Offices above read only (§5: no interference from above)."""
    return can(user, Permission.COMPLAINT_OVERSEE, complaint)


def can_add_note(user: Any, complaint: Complaint) -> bool:
    """Whoever may read it and belongs to it: the handling department, a cooperating one, the office."""
    if not can_read(user, complaint) or not user.is_authenticated:
        return False
    if user.role == Role.OFFICE_ADMIN:
        return can_oversee(user, complaint)
    return user.department_id is not None and (
        user.department_id == complaint.department_id or user.department_id in cooperating_department_ids(complaint)
    )


def may_see_contact(user: Any, complaint: Complaint) -> bool:
    """The person's contact details: only the handling department and its office (each view is audited
    by the caller; see services.show_contact)."""
    return can_handle(user, complaint) or can_oversee(user, complaint)


def may_see_file(user: Any, complaint: Complaint, file: ComplaintFile) -> bool:
    """A photo marked publishable is public; the other photos and the reply's attachments only for the
    handling department and its office (§6), as the contact details: never a cooperating department or
    an office above."""
    return (file.kind == "photo" and file.publishable) or may_see_contact(user, complaint)


# -- deadlines in working days -----------------------------------------------------------------------


def settings_for(jurisdiction: Jurisdiction) -> dict[str, int]:
    """The deadlines of a place: its own settings, else the nearest ancestor's, else the defaults."""
    place: Jurisdiction | None = jurisdiction
    while place is not None:
        row = db.session.scalar(select(ComplaintSettings).where(ComplaintSettings.jurisdiction_id == place.id))
        if row is not None:
            return row.audit_data()
        place = place.parent
    return dict(ComplaintSettings.DEFAULTS)


def accept_due(received: date, jurisdiction: Jurisdiction) -> date:
    """The 受理 decision is due this many working days after the day it arrived (or was transferred)."""
    return add_working_days(received, settings_for(jurisdiction)["accept_days"], jurisdiction)


def reply_due(accepted: date, jurisdiction: Jurisdiction) -> date:
    """The reply is due this many working days after acceptance."""
    return add_working_days(accepted, settings_for(jurisdiction)["reply_days"], jurisdiction)


def extended_due(due: date, jurisdiction: Jurisdiction) -> date:
    """The reply deadline after the one extension the office granted."""
    return add_working_days(due, settings_for(jurisdiction)["extension_days"], jurisdiction)


def reopened_on(complaint: Any) -> date | None:
    """The (Beijing) day a complaint was reopened: the day the person rated the reply 不满意."""
    if complaint.rated_at is not None:
        return local_date(complaint.rated_at)
    for event in reversed(getattr(complaint, "events", None) or []):  # a complaint without a rating time
        if event.kind == EventKind.REOPENED:
            return local_date(event.at)
    return None


def review_due(complaint: Any) -> date | None:
    """The office decides on a reopened complaint within the 受理 working days of its jurisdiction, from
    the day it was reopened."""
    reopened = reopened_on(complaint)
    department = getattr(complaint, "department", None)
    if reopened is None or department is None:
        return None
    return accept_due(reopened, department.jurisdiction)


def current_due(complaint: Any) -> date | None:
    """What is due next and by when: the 受理 decision, then the reply, then (reopened) the office's
    review; nothing once closed."""
    if complaint.state == ComplaintState.NEW:
        return complaint.accept_due
    if complaint.state == ComplaintState.ACCEPTED:
        return complaint.reply_due
    if complaint.state == ComplaintState.REOPENED:
        return review_due(complaint)
    return None


def is_overdue(complaint: Any, today: date | None = None) -> bool:
    due = current_due(complaint)
    return due is not None and due < (today or local_today())


def working_days_left(complaint: Complaint, today: date | None = None) -> int | None:
    """Working days from today to what is due next (0 on the day itself, negative once past), in the
    calendar of the handling department's jurisdiction; None when nothing is due."""
    due = current_due(complaint)
    if due is None:
        return None
    return working_days_between(today or local_today(), due, complaint.department.jurisdiction)


def was_answered(complaint: Any) -> bool:
    """办结 with a reply: answered, or reopened after the reply (the person was 不满意; it was answered)."""
    return complaint.answered_at is not None and complaint.state in (ComplaintState.ANSWERED, ComplaintState.REOPENED)


def answered_on_time(complaint: Any) -> bool | None:
    """Whether a closed complaint was closed by its deadline (None while open): a reply by the reply
    deadline (also when reopened after it), a refusal by the 受理 deadline."""
    if complaint.answered_at is None:
        return None
    if was_answered(complaint):
        due = complaint.reply_due
    elif complaint.state == ComplaintState.REJECTED:
        due = complaint.accept_due
    else:
        return None
    return due is None or local_date(complaint.answered_at) <= due


def contact_erase_after(closed_on: date) -> date:
    """The day after which a closed complaint's contact details are erased (COMPLAINT_CONTACT_RETENTION_DAYS)."""
    return closed_on + timedelta(days=current_app.config["COMPLAINT_CONTACT_RETENTION_DAYS"])


# -- where a complaint goes --------------------------------------------------------------------------


def desk_department(jurisdiction: Jurisdiction) -> Department | None:
    """The 12369 desk of a place: its ecology-environment department, else the nearest ancestor's."""
    place: Jurisdiction | None = jurisdiction
    while place is not None:
        found = db.session.scalar(
            select(Department)
            .where(
                Department.jurisdiction_id == place.id,
                Department.sector == ECOLOGY_SECTOR,
                Department.active.is_(True),
            )
            .order_by(Department.sort_order, Department.id)
            .limit(1)
        )
        if found is not None:
            return found
        place = place.parent
    return None
