"""Read-only look-ups of user accounts."""

from sqlalchemy import func, select

from registry.auth.models import User
from registry.extensions import db


def user_counts() -> dict[str, int]:
    """Active accounts by role, and under "inactive" the accounts switched off."""
    rows = db.session.execute(select(User.role, User.active, func.count()).group_by(User.role, User.active)).all()
    counts: dict[str, int] = {"inactive": 0}
    for role, active, n in rows:
        if active:
            counts[role] = counts.get(role, 0) + n
        else:
            counts["inactive"] += n
    return counts
