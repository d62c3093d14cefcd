"""Accounts: authentication with lockout, and creating users with a role and scope."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from registry.auth.models import User
from registry.core import audit
from registry.core.db import utcnow
from registry.core.permissions import DEPARTMENT_ROLES, Role
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department


class AccountError(ValueError):
    """Bad input for an account operation; the message is shown to the user next to `field`."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None


def authenticate(
    username: str, password: str, *, max_failures: int, lock_minutes: int, now: datetime | None = None
) -> LoginResult:
    """Check a login; count failures and lock the account for lock_minutes after max_failures."""
    now = now or utcnow()
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        return LoginResult(None, "用户名或密码错误。")
    if user.is_locked(now):
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return LoginResult(None, f"连续登录失败次数过多，账户已锁定，请 {minutes} 分钟后再试。")
    if not user.active:
        return LoginResult(None, "该账户已停用，请联系系统管理员。")
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.failed_logins = 0
            user.locked_until = now + timedelta(minutes=lock_minutes)
            return LoginResult(None, f"连续 {max_failures} 次登录失败，账户已锁定 {lock_minutes} 分钟。")
        left = max_failures - user.failed_logins
        return LoginResult(None, f"用户名或密码错误。再失败 {left} 次账户将被锁定 {lock_minutes} 分钟。")
    user.failed_logins = 0
    user.locked_until = None
    return LoginResult(user)


def create_user(
    *,
    username: str,
    password: str,
    role: str,
    jurisdiction_code: str,
    department_name: str | None = None,
    display_name: str | None = None,
    actor=None,
) -> User:
    """Create a user scoped to a jurisdiction (and, for department roles, a department of it)."""
    username = username.strip()
    if not username:
        raise AccountError("用户名不能为空。", "username")
    if role not in set(Role):
        raise AccountError(f"未知角色「{role}」，可选：{'、'.join(r.value for r in Role)}。", "role")
    if len(password) < 8:
        raise AccountError("密码至少 8 位。", "password")
    if db.session.scalar(select(User).where(User.username == username)):
        raise AccountError(f"用户名「{username}」已存在。", "username")
    jurisdiction = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code))
    if jurisdiction is None:
        raise AccountError(f"行政区划代码「{jurisdiction_code}」不存在。", "jurisdiction_code")
    department = None
    if role in DEPARTMENT_ROLES:
        if not department_name:
            raise AccountError("部门角色必须指定所属部门。", "department_name")
        department = db.session.scalar(
            select(Department).where(
                Department.jurisdiction_id == jurisdiction.id,
                (Department.name == department_name) | (Department.short_name == department_name),
            )
        )
        if department is None:
            raise AccountError(f"{jurisdiction.name}没有名为「{department_name}」的部门。", "department_name")
    elif department_name:
        raise AccountError("只有部门角色（dept_head、dept_editor）可以指定部门。", "department_name")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        jurisdiction=jurisdiction,
        department=department,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "create",
        user,
        jurisdiction_id=jurisdiction.id,
        after={"username": username, "role": role, "department": department.name if department else None},
    )
    return user
