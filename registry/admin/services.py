"""Account administration by the system administrator: deactivate, reactivate, unlock."""

from registry.auth.models import User
from registry.core import audit


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
    """Lift a login lockout before it expires."""
    before = {"locked_until": user.locked_until.isoformat() if user.locked_until else None}
    user.locked_until = None
    user.failed_logins = 0
    audit.record(
        actor,
        "update",
        user,
        jurisdiction_id=user.jurisdiction_id,
        before=before,
        after={"locked_until": None},
        summary=f"解除账户 {user.username} 的锁定",
    )
