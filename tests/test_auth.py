from datetime import timedelta

import pytest

from registry.auth.services import authenticate
from registry.core.db import utcnow
from registry.extensions import db
from tests import factories


@pytest.fixture
def office(app):
    province = factories.jurisdiction("910000", "province", name="甲省")
    return factories.user("office", "office_admin", province)


def test_login_and_logout(client, auth, office):
    response = auth.login("office", "password-123")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "office（办公室管理员）" in page
    auth.logout()
    assert "登录" in client.get("/").get_data(as_text=True)


def test_wrong_password_shows_chinese_error_next_to_field(client, auth, office):
    page = auth.login("office", "wrong").get_data(as_text=True)
    assert 'class="error"' in page and "用户名或密码错误" in page


def test_lockout_after_five_failures(client, auth, office):
    for _ in range(4):
        auth.login("office", "wrong")
    page = auth.login("office", "wrong").get_data(as_text=True)
    assert "账户已锁定 15 分钟" in page
    # Even the right password is refused while locked.
    page = auth.login("office", "password-123").get_data(as_text=True)
    assert "账户已锁定" in page and "请" in page
    assert client.get("/").get_data(as_text=True).count("退出") == 0


def test_lock_expires_after_fifteen_minutes(office):
    for _ in range(5):
        authenticate("office", "wrong", max_failures=5, lock_minutes=15)
    later = utcnow() + timedelta(minutes=15, seconds=1)
    assert authenticate("office", "password-123", max_failures=5, lock_minutes=15, now=later).user is office


def test_password_is_hashed(office):
    db.session.refresh(office)
    assert "password-123" not in office.password_hash and office.check_password("password-123")


def test_post_without_csrf_token_is_refused(client, office):
    response = client.post("/login", data={"username": "office", "password": "password-123"})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    assert "退出" not in client.get("/").get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite_lax(client, auth, office):
    response = auth.login("office", "password-123")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_open_redirect_is_refused(client, office):
    from tests.conftest import csrf_token

    token = csrf_token(client)
    response = client.post(
        "/login?next=//evil.example/", data={"username": "office", "password": "password-123", "csrf_token": token}
    )
    assert response.headers["Location"] == "/"
