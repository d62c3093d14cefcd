"""What the steps share: the limits, the refusal a view answers with 403, the stale-form check, who may
act, and the departments and matters the forms offer."""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.complaints import rules
from registry.complaints.models import Complaint
from registry.core.audit import Actor
from registry.core.db import lock_row
from registry.core.errors import CONFLICT_MESSAGE, DomainError
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department
from registry.versions.models import VersionMatter
from registry.versions.queries import in_force

MAX_TEXT = 5000  # a reply, a reason, a note
MAX_ATTACHMENTS = 5
MIN_NO_DEPARTMENT_REASON = 10  # 不予受理 with nobody else responsible: say why, in a sentence
SETTING_RANGE = (1, 60)  # working days a jurisdiction may set for each deadline
NO_DEPARTMENT = "none"  # 不予受理: "无其他责任部门"


class NotAllowed(DomainError):
    """The actor may not take this step on this complaint (views answer 403)."""


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def fresh(complaint: Complaint, expected_version: int | None) -> None:
    """Refuse a form opened before someone else's step (optimistic lock), judged on the locked row."""
    lock_row(db.session, complaint)
    if expected_version is None or complaint.lock_version != expected_version:
        raise DomainError(CONFLICT_MESSAGE)


def in_state(complaint: Complaint, allowed: tuple[str, ...], message) -> None:
    if complaint.state not in allowed:
        raise DomainError(message)


def clean_text(value: str | None) -> str:
    return (value or "").strip()


def too_long(value: str) -> bool:
    return len(value) > MAX_TEXT


def handler(actor: Actor, complaint: Complaint) -> None:
    if not rules.can_handle(actor, complaint):
        raise NotAllowed(_l("只有承办部门可以办理这件举报。"))


def overseer(actor: Actor, complaint: Complaint) -> None:
    if not rules.can_oversee(actor, complaint):
        raise NotAllowed(_l("只有承办部门所在地的办公室可以作出这个决定。"))


# -- choices the forms offer --------------------------------------------------------------------------


def _below(place: Jurisdiction) -> list[Jurisdiction]:
    """The places under `place`, each followed by its own, by code."""
    result: list[Jurisdiction] = []
    for child in sorted(place.children, key=lambda j: j.code):
        result += [child, *_below(child)]
    return result


def target_places(complaint: Complaint) -> list[Jurisdiction]:
    """The places whose departments a complaint may go to: its own place first, then the places below
    it (a person who chose 示例省 itself may mean a city's problem), then those above, nearest first."""
    place = complaint.jurisdiction
    return [place, *_below(place), *place.ancestors()]


def transfer_targets(complaint: Complaint) -> list[Department]:
    """Where a complaint may be transferred (or named as responsible): the active departments of the
    complaint's place, of the places below it and of those above it (target_places' order), never the
    one handling it."""
    order = {p.id: i for i, p in enumerate(target_places(complaint))}
    found = db.session.scalars(
        select(Department).where(
            Department.jurisdiction_id.in_(order),
            Department.active.is_(True),
            Department.id != complaint.department_id,
        )
    ).all()
    return sorted(found, key=lambda d: (order[d.jurisdiction_id], d.sort_order, d.id))


def matters_of(department: Department, today: date | None = None) -> list[VersionMatter]:
    """The in-force matters of the department's jurisdiction, those it leads first."""
    version_id = in_force(department.jurisdiction_id, today or local_today())
    if version_id is None:
        return []
    matters = db.session.scalars(
        select(VersionMatter).where(VersionMatter.version_id == version_id).order_by(VersionMatter.seq)
    ).all()
    return sorted(matters, key=lambda m: (m.lead_department_id != department.id, m.seq, m.id))
