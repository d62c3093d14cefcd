"""The open-data API: its contract (checked against its own OpenAPI document), errors, caching."""

import re

from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from registry.public.openapi import document
from registry.public.queries import API_MATTER_KEYS
from registry.versions import services as version_services
from tests.public.conftest import switch_language

MATTER_KEYS = set(API_MATTER_KEYS)


def _schema_for(template: str, status: int) -> dict:
    doc = document()
    responses = doc["paths"][template]["get"]["responses"]
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    return {**schema, "components": doc["components"]}


def check(client, url: str, template: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    body = response.get_json()
    errors = list(OAS31Validator(_schema_for(template, status)).iter_errors(body))
    assert not errors, (url, [e.message for e in errors[:3]])
    return body


def test_openapi_document_is_valid_and_served(client):
    validate_spec(document())
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["paths"].keys() == document()["paths"].keys()


def test_every_endpoint_answers_as_documented(client, second_version):
    city, matter, old_lead, ecology, _ = second_version
    check(client, "/api/v1/jurisdictions", "/jurisdictions")
    j = check(client, "/api/v1/jurisdictions/990100", "/jurisdictions/{code}")
    assert j["current_version"]["label"] == "2026年版"
    assert j["current_version"]["doc_number"] == "江政办发〔2026〕2号"
    versions = check(client, "/api/v1/jurisdictions/990100/versions", "/jurisdictions/{code}/versions")
    assert [v["label"] for v in versions["items"]] == ["2026年版", "2025年版"]
    assert versions["total"] == 2 and versions["page"] == 1 and versions["per_page"] == 50
    diff = check(
        client,
        "/api/v1/jurisdictions/990100/versions/2025年版/diff/2026年版",
        "/jurisdictions/{code}/versions/{label}/diff/{other_label}",
    )
    assert diff["summary"]["lead_changed"] == 1
    change = diff["changed"][0]
    assert (change["old_lead"]["name"], change["new_lead"]["name"]) == (old_lead.name, ecology.name)
    dept = check(client, f"/api/v1/departments/{ecology.id}", "/departments/{id}")
    assert matter.id in [m["id"] for m in dept["lead_matters"]]
    one = check(client, f"/api/v1/matters/{matter.id}", "/matters/{id}")
    assert set(one) == MATTER_KEYS
    assert one["lead"]["name"] == ecology.name and one["version"] == "2026年版"
    assert one["jurisdiction"] == {"code": "990100", "name": "江川市"}
    listing = check(client, "/api/v1/matters?jurisdiction=990100", "/matters")
    assert listing["total"] == 6 and all(set(m) == MATTER_KEYS for m in listing["items"])
    old = check(client, "/api/v1/matters?jurisdiction=990100&version=2025年版", "/matters")
    assert next(m for m in old["items"] if m["id"] == matter.id)["lead"]["name"] == old_lead.name
    led = check(client, f"/api/v1/matters?department={ecology.id}&role=lead", "/matters")
    assert {m["id"] for m in led["items"]} >= {matter.id}
    assert all(m["lead"]["id"] == ecology.id for m in led["items"])
    coop = check(client, f"/api/v1/matters?department={old_lead.id}&role=cooperating", "/matters")
    assert matter.id in [m["id"] for m in coop["items"]]
    found = check(client, "/api/v1/matters?q=秸秆", "/matters")
    assert {m["jurisdiction"]["code"] for m in found["items"]} == {"990000", "990100", "990200"}
    assert found["items"][0]["title"].count("秸秆")
    scoped = check(client, "/api/v1/matters?q=秸秆&jurisdiction=990100&category=大气", "/matters")
    assert [m["id"] for m in scoped["items"]] == [matter.id]
    page = check(client, "/api/v1/matters?jurisdiction=990000&per_page=10&page=7", "/matters")
    assert page["total"] == 64 and len(page["items"]) == 4


BAD = [
    "/api/v1/matters?page=0",
    "/api/v1/matters?page=-1",
    "/api/v1/matters?page=abc",
    "/api/v1/matters?per_page=201",
    "/api/v1/matters?per_page=0",
    "/api/v1/matters?role=boss&department=1",
    "/api/v1/matters?role=lead",
    "/api/v1/matters?department=abc",
    "/api/v1/matters?department=1.5",
    "/api/v1/matters?q=秸",
    "/api/v1/matters?version=2025年版",
    "/api/v1/matters?jurisdiction=990100&version=2025年版&q=秸秆",
    "/api/v1/departments/abc",
    "/api/v1/departments/-3",
    "/api/v1/matters/abc",
    "/api/v1/jurisdictions?per_page=1000",
    "/api/v1/matters?page=999999999999999999999999999999",
    "/api/v1/matters?department=" + "9" * 5000,
    "/api/v1/jurisdictions/990000/versions?page=x",
]
NOT_FOUND = [
    "/api/v1/jurisdictions/123456",
    "/api/v1/jurisdictions/123456/versions",
    "/api/v1/jurisdictions/990100/versions/没有的版本/diff/2026年版",
    "/api/v1/matters?jurisdiction=123456",
    "/api/v1/matters?jurisdiction=990100&version=没有的版本",
    "/api/v1/departments/99999999",
    "/api/v1/matters/99999999",
    "/api/v1/matters/99999999999999999999",  # no id can be this large
    "/api/v1/departments/306760600100",
    "/api/v1/no-such-thing",
]


def test_bad_parameters_give_400_and_unknown_things_404_never_500(client, second_version):
    for status, urls in ((400, BAD), (404, NOT_FOUND)):
        for url in urls:
            body = check(client, url, "/matters", status)
            assert body["error"]["status"] == status
            assert re.search(r"[\u4e00-\u9fff]", body["error"]["message"]), url


def test_error_messages_follow_the_interface_language(client, demo):
    switch_language(client, "en")
    body = client.get("/api/v1/matters?page=0").get_json()
    assert body["error"]["message"] == "Parameter page must be a positive integer."


def test_api_is_read_only(client, demo):
    assert client.post("/api/v1/matters").status_code == 405
    assert client.delete("/api/v1/matters/1").status_code == 405


def test_revalidation_answers_304_until_a_new_version_is_published(client, demo):
    from datetime import date

    from registry.jurisdictions.queries import by_code

    url = "/api/v1/jurisdictions/990200"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert first.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get(url + "?x=1", headers={"If-None-Match": etag}).status_code == 200
    version_services.publish_version(
        by_code("990200"),
        label="2026年版",
        doc_number="云〔2026〕1号",
        effective_date=date(2025, 2, 1),
        publisher="云",
        actor="测试",
    )
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["current_version"]["label"] == "2026年版"


def test_etag_differs_by_language(client, demo):
    zh = client.get("/api/v1/jurisdictions/990000").headers["ETag"]
    switch_language(client, "en")
    assert client.get("/api/v1/jurisdictions/990000").headers["ETag"] != zh
