"""Notices to users (消息): kinds, recipients, and `notify()`, which domains call (through a signal
receiver, registry/notify/receivers.py) in the transaction of the change that caused them. The inbox
shows every notice; the e-mail goes out after the commit, as a job (registry/notify/mail.py), for users
who chose e-mail for that kind and have an address, when an SMTP server is configured (MAIL_SERVER).
A failed send is retried and never undoes the change.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.extensions import db
from registry.notify.models import EmailState, Notification, NotificationPreference


@dataclass(frozen=True)
class Kind:
    label: object  # lazy Chinese label, shown in the inbox and on the settings page
    email_default: bool = True  # whether a user who never chose gets it by e-mail too


# Every kind of notice. Later features (complaints #17, supervision #18, targets #19) add theirs here.
KINDS: dict[str, Kind] = {
    "matter_delegated": Kind(_l("事项交由本级明确牵头部门")),
    "report_submitted": Kind(_l("收到报送的报告")),
    "report_copied": Kind(_l("收到抄送的报告")),
    "report_returned": Kind(_l("报告被退回修改")),
    "report_accepted": Kind(_l("报告审核通过")),
    "cooperation_requested": Kind(_l("牵头部门请求配合部门提供落实情况")),
    "cooperation_answered": Kind(_l("配合部门提供了落实情况")),
    "deadline_soon": Kind(_l("期限临近（5 个和 1 个工作日前）")),
    "deadline_overdue": Kind(_l("已逾期")),
    # Public complaints (registry/complaints, §4)
    "complaint_received": Kind(_l("收到公众举报（新举报或转办来的举报）")),
    "complaint_note": Kind(_l("举报有新的备注（配合部门、办公室）"), email_default=False),
    "complaint_extension": Kind(_l("举报延期申请及办公室的决定")),
    "complaint_reopened": Kind(_l("举报人不满意，待办公室复核")),
    "complaint_rated": Kind(_l("举报人评价了答复"), email_default=False),
    "complaint_due": Kind(_l("举报受理或答复期限临近、已逾期")),
    # Tasks of the ledgers (registry/supervision, §7–§9, §12–§14)
    "task_assigned": Kind(_l("整改任务交由本部门牵头或配合")),
    "task_progress": Kind(_l("配合部门报送了整改任务落实情况"), email_default=False),
    "task_progress_due": Kind(_l("整改任务月度进展报送期限临近")),
    "task_reminded": Kind(_l("牵头部门提醒配合部门推进整改任务")),
    "task_escalated": Kind(_l("牵头部门报告配合部门推进不力")),
    "task_supervision": Kind(_l("收到督办（提醒、督办、约谈）及其答复")),
    "task_closure": Kind(_l("销号申请、认定、公示、异议和决定")),
    "task_reopened": Kind(_l("已销号任务问题反弹，重新整改")),
}


def path_for(endpoint: str, **values) -> str:
    """The path of a page, as notices store it: the same in a request, a job or a command (which have
    no request to build URLs from)."""
    return current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)


def one_line(text: str) -> str:
    """A title as notices keep it: one line (an e-mail's subject cannot carry a line break)."""
    return " ".join((text or "").split())


def mail_configured() -> bool:
    """Whether notices may be e-mailed at all (an SMTP server is configured)."""
    return bool(current_app.config.get("MAIL_SERVER"))


def email_choices(user_ids: Iterable[int], kind: str) -> dict[int, bool]:
    """Whether each user wants notices of `kind` by e-mail too (their choice, else the kind's default)."""
    ids = list(user_ids)
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.user_id, NotificationPreference.email).where(
                NotificationPreference.user_id.in_(ids), NotificationPreference.kind == kind
            )
        )
        .tuples()
        .all()
    )
    default = KINDS[kind].email_default
    return {user_id: chosen.get(user_id, default) for user_id in ids}


def notify(
    users: Iterable,
    kind: str,
    title: str,
    *,
    body: str = "",
    url: str = "",
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Give each of `users` (active ones, each once) a notice of `kind`, in the caller's transaction.
    With `dedupe_key`, a user who already has a notice with that key gets none (reminders that run
    twice tell nobody twice). Returns the notices made. The title is made one line (it is an e-mail's
    subject too); `url` is a path within the site. A notice
    that is to be e-mailed is marked pending and sent by a job once the caller commits."""
    if kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    recipients, seen = [], set()
    for user in users:
        if user is None or not user.active or user.id in seen:
            continue
        seen.add(user.id)
        recipients.append(user)
    if dedupe_key is not None and recipients:  # one query for all of them
        told = set(
            db.session.scalars(
                select(Notification.user_id).where(
                    Notification.user_id.in_([u.id for u in recipients]), Notification.dedupe_key == dedupe_key
                )
            )
        )
        recipients = [u for u in recipients if u.id not in told]
    if not recipients:
        return []
    title = one_line(title)
    mailing = mail_configured()
    wants = email_choices([u.id for u in recipients if u.email], kind) if mailing else {}
    made = []
    for user in recipients:
        state = EmailState.PENDING if mailing and user.email and wants.get(user.id) else EmailState.NONE
        notice = Notification(
            user_id=user.id,
            kind=kind,
            title=title[:300],
            body=body,
            url=url[:500],
            dedupe_key=dedupe_key,
            email_state=state,
        )
        db.session.add(notice)
        made.append(notice)
    db.session.flush()
    if pending := [n.id for n in made if n.email_state == EmailState.PENDING]:
        from registry.notify.mail import queue_mail

        queue_mail(pending)
    return made
