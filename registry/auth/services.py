"""Accounts: authentication with lockout, and creating users with a role and scope."""

import functools
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from registry.auth.models import LoginAttempt, User
from registry.core import audit
from registry.core.audit import Actor
from registry.core.db import utcnow
from registry.core.errors import DomainError, refuse
from registry.core.permissions import DEPARTMENT_ROLES, Role
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department


@dataclass
class LoginAttemptSlot:
    """One attempt, counted before its password is checked (begin_login)."""

    username: str
    address: str
    number: int  # this attempt's number among the consecutive ones
    locked_until: datetime | None


@dataclass
class LoginResult:
    user: User | None
    error: DomainError | None = None  # why the login failed, for the password field


def begin_login(username: str, address: str, *, now: datetime | None = None) -> LoginAttemptSlot:
    """Count an attempt for (username, address) in one atomic statement, before any password is checked.

    Parallel attempts each get their own number, so no more than the allowed number of passwords
    is ever checked however many arrive at once. The caller commits straight away, so that other
    attempts see this one (on PostgreSQL they wait for that commit on the row's lock)."""
    now = now or utcnow()
    table = LoginAttempt.__table__
    expired = table.c.locked_until <= now  # NULL (never locked) is not expired
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(username=username, address=address, attempts=1, locked_until=None, updated_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.username, table.c.address],
        set_={
            "attempts": case((expired, 1), else_=table.c.attempts + 1),
            "locked_until": case((expired, None), else_=table.c.locked_until),
            "updated_at": now,
        },
    ).returning(table.c.attempts, table.c.locked_until)
    number, locked_until = db.session.execute(statement).one()
    return LoginAttemptSlot(username, address, number, locked_until)


def finish_login(
    slot: LoginAttemptSlot, password: str, *, max_failures: int, lock_minutes: int, now: datetime | None = None
) -> LoginResult:
    """Check the password of a counted attempt; lock (username, address) after max_failures in a row.

    A user name nobody has gets the same message, and the same password hashing, as a wrong
    password: the answer tells nothing about which accounts exist."""
    now = now or utcnow()
    if (slot.locked_until is not None and slot.locked_until > now) or slot.number > max_failures:
        until = slot.locked_until or now + timedelta(minutes=lock_minutes)
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        return _refused(_l("连续登录失败次数过多，账户已锁定，请 %(minutes)s 分钟后再试。", minutes=minutes))
    user = db.session.scalar(select(User).where(User.username == slot.username))
    if user is not None and check_password_hash(user.password_hash, password):
        _forget_attempts(slot, now)
        if not user.active:
            return _refused(_l("该账户已停用，请联系系统管理员。"))
        return LoginResult(user)
    if user is None:
        check_password_hash(_dummy_hash(), password)  # the same work as for a real account
    if slot.number >= max_failures:
        db.session.execute(
            update(LoginAttempt)
            .where(LoginAttempt.username == slot.username, LoginAttempt.address == slot.address)
            .values(locked_until=now + timedelta(minutes=lock_minutes))
        )
        return _refused(
            _l("连续 %(count)s 次登录失败，账户已锁定 %(minutes)s 分钟。", count=max_failures, minutes=lock_minutes)
        )
    return _refused(
        _l(
            "用户名或密码错误。再失败 %(left)s 次账户将被锁定 %(minutes)s 分钟。",
            left=max_failures - slot.number,
            minutes=lock_minutes,
        )
    )


def _refused(message: LazyString) -> LoginResult:
    return LoginResult(None, DomainError(message, "password"))


def _forget_attempts(slot: LoginAttemptSlot, now: datetime) -> None:
    # A success ends the run of failures; rows left by names tried once and never again go after a day.
    db.session.execute(
        delete(LoginAttempt).where(
            ((LoginAttempt.username == slot.username) & (LoginAttempt.address == slot.address))
            | ((LoginAttempt.updated_at < now - timedelta(days=1)) & LoginAttempt.locked_until.is_(None))
        )
    )


@functools.cache
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def _dummy_hash() -> str:
    from flask import current_app

    return _dummy_hash_for(current_app.config["PASSWORD_HASH_METHOD"])


def locked_usernames(usernames: list[str], now: datetime) -> set[str]:
    """Which of these user names are locked from at least one address."""
    return set(
        db.session.scalars(
            select(LoginAttempt.username).where(LoginAttempt.username.in_(usernames), LoginAttempt.locked_until > now)
        )
    )


def new_user_problems(
    *, username: str, password: str, role: str, jurisdiction_code: str, department_name: str | None
) -> tuple[list[tuple[str, object]], Jurisdiction | None, Department | None]:
    """Every problem of a new user's details at once, each by its field; with the jurisdiction and
    department they name (None when not found)."""
    username = username.strip()
    # Every problem of the submit at once, each by its field.
    problems: list[tuple[str, object]] = []
    if not username:
        problems.append(("username", _l("用户名不能为空。")))
    elif db.session.scalar(select(User).where(User.username == username)):
        problems.append(("username", _l("用户名「%(username)s」已存在。", username=username)))
    if role not in set(Role):
        problems.append(
            ("role", _l("未知角色「%(role)s」，可选：%(roles)s。", role=role, roles="、".join(r.value for r in Role)))
        )
    if len(password) < 8:
        problems.append(("password", _l("密码至少 8 位。")))
    jurisdiction = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code))
    if jurisdiction is None:
        problems.append(("jurisdiction_code", _l("行政区划代码「%(code)s」不存在。", code=jurisdiction_code)))
    department = None
    if role in DEPARTMENT_ROLES:
        if not department_name:
            problems.append(("department_name", _l("部门角色必须指定所属部门。")))
        elif jurisdiction is not None:
            department = db.session.scalar(
                select(Department).where(
                    Department.jurisdiction_id == jurisdiction.id,
                    (Department.name == department_name) | (Department.short_name == department_name),
                )
            )
            if department is None:
                problems.append(
                    (
                        "department_name",
                        _l(
                            "%(jurisdiction)s没有名为「%(department)s」的部门。",
                            jurisdiction=jurisdiction.name,
                            department=department_name,
                        ),
                    )
                )
    elif department_name:
        problems.append(("department_name", _l("只有部门角色（dept_head、dept_editor）可以指定部门。")))
    return problems, jurisdiction, department


def create_user(
    *,
    username: str,
    password: str,
    role: str,
    jurisdiction_code: str,
    department_name: str | None = None,
    display_name: str | None = None,
    actor: Actor,
) -> User:
    """Create a user scoped to a jurisdiction (and, for department roles, a department of it)."""
    username = username.strip()
    problems, jurisdiction, department = new_user_problems(
        username=username,
        password=password,
        role=role,
        jurisdiction_code=jurisdiction_code,
        department_name=department_name,
    )
    refuse(problems)
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
