"""The indicators' open data (issue #19): /api/v1/indicators?jurisdiction=… and /api/v1/indicators/<id>,
checked against the API's own OpenAPI description; errors, ETags, and nothing personal."""

import pytest
from openapi_schema_validator import OAS31Validator

from registry.public.openapi import document
from registry.targets import services
from tests import factories


def _schema_for(template: str, status: int) -> dict:
    doc = document()
    schema = doc["paths"][template]["get"]["responses"][str(status)]["content"]["application/json"]["schema"]
    return {**schema, "components": doc["components"]}


def check(client, url: str, template: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    body = response.get_json()
    errors = list(OAS31Validator(_schema_for(template, status)).iter_errors(body))
    assert not errors, (url, [e.message for e in errors[:3]])
    return body


@pytest.fixture
def place(app):
    province = factories.jurisdiction("960000", "province", name="测试省")
    sthj = factories.department(province, "测试省生态环境厅")
    recorder = factories.user("zhang_san_recorder", "dept_editor", province, sthj)
    pm25 = factories.indicator(province, sthj, target=(2025, 28.0), stretch=25.0, values={2021: 34.0})
    services.record_value(pm25, actor=recorder, year=2022, value=30.0, source="统计公报", note="张三手机13800000000")
    services.record_value(pm25, actor=recorder, year=2023, month=6, value=26.5, source="监测数据")
    services.lock_year(province, 2021, actor="测试")
    good_days = factories.indicator(
        province,
        sthj,
        name="空气质量优良天数比率",
        unit="%",
        direction="higher",
        baseline=(2020, 85.0),
        target=(2025, 91.5),
    )
    return province, sthj, recorder, pm25, good_days


def test_a_jurisdictions_indicators_as_documented(client, place):
    province, sthj, _recorder, pm25, good_days = place
    body = check(client, f"/api/v1/indicators?jurisdiction={province.code}", "/indicators")
    assert body["total"] == 2 and body["page"] == 1
    first, second = body["items"]
    assert first["id"] == pm25.id and second["id"] == good_days.id
    assert first["jurisdiction"] == {"code": "960000", "name": "测试省"}
    assert first["target"] == {"year": 2025, "value": 28.0, "stretch_value": 25.0}
    assert first["target_text"] == "≤28微克/立方米（力争25）"
    assert first["baseline"] == {"year": 2020, "value": 35.0}
    assert first["lead_department"] == {"id": sthj.id, "name": "测试省生态环境厅", "published": False}
    assert first["latest"] == {"year": 2022, "value": 30.0, "status": "on_track", "stretch_met": False}
    assert second["latest"] is None
    assert "values" not in first  # the list gives the latest only; /indicators/{id} the years
    paged = check(client, f"/api/v1/indicators?jurisdiction={province.code}&per_page=1&page=2", "/indicators")
    assert [i["id"] for i in paged["items"]] == [good_days.id] and paged["total"] == 2


def test_one_indicator_with_its_values_by_year_and_month(client, place):
    _province, _sthj, _recorder, pm25, _good_days = place
    body = check(client, f"/api/v1/indicators/{pm25.id}", "/indicators/{id}")
    assert [(v["year"], v["value"], v["source"], v["locked"], v["status"]) for v in body["values"]] == [
        (2021, 34.0, "监测数据", True, "behind"),
        (2022, 30.0, "统计公报", False, "on_track"),
    ]
    assert body["values"][0]["expected"] == pytest.approx(33.6)
    assert body["monthly"] == [{"year": 2023, "month": 6, "value": 26.5, "source": "监测数据"}]


def test_bad_requests_are_400_and_unknown_ones_404_never_5xx(client, place):
    province, *_ = place
    check(client, "/api/v1/indicators", "/indicators", 400)
    check(client, "/api/v1/indicators?jurisdiction=", "/indicators", 400)
    check(client, "/api/v1/indicators?jurisdiction=000001", "/indicators", 404)
    check(client, "/api/v1/indicators?jurisdiction=<script>", "/indicators", 404)
    check(client, f"/api/v1/indicators?jurisdiction={province.code}&page=0", "/indicators", 400)
    check(client, f"/api/v1/indicators?jurisdiction={province.code}&per_page=201", "/indicators", 400)
    check(client, "/api/v1/indicators/abc", "/indicators/{id}", 400)
    check(client, "/api/v1/indicators/999999", "/indicators/{id}", 404)
    check(client, "/api/v1/indicators/0", "/indicators/{id}", 404)
    check(client, "/api/v1/indicators/306760600100306760600100", "/indicators/{id}", 404)
    empty = factories.jurisdiction("970000", "province")
    assert check(client, f"/api/v1/indicators?jurisdiction={empty.code}", "/indicators")["total"] == 0


def test_answers_carry_etags_and_revalidate(client, place):
    province, _sthj, _recorder, pm25, _good_days = place
    for url in (f"/api/v1/indicators?jurisdiction={province.code}", f"/api/v1/indicators/{pm25.id}"):
        first = client.get(url)
        assert first.headers["ETag"] and "public" in first.headers["Cache-Control"]
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    other = client.get(f"/api/v1/indicators?jurisdiction={province.code}&per_page=1")
    assert other.headers["ETag"] != client.get(f"/api/v1/indicators?jurisdiction={province.code}").headers["ETag"]


def test_nothing_personal_is_given(client, place):
    province, _sthj, recorder, pm25, _good_days = place
    texts = [
        client.get(f"/api/v1/indicators?jurisdiction={province.code}").get_data(as_text=True),
        client.get(f"/api/v1/indicators/{pm25.id}").get_data(as_text=True),
    ]
    for text in texts:
        assert recorder.username not in text
        assert "13800000000" not in text and "张三" not in text  # a value's note is not given
        assert "recorded" not in text and "user" not in text


def test_the_description_lists_both_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/indicators", "/indicators/{id}"} <= paths.keys()
    params = {p["name"]: p for p in paths["/indicators"]["get"]["parameters"]}
    assert params["jurisdiction"]["required"] is True
