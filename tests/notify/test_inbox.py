"""The 消息 inbox, the header's unread count, the settings page and the administrator's address field."""

from datetime import UTC, datetime

from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.notify import KINDS, notify
from registry.notify.models import Notification
from tests.conftest import Auth, another_client
from tests.notify.conftest import post, user

BADGE = 'class="count-badge"'


def _give(username: str, n: int = 1, **kwargs) -> list[Notification]:
    made = []
    for i in range(n):
        made += notify(
            [user(username)],
            kwargs.get("kind", "report_submitted"),
            kwargs.get("title", f"测试消息{i + 1}"),
            body=kwargs.get("body", "第一段。\n\n第二段。"),
            url=kwargs.get("url", "/reports/"),
        )
    db.session.flush()
    return made


def _clear(username: str) -> None:
    """Start from an empty inbox (the demo's workflow already told some users things)."""
    for n in db.session.scalars(select(Notification).where(Notification.user_id == user(username).id)):
        db.session.delete(n)
    db.session.flush()


def test_the_inbox_lists_own_notices_newest_first_marking_unread_ones(app, client, auth, demo):
    _clear("province_office")
    older, newer = _give("province_office", 2)
    older.created_at = datetime(2026, 1, 5, 2, 30, tzinfo=UTC)  # UTC: 10:30 in Beijing
    newer.created_at = datetime(2026, 1, 6, 16, 5, tzinfo=UTC)  # UTC: 00:05 the next day in Beijing
    newer.read_at = datetime(2026, 1, 7, 1, 0, tzinfo=UTC)
    db.session.flush()
    auth.login("province_office")
    page = client.get("/messages").get_data(as_text=True)
    assert page.index("测试消息2") < page.index("测试消息1")
    assert "2026-01-05 10:30" in page and "2026-01-07 00:05" in page and "北京时间" in page
    assert page.count(">未读<") == 1 and "收到报送的报告" in page and "第一段。" in page and "第二段。" not in page
    assert "未读 1 条" in page and "全部标为已读" in page


def test_opening_a_notice_marks_it_read_and_goes_to_its_page_and_the_header_count_follows(app, client, auth, demo):
    _clear("province_office")
    first, _second = _give("province_office", 2, url="/reports/inbox")
    auth.login("province_office")
    home = client.get("/manage/").get_data(as_text=True)
    assert f'{BADGE} aria-hidden="true">2</span>' in home and "（2 条未读）" in home
    response = post(client, f"/messages/{first.id}")  # the inbox's form (with its CSRF token)
    assert response.status_code == 302 and response.headers["Location"] == "/reports/inbox"
    db.session.refresh(first)
    assert first.read_at is not None
    assert f'{BADGE} aria-hidden="true">1</span>' in client.get("/manage/").get_data(as_text=True)
    # read-all, by POST with the form's token
    response = post(client, "/messages/read-all")
    assert response.status_code == 302
    page = client.get("/messages").get_data(as_text=True)
    assert "已将 1 条消息标为已读。" in page and BADGE not in page and "全部标为已读" not in page


def test_read_all_needs_the_csrf_token(app, client, auth, demo):
    _clear("province_office")
    [notice] = _give("province_office")
    auth.login("province_office")
    client.post("/messages/read-all", data={})
    db.session.refresh(notice)
    assert notice.read_at is None


def test_nobody_sees_or_opens_another_users_notice(app, client, auth, demo):
    [notice] = _give("province_office", title="办公室的消息")
    auth.login("sthj_head")
    assert "办公室的消息" not in client.get("/messages").get_data(as_text=True)
    assert client.get(f"/messages/{notice.id}").status_code == 404
    assert post(client, f"/messages/{notice.id}").status_code == 404
    assert client.get("/messages/99999999").status_code == 404
    db.session.refresh(notice)
    assert notice.read_at is None
    assert client.get("/messages?page=abc").status_code == 404


def test_the_inbox_is_paginated_and_has_an_empty_state(app, client, auth, demo):
    _clear("province_office")
    auth.login("province_office")
    page = client.get("/messages").get_data(as_text=True)
    assert "暂无消息" in page and BADGE not in page and "全部标为已读" not in page
    _give("province_office", 25)
    page = client.get("/messages").get_data(as_text=True)
    assert "测试消息25" in page and "测试消息5<" not in page and "共 25 条" in page and 'rel="next"' in page
    page = client.get("/messages?page=2").get_data(as_text=True)
    assert "测试消息5<" in page and "测试消息25" not in page


def test_a_notice_that_names_no_page_opens_the_inbox(app, client, auth, demo):
    [notice] = _give("province_office", url="//evil.example/")
    auth.login("province_office")
    assert client.get(f"/messages/{notice.id}").headers["Location"] == "/messages"
    assert post(client, f"/messages/{notice.id}").headers["Location"] == "/messages"


def test_the_count_never_reaches_a_page_someone_else_sees(app, client, demo):
    """Public pages are kept for anonymous visitors (registry/public/cache.py): the signed-in user's
    count is on their own copy only, and the kept copy carries none."""
    _give("province_office", 3)
    path = "/jurisdictions/990000"
    anonymous = client.get(path)
    assert anonymous.status_code == 200 and BADGE not in anonymous.get_data(as_text=True)
    office = another_client(app)
    Auth(office).login("province_office")
    mine = office.get(path)
    assert BADGE in mine.get_data(as_text=True) and mine.headers["Cache-Control"] == "no-store"
    again = another_client(app).get(path)  # after the office's visit: still no count
    body = again.get_data(as_text=True)
    assert again.status_code == 200 and BADGE not in body and "条未读" not in body
    assert "消息" not in body.split("</header>")[0]


def test_anonymous_visitors_are_sent_to_log_in(client, demo):
    for path in ("/messages", "/account/notifications"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_settings_save_the_address_and_the_kinds_audited_with_the_address_masked(app, client, auth, demo):
    auth.login("sthj_editor")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "也发送电子邮件" in page and "收到抄送的报告" in page and "尚未配置邮件服务器" in page
    # default: each kind as KINDS says (most by e-mail too; notes and ratings of complaints and cooperating
    # departments' progress on tasks in the inbox only)
    assert page.count('type="checkbox"') == len(KINDS)
    assert page.count("checked") == sum(kind.email_default for kind in KINDS.values()) == len(KINDS) - 3
    response = post(
        client,
        "/account/notifications",
        {"email": "  zhang.san@example.gov.cn ", "kind_report_returned": "y"},
        form_page="/account/notifications",
    )
    assert response.status_code == 302
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "已保存消息提醒设置。" in page and 'value="zhang.san@example.gov.cn"' in page
    assert page.count("checked") == 1
    editor = user("sthj_editor")
    assert editor.email == "zhang.san@example.gov.cn"
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "users", AuditEntry.entity_id == editor.id)
        .order_by(AuditEntry.id.desc())
    )
    assert entry.after["email"] == "z***@example.gov.cn" and entry.after["email_notices"] == ["报告被退回修改"]
    assert "zhang.san" not in str(entry.before) + str(entry.after) + entry.summary


def test_settings_show_a_bad_address_next_to_the_field_and_keep_the_rest(app, client, auth, demo):
    auth.login("sthj_editor")
    for bad in (
        "zhang",
        "zhang@",
        "a b@example.org",
        "张三@example.org",
        "x@example",
        "x@exa mple.org",
        "a" * 250 + "@example.org",
    ):
        response = post(
            client,
            "/account/notifications",
            {"email": bad, "kind_report_copied": "y"},
            form_page="/account/notifications",
        )
        assert response.status_code == 200, bad
        page = response.get_data(as_text=True)
        field = page[page.index('id="email"') : page.index('id="email"') + 900]
        assert ("请填写有效的电子邮件地址" in field) or ("不能超过 254 个字符" in field), bad
    assert user("sthj_editor").email is None


def test_the_administrator_sets_a_users_address(app, client, auth, demo):
    target = user("nync_head")
    auth.login("admin")
    assert f"/admin/users/{target.id}/email" in client.get("/admin/users").get_data(as_text=True)
    path = f"/admin/users/{target.id}/email"
    response = post(client, path, {"email": "not-an-address"}, form_page=path)
    assert response.status_code == 200 and "请填写有效的电子邮件地址" in response.get_data(as_text=True)
    response = post(client, path, {"email": "nync@example.gov.cn"}, form_page=path)
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.email == "nync@example.gov.cn"
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "users", AuditEntry.entity_id == target.id)
        .order_by(AuditEntry.id.desc())
    )
    assert entry.actor_name and entry.after == {"email": "n***@example.gov.cn"}
    # others may not
    other = another_client(app)
    Auth(other).login("province_office")
    assert other.get(path).status_code == 403


# -- opening needs the inbox's form; the count is bounded ---------------------------------------------


def test_another_site_cannot_mark_a_notice_read_with_a_link_or_an_image(app, client, auth, demo):
    """<img src="…/messages/1"> or a link on another site can only GET (no CSRF token): it takes the
    user to the page, and the notice stays unread."""
    _clear("province_office")
    [notice] = _give("province_office", url="/reports/inbox")
    auth.login("province_office")
    response = client.get(f"/messages/{notice.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/reports/inbox"
    client.post(f"/messages/{notice.id}", data={})  # a forged POST: no token
    db.session.refresh(notice)
    assert notice.read_at is None
    page = client.get("/messages").get_data(as_text=True)
    assert f'action="/messages/{notice.id}"' in page and 'method="post"' in page and ">未读<" in page
    post(client, f"/messages/{notice.id}")
    db.session.refresh(notice)
    assert notice.read_at is not None


def test_with_a_hundred_unread_or_more_the_header_says_99_plus(app, client, auth, demo):
    from registry.notify import queries

    _clear("province_office")
    _give("province_office", 99)
    auth.login("province_office")
    page = client.get("/messages").get_data(as_text=True)
    assert f'{BADGE} aria-hidden="true">99</span>' in page and "（99 条未读）" in page and "未读 99 条" in page
    _give("province_office", 30)
    assert queries.unread_count(user("province_office").id) == queries.UNREAD_SHOWN  # counted up to 100 only
    page = client.get("/messages").get_data(as_text=True)
    assert f'{BADGE} aria-hidden="true">99+</span>' in page and "（99+ 条未读）" in page and "未读 99+ 条" in page
