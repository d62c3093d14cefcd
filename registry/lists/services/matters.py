"""Matters (具体事项) of the working list and their lead and cooperating departments."""

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.core import audit
from registry.core.audit import Actor
from registry.core.errors import DomainError, refuse
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import rules
from registry.lists.models import Assignment, Department, Matter, MatterStatus, PolicyDocument, Role
from registry.lists.rules import Party
from registry.lists.services.common import _touch, check_lock
from registry.lists.services.documents import _check_citations, _replace_citations, cite


def _party(department: Department) -> Party:
    return Party(department.id, department.name, department.jurisdiction_id, department.active)


def assignment_problems(
    jurisdiction: Jurisdiction, lead: Department | None, cooperating: Sequence[Department]
) -> list[rules.Problem]:
    """lists.rules.assignment_problems of these departments, as they stand now."""
    for department in {d.id: d for d in (lead, *cooperating) if d is not None}.values():
        # Held (FOR SHARE) until the commit: a retirement under way finishes first and is seen here.
        db.session.refresh(department, with_for_update={"read": True})
    return rules.assignment_problems(
        jurisdiction.id, jurisdiction.name, _party(lead) if lead else None, [_party(d) for d in cooperating]
    )


def validate_assignments(
    jurisdiction: Jurisdiction, lead: Department | None, cooperating: Sequence[Department]
) -> None:
    """Refuse assignments that break lists.rules.assignment_problems (all of them, each by its field)."""
    refuse(assignment_problems(jurisdiction, lead, cooperating))


def matter_text_problems(
    jurisdiction: Jurisdiction, title: str, category: str, matter: Matter | None
) -> list[rules.Problem]:
    """A matter's name and category: both given, the name not another matter's of the same list."""
    problems: list[rules.Problem] = []
    if not title:
        problems.append(("title", _l("具体事项名称不能为空。")))
    elif db.session.scalar(
        select(Matter.id).where(
            Matter.jurisdiction_id == jurisdiction.id,
            Matter.title == title,
            Matter.id != (matter.id if matter is not None else -1),
        )
    ):
        problems.append(
            ("title", _l("%(jurisdiction)s已有名为「%(title)s」的事项。", jurisdiction=jurisdiction.name, title=title))
        )
    if not category:
        problems.append(("category", _l("请填写事项类别。")))
    return problems


def _citation_problems(jurisdiction_id: int, citations) -> list[rules.Problem]:
    try:
        _check_citations(jurisdiction_id, citations)
    except DomainError as error:
        return [(error.field, error.message)]
    return []


def _apply_assignments(matter: Matter, lead: Department | None, cooperating: Sequence[Department]) -> None:
    matter.assignments.clear()
    db.session.flush()  # delete old rows before inserting, so unique indexes never see both
    if lead is not None:
        matter.assignments.append(Assignment(department=lead, role=Role.LEAD, position=0))
    for position, department in enumerate(cooperating, start=1):
        matter.assignments.append(Assignment(department=department, role=Role.COOPERATING, position=position))
    if matter.status != MatterStatus.DELEGATED:
        matter.status = MatterStatus.ASSIGNED if lead is not None else MatterStatus.PENDING


def create_matter(
    jurisdiction: Jurisdiction,
    *,
    title: str,
    category: str,
    description: str = "",
    lead: Department | None = None,
    cooperating: Sequence[Department] = (),
    seq: int | None = None,
    citations: Sequence[tuple[PolicyDocument, str]] = (),
    actor: Actor,
) -> Matter:
    """Add a matter; with no lead it is pending (§5)."""
    title, category = title.strip(), category.strip()
    problems = matter_text_problems(jurisdiction, title, category, None)
    problems += assignment_problems(jurisdiction, lead, cooperating)
    refuse(problems + _citation_problems(jurisdiction.id, citations))
    if seq is None:
        seq = (
            db.session.scalar(select(func.max(Matter.seq)).where(Matter.jurisdiction_id == jurisdiction.id)) or 0
        ) + 1
    matter = Matter(jurisdiction=jurisdiction, title=title, category=category, description=description.strip(), seq=seq)
    db.session.add(matter)
    _apply_assignments(matter, lead, cooperating)
    for document, article in citations:
        cite(matter, document, article)
    db.session.flush()
    audit.record(actor, "create", matter, jurisdiction_id=jurisdiction.id, after=matter.audit_data())
    return matter


def update_matter(
    matter: Matter,
    *,
    title: str,
    category: str,
    description: str = "",
    lead: Department | None = None,
    cooperating: Sequence[Department] = (),
    citations: Sequence[tuple[PolicyDocument, str]] = (),
    expected_version: int | None = None,
    actor: Actor,
) -> Matter:
    """Change a matter's text, lead and cooperating departments and legal basis."""
    check_lock(matter, expected_version)
    title, category = title.strip(), category.strip()
    problems = matter_text_problems(matter.jurisdiction, title, category, matter)
    delegated = rules.delegated_problems(
        title, matter.delegated_to_label, names_departments=lead is not None or bool(cooperating)
    )
    problems += [(field if lead is not None else "cooperating", message) for field, message in delegated]
    problems += assignment_problems(matter.jurisdiction, lead, cooperating)
    refuse(problems + _citation_problems(matter.jurisdiction_id, citations))
    before = matter.audit_data()
    matter.title, matter.category, matter.description = title, category, description.strip()
    _apply_assignments(matter, lead, cooperating)
    _replace_citations(matter, citations)
    if matter.audit_data() != before:
        _touch(matter)
        db.session.flush()
        audit.record(
            actor,
            "update",
            matter,
            jurisdiction_id=matter.jurisdiction_id,
            before=before,
            after=matter.audit_data(),
        )
    return matter


def delete_matter(matter: Matter, *, expected_version: int | None = None, actor: Actor) -> None:
    """Delete a matter from the working list (published versions keep their copy)."""
    check_lock(matter, expected_version)
    if matter.status == MatterStatus.DELEGATED:
        raise DomainError(
            _l("该事项已交由%(jurisdiction)s研究明确，不能删除。", jurisdiction=matter.delegated_to_label)
        )
    if matter.delegated_from_id is not None:
        raise DomainError(_l("该事项由上级交由本级研究明确，不能删除；请研究明确其牵头部门。"))
    before, jurisdiction_id = matter.audit_data(), matter.jurisdiction_id
    db.session.delete(matter)
    db.session.flush()
    audit.record(actor, "delete", matter, jurisdiction_id=jurisdiction_id, before=before, entity_type="matters")
