"""Caching never outlives a change of the version in force."""

from registry.versions.services import withdraw_version


def test_withdrawal_changes_the_etag_and_what_is_shown(client, second_version):
    city, matter, old_lead, ecology, version = second_version
    url = f"/matters/{matter.id}"
    first = client.get(url)
    assert ecology.name in first.get_data(as_text=True).split("<dd>")[1]
    api = client.get(f"/api/v1/matters/{matter.id}")
    withdraw_version(version, "发布有误", actor="测试")
    page = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert page.status_code == 200
    assert old_lead.name in page.get_data(as_text=True).split("<dd>")[1]
    again = client.get(f"/api/v1/matters/{matter.id}", headers={"If-None-Match": api.headers["ETag"]})
    assert again.status_code == 200 and again.get_json()["version"] == "2025年版"
    assert "已废止" in client.get("/jurisdictions/990100/versions").get_data(as_text=True)
