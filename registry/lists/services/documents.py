"""Policy documents (政策文件) and the citations that matters and duties make of them."""

from collections.abc import Sequence
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.core import audit
from registry.core.audit import Actor
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Citation, Duty, Matter, PolicyDocument
from registry.lists.services.common import check_lock


def get_or_create_document(
    jurisdiction: Jurisdiction,
    *,
    title: str,
    doc_number: str = "",
    issuer: str = "",
    issued_on: date | None = None,
    actor: Actor,
) -> PolicyDocument:
    """The jurisdiction's policy document with this title and 文号, created when missing."""
    title, doc_number = title.strip().strip("《》"), doc_number.strip()
    document = db.session.scalar(
        select(PolicyDocument).where(
            PolicyDocument.jurisdiction_id == jurisdiction.id,
            PolicyDocument.title == title,
            PolicyDocument.doc_number == doc_number,
        )
    )
    if document is not None:
        return document
    return create_document(
        jurisdiction, title=title, doc_number=doc_number, issuer=issuer, issued_on=issued_on, actor=actor
    )


def cite(matter_or_duty: Matter | Duty, document: PolicyDocument, article: str = "") -> Citation:
    """Make a matter or duty cite a policy document (no audit of its own: part of the owner's change)."""
    citation = Citation(document=document, article=article.strip())
    matter_or_duty.citations.append(citation)
    return citation


def _check_citations(jurisdiction_id: int, citations: Sequence[tuple[PolicyDocument, str]]) -> None:
    seen = set()
    for document, article in citations:
        if document.jurisdiction_id != jurisdiction_id:
            raise DomainError(_l("《%(title)s》不是本级登记的政策文件，不能引用。", title=document.title), "citations")
        key = (document.id, article.strip())
        if key in seen:
            raise DomainError(
                _l("《%(title)s》%(article)s重复引用。", title=document.title, article=article.strip()), "citations"
            )
        seen.add(key)


def _replace_citations(owner: Matter | Duty, citations: Sequence[tuple[PolicyDocument, str]]) -> None:
    owner.citations.clear()
    db.session.flush()
    for document, article in citations:
        cite(owner, document, article)


def _check_document(jurisdiction_id: int, title: str, doc_number: str, exclude_id: int | None) -> None:
    if not title:
        raise DomainError(_l("文件名称不能为空。"), "title")
    clash = select(PolicyDocument.id).where(
        PolicyDocument.jurisdiction_id == jurisdiction_id,
        PolicyDocument.title == title,
        PolicyDocument.doc_number == doc_number,
    )
    if exclude_id is not None:
        clash = clash.where(PolicyDocument.id != exclude_id)
    if db.session.scalar(clash):
        if doc_number:
            raise DomainError(
                _l("已登记《%(title)s》（%(doc_number)s）。", title=title, doc_number=doc_number), "title"
            )
        raise DomainError(_l("已登记《%(title)s》。", title=title), "title")


def create_document(
    jurisdiction: Jurisdiction,
    *,
    title: str,
    doc_number: str = "",
    issuer: str = "",
    issued_on: date | None = None,
    actor: Actor,
) -> PolicyDocument:
    """Register a policy document that matters and duties may cite."""
    title, doc_number = title.strip().strip("《》"), doc_number.strip()
    _check_document(jurisdiction.id, title, doc_number, None)
    document = PolicyDocument(
        jurisdiction_id=jurisdiction.id, title=title, doc_number=doc_number, issuer=issuer.strip(), issued_on=issued_on
    )
    db.session.add(document)
    db.session.flush()
    audit.record(actor, "create", document, jurisdiction_id=jurisdiction.id, after=document.audit_data())
    return document


def update_document(
    document: PolicyDocument,
    *,
    title: str,
    doc_number: str = "",
    issuer: str = "",
    issued_on: date | None = None,
    expected_version: int | None = None,
    actor: Actor,
) -> PolicyDocument:
    """Correct a policy document's title, 文号, issuer or date."""
    check_lock(document, expected_version)
    title, doc_number = title.strip().strip("《》"), doc_number.strip()
    _check_document(document.jurisdiction_id, title, doc_number, document.id)
    before = document.audit_data()
    document.title, document.doc_number, document.issuer, document.issued_on = (
        title,
        doc_number,
        issuer.strip(),
        issued_on,
    )
    db.session.flush()
    if document.audit_data() != before:
        audit.record(
            actor,
            "update",
            document,
            jurisdiction_id=document.jurisdiction_id,
            before=before,
            after=document.audit_data(),
        )
    return document
