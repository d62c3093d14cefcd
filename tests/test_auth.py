import os
import re
import uuid
from datetime import timedelta

import pytest

import config
from registry.auth.services import begin_login, finish_login
from registry.core.db import utcnow
from registry.extensions import db
from tests import factories
from tests.conftest import CSRF_RE, Auth, another_client


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


def _attempt(username, password, address="192.0.2.1", now=None):
    slot = begin_login(username, address, now=now)
    return finish_login(slot, password, max_failures=5, lock_minutes=15, now=now)


def test_lock_expires_after_fifteen_minutes(office):
    for _ in range(5):
        _attempt("office", "wrong")
    assert _attempt("office", "password-123").user is None
    later = utcnow() + timedelta(minutes=15, seconds=1)
    assert _attempt("office", "password-123", now=later).user is office


def test_lock_holds_for_the_address_that_failed_not_for_others(office):
    for _ in range(5):
        _attempt("office", "wrong", address="198.51.100.7")
    assert _attempt("office", "password-123", address="198.51.100.7").user is None
    # Somebody failing elsewhere cannot lock the office out of its own network.
    assert _attempt("office", "password-123", address="192.0.2.1").user is office


def test_attempts_past_the_limit_are_not_checked(office, monkeypatch):
    checked = []
    import registry.auth.services as services

    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: checked.append(p) or real(h, p))
    for _ in range(9):
        _attempt("office", "wrong")
    assert len(checked) == 5
    assert "请" in str(_attempt("office", "password-123").error)
    assert len(checked) == 5


def test_unknown_and_known_user_get_the_same_answer(client, auth, office):
    def message(username):
        page = auth.login(username, "wrong-password").get_data(as_text=True)
        return re.search(r'id="password-error"[^>]*>(.*?)<', page, re.S).group(1).strip()

    assert message("office") == message("nobody-here") == "用户名或密码错误。再失败 4 次账户将被锁定 15 分钟。"
    for _ in range(4):
        auth.login("nobody-here", "wrong-password")
    assert "账户已锁定" in message("nobody-here")


def test_unknown_user_costs_a_password_hash_too(office, monkeypatch):
    import registry.auth.services as services

    checked = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    _attempt("nobody-here", "wrong")
    _attempt("office", "wrong")
    assert len(checked) == 2 and checked[0].split("$")[0] == checked[1].split("$")[0]


def test_one_address_cannot_keep_failing_at_many_accounts(client, app, demo):
    from tests.conftest import csrf_token

    statuses = []
    for n in range(12):
        token = csrf_token(client)
        statuses.append(
            client.post("/login", data={"username": f"user{n}", "password": "x", "csrf_token": token}).status_code
        )
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    page = client.post("/login", data={"username": "admin", "password": "demo-2025", "csrf_token": token})
    assert page.status_code == 429 and "尝试次数过多" in page.get_data(as_text=True)
    assert "Retry-After" in page.headers
    # Another address is not affected.
    other = another_client(app, REMOTE_ADDR="203.0.113.9")
    assert Auth(other).login("admin").status_code == 302


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
    assert response.headers["Location"] == "/manage/"  # the 工作台


@pytest.mark.parametrize(
    "target",
    ["/%09/evil.example/", "/%0d%0a/x", "//evil.example/", "/\\evil.example", "https://evil.example/", "/\t/x"],
)
def test_language_switch_never_leaves_the_site(client, target):
    response = client.get(f"/lang/zh?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_returns_to_the_page(client):
    assert client.get("/lang/en?next=/search%3Fq%3D1").headers["Location"] == "/search?q=1"


def test_login_next_with_a_tab_stays_on_the_site(client, office):
    from tests.conftest import csrf_token

    response = client.post(
        "/login?next=/%09/evil.example/",
        data={"username": "office", "password": "password-123", "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/manage/"  # the 工作台


def test_security_headers_on_every_page(client, auth, office):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "no-store" not in response.headers.get("Cache-Control", "")
    auth.login("office", "password-123")
    for path in ("/", "/reports/", "/jurisdictions"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_session_cookie_is_secure_over_https(app, office):
    https = another_client(app)
    page = https.get("/login", base_url="https://localhost/").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    response = https.post(
        "/login",
        base_url="https://localhost/",
        headers={"Referer": "https://localhost/login"},  # Flask-WTF checks it over HTTPS, as browsers send it
        data={"username": "office", "password": "password-123", "csrf_token": token},
    )
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Secure" in cookie
    plain = Auth(another_client(app)).login("office", "password-123")
    cookie = next(h for h in plain.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Secure" not in cookie


def _redis_url() -> str | None:
    """The Redis these machines run (CI must have it; a bare machine without one skips)."""
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        return None
    return url


def test_app_servers_share_the_login_limit_through_redis(app):
    """Two app instances (two servers) with REDIS_URL count one address's failures together. (The
    attempts leave the password empty: a failure for the limit that writes nothing to the database,
    which these apps reach over connections of their own.)"""
    import redis

    from registry import create_app

    url = _redis_url()
    if url is None:
        pytest.skip("no Redis on 127.0.0.1:6379")

    class WithRedis(config.TestConfig):
        RATELIMIT_STORAGE_URI = url
        RATELIMIT_KEY_PREFIX = f"test-{uuid.uuid4().hex}"  # apart from any other run using this Redis
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    servers = [create_app(WithRedis), create_app(WithRedis)]
    statuses = []
    for n in range(12):
        server = servers[n % 2]
        with server.app_context():
            client = server.test_client()
            client.environ_base["REMOTE_ADDR"] = "192.0.2.77"
            token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
            statuses.append(
                client.post("/login", data={"username": f"x{n}", "password": "", "csrf_token": token}).status_code
            )
    for key in redis.Redis.from_url(url).scan_iter(f"*{WithRedis.RATELIMIT_KEY_PREFIX}*"):
        redis.Redis.from_url(url).delete(key)
    for server in servers:
        with server.app_context():
            from registry.extensions import db as server_db

            server_db.engine.dispose()
    assert statuses == [200] * 10 + [429, 429]
