"""A user's notices and e-mail choices: read marks, the e-mail address (their own, or set by the
system administrator) and which kinds they also want by e-mail. Services flush, never commit."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from registry.core import audit
from registry.core.audit import Actor
from registry.core.db import utcnow
from registry.core.errors import DomainError
from registry.extensions import db
from registry.notify import KINDS, email_choices
from registry.notify.models import Notification, NotificationPreference

EMAIL_MAX = 254
# ASCII addresses only (what every mail server accepts without SMTPUTF8): local part, @, a domain of
# at least two labels. No spaces, no line breaks (nothing can be smuggled into a mail header).
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
EMAIL_INVALID = _l("请填写有效的电子邮件地址，如 zhangsan@example.gov.cn。")


def clean_email(value: str | None) -> str | None:
    """The address as stored (trimmed), None for an empty one; a DomainError on the `email` field for
    anything that is not an address."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > EMAIL_MAX or not _EMAIL.match(value) or ".." in value or value.split("@")[0].startswith("."):
        raise DomainError(EMAIL_INVALID, "email")
    return value


def masked(email: str | None) -> str:
    """How the audit log names an address: enough to tell a change, not the address itself (the log is
    read by offices; addresses are personal data)."""
    if not email:
        return "未设置"
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _kind_labels(kinds) -> list[str]:
    return [str(KINDS[k].label) for k in KINDS if k in kinds]


def set_email(user, email: str | None, *, actor: Actor) -> bool:
    """Set (or clear) a user's e-mail address; returns whether it changed. Audited, the address masked."""
    email = clean_email(email)
    if email == user.email:
        return False
    before = {"email": masked(user.email)}
    user.email = email
    audit.record(
        actor,
        "update",
        user,
        jurisdiction_id=user.jurisdiction_id,
        before=before,
        after={"email": masked(email)},
        summary=f"修改账户 {user.username} 的电子邮件地址",
    )
    return True


def emailed_kinds(user) -> set[str]:
    """The kinds a user gets by e-mail too (their choices, else each kind's default)."""
    return {kind for kind in KINDS if email_choices([user.id], kind)[user.id]}


def save_settings(user, *, email: str | None, kinds, actor: Actor) -> None:
    """A user's own notice settings: the address and, for every kind, whether to e-mail it too.
    Audited (the address masked) in one entry."""
    email = clean_email(email)
    kinds = {k for k in kinds if k in KINDS}
    before_kinds = emailed_kinds(user)
    if email == user.email and kinds == before_kinds:
        return
    stored = {
        p.kind: p
        for p in db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    for kind in KINDS:
        if kind in stored:
            stored[kind].email = kind in kinds
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, email=kind in kinds))
    before = {"email": masked(user.email), "email_notices": _kind_labels(before_kinds)}
    user.email = email
    db.session.flush()
    audit.record(
        actor,
        "update",
        user,
        jurisdiction_id=user.jurisdiction_id,
        before=before,
        after={"email": masked(email), "email_notices": _kind_labels(kinds)},
        summary=f"修改账户 {user.username} 的消息提醒设置",
    )


def mark_read(notice: Notification) -> None:
    """The user opened the notice (no audit entry: it changes nothing but their own inbox)."""
    if notice.read_at is None:
        notice.read_at = utcnow()
        db.session.flush()


def mark_all_read(user) -> int:
    """Mark every unread notice of the user read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
