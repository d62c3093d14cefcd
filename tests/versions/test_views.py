"""The publish / withdraw / compare / export pages, as an office uses them."""

import io
import re
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select

from registry.extensions import db
from registry.versions.models import ListVersion
from registry.versions.queries import version_by_label
from tests.versions.conftest import PASSWORD, text, token_of, upload
from tests.versions.test_versions import change_lead

HEADER = "序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据\n"
PUBLISH = "/manage/970000/versions/publish"


def publish_form(client, **fields):
    """参考省's publish form with its token, filled in for 2026年版 but for `fields`."""
    return {
        "csrf_token": token_of(client, PUBLISH),
        "label": "2026年版",
        "doc_number": "参政办发〔2026〕2号",
        "effective_date": "2026-01-01",
        "publisher": "参考省政府",
        **fields,
    }


def confirmation(page):
    """The value of the confirmation the publish page asks for."""
    return re.search(r'name="confirmed" value="([0-9a-f]+:[0-9]+)"', page).group(1)


def test_versions_page_lists_versions_with_their_facts(office, client):
    page = text(client.get("/manage/970000/versions"))
    version = version_by_label(office, "2025年版")
    for fact in ("2025年版", "参政办发〔2025〕1号", "2025-01-01", "参考省政府", version.checksum[:12], ">64<", "现行"):
        assert fact in page
    assert f"/manage/versions/{version.id}/export.xlsx" in page
    assert "/manage/970000/export.csv" in page


def test_publish_shows_the_changes_then_publishes_on_confirmation(office, client):
    change_lead(office, "清洁取暖与散煤治理", "省住房城乡建设厅")
    form = publish_form(client)
    confirm = client.post(PUBLISH, data=form)
    page = text(confirm)
    assert "请确认" in page
    assert 'class="changed-lead"' in page
    assert re.search(r"省能源局.*→.*省住房城乡建设厅", page, re.S)
    assert version_by_label(office, "2026年版") is None  # nothing published yet
    done = client.post(PUBLISH, data={**form, "confirmed": confirmation(page)})
    assert done.status_code == 302
    version = version_by_label(office, "2026年版")
    assert version is not None and version.effective_date == date(2026, 1, 1)
    assert f"/manage/versions/{version.id}" in done.headers["Location"]


def test_publish_confirmation_is_repeated_when_the_list_changed_meanwhile(office, client):
    form = publish_form(client, doc_number="2号")
    checksum = confirmation(text(client.post(PUBLISH, data=form)))
    change_lead(office, "清洁取暖与散煤治理", "省住房城乡建设厅")
    again = client.post(PUBLISH, data={**form, "confirmed": checksum})
    assert again.status_code == 200
    assert "又被修改" in text(again)
    assert version_by_label(office, "2026年版") is None


def test_publish_errors_appear_next_to_the_fields(office, client):
    form = publish_form(client, label="2025年版", doc_number="", effective_date="明天")
    page = text(client.post(PUBLISH, data=form))
    assert "版本「2025年版」已存在，请换一个版本名称。" in page
    assert "请填写发布文号。" in page
    assert 'class="error"' in page
    assert (
        db.session.scalar(select(func.count()).select_from(ListVersion).where(ListVersion.jurisdiction_id == office.id))
        == 1
    )


def test_withdraw_asks_for_a_reason_and_keeps_the_version(office, client):
    version = version_by_label(office, "2025年版")
    path = f"/manage/versions/{version.id}/withdraw"
    page = text(client.get(path))
    assert "不会被修改或删除" in page
    refused = client.post(path, data={"csrf_token": token_of(client, path), "reason": ""})
    assert "请填写废止原因。" in text(refused)
    assert not version.withdrawn
    done = client.post(path, data={"csrf_token": token_of(client, path), "reason": "已被取代"})
    assert done.status_code == 302
    index = text(client.get("/manage/970000/versions"))
    assert "已废止" in index
    shown = text(client.get(f"/manage/versions/{version.id}"))
    assert "已被取代" in shown and "工业企业大气污染防治与超低排放改造" in shown
    assert client.get(f"/manage/versions/{version.id}/export.csv").status_code == 200


def test_compare_shows_lead_changes_first(office, client):
    change_lead(office, "清洁取暖与散煤治理", "省住房城乡建设厅")
    first = version_by_label(office, "2025年版")
    page = text(client.get(f"/manage/970000/versions/compare?old={first.id}&new=working"))
    assert "牵头部门变化 1 项" in page
    lead_section = page.index('id="lead-changes"')
    assert lead_section < page.index("配合部门变化")
    assert re.search(r'class="changed-lead">\s*<td>清洁取暖与散煤治理', page)
    same = text(client.get(f"/manage/970000/versions/compare?old={first.id}&new={first.id}"))
    assert "请选择两个不同的版本" in same


def test_compare_refuses_versions_of_another_jurisdiction(office, client, demo):
    other = db.session.scalar(select(ListVersion).where(ListVersion.jurisdiction_id != office.id))
    page = text(client.get(f"/manage/970000/versions/compare?old={other.id}&new=working"))
    assert "所选版本不属于参考省" in page


def test_exports_download_with_the_import_header(office, client):
    response = client.get("/manage/970000/export.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf\xe5\xba\x8f\xe5\x8f\xb7")  # BOM + 序号
    assert "attachment" in response.headers["Content-Disposition"]
    version = version_by_label(office, "2025年版")
    xlsx = client.get(f"/manage/versions/{version.id}/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).worksheets[0]
    assert next(sheet.iter_rows(values_only=True))[0] == "序号"
    assert client.get(f"/manage/versions/{version.id}/export.json").json["version"]["label"] == "2025年版"
    assert client.get("/manage/970000/export.pdf").status_code == 404


def test_an_office_cannot_publish_or_import_for_another_jurisdiction(ref, client, auth):
    auth.login("ref_city_office", PASSWORD)
    token = token_of(client, "/manage/970100/versions/publish")
    form = {"csrf_token": token, "label": "x", "doc_number": "1", "effective_date": "2026-01-01", "publisher": "x"}
    assert client.post("/manage/970000/versions/publish", data=form).status_code == 403
    assert upload(client, "970000", HEADER.encode(), csrf_path="/manage/970100/import").status_code == 403
    version = version_by_label(ref, "2025年版")
    withdraw = client.post(f"/manage/versions/{version.id}/withdraw", data={"csrf_token": token, "reason": "x"})
    assert withdraw.status_code == 403
    assert client.get("/manage/970000/versions").status_code == 403  # not even reading upwards
    assert client.get("/manage/970000/export.csv").status_code == 403
    assert not version.withdrawn


def test_an_upper_office_reads_below_but_does_not_publish_or_import_there(ref, client, auth):
    auth.login("ref_office", PASSWORD)
    assert client.get("/manage/970100/versions").status_code == 200
    assert client.get("/manage/970100/export.json").status_code == 200
    assert client.get("/manage/970100/versions/publish").status_code == 403
    assert client.get("/manage/970100/import").status_code == 403


def test_department_users_cannot_reach_the_version_pages(demo, client, auth):
    auth.login("sthj_editor")
    assert client.get("/manage/990000/versions").status_code == 403
    assert client.get("/manage/990000/import").status_code == 403


def test_long_comparisons_are_cut_with_a_note(office, client):
    from registry.imports.planning import apply_import, plan_import

    rows = "".join(f"{i},大气,批量事项{i},省生态环境厅,,,\n" for i in range(1, 503))
    apply_import(plan_import(office, (HEADER + rows).encode()), "测试")
    first = version_by_label(office, "2025年版")
    page = text(client.get(f"/manage/970000/versions/compare?old={first.id}&new=working"))
    assert "新增 502 项" in page
    assert "另有 2 项未列出" in page
    assert "批量事项500<" in page and "批量事项501<" not in page
