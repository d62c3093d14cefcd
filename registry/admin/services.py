"""Account administration by the system administrator: deactivate, reactivate, unlock."""

from sqlalchemy import delete, select

from registry.auth.models import LoginAttempt, User
from registry.core import audit
from registry.core.db import utcnow
from registry.extensions import db


def set_active(user: User, active: bool, *, actor) -> None:
    """Deactivate or reactivate an account."""
    before = {"active": user.active}
    user.active = active
    audit.record(
        actor,
        "update",
        user,
        jurisdiction_id=user.jurisdiction_id,
        before=before,
        after={"active": active},
        summary=f"{'启用' if active else '停用'}账户 {user.username}",
    )


def unlock(user: User, *, actor) -> None:
    """Lift a login lock before it expires, from every address it holds for."""
    now = utcnow()
    locked_from = db.session.scalars(
        select(LoginAttempt.address).where(LoginAttempt.username == user.username, LoginAttempt.locked_until > now)
    ).all()
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.username == user.username))
    audit.record(
        actor,
        "update",
        user,
        jurisdiction_id=user.jurisdiction_id,
        before={"locked_from": sorted(locked_from)},
        after={"locked_from": []},
        summary=f"解除账户 {user.username} 的锁定",
    )
