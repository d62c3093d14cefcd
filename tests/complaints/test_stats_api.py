"""The complaint figures in the open-data API: as documented, aggregates only, errors like the rest of
the API, cached briefly."""

import json
import re

from registry.complaints.models import ComplaintState, EventKind
from registry.complaints.services import add_event
from registry.extensions import db
from registry.public.openapi import COMPLAINT_COUNTS, document
from tests.complaints.test_stats import PRIVATE, handled, place  # noqa: F401  (fixtures)
from tests.public.test_api import check

URL = "/api/v1/complaints/stats"


def test_the_figures_answer_as_documented(client, handled):  # noqa: F811
    (province, city, ecology, farming, _), _c = handled
    body = check(client, f"{URL}?jurisdiction=960000&year=2026", "/complaints/stats")
    assert body["jurisdiction"] == {"code": "960000", "name": "统计测试省"}
    assert body["year"] == 2026
    t = body["totals"]
    assert (t["received"], t["accepted"], t["transferred"], t["answered"], t["rejected"]) == (6, 3, 1, 2, 1)
    assert (t["on_time"], t["overdue"], t["overdue_open"], t["closed_late"]) == (2, 3, 2, 1)
    assert (t["repeat"], t["rated"], t["satisfied"]) == (1, 2, 1)
    assert t["on_time_rate"] == 0.6667 and t["satisfaction_rate"] == 0.5
    assert set(t) == {*COMPLAINT_COUNTS, "on_time_rate", "satisfaction_rate"}  # the documented keys, no more
    assert [(d["id"], d["name"], d["received"]) for d in body["departments"]] == [
        (ecology.id, "统计测试省生态环境厅", 4),
        (farming.id, "统计测试省农业农村厅", 2),
    ]
    assert [(m["id"], m["title"], m["received"]) for m in body["matters"]] == [
        (101, "秸秆禁烧", 4),
        (102, "饮用水水源保护", 2),
    ]
    assert body["received_by_period"][2] == {"period": "2026-03", "received": 4}
    everything = check(client, f"{URL}?jurisdiction=960100", "/complaints/stats")
    assert everything["year"] is None and everything["totals"]["received"] == 1
    assert everything["totals"]["on_time_rate"] is None  # nothing closed yet
    assert everything["received_by_period"] == [{"period": "2025", "received": 1}]
    assert everything["matters"] == [{**everything["totals"], "id": None, "title": ""}]
    text = json.dumps(body, ensure_ascii=False) + json.dumps(everything, ensure_ascii=False)
    for private in PRIVATE:
        assert private not in text


def test_errors_are_the_apis(client, place):  # noqa: F811
    for url in (
        URL,
        f"{URL}?jurisdiction=",
        f"{URL}?jurisdiction=960000&year=abc",
        f"{URL}?jurisdiction=960000&year=1999",
    ):
        body = check(client, url, "/complaints/stats", 400)
        assert body["error"]["status"] == 400 and re.search(r"[\u4e00-\u9fff]", body["error"]["message"])
    check(client, f"{URL}?jurisdiction=960000&year=" + "9" * 300, "/complaints/stats", 400)
    check(client, f"{URL}?jurisdiction=123456", "/complaints/stats", 404)
    empty = check(client, f"{URL}?jurisdiction=960000&year=2026", "/complaints/stats")
    assert empty["totals"]["received"] == 0 and empty["departments"] == [] and empty["matters"] == []
    assert len(empty["received_by_period"]) == 12


def test_cached_briefly_and_revalidated_until_a_complaint_moves(client, handled):  # noqa: F811
    _place, c = handled
    first = client.get(f"{URL}?jurisdiction=960000")
    assert first.headers["Cache-Control"] == "public, max-age=60"
    etag = first.headers["ETag"]
    assert client.get(f"{URL}?jurisdiction=960000", headers={"If-None-Match": etag}).status_code == 304
    add_event(c["fresh"], EventKind.ACCEPTED, "测试")
    c["fresh"].state = ComplaintState.ACCEPTED
    db.session.flush()
    moved = client.get(f"{URL}?jurisdiction=960000", headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.get_json()["totals"]["accepted"] == 4


def test_the_description_documents_the_endpoint():
    operation = document()["paths"]["/complaints/stats"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["jurisdiction"]["required"] is True
    assert parameters["year"]["schema"] == {"type": "integer", "minimum": 2000, "maximum": 2100}
    assert "max-age=60" in operation["responses"]["200"]["headers"]["Cache-Control"]["description"]
    assert "不含举报内容" in operation["description"]
