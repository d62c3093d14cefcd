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


UNREAD_SHOWN = 100  # the header counts up to this many (its badge then says 99+)


def unread_count(user_id: int) -> int:
    """The user's unread notices, counted up to UNREAD_SHOWN: a bounded read on the (user_id, read_at)
    index, however many are unread (every signed-in page asks)."""
    unread = (
        select(Notification.id)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .limit(UNREAD_SHOWN)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(unread)) or 0
