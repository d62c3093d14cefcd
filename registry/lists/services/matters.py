"""Matters (具体事项) of the working list: their lead, co-lead and cooperating departments, territorial
implementers (属地落实), deadline (完成时限) and targets."""

import math
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.core import audit
from registry.core.audit import Actor
from registry.core.errors import DomainError, refuse
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import rules
from registry.lists.models import (
    ALL_LOWER,
    Assignment,
    Department,
    Matter,
    MatterStatus,
    MatterTarget,
    PolicyDocument,
    Role,
)
from registry.lists.rules import Party
from registry.lists.services.common import _touch, check_lock
from registry.lists.services.documents import _check_citations, _replace_citations, cite
from registry.lists.territorial import deadline_of

# The comparisons a target may state (≥70%, PM2.5 ≤ 36μg/m³); "" when the text gives none.
COMPARISONS = ("", "≥", "≤", "=", ">", "<")
MAX_TARGETS = 20


def _party(department: Department) -> Party:
    return Party(department.id, department.name, department.jurisdiction_id, department.active)


def assignment_problems(
    jurisdiction: Jurisdiction,
    lead: Department | None,
    cooperating: Sequence[Department],
    co_leads: Sequence[Department] = (),
) -> list[rules.Problem]:
    """lists.rules.assignment_problems of these departments, as they stand now."""
    for department in {d.id: d for d in (lead, *co_leads, *cooperating) if d is not None}.values():
        # Held (FOR SHARE) until the commit: a retirement under way finishes first and is seen here.
        db.session.refresh(department, with_for_update={"read": True})
    return rules.assignment_problems(
        jurisdiction.id,
        jurisdiction.name,
        _party(lead) if lead else None,
        [_party(d) for d in cooperating],
        [_party(d) for d in co_leads],
    )


def validate_assignments(
    jurisdiction: Jurisdiction,
    lead: Department | None,
    cooperating: Sequence[Department],
    co_leads: Sequence[Department] = (),
) -> None:
    """Refuse assignments that break lists.rules.assignment_problems (all of them, each by its field)."""
    refuse(assignment_problems(jurisdiction, lead, cooperating, co_leads))


def territorial_problems(jurisdiction: Jurisdiction, codes: Sequence[str]) -> list[rules.Problem]:
    """属地落实 names lower jurisdictions of this one (or all of them, alone), each once."""
    codes = list(codes)
    if not codes:
        return []
    if ALL_LOWER in codes:
        if len(codes) > 1:
            return [("territorial", _l("已选“各下级人民政府”时，不必再逐个选择下级。"))]
        if not jurisdiction.children:
            return [("territorial", _l("%(name)s没有下级行政区划，不能由下级人民政府落实。", name=jurisdiction.name))]
        return []
    below = {child.code for child in jurisdiction.children}
    problems: list[rules.Problem] = []
    if unknown := [c for c in codes if c not in below]:
        problems.append(
            (
                "territorial",
                _l("「%(codes)s」不是%(name)s的下级行政区划。", codes="、".join(unknown), name=jurisdiction.name),
            )
        )
    if len(set(codes)) != len(codes):
        problems.append(("territorial", _l("同一下级行政区划选择了两次。")))
    return problems


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def target_problems(targets: Sequence[dict[str, Any]]) -> list[rules.Problem]:
    """Each target names its indicator, a known comparison and numbers where numbers go."""
    problems: list[rules.Problem] = []
    if len(targets) > MAX_TARGETS:
        problems.append(("targets", _l("一个事项最多填写 %(max)s 项量化目标。", max=MAX_TARGETS)))
    for number, target in enumerate(targets, start=1):
        indicator = str(target.get("indicator") or "").strip()
        if not indicator:
            problems.append(("targets", _l("第 %(n)s 项量化目标未填写指标名称。", n=number)))
        elif len(indicator) > 200:
            problems.append(("targets", _l("第 %(n)s 项量化目标的指标名称超过 200 字。", n=number)))
        if (target.get("comparison") or "") not in COMPARISONS:
            problems.append(("targets", _l("第 %(n)s 项量化目标的比较方式无效。", n=number)))
        if len(str(target.get("unit") or "")) > 30:
            problems.append(("targets", _l("第 %(n)s 项量化目标的单位超过 30 字。", n=number)))
        if len(str(target.get("text") or "")) > 300:
            problems.append(("targets", _l("第 %(n)s 项量化目标的原文超过 300 字。", n=number)))
        for key in ("value", "stretch_value"):
            try:
                _number(target.get(key))
            except (TypeError, ValueError, OverflowError):
                problems.append(("targets", _l("第 %(n)s 项量化目标的数值应为数字。", n=number)))
                break
    return problems


def deadline_problems(deadline_text: str) -> list[rules.Problem]:
    if len(deadline_text) > 100:
        return [("deadline_text", _l("完成时限不能超过 100 字。"))]
    return []


def _apply_details(
    matter: Matter,
    territorial: Sequence[str] | None,
    deadline_text: str | None,
    targets: Sequence[dict[str, Any]] | None,
) -> None:
    """Territorial implementers, deadline and targets, each left as it is when not given (None)."""
    if territorial is not None:
        matter.territorial = list(territorial)
    if deadline_text is not None and (deadline_text != matter.deadline_text or matter.deadline is None):
        # Kept when the text stays: an import may have read it with the list's year (年底前).
        matter.deadline_text = deadline_text
        matter.deadline = deadline_of(deadline_text)
    if targets is not None:
        matter.targets.clear()
        for position, target in enumerate(targets):
            matter.targets.append(
                MatterTarget(
                    position=position,
                    indicator=str(target.get("indicator") or "").strip(),
                    comparison=target.get("comparison") or "",
                    value=_number(target.get("value")),
                    unit=str(target.get("unit") or "").strip(),
                    stretch_value=_number(target.get("stretch_value")),
                    text=str(target.get("text") or "").strip(),
                )
            )


def detail_problems(
    jurisdiction: Jurisdiction,
    territorial: Sequence[str] | None,
    deadline_text: str | None,
    targets: Sequence[dict[str, Any]] | None,
) -> list[rules.Problem]:
    """The problems of a matter's territorial implementers, deadline and targets (those given)."""
    problems: list[rules.Problem] = []
    if territorial is not None:
        problems += territorial_problems(jurisdiction, territorial)
    if deadline_text is not None:
        problems += deadline_problems(deadline_text)
    if targets is not None:
        problems += target_problems(targets)
    return problems


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


def _apply_assignments(
    matter: Matter, lead: Department | None, cooperating: Sequence[Department], co_leads: Sequence[Department] = ()
) -> None:
    matter.assignments.clear()
    db.session.flush()  # delete old rows before inserting, so unique indexes never see both
    if lead is not None:
        matter.assignments.append(Assignment(department=lead, role=Role.LEAD, position=0))
    # Co-leads follow the lead as the list names them (X、Y牵头), then the cooperating departments.
    roles = [(d, Role.CO_LEAD) for d in (co_leads if lead is not None else ())]
    roles += [(d, Role.COOPERATING) for d in cooperating]
    for position, (department, role) in enumerate(roles, start=1):
        matter.assignments.append(Assignment(department=department, role=role, position=position))
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
    co_leads: Sequence[Department] = (),
    territorial: Sequence[str] = (),
    deadline_text: str = "",
    targets: Sequence[dict[str, Any]] = (),
    actor: Actor,
) -> Matter:
    """Add a matter; with no lead it is pending (§5)."""
    title, category, deadline_text = title.strip(), category.strip(), deadline_text.strip()
    problems = matter_text_problems(jurisdiction, title, category, None)
    problems += assignment_problems(jurisdiction, lead, cooperating, co_leads)
    problems += detail_problems(jurisdiction, territorial, deadline_text, targets)
    refuse(problems + _citation_problems(jurisdiction.id, citations))
    if seq is None:
        seq = (
            db.session.scalar(select(func.max(Matter.seq)).where(Matter.jurisdiction_id == jurisdiction.id)) or 0
        ) + 1
    matter = Matter(jurisdiction=jurisdiction, title=title, category=category, description=description.strip(), seq=seq)
    db.session.add(matter)
    _apply_assignments(matter, lead, cooperating, co_leads)
    _apply_details(matter, territorial, deadline_text, targets)
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
    co_leads: Sequence[Department] | None = None,
    territorial: Sequence[str] | None = None,
    deadline_text: str | None = None,
    targets: Sequence[dict[str, Any]] | None = None,
    expected_version: int | None = None,
    actor: Actor,
) -> Matter:
    """Change a matter's text, departments, territorial implementers, deadline, targets and legal
    basis; co_leads, territorial, deadline_text and targets stay as they are when not given (None)."""
    check_lock(matter, expected_version)
    title, category = title.strip(), category.strip()
    if co_leads is None:
        co_leads = matter.co_leads
    if deadline_text is not None:
        deadline_text = deadline_text.strip()
    problems = matter_text_problems(matter.jurisdiction, title, category, matter)
    delegated = rules.delegated_problems(
        title, matter.delegated_to_label, names_departments=lead is not None or bool(cooperating) or bool(co_leads)
    )
    problems += [(field if lead is not None else "cooperating", message) for field, message in delegated]
    problems += assignment_problems(matter.jurisdiction, lead, cooperating, co_leads)
    problems += detail_problems(matter.jurisdiction, territorial, deadline_text, targets)
    refuse(problems + _citation_problems(matter.jurisdiction_id, citations))
    before = matter.audit_data()
    matter.title, matter.category, matter.description = title, category, description.strip()
    _apply_assignments(matter, lead, cooperating, co_leads)
    _apply_details(matter, territorial, deadline_text, targets)
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
