"""E-mail of notices through SMTP (stdlib smtplib): Chinese subject, plain text with an HTML
alternative, a link to the page the notice is about.

A notice to be e-mailed is made `pending` by notify(); the transaction that made it starts one job
(kind `notify.mail`) that sends its pending notices once the transaction commits, so the change that
caused them never waits for, or depends on, the mail server. Every sender (the job, the sweep)
claims its notices (`sending`) in a short committed write, talks to the mail server with no
transaction open, and records each result in a short write of its own (see below). Each claim counts
an attempt; a send that fails keeps the reason (`email_error`) and goes back to `pending`, and the
periodic sweep `notify.resend` retries with growing delays (RETRY_DELAYS, counted from the notice's
creation) and, after the last attempt, marks it `failed`. A notice that cannot be made into an
e-mail at all is marked `failed` at once, alone. The notice stays in the inbox whatever happens to
its e-mail. Old job rows of this kind are deleted by the periodic `notify.mail_jobs_cleanup`.
"""

import logging
import smtplib
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, delete, or_, select, text, update
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
#
# Claim, send, record: a sender first claims its notices in a short write of its own (pending →
# sending, with the time of the claim, the attempt counted), then talks to the mail server with no
# transaction open (no lock held, nothing a concurrent write can spoil), then records each result in
# a short write: sent; back to pending, for the sweep's next attempt; or failed after the last one. A
# sender that ends between its claim and its record (a restart) leaves its notices `sending`: past
# LEASE the sweep takes them back as pending (their e-mail may then arrive twice: never none).
# In eager mode (JOBS_EAGER: the tests) the writes are flushed into the caller's transaction.


@runner.task(JOB_KIND)
def send_queued(job_id: int, progress) -> None:
    """The job: send the notices its transaction made (those still pending and never tried)."""
    ids = list((db.session.get(Job, job_id).params or {}).get("ids", []))
    progress(0, len(ids))
    _end()
    done = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        claimed = _claim([Notification.id.in_(chunk), Notification.email_attempts == 0], now=utcnow())
        _send_claimed(claimed)
        done += len(chunk)
        _begin_write()
        progress(done, len(ids))
        _end()


# The partial index's own condition (models: ix_notifications_email_to_send), written as it is there:
# SQLite uses a partial index only for a query that has its condition word for word.
TO_SEND = text("email_state IN ('pending', 'sending')")

# A claim older than this whose sender never recorded what happened (it ended): taken back.
LEASE = timedelta(minutes=10)
LEASE_EXPIRED = "发送过程中断（发送进程可能已重启），结果未知。"


@runner.periodic("notify.resend", every=timedelta(minutes=1))
def resend_due(now: datetime | None = None) -> int:
    """The sweep: take back the notices whose sender never recorded them (claimed before LEASE), then
    send the pending notices whose next attempt is due (and fresh ones whose job was lost). Returns
    how many were sent."""
    now = now or utcnow()
    _begin_write()
    _take_back(now)
    _end()
    due = [and_(Notification.email_attempts == 0, Notification.created_at <= now - LOST_AFTER)]
    waited = timedelta(0)
    for attempts, delay in enumerate(RETRY_DELAYS, start=1):
        waited += delay
        due.append(and_(Notification.email_attempts == attempts, Notification.created_at <= now - waited))
    return _send_claimed(_claim([or_(*due)], now=now, limit=SWEEP_BATCH), now=now)


def _take_back(now: datetime) -> None:
    """Claims past LEASE: pending again (the sweep's next attempt), or failed if that was the last."""
    expired = and_(TO_SEND, Notification.email_state == EmailState.SENDING, Notification.email_claimed_at < now - LEASE)
    for last, state in ((False, EmailState.PENDING), (True, EmailState.FAILED)):
        attempts = Notification.email_attempts >= MAX_ATTEMPTS
        db.session.execute(
            update(Notification)
            .where(expired, attempts if last else ~attempts)
            .values(email_state=state, email_claimed_at=None, email_error=LEASE_EXPIRED)
            .execution_options(synchronize_session=False)
        )
    _expire_notices()


def _claim(where: list, *, now: datetime, limit: int | None = None) -> list[tuple[int, datetime]]:
    """Take the pending notices matching `where` for this sender, in a short write of its own: one
    conditional UPDATE, so of two senders after the same notice one takes it, the other nothing.
    Returns (id, claim time) of those taken."""
    candidates = select(Notification.id).where(TO_SEND, Notification.email_state == EmailState.PENDING, *where)
    candidates = candidates.order_by(Notification.created_at, Notification.id)
    if limit is not None:
        candidates = candidates.limit(limit)
    _begin_write()
    ids = list(db.session.scalars(candidates))
    taken: list[int] = []
    if ids:
        taken = list(
            db.session.scalars(
                update(Notification)
                .where(Notification.id.in_(ids), Notification.email_state == EmailState.PENDING, *where)
                .values(
                    email_state=EmailState.SENDING,
                    email_claimed_at=now,
                    email_attempts=Notification.email_attempts + 1,
                )
                .returning(Notification.id)
                .execution_options(synchronize_session=False)
            )
        )
        _expire_notices()
    _end()
    return [(notice_id, now) for notice_id in sorted(taken)]


# The job rows of the e-mail (one per transaction that made notices to e-mail: the runner needs a row to
# claim and hand to Celery) are plumbing nobody looks at: kept a while for the log, then deleted.
JOBS_KEPT = timedelta(days=30)
JOBS_CLEANUP_BATCH = 5000


@runner.periodic("notify.mail_jobs_cleanup", every=timedelta(hours=6))
def delete_old_mail_jobs(now: datetime | None = None) -> int:
    """Delete the finished `notify.mail` jobs (no starter, no parts) older than JOBS_KEPT, a batch at
    a time; returns how many."""
    old = (
        select(Job.id)
        .where(
            Job.kind == JOB_KIND,
            Job.started_by_id.is_(None),
            Job.parent_id.is_(None),
            Job.state.in_((JobState.DONE, JobState.FAILED)),
            Job.created_at < (now or utcnow()) - JOBS_KEPT,
        )
        .limit(JOBS_CLEANUP_BATCH)
    )
    ids = list(db.session.scalars(old))
    if not ids:
        return 0
    db.session.execute(delete(Job).where(Job.id.in_(ids)).execution_options(synchronize_session=False))
    return len(ids)


# -- sending ----------------------------------------------------------------------------------------


@dataclass
class _Outcome:
    state: str  # sent, pending (to try again) or failed
    error: str = ""


def _send_claimed(claimed: list[tuple[int, datetime]], *, now: datetime | None = None) -> int:
    """Build the claimed notices' messages (a read), send them over one SMTP connection with no
    transaction open, and record each result as soon as it is known. Returns how many were sent."""
    if not claimed:
        return 0
    claimed_at = dict(claimed)
    if not current_app.config.get("MAIL_SERVER"):  # configuration removed since: in-app only
        for notice_id in claimed_at:
            _record(notice_id, claimed_at[notice_id], EmailState.NONE, now=now)
        return 0
    messages: dict[int, EmailMessage | None] = {}
    outcomes: dict[int, _Outcome] = {}
    notices = db.session.scalars(
        select(Notification)
        .where(Notification.id.in_(list(claimed_at)))
        .options(joinedload(Notification.user))
        .order_by(Notification.id)
    ).unique()
    for notice in notices:
        user = notice.user
        if not user.email or not user.active:  # the address was removed since: nothing to send
            outcomes[notice.id] = _Outcome(EmailState.NONE)
            continue
        try:
            messages[notice.id] = build_message(notice, user)
        except Exception as error:  # e.g. a header refused (a line break): this one, not the batch
            log.warning("notice %s: its e-mail could not be made", notice.id, exc_info=True)
            outcomes[notice.id] = _Outcome(EmailState.FAILED, f"无法生成邮件：{_reason(error)}")
    _end()  # nothing open while the mail server is talked to
    for notice_id, outcome in outcomes.items():
        _record(notice_id, claimed_at[notice_id], outcome.state, outcome.error, now=now)
    return _send(messages, claimed_at, now=now)


def _send(messages: dict[int, EmailMessage], claimed_at: dict[int, datetime], *, now: datetime | None) -> int:
    if not messages:
        return 0
    try:
        smtp = _connect()
    except (OSError, smtplib.SMTPException) as error:
        reason = _reason(error)
        log.warning("notices: cannot reach the mail server: %s", reason)
        for notice_id in messages:
            _record(notice_id, claimed_at[notice_id], EmailState.PENDING, reason, now=now)
        return 0
    sent = 0
    pending = list(messages)
    try:
        while pending:
            notice_id = pending.pop(0)
            try:
                smtp.send_message(messages[notice_id])
            except (smtplib.SMTPServerDisconnected, OSError) as error:
                # The connection is gone: this notice and the rest wait for the next attempt.
                reason = _reason(error)
                for rest in [notice_id, *pending]:
                    _record(rest, claimed_at[rest], EmailState.PENDING, reason, now=now)
                pending = []
            except smtplib.SMTPException as error:  # refused for this recipient (address, size …)
                _record(notice_id, claimed_at[notice_id], EmailState.PENDING, _reason(error), now=now)
            else:
                _record(notice_id, claimed_at[notice_id], EmailState.SENT, now=now)
                sent += 1
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return sent


def deliver(notices: Iterable[Notification], *, now: datetime | None = None) -> int:
    """Send the given pending notices now (claimed, sent, recorded as the job does). Returns how
    many were sent."""
    ids = [n.id for n in notices]
    if not ids:
        return 0
    return _send_claimed(_claim([Notification.id.in_(ids)], now=now or utcnow()), now=now)


def _record(notice_id: int, claimed_at: datetime, state: str, error: str = "", *, now: datetime | None) -> None:
    """What happened to one claimed notice, in a short write of its own, unless its claim was taken
    back meanwhile (past LEASE: another sender has it now). A failed attempt leaves it pending for the
    sweep, or failed after the last attempt."""
    values: dict = {"email_claimed_at": None, "email_error": error[:500]}
    mine = and_(
        Notification.id == notice_id,
        Notification.email_state == EmailState.SENDING,
        Notification.email_claimed_at == claimed_at,
    )
    try:
        _begin_write()
        if state == EmailState.PENDING:
            for last, to in ((False, EmailState.PENDING), (True, EmailState.FAILED)):
                attempts = Notification.email_attempts >= MAX_ATTEMPTS
                db.session.execute(
                    update(Notification)
                    .where(mine, attempts if last else ~attempts)
                    .values(email_state=to, **values)
                    .execution_options(synchronize_session=False)
                )
        else:
            if state == EmailState.SENT:
                values["email_sent_at"] = now or utcnow()
            db.session.execute(
                update(Notification)
                .where(mine)
                .values(email_state=state, **values)
                .execution_options(synchronize_session=False)
            )
        _expire_notices()
        _end()
    except Exception:
        if not _committing():
            raise
        # The database refused (a lock, the connection): the claim stays, and past LEASE the sweep
        # tries again (the e-mail, if it went, may arrive twice).
        db.session.rollback()
        log.exception("notice %s: could not record its e-mail's outcome (%s)", notice_id, state)


# -- transactions: short writes on a worker, the caller's transaction in eager mode ----------------


def _committing() -> bool:
    """Whether this sender's writes are committed as it goes (a worker, the scheduler): not in eager
    mode, where everything is the caller's transaction (the tests')."""
    return not current_app.config.get("JOBS_EAGER")


def _begin_write() -> None:
    """Start a write (SQLite: BEGIN IMMEDIATE, waiting for the lock, rather than a read that cannot
    write later if another process wrote meanwhile)."""
    if _committing() and not db.session().in_transaction() and db.session.get_bind().dialect.name == "sqlite":
        db.session.connection(execution_options={"sqlite_immediate": True})


def _end() -> None:
    """End this step: commit (a worker), or flush into the caller's transaction (eager mode)."""
    if _committing():
        db.session.commit()
    else:
        db.session.flush()


def _expire_notices() -> None:
    """After an UPDATE past the ORM: the notices the session holds read their rows again."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Notification):
            db.session.expire(obj)


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
    from registry.notify import KINDS, one_line, path_for

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
        # one line: a notice made before titles were (a subject cannot carry a line break)
        subject = _("【%(site)s】%(title)s", site=_("生态环境保护责任清单"), title=one_line(notice.title))
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
