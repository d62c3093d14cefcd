"""Notices (消息) to users: what happened that concerns them, in their inbox and, if they chose, by e-mail."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.core.db import one_of, utcnow
from registry.extensions import db


class EmailState(StrEnum):
    NONE = "none"  # not to be e-mailed (no address, the user did not choose it, or no SMTP server)
    PENDING = "pending"  # queued; retried until sent or given up
    SENDING = "sending"  # claimed by a sender (email_claimed_at); taken back by the sweep if it never records
    SENT = "sent"
    FAILED = "failed"  # given up after the last retry; the notice stays in the inbox


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(one_of("email_state", EmailState), name="email_state_known"),
        # One notice per user and event: a reminder job that runs twice tells nobody twice.
        UniqueConstraint("user_id", "dedupe_key"),
        Index(None, "user_id", "read_at"),
        # The e-mail sweep reads only the few notices still to send, never the whole table.
        Index(
            "ix_notifications_email_to_send",
            "created_at",
            sqlite_where=text("email_state IN ('pending', 'sending')"),
            postgresql_where=text("email_state IN ('pending', 'sending')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # indexed with read_at
    kind: Mapped[str] = mapped_column(String(40))  # a key of registry.notify.KINDS
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")  # plain text, several paragraphs
    url: Mapped[str] = mapped_column(String(500), default="")  # the page it is about (a path)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    email_state: Mapped[str] = mapped_column(String(16), default=EmailState.NONE, server_default="none")
    email_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    email_sent_at: Mapped[datetime | None]
    email_claimed_at: Mapped[datetime | None]  # when a sender took it (state sending)
    email_error: Mapped[str] = mapped_column(String(500), default="", server_default="")

    user = relationship("User")


class NotificationPreference(db.Model):
    """A user's choice for one kind of notice: also by e-mail or not (the inbox always has it). No row:
    the kind's default (registry.notify.KINDS)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[bool] = mapped_column(default=True)
