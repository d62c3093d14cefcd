"""Sending notices' e-mail: claim, send, record (registry/notify/mail.py), against the session's real
SMTP server (tests/smtp.py): a notice that cannot be made into an e-mail fails alone, a claim another
sender holds is left to it until its lease ends, the e-mail jobs' rows do not pile up, and notify()
asks once whether a reminder was already given, however many recipients."""

from datetime import timedelta

from sqlalchemy import event, select

from registry.core.db import utcnow
from registry.extensions import db
from registry.jobs.models import Job, JobState
from registry.notify import mail as notify_mail
from registry.notify import notify
from registry.notify.models import EmailState, Notification
from tests.notify.conftest import last_notice_id, notices_since, user


def _with_addresses(**addresses) -> None:
    for username, address in addresses.items():
        user(username).email = address
    db.session.flush()


def test_a_line_break_in_a_title_becomes_a_space_and_the_email_goes(app, demo, mail):
    _with_addresses(province_office="office@example.gov.cn")
    [notice] = notify([user("province_office")], "report_submitted", "第一行\n第二行\r\n  第三行", url="/reports/")
    assert notice.title == "第一行 第二行 第三行"
    db.session.refresh(notice)
    assert notice.email_state == EmailState.SENT
    [received] = mail.to("office@example.gov.cn")
    assert received.subject == "【生态环境保护责任清单】第一行 第二行 第三行"


def test_a_notice_that_cannot_be_made_into_an_email_fails_alone_and_the_others_go_once(app, demo, mail):
    """A header the mail library refuses (here a name with a line break, as an old row may have):
    that notice is marked failed with the reason; the others of the batch are sent, and the sweep
    sends nobody anything again."""
    _with_addresses(province_office="office@example.gov.cn", sthj_head="sthj@example.gov.cn")
    broken = user("province_office")
    broken.display_name = "Office\nBroken"  # ASCII, so the name is not encoded: the header is refused
    db.session.flush()
    before = last_notice_id()
    notify([broken, user("sthj_head")], "report_submitted", "一批消息", url="/reports/")
    notices = {n.user_id: n for n in notices_since(before)}
    failed, sent = notices[broken.id], notices[user("sthj_head").id]
    assert failed.email_state == EmailState.FAILED and "无法生成邮件" in failed.email_error
    assert sent.email_state == EmailState.SENT and sent.email_claimed_at is None
    assert len(mail.to("sthj@example.gov.cn")) == 1 and mail.to("office@example.gov.cn") == []
    for minutes in (2, 10, 60, 600, 6000):  # every later sweep: nothing again
        notify_mail.resend_due(utcnow() + timedelta(minutes=minutes))
    assert len(mail.messages) == 1
    assert failed.title in [n.title for n in notices_since(before)]  # still in the inbox


def _pending(username: str) -> Notification:
    """A notice to be e-mailed whose job never ran (as when the process ended before it)."""
    notice = Notification(
        user_id=user(username).id, kind="report_submitted", title="等待发送", url="/reports/", email_state="pending"
    )
    db.session.add(notice)
    db.session.flush()
    return notice


def test_a_notice_another_sender_claimed_is_left_to_it_until_its_lease_ends(app, demo, mail):
    _with_addresses(province_office="office@example.gov.cn")
    notice = _pending("province_office")
    now = utcnow()
    notice.created_at = now - timedelta(hours=1)
    # another sender took it a minute ago (it is talking to the mail server, or it ended)
    notice.email_state, notice.email_claimed_at, notice.email_attempts = EmailState.SENDING, now, 1
    db.session.flush()
    assert notify_mail.resend_due(now + timedelta(minutes=1)) == 0
    db.session.refresh(notice)
    assert notice.email_state == EmailState.SENDING and mail.messages == []
    # past the lease it never said what happened: the sweep takes it back and sends it, once
    assert notify_mail.resend_due(now + notify_mail.LEASE + timedelta(minutes=1)) == 1
    db.session.refresh(notice)
    assert notice.email_state == EmailState.SENT and notice.email_attempts == 2 and notice.email_claimed_at is None
    assert len(mail.to("office@example.gov.cn")) == 1
    assert notify_mail.resend_due(now + timedelta(days=3)) == 0
    assert len(mail.to("office@example.gov.cn")) == 1


def test_a_claim_lost_at_the_last_attempt_is_given_up_with_the_reason(app, demo, mail):
    _with_addresses(province_office="office@example.gov.cn")
    notice = _pending("province_office")
    now = utcnow()
    notice.email_state, notice.email_claimed_at = EmailState.SENDING, now
    notice.email_attempts = notify_mail.MAX_ATTEMPTS
    db.session.flush()
    notify_mail.resend_due(now + notify_mail.LEASE + timedelta(minutes=1))
    db.session.refresh(notice)
    assert notice.email_state == EmailState.FAILED and "中断" in notice.email_error and mail.messages == []


def test_a_sender_whose_claim_was_taken_back_does_not_overwrite_the_new_one(app, demo, mail):
    """Two senders, one slow: its late record of an old claim changes nothing."""
    _with_addresses(province_office="office@example.gov.cn")
    notice = _pending("province_office")
    old_claim = utcnow() - timedelta(hours=1)
    notice.email_state, notice.email_claimed_at, notice.email_attempts = EmailState.SENDING, utcnow(), 2
    db.session.flush()
    notify_mail._record(notice.id, old_claim, EmailState.SENT, now=utcnow())
    db.session.refresh(notice)
    assert notice.email_state == EmailState.SENDING and notice.email_sent_at is None


def test_the_mail_jobs_rows_are_deleted_after_30_days_and_nothing_else(app, demo, mail):
    _with_addresses(province_office="office@example.gov.cn")
    before = db.session.scalar(select(Job.id).order_by(Job.id.desc()).limit(1)) or 0
    notify([user("province_office")], "report_submitted", "一条消息", url="/reports/")
    [mail_job] = db.session.scalars(select(Job).where(Job.id > before, Job.kind == notify_mail.JOB_KIND))
    assert mail_job.state == JobState.DONE and mail_job.started_by_id is None
    started = Job(kind="compile", title="某人的汇编", params={}, state=JobState.DONE, started_by_id=user("admin").id)
    old_started = Job(kind=notify_mail.JOB_KIND, title="有人发起的", params={}, state=JobState.DONE)
    old_started.started_by_id = user("admin").id
    running = Job(kind=notify_mail.JOB_KIND, title="还在发送", params={}, state=JobState.RUNNING)
    db.session.add_all([started, old_started, running])
    db.session.flush()
    long_ago = utcnow() - timedelta(days=31)
    for job in (mail_job, started, old_started, running):
        job.created_at = long_ago
    db.session.flush()
    # the periodic task, as the scheduler runs it
    from registry.jobs import runner

    assert runner.PERIODIC["notify.mail_jobs_cleanup"].every <= timedelta(days=1)
    kept = [j.id for j in (started, old_started, running)]
    gone = mail_job.id
    runner.PERIODIC["notify.mail_jobs_cleanup"].run()
    db.session.expunge_all()
    assert db.session.get(Job, gone) is None
    assert all(db.session.get(Job, job_id) is not None for job_id in kept)
    # a recent one is kept
    notify([user("province_office")], "report_submitted", "又一条", url="/reports/")
    assert notify_mail.delete_old_mail_jobs() == 0


def test_notify_asks_once_whether_a_reminder_was_given_however_many_recipients(app, demo):
    users = [user(name) for name in ("province_office", "sthj_head", "sthj_editor", "nync_head", "zrzyt_editor")]
    notify(users[:2], "deadline_soon", "提醒", dedupe_key="deadline:test")
    db.session.flush()
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "dedupe_key" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        made = notify(users, "deadline_soon", "提醒", dedupe_key="deadline:test")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert sorted(n.user_id for n in made) == sorted(u.id for u in users[2:])  # the two told before: not again
    assert len(statements) == 1
