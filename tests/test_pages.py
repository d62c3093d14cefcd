import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_home_lists_jurisdictions(client, demo):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    for name in ("中央", "示例省", "江川市", "云岭市"):
        assert name in page


def test_home_has_sensible_empty_state(client):
    assert "尚未建立任何行政区划" in client.get("/").get_data(as_text=True)


def test_login_page_is_chinese_and_has_csrf(client):
    page = client.get("/login").get_data(as_text=True)
    assert "用户名" in page and "密码" in page and 'name="csrf_token"' in page


def test_stylesheet_is_served_locally(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200 and b"--blue" in response.data
    response.close()


def test_templates_load_nothing_from_outside():
    external = re.compile(r'(src|href)="(https?:)?//')
    offenders = [str(p) for p in (ROOT / "templates").rglob("*.html") if external.search(p.read_text())]
    assert offenders == []


def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_form_fields_are_not_marked_invalid_until_they_are(client):
    page = client.get("/login").get_data(as_text=True)
    assert "aria-invalid" not in page and '"None"' not in page
    from tests.conftest import csrf_token

    page = client.post("/login", data={"username": "", "password": "", "csrf_token": csrf_token(client)}).get_data(
        as_text=True
    )
    assert 'aria-invalid="true"' in page and 'aria-describedby="username-error"' in page
