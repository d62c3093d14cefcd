"""Reading a user's notices: their inbox, one of them, and the unread count of the header."""

from sqlalchemy import func, select

from registry.extensions import db
from registry.notify.models import Notification


def inbox(user):
    """The user's own notices, newest first (a select, for pagination)."""
    return (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def own_notice(user, notice_id: int) -> Notification | None:
    """The notice if it is the user's; None for anybody else's (the page says 404 either way)."""
    notice = db.session.get(Notification, notice_id)
    return notice if notice is not None and notice.user_id == user.id else None


def unread_count(user_id: int) -> int:
    """One count on the (user_id, read_at) index."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )
