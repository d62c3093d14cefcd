"""E-mail through a real SMTP server (the session's aiosmtpd, tests/smtp.py): what arrives, when the
server is down (the action still succeeds; the sweep sends later), and the users' choices."""

from datetime import timedelta

from sqlalchemy import select

from registry.core.db import utcnow
from registry.extensions import db
from registry.notify import mail as notify_mail
from registry.notify.models import EmailState, Notification
from registry.reports.models import ReportState
from tests.conftest import Auth, another_client
from tests.notify.conftest import SITE, SUBMISSION, last_notice_id, notices_since, post, ready_to_submit, user
from tests.smtp import free_port


def _submit_as_sthj_head(client, report):
    Auth(client).login("sthj_head")
    path = f"/reports/{report.id}/submit"
    return post(client, path, SUBMISSION, form_page=path)


def test_a_submitted_report_arrives_by_email_in_chinese_with_both_parts_and_the_link(app, client, demo, reports, mail):
    sthj = reports["省生态环境厅"]
    ready_to_submit(sthj)
    user("province_office").email = "office@example.gov.cn"
    db.session.flush()
    response = _submit_as_sthj_head(client, sthj)
    assert response.status_code == 302
    [received] = mail.to("office@example.gov.cn")
    assert received.subject == f"【生态环境保护责任清单】省生态环境厅报送了《{sthj.title}》"
    assert "示例省生态环境保护委员会办公室" in received.to and "<office@example.gov.cn>" in received.to
    assert received.mail_from == "registry@registry.test"
    link = f"{SITE}/reports/{sthj.id}"
    text, html = received.part("plain"), received.part("html")
    assert f"查看和处理：{link}" in text and "示环函〔2026〕12号" in text and "请审核该报告" in text
    assert f'href="{link}"' in html and "省生态环境厅报送了" in html and "<p" in html
    assert f"{SITE}/account/notifications" in text  # where to stop these e-mails
    notice = db.session.scalar(
        select(Notification).where(Notification.user_id == user("province_office").id).order_by(Notification.id.desc())
    )
    assert notice.email_state == EmailState.SENT and notice.email_attempts == 1 and notice.email_sent_at is not None


def test_with_the_mail_server_down_the_action_succeeds_and_the_sweep_sends_later(
    app, client, demo, reports, mail, monkeypatch
):
    sthj = reports["省生态环境厅"]
    ready_to_submit(sthj)
    user("province_office").email = "office@example.gov.cn"
    db.session.flush()
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    before = last_notice_id()
    response = _submit_as_sthj_head(client, sthj)
    assert response.status_code == 302
    db.session.refresh(sthj)
    assert sthj.state == ReportState.SUBMITTED  # the submission is kept
    [notice] = notices_since(before)
    assert notice.email_state == EmailState.PENDING and notice.email_attempts == 1
    assert "Connection" in notice.email_error or "refused" in notice.email_error.lower()
    office = another_client(app)
    Auth(office).login("province_office")
    assert notice.title in office.get("/messages").get_data(as_text=True)  # in the inbox all the same
    assert mail.messages == []

    # not due yet: the sweep leaves it
    assert notify_mail.resend_due(utcnow()) == 0
    # the server is back, and the next attempt is due
    monkeypatch.setitem(app.config, "MAIL_PORT", mail.port)
    assert notify_mail.resend_due(utcnow() + timedelta(minutes=2)) == 1
    db.session.refresh(notice)
    assert notice.email_state == EmailState.SENT and notice.email_attempts == 2 and notice.email_error == ""
    assert len(mail.to("office@example.gov.cn")) == 1
    # sent once: the sweep does not send it again
    assert notify_mail.resend_due(utcnow() + timedelta(days=2)) == 0
    assert len(mail.to("office@example.gov.cn")) == 1


def test_after_the_last_attempt_the_email_is_given_up_with_the_reason(app, demo, reports, mail, monkeypatch):
    from registry.reports import services

    user("province_office").email = "office@example.gov.cn"
    db.session.flush()
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    before = last_notice_id()
    services.submit_report(reports["省水利厅"], actor=user("slt_head"))
    [notice] = [n for n in notices_since(before) if n.user_id == user("province_office").id]
    later = utcnow()
    for _attempt in range(notify_mail.MAX_ATTEMPTS):
        later += timedelta(days=1)
        notify_mail.resend_due(later)
    db.session.refresh(notice)
    assert notice.email_state == EmailState.FAILED
    assert notice.email_attempts == notify_mail.MAX_ATTEMPTS and notice.email_error
    assert notice.read_at is None  # still in the inbox, unread


def test_the_choice_per_kind_and_the_address_are_respected(app, client, demo, reports, mail):
    from registry.reports import services

    Auth(client).login("sthj_head")
    form = {"email": "sthj@example.gov.cn"}
    form.update({f"kind_{k}": "y" for k in ("report_returned", "report_accepted", "cooperation_answered")})
    response = post(client, "/account/notifications", form, form_page="/account/notifications")
    assert response.status_code == 302
    # sthj is copied on the water report: report_copied is not among the chosen kinds
    before = last_notice_id()
    services.submit_report(reports["省水利厅"], actor=user("slt_head"))
    copied = [n for n in notices_since(before) if n.user_id == user("sthj_head").id]
    assert [n.kind for n in copied] == ["report_copied"] and copied[0].email_state == EmailState.NONE
    assert mail.to("sthj@example.gov.cn") == []
    # sthj_editor has no address: in the inbox only
    editor_notice = [n for n in notices_since(before) if n.user_id == user("sthj_editor").id]
    assert editor_notice and editor_notice[0].email_state == EmailState.NONE


def test_without_a_mail_server_nothing_is_pending(app, demo, reports):
    from registry.reports import services

    user("province_office").email = "office@example.gov.cn"
    db.session.flush()
    before = last_notice_id()
    services.submit_report(reports["省水利厅"], actor=user("slt_head"))
    assert {n.email_state for n in notices_since(before)} == {EmailState.NONE}


def test_without_site_url_the_email_gives_the_path_and_asks_to_sign_in(app, demo, reports, mail, monkeypatch):
    from registry.reports import services

    monkeypatch.setitem(app.config, "SITE_URL", "")
    user("province_office").email = "office@example.gov.cn"
    db.session.flush()
    slt = reports["省水利厅"]
    services.submit_report(slt, actor=user("slt_head"))
    [received] = mail.to("office@example.gov.cn")
    assert f"请登录系统查看和处理（页面地址：/reports/{slt.id}）" in received.part("plain")
    assert "href=" not in received.part("html").split("</h1>")[1].split("<hr")[0]
