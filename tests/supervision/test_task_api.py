"""The tasks' open data (#18 deliverable 8): /api/v1/tasks?jurisdiction=…&state=… and /api/v1/tasks/<id>,
checked against the API's own OpenAPI description; 400s, 404s, ETag and 304, and nothing personal."""

from datetime import date

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from registry.extensions import db
from registry.public.openapi import TASK_MAX_AGE, document
from registry.supervision import closure, progress, services, supervise
from tests import factories
from tests.supervision.h3_support import World


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
def world(app):
    world = World()
    office = world.user("jc_office")
    lead = world.user("jc_agri")
    progress.report_progress(
        world.task, department=world.agri, status="on_track", text="内部进展文字", percent=60, actor=lead
    )
    supervise.issue_supervision(world.task, level="remind", text="内部督办文字", actor=office)
    made = closure.apply_closure(world.task, statement="内部销号说明", actor=lead)
    for name, department in (("jc_eco", world.eco), ("jc_land", world.land)):
        closure.sign(made, department, approve=True, note="", actor=world.user(name))
    closure.start_notice(made, public_text="经核查已消除。", actor=office, today=date(2026, 12, 7))
    closure.submit_objection(
        made,
        text="异议正文：下游仍有黑臭",
        name="赵六",
        phone="13912345678",
        email="zl@example.cn",
        today=date(2026, 12, 8),
    )
    world.notice = made
    world.second = factories.task(
        world.ledger, world.water, problem="饮用水水源地保护区内违规建筑未拆除", number="2", phase="immediate"
    )
    db.session.commit()
    return world


def test_a_jurisdictions_tasks_as_documented(client, world):
    body = check(client, "/api/v1/tasks?jurisdiction=770100", "/tasks")
    assert body["total"] == 2 and body["page"] == 1 and body["per_page"] == 50
    first, second = body["items"]
    assert first["id"] == world.task.id and second["id"] == world.second.id
    assert first["jurisdiction"] == {"code": "770100", "name": "江川市"}
    assert first["source"] == {
        "ledger_id": world.ledger.id,
        "ledger": "H3 测试整改台账",
        "kind": "inspection",
        "kind_label": "生态环境保护督察反馈问题",
        "title": "第二轮中央生态环境保护督察",
        "document": None,
        "archived": False,
    }
    assert first["problem"] == "部分城市建成区黑臭水体反弹，污水管网建设滞后"
    assert first["target"] == "2026年底前消除黑臭水体" and first["measures"] == "排查管网，实施截污纳管"
    assert first["lead_department"] == {"id": world.agri.id, "name": "江川市农业农村局"}
    assert first["cooperating_departments"] == [{"id": world.build.id, "name": "江川市住房和城乡建设局"}]
    assert first["deadline"] == {"date": "2026-12-31", "phase": None, "phase_label": None}
    assert second["deadline"] == {"date": None, "phase": "immediate", "phase_label": "立行立改"}
    assert first["state"] == "notice" and first["state_label"] == "销号公示中" and first["percent"] == 60
    assert first["closure_notice"] == {
        "id": world.notice.id,
        "notice_starts": "2026-12-07",
        "notice_ends": "2026-12-21",
        "state": "notice",
        "state_label": "公示中",
    }
    assert first["closed_at"] is None and second["closure_notice"] is None
    assert "milestones" not in first  # the list gives the task; /tasks/{id} its steps

    only_open = check(client, "/api/v1/tasks?jurisdiction=770100&state=open", "/tasks")
    assert [t["id"] for t in only_open["items"]] == [world.second.id] and only_open["total"] == 1
    paged = check(client, "/api/v1/tasks?jurisdiction=770100&per_page=1&page=2", "/tasks")
    assert [t["id"] for t in paged["items"]] == [world.second.id] and paged["total"] == 2
    past_end = check(client, "/api/v1/tasks?jurisdiction=770100&page=9", "/tasks")
    assert past_end["items"] == [] and past_end["total"] == 2
    by_ledger = check(client, f"/api/v1/tasks?jurisdiction=770100&ledger={world.ledger.id}", "/tasks")
    assert by_ledger["total"] == 2


def test_one_task_with_its_public_milestones(client, world):
    closure.handle_objection(
        world.notice.objections[0], upheld=False, note="内部处理意见", actor=world.user("jc_office")
    )
    closure.close_task(world.notice, note="内部销号意见", actor=world.user("jc_office"), today=date(2026, 12, 22))
    db.session.commit()
    body = check(client, f"/api/v1/tasks/{world.task.id}", "/tasks/{id}")
    assert body["state"] == "closed" and body["closed_at"].endswith("+08:00")
    assert body["closure_notice"]["state"] == "closed"
    kinds = [m["kind"] for m in body["milestones"]]
    assert kinds == ["created", "notice_started", "closed"]
    assert body["milestones"][1]["closure_notice_id"] == world.notice.id
    assert body["milestones"][0]["label"] == "列入台账"
    raw = client.get(f"/api/v1/tasks/{world.task.id}").get_data(as_text=True)
    assert "内部销号意见" not in raw and "内部处理意见" not in raw


def test_nothing_personal_or_internal(client, world):
    for url in ("/api/v1/tasks?jurisdiction=770100", f"/api/v1/tasks/{world.task.id}"):
        raw = client.get(url).get_data(as_text=True)
        for secret in (
            "张三",
            "副厅长",
            "赵六",
            "13912345678",
            "zl@example.cn",
            "异议正文",
            "内部进展文字",
            "内部督办文字",
            "内部销号说明",
            "jc_office",
            "jc_agri",
        ):
            assert secret not in raw, (url, secret)
    assert client.get(f"/api/v1/tasks/{world.task.id}").get_json()["responsible"] is None
    settings = services.rules.settings(world.city.id)
    services.save_settings(
        world.city,
        objection_days=settings["objection_days"],
        progress_day=settings["progress_day"],
        remind_days=settings["remind_days"],
        answer_days=settings["answer_days"],
        certifier_ids=[world.eco.id, world.land.id],
        publish_responsible=True,
        actor=world.user("jc_office"),
    )
    db.session.commit()
    body = check(client, f"/api/v1/tasks/{world.task.id}", "/tasks/{id}")
    assert body["responsible"] == {"person": "张三", "post": "副厅长"}
    raw = client.get("/api/v1/tasks?jurisdiction=770100").get_data(as_text=True)
    assert "张三" in raw and "13912345678" not in raw and "异议正文" not in raw


def test_bad_requests_are_400_and_unknown_ones_404(client, world):
    for url, words in (
        ("/api/v1/tasks", "jurisdiction"),
        ("/api/v1/tasks?jurisdiction=", "jurisdiction"),
        ("/api/v1/tasks?jurisdiction=770100&state=done", "state"),
        ("/api/v1/tasks?jurisdiction=770100&page=0", "page"),
        ("/api/v1/tasks?jurisdiction=770100&per_page=201", "per_page"),
        ("/api/v1/tasks?jurisdiction=770100&ledger=abc", "ledger"),
        ("/api/v1/tasks?jurisdiction=770000&ledger=" + str(world.ledger.id), "台账"),  # the city's, not the province's
        ("/api/v1/tasks/abc", "任务编号"),
    ):
        body = check(client, url, "/tasks" if "?" in url or url.endswith("tasks") else "/tasks/{id}", 400)
        assert words in body["error"]["message"], (url, body)
    assert "779999" in check(client, "/api/v1/tasks?jurisdiction=779999", "/tasks", 404)["error"]["message"]
    assert "整改任务" in check(client, "/api/v1/tasks/999999", "/tasks/{id}", 404)["error"]["message"]
    assert check(client, "/api/v1/tasks/99999999999999999999", "/tasks/{id}", 404)


def test_etag_and_304_follow_the_content(client, world):
    url = "/api/v1/tasks?jurisdiction=770100"
    first = client.get(url)
    assert first.headers["Cache-Control"] == f"public, max-age={TASK_MAX_AGE}"
    etag = first.headers["ETag"].strip('"')
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    detail = client.get(f"/api/v1/tasks/{world.second.id}")
    detail_etag = detail.headers["ETag"].strip('"')
    assert client.get(f"/api/v1/tasks/{world.second.id}", headers={"If-None-Match": detail_etag}).status_code == 304
    # a progress report moves the percentage: both answers change
    progress.report_progress(
        world.second, department=world.water, status="on_track", text="进展", percent=30, actor="测试"
    )
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"].strip('"') != etag
    assert changed.get_json()["items"][1]["percent"] == 30
    assert client.get(f"/api/v1/tasks/{world.second.id}", headers={"If-None-Match": detail_etag}).status_code == 200


def test_the_openapi_text_documents_the_task_paths(client):
    doc = document()
    validate_spec(doc)
    assert {"/tasks", "/tasks/{id}"} <= doc["paths"].keys()
    params = {p["name"]: p for p in doc["paths"]["/tasks"]["get"]["parameters"]}
    assert params["jurisdiction"]["required"] is True
    assert params["state"]["schema"]["enum"] == ["open", "applied", "notice", "closed"]
    served = client.get("/api/v1/openapi.json").get_json()
    assert "/tasks" in served["paths"] and "TaskDetail" in served["components"]["schemas"]
