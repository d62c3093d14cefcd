"""The system administrator manages accounts and the jurisdiction tree from the web."""

from sqlalchemy import select

from registry.auth.models import User
from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from tests.conftest import csrf_token


def test_sysadmin_creates_a_department_user(client, auth, demo):
    auth.login("admin")
    token = csrf_token(client, "/admin/users/new")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "shuili_editor",
            "display_name": "省水利厅 填报人",
            "role": "dept_editor",
            "jurisdiction_code": "990000",
            "department_name": "省水利厅",
            "password": "long-enough-1",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "shuili_editor"))
    assert user.department.name == "省水利厅" and user.check_password("long-enough-1")
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.entity_type == "users", AuditEntry.entity_id == user.id)
    )
    assert "shuili_editor" in client.get("/admin/users").get_data(as_text=True)


def test_bad_user_input_is_shown_next_to_the_field_and_changes_nothing(client, auth, demo):
    auth.login("admin")
    before = db.session.scalar(select(db.func.count()).select_from(User))
    page = client.post(
        "/admin/users/new",
        data={
            "username": "x1",
            "role": "dept_head",
            "jurisdiction_code": "990000",
            "department_name": "没有的部门",
            "password": "long-enough-1",
            "csrf_token": csrf_token(client, "/admin/users/new"),
        },
    ).get_data(as_text=True)
    assert 'id="department_name-error"' in page and "没有名为「没有的部门」的部门" in page
    assert db.session.scalar(select(db.func.count()).select_from(User)) == before


def test_sysadmin_deactivates_and_the_user_can_no_longer_log_in(client, auth, demo):
    auth.login("admin")
    user = db.session.scalar(select(User).where(User.username == "sthj_editor"))
    client.post(f"/admin/users/{user.id}/active", data={"csrf_token": csrf_token(client, "/admin/users")})
    auth.logout()
    page = auth.login("sthj_editor").get_data(as_text=True)
    assert "该账户已停用" in page


def test_sysadmin_unlocks_a_locked_account(client, auth, demo):
    for _ in range(5):
        auth.login("sthj_editor", "wrong")
    auth.login("admin")
    assert "已锁定" in client.get("/admin/users").get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.username == "sthj_editor"))
    client.post(f"/admin/users/{user.id}/unlock", data={"csrf_token": csrf_token(client, "/admin/users")})
    auth.logout()
    assert auth.login("sthj_editor").status_code == 302


def test_sysadmin_adds_a_county_and_is_told_about_a_wrong_parent(client, auth, demo):
    auth.login("admin")
    token = csrf_token(client, "/admin/jurisdictions")
    ok = client.post(
        "/admin/jurisdictions",
        data={"code": "990101", "name": "临江县", "level": "county", "parent_code": "990100", "csrf_token": token},
    )
    assert ok.status_code == 302
    assert db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990101")).parent.name == "江川市"
    page = client.post(
        "/admin/jurisdictions",
        data={"code": "990102", "name": "错县", "level": "county", "parent_code": "990000", "csrf_token": token},
    ).get_data(as_text=True)
    assert 'id="level-error"' in page and "下级不能是" in page


def test_only_the_sysadmin_reaches_the_admin_pages(client, auth, demo):
    auth.login("province_office")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/jurisdictions").status_code == 403
    assert "用户管理" not in client.get("/").get_data(as_text=True)
