"""The rules every complaint path shares, each in one place (STYLE habit 11): who may read a complaint,
act on it, oversee it or see the person's contact details; which deadlines hold, in working days; where
the 12369 desk of a place is.
"""

from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from registry.complaints.models import (
    CLOSED_STATES,
    Complaint,
    ComplaintFile,
    ComplaintSettings,
    ComplaintState,
)
from registry.core.permissions import Permission, Role, can
from registry.core.timezone import local_date, local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department
from registry.lists.models import Role as AssignmentRole
from registry.versions.models import VersionAssignment
from registry.workdays import add_working_days

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
    """A photo marked publishable is public; anything else only for those who may read the complaint."""
    return (file.kind == "photo" and file.publishable) or can_read(user, complaint)


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


def current_due(complaint: Complaint) -> date | None:
    """What is due next and by when: the 受理 decision, then the reply; nothing once closed (or while
    the office reviews a reopened one)."""
    if complaint.state == ComplaintState.NEW:
        return complaint.accept_due
    if complaint.state == ComplaintState.ACCEPTED:
        return complaint.reply_due
    return None


def is_overdue(complaint: Complaint, today: date | None = None) -> bool:
    due = current_due(complaint)
    return due is not None and due < (today or local_today())


def answered_on_time(complaint: Complaint) -> bool | None:
    """Whether a closed complaint was closed by its deadline (None while open): a reply by the reply
    deadline, a refusal by the 受理 deadline."""
    if complaint.state not in CLOSED_STATES or complaint.answered_at is None:
        return None
    due = complaint.reply_due if complaint.state == ComplaintState.ANSWERED else complaint.accept_due
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
