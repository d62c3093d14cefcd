"""E-mail of notices through SMTP (stdlib smtplib): Chinese subject, plain text with an HTML
alternative, a link to the page the notice is about.

A notice to be e-mailed is made `pending` by notify(); the transaction that made it starts one job
(kind `notify.mail`) that sends its pending notices once the transaction commits, so the change that
caused them never waits for, or depends on, the mail server. A send that fails counts an attempt
and keeps the reason (`email_error`); the periodic sweep `notify.resend` retries with growing delays
(RETRY_DELAYS, counted from the notice's creation) and, after the last attempt, marks it `failed`.
The notice stays in the inbox whatever happens to its e-mail.
"""

import logging
import smtplib
import ssl
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from registry.core.db import utcnow
from registry.extensions import db
from registry.jobs import runner
from registry.jobs.models import Job, JobState
from registry.notify.models import EmailState, Notification

log = logging.getLogger(__name__)

JOB_KIND = "notify.mail"
# Delays between attempts: the 2nd attempt 1 minute after the notice, the 3rd 5 minutes after that …
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A notice no job has tried this long after it was made (its job was lost: a restart before it ran,
# Redis away): the sweep sends it.
LOST_AFTER = timedelta(minutes=10)
SWEEP_BATCH = 200
_SESSION_KEY = "notify_mail_job"


# -- queueing (in the transaction that made the notices) --------------------------------------------


def queue_mail(notice_ids: Sequence[int]) -> None:
    """Have the pending notices `notice_ids` e-mailed once the current transaction commits: one job
    per transaction, whatever the number of notify() calls in it."""
    job = db.session.info.get(_SESSION_KEY)
    if job is not None and job.state == JobState.QUEUED and not current_app.config.get("JOBS_EAGER"):
        job.params = {"ids": [*job.params.get("ids", []), *notice_ids]}  # a new dict: the change is seen
        return
    job = runner.start(JOB_KIND, "发送消息邮件", {"ids": list(notice_ids)}, None, None)
    if not current_app.config.get("JOBS_EAGER"):
        db.session.info[_SESSION_KEY] = job


def _forget_job(session: Session, *_args) -> None:
    session.info.pop(_SESSION_KEY, None)


def install_session_hooks() -> None:
    """The next transaction starts its own job (called once, by receivers.connect)."""
    from sqlalchemy import event

    if not event.contains(Session, "after_commit", _forget_job):
        event.listen(Session, "after_commit", _forget_job)
        event.listen(Session, "after_rollback", _forget_job)


# -- the job and the sweep --------------------------------------------------------------------------


@runner.task(JOB_KIND)
def send_queued(job_id: int, progress) -> None:
    """The job: send the notices its transaction made (those still pending and never tried)."""
    ids = list((db.session.get(Job, job_id).params or {}).get("ids", []))
    progress(0, len(ids))
    done = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        notices = _locked(
            Notification.id.in_(chunk),
            Notification.email_state == EmailState.PENDING,
            Notification.email_attempts == 0,
        )
        deliver(notices)
        done += len(chunk)
        progress(done, len(ids))


@runner.periodic("notify.resend", every=timedelta(minutes=1))
def resend_due(now: datetime | None = None) -> int:
    """The sweep: send the pending notices whose next attempt is due (and fresh ones whose job was
    lost). Returns how many were sent."""
    now = now or utcnow()
    due = [and_(Notification.email_attempts == 0, Notification.created_at <= now - LOST_AFTER)]
    waited = timedelta(0)
    for attempts, delay in enumerate(RETRY_DELAYS, start=1):
        waited += delay
        due.append(and_(Notification.email_attempts == attempts, Notification.created_at <= now - waited))
    notices = _locked(Notification.email_state == EmailState.PENDING, or_(*due), limit=SWEEP_BATCH)
    return deliver(notices, now=now)


def _locked(*where, limit: int | None = None) -> list[Notification]:
    """The notices matching `where`, locked for this transaction; rows another sender holds are
    skipped (PostgreSQL), so two senders never send one notice twice."""
    stmt = (
        select(Notification)
        .where(*where)
        .options(joinedload(Notification.user))
        .order_by(Notification.id)
        .with_for_update(skip_locked=True, of=Notification)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt).unique())


# -- sending ----------------------------------------------------------------------------------------


def deliver(notices: Iterable[Notification], *, now: datetime | None = None) -> int:
    """Send each notice's e-mail over one SMTP connection, recording on each what happened (sent, or
    the attempt and its reason). Never raises for the mail server's sake. Returns how many were sent."""
    notices = list(notices)
    if not notices:
        return 0
    now = now or utcnow()
    if not current_app.config.get("MAIL_SERVER"):  # configuration removed since: in-app only
        for notice in notices:
            notice.email_state, notice.email_error = EmailState.NONE, ""
        db.session.flush()
        return 0
    try:
        smtp = _connect()
    except (OSError, smtplib.SMTPException) as error:
        reason = _reason(error)
        log.warning("notices: cannot reach the mail server: %s", reason)
        for notice in notices:
            _attempt_failed(notice, reason)
        db.session.flush()
        return 0
    sent = 0
    try:
        for position, notice in enumerate(notices):
            user = notice.user
            if not user.email or not user.active:  # the address was removed since: nothing to send
                notice.email_state, notice.email_error = EmailState.NONE, ""
                continue
            try:
                smtp.send_message(build_message(notice, user))
            except (smtplib.SMTPServerDisconnected, OSError) as error:
                # The connection is gone: this notice and the rest wait for the next attempt.
                reason = _reason(error)
                for rest in notices[position:]:
                    _attempt_failed(rest, reason)
                break
            except smtplib.SMTPException as error:  # refused for this recipient (address, size …)
                _attempt_failed(notice, _reason(error))
            else:
                notice.email_attempts += 1
                notice.email_state, notice.email_sent_at, notice.email_error = EmailState.SENT, now, ""
                sent += 1
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    db.session.flush()
    return sent


def _attempt_failed(notice: Notification, reason: str) -> None:
    notice.email_attempts += 1
    notice.email_error = reason[:500]
    if notice.email_attempts >= MAX_ATTEMPTS:
        notice.email_state = EmailState.FAILED


def _reason(error: BaseException) -> str:
    """The failure as the log and the notice keep it (for the administrator, not shown to users)."""
    if isinstance(error, smtplib.SMTPResponseException):
        message = (
            error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        )
        return f"{type(error).__name__} {error.smtp_code}: {message}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return f"SMTPRecipientsRefused: {error.recipients}"
    return f"{type(error).__name__}: {error}"


def _connect() -> smtplib.SMTP:
    config = current_app.config
    host, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), float(config["MAIL_TIMEOUT"])
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


# -- the message ------------------------------------------------------------------------------------


def absolute(path: str) -> str:
    """A path of the site as a link an e-mail can carry: SITE_URL (config) before it; without SITE_URL
    the path alone (README: e-mailed links need SITE_URL)."""
    if not path or urlsplit(path).scheme:
        return path
    return f"{current_app.config.get('SITE_URL', '').rstrip('/')}{path}"


def sender() -> str:
    config = current_app.config
    if config.get("MAIL_DEFAULT_SENDER"):
        return config["MAIL_DEFAULT_SENDER"]
    host = urlsplit(config.get("SITE_URL") or "").hostname or "localhost"
    return f"noreply@{host}"


def build_message(notice: Notification, user) -> EmailMessage:
    """The e-mail of one notice to its user: the subject is the notice's title, the body its text
    and the link to its page, as plain text and as HTML (templates/mail/)."""
    from registry.notify import KINDS, path_for

    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
        context = {
            "notice": notice,
            "user": user,
            "kind_label": str(KINDS[notice.kind].label) if notice.kind in KINDS else "",
            "link": absolute(notice.url) if notice.url else "",
            "absolute_links": bool(current_app.config.get("SITE_URL")),
            "inbox_link": absolute(path_for("notify.inbox")),
            "settings_link": absolute(path_for("notify.settings")),
            "site_name": _("生态环境保护责任清单与牵头部门登记系统"),
            "paragraphs": [p.strip() for p in notice.body.split("\n\n") if p.strip()],
        }
        subject = _("【%(site)s】%(title)s", site=_("生态环境保护责任清单"), title=notice.title)
        text = render_template("mail/notice.txt", **context)
        html = render_template("mail/notice.html", **context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender()
    message["To"] = formataddr((user.display_name, user.email))
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(
        idstring=f"notice{notice.id}", domain=parseaddr(sender())[1].rpartition("@")[2] or None
    )
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the system
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
