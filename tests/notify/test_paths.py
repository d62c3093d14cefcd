"""Notices keep paths within the site (registry.notify.path_for), whoever makes them: a reminder made
in a request of a site mounted under a prefix (SCRIPT_NAME) keeps no prefix (the e-mail adds
SITE_URL, which has it), and opening the notice adds the prefix of the request again."""

from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import select

from registry.extensions import db
from registry.jobs import runner
from registry.notify import notify
from registry.notify.models import Notification
from tests.conftest import Auth
from tests.notify.conftest import post, user


def test_a_reminder_made_under_a_prefix_keeps_the_path_without_it(app, reports):
    report = reports["省生态环境厅"]
    report.cycle.deadline = date(2026, 10, 10)
    db.session.flush()
    # Monday 28 September 2026, 09:00 in Beijing: 5 working days left
    with (
        time_machine.travel(datetime(2026, 9, 28, 1, tzinfo=UTC), tick=False),
        app.test_request_context("/", base_url="http://registry.test/registry/"),
    ):
        runner.PERIODIC["deadline_reminders"].run()
    db.session.flush()
    urls = set(
        db.session.scalars(
            select(Notification.url).where(
                Notification.kind == "deadline_soon", Notification.user_id == user("sthj_head").id
            )
        )
    )
    assert urls == {f"/reports/{report.id}"}


def test_opening_a_notice_under_a_prefix_goes_to_the_page_under_it(app, client, demo):
    [notice] = notify([user("province_office")], "report_submitted", "前缀下的消息", url="/reports/inbox")
    db.session.flush()
    Auth(client).login("province_office")
    response = post(client, f"/messages/{notice.id}", base_url="http://localhost/registry/")
    assert response.status_code == 302 and response.headers["Location"] == "/registry/reports/inbox"
    db.session.refresh(notice)
    assert notice.read_at is not None
    assert client.get(f"/messages/{notice.id}", base_url="http://localhost/registry/").headers["Location"] == (
        "/registry/reports/inbox"
    )
