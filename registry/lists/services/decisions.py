"""Settling matters with no lead (§5): deciding the lead here, or delegating to a lower level."""

from collections.abc import Sequence
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.core import audit, signals
from registry.core.audit import Actor
from registry.core.errors import DomainError, refuse
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import rules
from registry.lists.models import Department, LeadDecision, Matter, MatterStatus
from registry.lists.services.common import _touch, check_lock
from registry.lists.services.documents import cite, get_or_create_document
from registry.lists.services.matters import _apply_assignments, assignment_problems

BASIS_KINDS = {"meeting": "会议研究", "document": "发文明确"}


def _basis_text(decision: LeadDecision) -> str:
    parts = [BASIS_KINDS[decision.basis_kind], decision.basis_date.isoformat()]
    if decision.basis_doc_number:
        parts.append(decision.basis_doc_number)
    return "，".join(parts)


def _record_decision(matter, actor, basis_kind, basis_doc_number, basis_date, note, **target) -> LeadDecision:
    decision = LeadDecision(
        basis_kind=basis_kind,
        basis_doc_number=basis_doc_number.strip(),
        basis_date=basis_date,
        note=note.strip(),
        decided_by_id=getattr(actor, "id", None),
        **target,
    )
    matter.decisions.append(decision)
    return decision


def _check_pending(matter: Matter) -> None:
    if matter.status != MatterStatus.PENDING:
        raise DomainError(
            _l("该事项当前状态为「%(status)s」，不在待明确牵头部门之列。", status=_l(matter.status_label))
        )


def decide_lead(
    matter: Matter,
    *,
    lead: Department | None,
    cooperating: Sequence[Department] = (),
    basis_kind: str,
    basis_doc_number: str = "",
    basis_date: date | None,
    note: str = "",
    description: str | None = None,
    expected_version: int | None = None,
    actor: Actor,
) -> LeadDecision:
    """Settle a pending matter (§5): name its lead (and cooperating departments), recording the basis;
    `description` (when given) revises its responsibility text with the decision, e.g. to drop
    "尚未明确牵头部门，待……研究明确"."""
    check_lock(matter, expected_version)
    _check_pending(matter)
    problems = [("lead", _l("请选择牵头部门。"))] if lead is None else []
    problems += assignment_problems(matter.jurisdiction, lead, cooperating)
    refuse(problems + rules.basis_problems(basis_kind, basis_doc_number, basis_date))
    before = matter.audit_data()
    _apply_assignments(matter, lead, cooperating)
    if description is not None:
        matter.description = description.strip()
    decision = _record_decision(
        matter, actor, basis_kind, basis_doc_number, basis_date, note, kind="assign", department=lead
    )
    _touch(matter)
    db.session.flush()
    summary = f"明确牵头部门为「{lead.name}」（{_basis_text(decision)}）"
    audit.record(
        actor,
        "assign",
        matter,
        jurisdiction_id=matter.jurisdiction_id,
        before=before,
        after=matter.audit_data(),
        summary=summary,
    )
    upper = matter.delegated_from
    if upper is not None:
        # The upper office sees in its own log how the matter it delegated was settled.
        audit.record(
            actor,
            "assign",
            upper,
            jurisdiction_id=upper.jurisdiction_id,
            summary=f"{matter.jurisdiction.name}{summary}",
        )
    return decision


def delegate_matter(
    matter: Matter,
    *,
    to: Jurisdiction | Sequence[Jurisdiction] | None,
    basis_kind: str,
    basis_doc_number: str = "",
    basis_date: date | None,
    note: str = "",
    expected_version: int | None = None,
    actor: Actor,
) -> list[Matter]:
    """Hand a pending matter to one, several or all direct lower jurisdictions (§5: 每个下级各自研究明确);
    each gets its own copy, pending there. Returns the copies, in the order given."""
    check_lock(matter, expected_version)
    _check_pending(matter)
    targets = [to] if isinstance(to, Jurisdiction) else list(to or [])
    targets = list({j.id: j for j in targets}.values())
    problems = []
    if not targets:
        problems.append(("to_jurisdiction", _l("请选择交由哪个下级研究明确。")))
    for target in targets:
        if target.parent_id != matter.jurisdiction_id:
            problems.append(
                (
                    "to_jurisdiction",
                    _l("只能交由%(jurisdiction)s的直接下级研究明确。", jurisdiction=matter.jurisdiction.name),
                )
            )
            break
    taken = set(
        db.session.scalars(
            select(Matter.jurisdiction_id).where(
                Matter.jurisdiction_id.in_([j.id for j in targets]), Matter.title == matter.title
            )
        )
    )
    for target in targets:
        if target.id in taken:
            problems.append(
                (
                    "to_jurisdiction",
                    _l(
                        "%(jurisdiction)s已有名为「%(title)s」的事项，不能重复交办。",
                        jurisdiction=target.name,
                        title=matter.title,
                    ),
                )
            )
    refuse(problems + rules.basis_problems(basis_kind, basis_doc_number, basis_date))
    before = matter.audit_data()
    copies = [_copy_to(matter, target, actor) for target in targets]
    matter.status = MatterStatus.DELEGATED
    # One target is named on the matter itself; several are named by the copies (and the decisions).
    matter.delegated_to = targets[0] if len(targets) == 1 else None
    decisions = [
        _record_decision(
            matter, actor, basis_kind, basis_doc_number, basis_date, note, kind="delegate", to_jurisdiction=target
        )
        for target in targets
    ]
    db.session.flush()
    audit.record(
        actor,
        "delegate",
        matter,
        jurisdiction_id=matter.jurisdiction_id,
        before=before,
        after=matter.audit_data(),
        summary=f"交由{'、'.join(t.name for t in targets)}研究明确牵头部门（{_basis_text(decisions[0])}）",
    )
    for lower in copies:
        audit.record(
            actor,
            "create",
            lower,
            jurisdiction_id=lower.jurisdiction_id,
            after=lower.audit_data(),
            summary=f"{matter.jurisdiction.name}交由本级研究明确牵头部门",
        )
    signals.matter_delegated.send(matter, copies=copies, actor=actor)
    return copies


def _copy_to(matter: Matter, to: Jurisdiction, actor: Actor) -> Matter:
    """The copy of a delegated matter in the lower jurisdiction `to`: pending there, citing the same
    documents from `to`'s own register."""
    seq = (db.session.scalar(select(func.max(Matter.seq)).where(Matter.jurisdiction_id == to.id)) or 0) + 1
    lower = Matter(
        jurisdiction=to,
        seq=seq,
        category=matter.category,
        title=matter.title,
        description=matter.description,
        status=MatterStatus.PENDING,
        delegated_from=matter,
    )
    db.session.add(lower)
    for citation in matter.citations:
        # Documents belong to a jurisdiction's register: the lower level gets its own entry.
        document = get_or_create_document(
            to,
            title=citation.document.title,
            doc_number=citation.document.doc_number,
            issuer=citation.document.issuer,
            issued_on=citation.document.issued_on,
            actor=actor,
        )
        cite(lower, document, citation.article)
    return lower
