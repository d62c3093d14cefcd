"""What an import keeps between its preview and its confirmation."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from registry.core.db import utcnow
from registry.extensions import db


class PendingImport(db.Model):
    """An uploaded list file kept between its preview and its confirmation, bound to the user and
    jurisdiction by a random token: the confirmation never trusts a copy sent back by the browser."""

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    create_departments: Mapped[bool] = mapped_column(default=False)
    # What the file is for (uploads.LIST, uploads.INDICATORS, uploads.LEDGER): a user's new upload replaces only their
    # earlier one of the same kind, so an indicator import does not drop a list import's preview.
    kind: Mapped[str] = mapped_column(String(16), default="list", server_default="list")
    # The layout mapping the office confirmed or corrected on the preview (imports.layout.Mapping
    # as a dict); None until then: the proposal is made from the file.
    mapping: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ImportMapping(db.Model):
    """The mapping an office last confirmed, proposed again for its next import (by layout kind:
    the same office may bring in a Word document and a spreadsheet)."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # table | paragraphs
    data: Mapped[dict] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
