"""Settling matters with no lead (§5): deciding the lead here, or delegating to a lower level."""

from collections.abc import Sequence
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.core import audit
from registry.core.audit import Actor
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department, LeadDecision, Matter, MatterStatus
from registry.lists.services.common import _touch, check_lock
from registry.lists.services.documents import cite, get_or_create_document
from registry.lists.services.matters import _apply_assignments, validate_assignments

BASIS_KINDS = {"meeting": "会议研究", "document": "发文明确"}


def _check_basis(basis_kind: str, basis_doc_number: str, basis_date: date | None) -> None:
    if basis_kind not in BASIS_KINDS:
        raise DomainError(_l("请选择决定方式（会议研究或发文明确）。"), "basis_kind")
    if basis_kind == "document" and not basis_doc_number.strip():
        raise DomainError(_l("发文明确的，请填写文号。"), "basis_doc_number")
    if basis_date is None:
        raise DomainError(_l("请填写决定日期。"), "basis_date")


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


def decide_lead(
    matter: Matter,
    *,
    lead: Department | None,
    cooperating: Sequence[Department] = (),
    basis_kind: str,
    basis_doc_number: str = "",
    basis_date: date | None,
    note: str = "",
    expected_version: int | None = None,
    actor: Actor,
) -> LeadDecision:
    """Settle a pending matter (§5): name its lead (and cooperating departments), recording the basis."""
    check_lock(matter, expected_version)
    if matter.status != MatterStatus.PENDING:
        raise DomainError(
            _l("该事项当前状态为「%(status)s」，不在待明确牵头部门之列。", status=_l(matter.status_label))
        )
    if lead is None:
        raise DomainError(_l("请选择牵头部门。"), "lead")
    validate_assignments(matter.jurisdiction, lead, cooperating)
    _check_basis(basis_kind, basis_doc_number, basis_date)
    before = matter.audit_data()
    _apply_assignments(matter, lead, cooperating)
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
    to: Jurisdiction | None,
    basis_kind: str,
    basis_doc_number: str = "",
    basis_date: date | None,
    note: str = "",
    expected_version: int | None = None,
    actor: Actor,
) -> Matter:
    """Hand a pending matter to a direct lower jurisdiction to settle (§5); returns the matter
    created in that jurisdiction's list, pending there."""
    check_lock(matter, expected_version)
    if matter.status != MatterStatus.PENDING:
        raise DomainError(
            _l("该事项当前状态为「%(status)s」，不在待明确牵头部门之列。", status=_l(matter.status_label))
        )
    if to is None or to.parent_id != matter.jurisdiction_id:
        raise DomainError(
            _l("只能交由%(jurisdiction)s的直接下级研究明确。", jurisdiction=matter.jurisdiction.name), "to_jurisdiction"
        )
    _check_basis(basis_kind, basis_doc_number, basis_date)
    if db.session.scalar(select(Matter.id).where(Matter.jurisdiction_id == to.id, Matter.title == matter.title)):
        raise DomainError(
            _l("%(jurisdiction)s已有名为「%(title)s」的事项，不能重复交办。", jurisdiction=to.name, title=matter.title),
            "to_jurisdiction",
        )
    before = matter.audit_data()
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
    matter.status, matter.delegated_to = MatterStatus.DELEGATED, to
    decision = _record_decision(
        matter, actor, basis_kind, basis_doc_number, basis_date, note, kind="delegate", to_jurisdiction=to
    )
    db.session.flush()
    audit.record(
        actor,
        "delegate",
        matter,
        jurisdiction_id=matter.jurisdiction_id,
        before=before,
        after=matter.audit_data(),
        summary=f"交由{to.name}研究明确牵头部门（{_basis_text(decision)}）",
    )
    audit.record(
        actor,
        "create",
        lower,
        jurisdiction_id=to.id,
        after=lower.audit_data(),
        summary=f"{matter.jurisdiction.name}交由本级研究明确牵头部门",
    )
    return lower
