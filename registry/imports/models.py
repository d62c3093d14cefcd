"""What an import keeps between its preview and its confirmation."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
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
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
