"""Local exceptions to the national working-day calendar (an office's own 调休 or closure days)."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.db import utcnow
from registry.extensions import db


class WorkdayException(db.Model):
    """`day` is a working day (is_workday) or not, whatever the national calendar says. jurisdiction_id
    None: for the whole installation (e.g. next year's holidays before chinesecalendar knows them);
    otherwise for that jurisdiction and the ones below it."""

    __tablename__ = "workday_exceptions"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "day"),
        # NULLs are distinct to a unique constraint: one installation-wide exception per day needs its own.
        Index(
            "uq_workday_exceptions_installation_day",
            "day",
            unique=True,
            sqlite_where=text("jurisdiction_id IS NULL"),
            postgresql_where=text("jurisdiction_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    is_workday: Mapped[bool]
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
