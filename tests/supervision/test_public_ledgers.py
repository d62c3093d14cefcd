"""The public ledger pages (#18 deliverable 7): a jurisdiction's ledgers with their progress, one ledger by
state and by lead department (charts and tables) with its tasks filtered and paged, one task with the
public steps of its timeline; what anonymous users never see (contacts, objections, progress texts,
督办, internal notes; the responsible person unless the office publishes it); 404 on mismatched codes;
the jurisdiction page's links kept fresh although the page is cached."""

from datetime import date

import pytest

from registry.extensions import db
from registry.supervision import closure, decomposition, progress, services, supervise
from registry.supervision.models import Ledger
from tests import factories
from tests.supervision.h3_support import World, text


@pytest.fixture
def world(app):
    return World()


def _publish_responsible(world, value: bool) -> None:
    settings = services.rules.settings(world.city.id)
    services.save_settings(
        world.city,
        objection_days=settings["objection_days"],
        progress_day=settings["progress_day"],
        remind_days=settings["remind_days"],
        answer_days=settings["answer_days"],
        certifier_ids=[world.eco.id, world.land.id],
        publish_responsible=value,
        actor=world.user("jc_office"),
    )
    db.session.commit()


@pytest.fixture
def busy(world):
    """The world's task on notice (with an objection and its contact), plus an open task with progress,
    a 督办 and a unit, an overdue one, a closed one, and an archived ledger."""
    office = world.user("jc_office")
    lead = world.user("jc_agri")
    t = world.task
    unit = services_unit(world)
    decomposition.decompose_task(t, unit, person="王五", post="科长", work="排查管网", actor=lead)
    progress.report_progress(
        t, department=world.agri, status="on_track", text="内部进展：已排查管网十二公里", percent=60, actor=lead
    )
    supervise.issue_supervision(t, level="remind", text="内部督办：请加快进度", actor=office)
    made = closure.apply_closure(t, statement="内部说明：黑臭水体已消除", actor=lead)
    for name, department in (("jc_eco", world.eco), ("jc_land", world.land)):
        closure.sign(made, department, approve=True, note="内部签署意见", actor=world.user(name))
    closure.start_notice(made, public_text="经核查，城区黑臭水体已消除。", actor=office, today=date(2026, 12, 7))
    closure.submit_objection(
        made,
        text="异议内容：下游仍有黑臭",
        name="赵六",
        phone="13912345678",
        email="zl@example.cn",
        today=date(2026, 12, 8),
    )
    second = factories.task(world.ledger, world.water, problem="饮用水水源地保护区内违规建筑未拆除", number="2")
    late = factories.task(
        world.ledger, world.water, problem="工业园区污水处理厂超标排放", number="3", due_date=date(2025, 6, 30)
    )
    done = factories.task(world.ledger, world.build, problem="建筑工地扬尘管控不到位", number="4")
    done_closure = closure.apply_closure(done, statement="已整改", actor=world.user("jc_build"))
    for name, department in (("jc_eco", world.eco), ("jc_land", world.land)):
        closure.sign(done_closure, department, approve=True, note="", actor=world.user(name))
    closure.start_notice(done_closure, public_text="扬尘已管控。", actor=office, today=date(2026, 11, 1))
    closure.close_task(done_closure, note="内部销号意见", actor=office, today=date(2026, 11, 20))
    closure.reopen(done, reason="内部原因：扬尘问题反弹", actor=office)
    old = factories.ledger(world.city, title="2024年度重点任务台账", source_kind="key_tasks")
    factories.task(old, world.agri, problem="秸秆综合利用率不达标", number="1")
    old.archived = True
    db.session.commit()
    return {"notice": made, "second": second, "late": late, "done": done, "old": old}


def services_unit(world):
    from registry.lists import services as list_services

    return list_services.create_unit(world.agri, name="农田建设管理科", kind="internal", actor="测试")


def test_a_jurisdictions_ledgers_with_their_progress(client, world, busy):
    other = factories.jurisdiction("770200", "city", parent=world.province, name="河西市")
    factories.ledger(other, title="河西市整改台账")
    db.session.commit()
    page = text(client.get("/jurisdictions/770100/ledgers"))
    assert "H3 测试整改台账" in page and "2024年度重点任务台账" in page
    assert "河西市整改台账" not in page
    assert "已归档" in page  # the archived ledger is listed, marked
    assert "生态环境保护督察反馈问题" in page and "年度重点任务" in page
    # 4 tasks: one on notice, three open (one reopened), one overdue
    assert "共 4 项：" in page and "公示中 1" in page and "整改中 3" in page
    assert "逾期未完成 1 项" in page
    assert client.get("/jurisdictions/779999/ledgers").status_code == 404


def test_a_ledger_by_state_and_department_with_its_tasks(client, world, busy):
    ledger = world.ledger
    response = client.get(f"/jurisdictions/770100/ledgers/{ledger.id}")
    assert response.status_code == 200
    page = text(response)
    for name in ("江川市农业农村局", "江川市水利局", "江川市住房和城乡建设局"):
        assert name in page
    assert "各牵头部门整改进展" in page and "各状态任务数（项）" in page
    assert f"/jurisdictions/770100/ledgers/{ledger.id}/chart.svg" in page and "size=narrow" in page
    assert "饮用水水源地保护区内违规建筑未拆除" in page
    assert "已逾期" in page  # overdue said in words
    assert "反弹 1 次" in page
    assert f"/jurisdictions/770100/tasks/{world.task.id}" in page

    only_notice = text(client.get(f"/jurisdictions/770100/ledgers/{ledger.id}?state=notice"))
    assert "部分城市建成区黑臭水体反弹" in only_notice and "饮用水水源地" not in only_notice
    water = text(client.get(f"/jurisdictions/770100/ledgers/{ledger.id}?department={world.water.id}"))
    assert "饮用水水源地" in water and "工业园区污水处理厂" in water and "建筑工地扬尘" not in water
    # nonsense filters are ignored, never an error
    assert client.get(f"/jurisdictions/770100/ledgers/{ledger.id}?state=x&department=abc").status_code == 200
    # another jurisdiction's code, an unknown ledger
    factories.jurisdiction("770200", "city", parent=world.province, name="河西市")
    db.session.commit()
    assert client.get(f"/jurisdictions/770200/ledgers/{ledger.id}").status_code == 404
    assert client.get("/jurisdictions/770100/ledgers/999999").status_code == 404


def test_the_task_list_is_paged(client, world):
    for n in range(2, 26):
        factories.task(world.ledger, world.water, problem=f"分页测试问题第{n:02d}项", number=str(n))
    db.session.commit()
    first = text(client.get(f"/jurisdictions/770100/ledgers/{world.ledger.id}"))
    # 25 tasks (the world's own first), 20 a page, in the ledger's order
    assert "分页测试问题第20项" in first and "分页测试问题第21项" not in first
    second = text(client.get(f"/jurisdictions/770100/ledgers/{world.ledger.id}?page=2"))
    assert "分页测试问题第21项" in second and "分页测试问题第25项" in second and "第20项" not in second
    assert "共 25 条" in second


def test_the_charts_are_strict_svg_with_etags(client, world, busy):
    url = f"/jurisdictions/770100/ledgers/{world.ledger.id}/chart.svg"
    for query in ("", "?size=narrow", "?by=department", "?by=department&size=narrow"):
        response = client.get(url + query)
        assert response.status_code == 200, query
        assert response.mimetype == "image/svg+xml"
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        svg = text(response)
        assert "<script" not in svg and "<title>" in svg
    department_svg = text(client.get(url + "?by=department"))
    assert "江川市水利局" in department_svg and "已销号" in department_svg
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    # a closure changes the figures and so the ETag
    progress.report_progress(
        busy["second"], department=world.water, status="on_track", text="进展", percent=10, actor="测试"
    )
    closure.apply_closure(busy["second"], statement="已完成", actor="测试")
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
    assert client.get(url + "?by=nothing").status_code == 404
    assert client.get("/jurisdictions/770100/ledgers/999999/chart.svg").status_code == 404


def test_a_task_page_shows_the_public_facts_and_milestones_only(client, world, busy):
    response = client.get(f"/jurisdictions/770100/tasks/{world.task.id}")
    assert response.status_code == 200
    page = text(response)
    for shown in ("部分城市建成区黑臭水体反弹", "2026年底前消除黑臭水体", "排查管网，实施截污纳管", "江川市农业农村局"):
        assert shown in page
    assert "江川市住房和城乡建设局" in page  # cooperating
    assert "2026年12月31日" in page
    assert "销号公示中" in page
    assert "列入台账" in page and "开始销号公示" in page
    assert f'href="/notices/{busy["notice"].id}"' in page
    for secret in (
        "张三",  # the responsible person: not published by default
        "副厅长",
        "王五",  # the unit's responsible person
        "内部进展",
        "内部督办",
        "内部说明",
        "内部签署意见",
        "异议内容",
        "赵六",
        "13912345678",
        "zl@example.cn",
        "公众",  # who acted (the objection's actor) is never named
    ):
        assert secret not in page, secret


def test_a_reopened_task_shows_its_closure_and_reopening_without_reasons(client, world, busy):
    page = text(client.get(f"/jurisdictions/770100/tasks/{busy['done'].id}"))
    assert "销号" in page and "问题反弹，重新整改" in page and "整改中" in page
    assert "内部原因" not in page and "内部销号意见" not in page
    assert f'href="/notices/{busy["done"].closures[0].id}"' in page


def test_the_responsible_person_only_where_the_office_publishes_it(client, world, busy):
    url = f"/jurisdictions/770100/tasks/{world.task.id}"
    ledger_url = f"/jurisdictions/770100/ledgers/{world.ledger.id}"
    assert "张三" not in text(client.get(url)) and "张三" not in text(client.get(ledger_url))
    _publish_responsible(world, True)
    page = text(client.get(url))
    assert "张三" in page and "副厅长" in page
    assert "张三" in text(client.get(ledger_url))
    assert "王五" not in page and "13912345678" not in page  # a unit's person, an objector: still never
    _publish_responsible(world, False)
    assert "张三" not in text(client.get(url))


def test_tasks_404_through_another_jurisdiction(client, world):
    factories.jurisdiction("770200", "city", parent=world.province, name="河西市")
    db.session.commit()
    assert client.get(f"/jurisdictions/770200/tasks/{world.task.id}").status_code == 404
    assert client.get("/jurisdictions/779999/tasks/1").status_code == 404
    assert client.get("/jurisdictions/770100/tasks/999999").status_code == 404


def test_the_jurisdiction_page_links_to_ledgers_once_it_has_one(client, world):
    place = factories.jurisdiction("770300", "city", parent=world.province, name="河东市")
    db.session.commit()
    before = client.get("/jurisdictions/770300")
    assert before.status_code == 200
    assert "/jurisdictions/770300/ledgers" not in text(before)
    # the page is cached (a kept body under its ETag): the first ledger must still show its link at once
    services.create_ledger(
        place,
        title="河东市整改台账",
        source_kind="inspection",
        source_title="",
        document=None,
        description="",
        actor="测试",
    )
    db.session.commit()
    after = client.get("/jurisdictions/770300", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    page = text(after)
    assert "/jurisdictions/770300/ledgers" in page and "/notices?jurisdiction=770300" in page
    assert "/jurisdictions/770300/bulletins" not in page  # none published
    assert db.session.query(Ledger).filter_by(jurisdiction_id=place.id).count() == 1
