"""The issue's "Done when", for publishing and comparing: as the demo office of the province."""

import re

from registry.versions.queries import version_by_label
from tests.versions.conftest import token_of
from tests.versions.test_versions import change_lead


def publish_through_the_pages(client, label, doc_number):
    path = "/manage/990000/versions/publish"
    form = {
        "csrf_token": token_of(client, path),
        "label": label,
        "doc_number": doc_number,
        "effective_date": "2026-01-01",
        "publisher": "示例省人民政府办公厅",
    }
    page = client.post(path, data=form).get_data(as_text=True)
    checksum = re.search(r'name="confirmed" value="([0-9a-f]+:[0-9]+)"', page).group(1)
    response = client.post(path, data={**form, "confirmed": checksum})
    assert response.status_code == 302, response.get_data(as_text=True)
    return page


def test_publish_change_a_lead_publish_again_compare(province, client, auth):
    auth.login("province_office")
    publish_through_the_pages(client, "2026年版", "示政办发〔2026〕1号")
    change_lead(province, "清洁取暖与散煤治理", "省住房城乡建设厅")
    confirmation = publish_through_the_pages(client, "2026年修订版", "示政办发〔2026〕9号")
    assert "牵头部门变化 1 项" in confirmation
    first, second = version_by_label(province, "2026年版"), version_by_label(province, "2026年修订版")
    index = client.get("/manage/990000/versions").get_data(as_text=True)
    assert index.index("2026年修订版") < index.index("2026年版<")
    page = client.get(f"/manage/990000/versions/compare?old={first.id}&new={second.id}").get_data(as_text=True)
    assert "牵头部门变化 1 项" in page
    row = re.search(r'<tr class="changed-lead">(.*?)</tr>', page, re.S).group(1)
    assert "清洁取暖与散煤治理" in row
    assert re.search(r"省能源局.*→.*省住房和城乡建设厅", row, re.S)
