"""A department's own list (its duties) checked against its jurisdiction's matters: which of its duties
no matter covers, and which matters it leads that its own list does not mention.

A duty and a matter are taken to speak of the same thing when the duty's text holds at least
COVERED of the matter title's character bigrams (建筑施工扬尘污染防治 in 负责房屋建筑工地扬尘污染防治
监督管理: 6 of 9), or when duty and matter (title and text) overlap that much as a whole (Dice of bigrams).
A duty is long and a title short, so the title's share is the measure that finds most pairs."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.lists.models import Department, Duty, Matter, Role
from registry.lists.upper import bigrams, dice

COVERED = 0.5


def closeness(duty_text: str, title: str, description: str) -> float:
    """How surely a duty speaks of a matter (0–1)."""
    return _closeness(bigrams(duty_text), bigrams(title), bigrams(title + description))


def _closeness(duty: frozenset[str], heading: frozenset[str], whole: frozenset[str]) -> float:
    share = len(duty & heading) / len(heading) if heading else 0.0
    return max(share, dice(duty, whole))


@dataclass
class DutyMatch:
    duty: Duty
    matters: list[tuple[Matter, float]] = field(default_factory=list)  # closest first


@dataclass
class DutyCheck:
    department: Department
    duties: list[DutyMatch]
    led: list[Matter]  # matters it leads (or co-leads)
    unmentioned: list[Matter]  # of those, the ones none of its duties speaks of

    @property
    def uncovered(self) -> list[DutyMatch]:
        return [d for d in self.duties if not d.matters]


def check_duties(department: Department, *, limit: int = 3, whole_list: bool = True) -> DutyCheck:
    """Compare a department's duties with its jurisdiction's matters.

    whole_list=False (a reader who may not read the working list, i.e. the department itself):
    only the matters the department has a role in are compared and named, so the page shows no
    title of the working list the department could not see otherwise."""
    duties = list(
        db.session.scalars(
            select(Duty).where(Duty.department_id == department.id, Duty.active.is_(True)).order_by(Duty.seq, Duty.id)
        )
    )
    matters = list(
        db.session.scalars(
            select(Matter)
            .where(Matter.jurisdiction_id == department.jurisdiction_id)
            .options(selectinload(Matter.assignments))
            .order_by(Matter.seq, Matter.id)
        )
    )
    if not whole_list:
        matters = [m for m in matters if any(a.department_id == department.id for a in m.assignments)]
    leads = {Role.LEAD, Role.CO_LEAD}
    led = [m for m in matters if any(a.department_id == department.id and a.role in leads for a in m.assignments)]
    grams = [(m, bigrams(m.title), bigrams(m.title + m.description)) for m in matters]
    results, mentioned = [], set()
    for duty in duties:
        duty_grams = bigrams(duty.text)
        scored = [(m, _closeness(duty_grams, heading, whole)) for m, heading, whole in grams]
        close = sorted((p for p in scored if p[1] >= COVERED), key=lambda p: (-p[1], p[0].seq, p[0].id))
        mentioned |= {m.id for m, _score in close}
        results.append(DutyMatch(duty, close[:limit]))
    unmentioned = [m for m in led if m.id not in mentioned]
    return DutyCheck(department, results, led, unmentioned)
