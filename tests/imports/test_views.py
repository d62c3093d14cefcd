"""The import pages, as an office uses them: upload, preview, confirm, and what stays private."""

import re

from sqlalchemy import func, select

from registry.extensions import db
from registry.imports.models import PendingImport
from registry.lists.models import Matter
from tests.versions.conftest import PASSWORD, text, token_of, upload

HEADER = "序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据\n"


def matter_count(j):
    return db.session.scalar(select(func.count()).select_from(Matter).where(Matter.jurisdiction_id == j.id))


def test_import_preview_then_confirm(office, client):
    csv = HEADER + "1,大气,新增的事项,省生态环境厅,省公安厅,内容,\n2,大气,燃煤锅炉综合整治,省发展改革委,,,\n"
    response = upload(client, "970000", csv.encode())
    assert response.status_code == 302
    preview = text(client.get(response.headers["Location"]))
    assert re.search(r"将新增</dt><dd><strong>1</strong>", preview)
    assert re.search(r"将修改</dt><dd><strong>1</strong>", preview)
    assert "63 项（保持不动，不会被删除）" in preview
    assert re.search(r"省生态环境厅</del> → <ins class=\"diff-added\"><strong>省发展改革委", preview)
    assert matter_count(office) == 64  # nothing yet
    confirm = client.post(
        response.headers["Location"], data={"csrf_token": token_of(client, response.headers["Location"])}
    )
    assert confirm.status_code == 302
    result = text(client.get(confirm.headers["Location"]))
    assert "导入完成" in result and "list.csv" in result
    assert matter_count(office) == 65
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0


def test_import_with_a_bad_row_shows_the_row_and_changes_nothing(office, client):
    csv = HEADER + "1,大气,甲事项,省生态环境厅,,,\n2,大气,乙事项,不存在的厅,,,\n3,大气,丙事项,省公安厅,,,\n"
    response = upload(client, "970000", csv.encode())
    location = response.headers["Location"]
    preview = text(client.get(location))
    assert "文件有 1 处错误" in preview
    assert "第 3 行" in preview and "找不到部门「不存在的厅」" in preview
    assert "确认导入" not in preview
    forced = client.post(location, data={"csrf_token": token_of(client, location)})
    assert forced.status_code == 302
    assert matter_count(office) == 64


def test_unreadable_upload_is_refused_next_to_the_field(office, client):
    response = upload(client, "970000", b"\x89PNG\r\n\x1a\n\0\0\0", "picture.png")
    assert response.status_code == 200
    assert "文件格式不明" in text(response)
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0


def test_xlsx_and_gb18030_uploads(office, client):
    csv = HEADER + "1,大气,国标编码事项,省生态环境厅,省公安厅,,\n"
    response = upload(client, "970000", csv.encode("gb18030"), "gbk.csv")
    assert "国标编码事项" in text(client.get(response.headers["Location"]))
    content = client.get("/manage/970000/export.xlsx").data
    response = upload(client, "970000", content, "list.xlsx")
    assert "文件与工作清单一致" in text(client.get(response.headers["Location"]))


def test_pending_upload_belongs_to_its_user_and_jurisdiction(ref, client, auth):
    auth.login("ref_office", PASSWORD)
    location = upload(client, "970000", (HEADER + "1,大气,某事项,省生态环境厅,,,\n").encode()).headers["Location"]
    token = location.rsplit("/", 1)[-1]
    auth.logout()
    auth.login("ref_city_office", PASSWORD)
    assert client.get(f"/manage/970100/import/{token}").status_code == 404
    auth.logout()
    from tests import factories

    factories.user("ref_office2", "office_admin", ref)
    auth.login("ref_office2", PASSWORD)
    assert client.get(location).status_code == 404


def test_uploads_expire_and_lose_their_folders(office, client):
    from datetime import timedelta

    from registry.imports.uploads import base_name

    location = upload(client, "970000", (HEADER + "1,大气,某事项,省生态环境厅,,,\n").encode(), "清单/新.csv")
    pending = db.session.scalar(select(PendingImport))
    assert pending.filename == "新.csv"
    pending.created_at -= timedelta(days=2)
    db.session.flush()
    assert client.get(location.headers["Location"]).status_code == 404
    assert base_name("../../etc/passwd") == "passwd"
    assert base_name("C:\\清单\\新.csv") == "新.csv"
