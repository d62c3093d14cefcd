"""Users, their role and their scope (a jurisdiction, and a department for department roles)."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from registry.core.db import one_of, utcnow
from registry.core.permissions import DEPARTMENT_ROLES, Role
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(one_of("role", Role), name="role_known"),
        CheckConstraint(
            f"({one_of('role', DEPARTMENT_ROLES)}) = (department_id IS NOT NULL)",
            name="department_iff_department_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(32))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where notices are e-mailed (registry.notify); personal data, never shown outside the account
    # and the user administration.
    email: Mapped[str | None] = mapped_column(String(254))

    jurisdiction: Mapped[Jurisdiction] = relationship()
    department: Mapped["Department | None"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    def set_password(self, password: str) -> None:
        from flask import current_app

        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active


class LoginAttempt(db.Model):
    """Consecutive failed logins of one user name from one client address, and the lock they led to.

    Keyed by the name as typed, whether or not such a user exists, so that an unknown name behaves
    exactly like a known one; keyed by address too, so that nobody can lock another person out
    from elsewhere (README, "登录保护")."""

    __tablename__ = "login_attempts"
    __table_args__ = (UniqueConstraint("username", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    # Attempts counted since the last success or the last lock's end, including one in progress.
    attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
