"""The public side of 销号: the list of closure notices and each notice's page for anyone, the objection
form (CAPTCHA, rate limit, a contact required), and privacy: the objector's contact and the
responsible person never on a public page or in a notice, the office's look at a contact audited."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from registry.complaints import captcha
from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.notify.models import Notification
from registry.supervision import closure
from registry.supervision.models import EventKind, Objection, ObjectionContact, ObjectionState, TaskState
from tests.conftest import another_client, csrf_token
from tests.supervision.h3_support import World, login, text

DAY = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, the notice's second day
TOKEN_RE = re.compile(r'name="captcha_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="captcha_token"')


@pytest.fixture
def world(app):
    return World()


@pytest.fixture
def notice(world):
    made = closure.apply_closure(world.task, statement="黑臭水体已全部消除", actor=world.user("jc_agri"))
    for name, department in (("jc_eco", world.eco), ("jc_land", world.land)):
        closure.sign(made, department, approve=True, note="", actor=world.user(name))
    closure.start_notice(
        made, public_text="经核查，城区黑臭水体已消除。", actor=world.user("jc_office"), today=date(2026, 12, 7)
    )
    db.session.commit()
    return made


def _challenge(client, notice) -> tuple[str, str]:
    page = text(client.get(f"/notices/{notice.id}/objection"))
    match = TOKEN_RE.search(page)
    token = match.group(1) or match.group(2)
    return token, captcha.answer_for_token(token)


def _csrf(client, notice) -> str:
    return csrf_token(client, f"/notices/{notice.id}/objection")


def _object(client, notice, *, answer=None, **fields):
    token, right = _challenge(client, notice)
    data = {
        "csrf_token": _csrf(client, notice),
        "text": "河道下游仍有黑臭现象",
        "name": "李四",
        "phone": "13912345678",
        "email": "",
        "captcha_token": token,
        "captcha": right if answer is None else answer,
    }
    data.update(fields)
    return client.post(f"/notices/{notice.id}/objection", data=data)


def test_anyone_reads_the_notices_and_a_notice_without_the_responsible_person(client, world, notice):
    with time_machine.travel(DAY, tick=False):
        listing = text(client.get("/notices"))
        assert "部分城市建成区黑臭水体" in listing and "还剩 14 天" in listing and "江川市农业农村局" in listing
        assert "江川市" in text(client.get("/notices?jurisdiction=770100"))
        assert "部分城市建成区黑臭水体" not in text(client.get("/notices?jurisdiction=770000"))
        assert client.get("/notices?jurisdiction=999999").status_code == 404
        page = text(client.get(f"/notices/{notice.id}"))
    assert "经核查，城区黑臭水体已消除。" in page and "排查管网，实施截污纳管" in page
    assert "2026-12-07 至 2026-12-21" in page and "提出异议" in page
    assert "张三" not in page and "副厅长" not in page  # the responsible person is not published here
    assert "黑臭水体已全部消除" not in page  # the statement is internal; the office's public text is shown


def test_a_notice_not_started_is_not_public(client, world):
    made = closure.apply_closure(world.task, statement="完成", actor=world.user("jc_agri"))
    db.session.commit()
    assert client.get(f"/notices/{made.id}").status_code == 404
    assert client.get(f"/notices/{made.id}/objection").status_code == 404
    assert client.get("/notices/999999").status_code == 404


def test_an_objection_with_the_captcha_right_is_received_and_its_contact_kept_apart(client, world, notice):
    with time_machine.travel(DAY, tick=False):
        response = _object(client, notice)
        assert response.status_code == 303
        page = text(client.get(response.headers["Location"]))
    assert "已收到您的异议" in page
    objection = db.session.scalar(select(Objection).where(Objection.closure_id == notice.id))
    assert objection.text == "河道下游仍有黑臭现象" and objection.state == ObjectionState.NEW
    assert objection.contact.name == "李四" and objection.contact.phone == "13912345678"
    event = world.task.events[-1]
    assert event.kind == EventKind.OBJECTION and event.actor_id is None and event.actor_name == "公众"
    # Never public: not the text, not the contact.
    for path in ("/notices", f"/notices/{notice.id}", "/notices?show=ended"):
        public_page = text(client.get(path))
        assert (
            "李四" not in public_page and "13912345678" not in public_page and "河道下游仍有黑臭现象" not in public_page
        )
    told = db.session.scalars(select(Notification).where(Notification.user_id == world.user("jc_office").id)).all()
    assert any("异议" in n.title for n in told)
    assert all("李四" not in f"{n.title}{n.body}" and "13912345678" not in f"{n.title}{n.body}" for n in told)


def test_a_wrong_captcha_or_missing_contact_stores_nothing_and_keeps_the_text(client, world, notice):
    with time_machine.travel(DAY, tick=False):
        wrong = _object(client, notice, answer="XXXXX")
        assert wrong.status_code == 400 and "验证码不正确" in text(wrong) and "河道下游仍有黑臭现象" in text(wrong)
        no_contact = _object(client, notice, name="", phone="", email="")
        page = text(no_contact)
        assert no_contact.status_code == 400
        assert "请填写姓名" in page and "请至少填写电话或电子邮箱中的一项" in page
        bad = _object(client, notice, phone="abc", email="not-an-address")
        assert "电话号码格式不正确" in text(bad) and "电子邮箱格式不正确" in text(bad)
        # The same CAPTCHA cannot be used twice.
        token, right = _challenge(client, notice)
        data = {
            "csrf_token": _csrf(client, notice),
            "text": "第一次提交的异议",
            "name": "李四",
            "phone": "13912345678",
            "captcha_token": token,
            "captcha": right,
        }
        assert client.post(f"/notices/{notice.id}/objection", data=data).status_code == 303
        replay = client.post(f"/notices/{notice.id}/objection", data=data)
        assert replay.status_code == 400 and "验证码已过期" in text(replay)
    assert db.session.scalar(select(db.func.count(Objection.id))) == 1


def test_the_objection_form_is_rate_limited(app, client, world, notice, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_FORM_RATE_LIMIT", "2 per minute")
    with time_machine.travel(DAY, tick=True):
        assert _object(client, notice, answer="XXXXX").status_code == 400
        assert _object(client, notice, answer="XXXXX").status_code == 400
        refused = _object(client, notice)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert db.session.scalar(select(Objection.id)) is None


def test_after_the_window_no_objection_and_the_outcome_is_said(client, world, notice):
    with time_machine.travel(datetime(2026, 12, 22, 2, 0, tzinfo=UTC), tick=False):
        form = client.get(f"/notices/{notice.id}/objection")
        assert form.status_code == 302
        page = text(client.get(f"/notices/{notice.id}"))
        assert "不再接受异议" in page and "提出异议</a>" not in page
        closure.close_task(notice, note="", actor=world.user("jc_office"))
        db.session.commit()
        page = text(client.get(f"/notices/{notice.id}"))
        assert "已销号" in page
        assert "部分城市建成区黑臭水体" in text(client.get("/notices?show=ended"))
        assert "部分城市建成区黑臭水体" not in text(client.get("/notices"))
        closure.reopen(world.task, reason="问题反弹", actor=world.user("jc_office"))
        db.session.commit()
        assert "此后问题反弹，已重新整改" in text(client.get(f"/notices/{notice.id}"))


def test_a_returned_notice_says_so(client, world, notice):
    closure.send_back(notice, note="异议成立", actor=world.user("jc_office"))
    db.session.commit()
    page = text(client.get(f"/notices/{notice.id}"))
    assert "已退回重新整改" in page and world.task.state == TaskState.OPEN


def test_the_office_sees_the_contact_only_on_a_post_and_every_look_is_audited(app, client, world, notice):
    objection = closure.submit_objection(
        notice, text="下游仍有黑臭现象", name="李四", phone="13912345678", email="", today=date(2026, 12, 8)
    )
    db.session.commit()
    token = login(client, "jc_office")
    page = text(client.get(f"/objections/{objection.id}"))
    assert "下游仍有黑臭现象" in page and "查看联系方式" in page and "13912345678" not in page
    task_page = text(client.get(f"/tasks/{world.task.id}"))
    assert "13912345678" not in task_page and "李四" not in task_page
    shown = client.post(f"/objections/{objection.id}/contact", data={"csrf_token": token})
    assert shown.status_code == 200 and "13912345678" in text(shown) and "李四" in text(shown)
    assert shown.headers["Cache-Control"] == "no-store"
    looks = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "view_objection_contact")).all()
    assert len(looks) == 1 and looks[0].actor_id == world.user("jc_office").id and "13912345678" not in looks[0].summary
    assert client.get(f"/objections/{objection.id}/contact").status_code == 405
    # Nobody else: not the office above, not the lead department, not a certifier.
    for username in ("sh_office", "jc_agri", "jc_eco"):
        other = another_client(app)
        other_token = login(other, username)
        assert other.post(f"/objections/{objection.id}/contact", data={"csrf_token": other_token}).status_code == 403
        assert other.get(f"/objections/{objection.id}").status_code == 403
    assert db.session.scalar(select(db.func.count(ObjectionContact.id))) == 1
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "view_objection_contact")).all()) == 1


def test_the_office_handles_an_objection_with_a_note(client, world, notice):
    objection = closure.submit_objection(
        notice, text="下游仍有黑臭现象", name="李四", phone="13912345678", email="", today=date(2026, 12, 8)
    )
    db.session.commit()
    token = login(client, "jc_office")
    empty = client.post(f"/objections/{objection.id}", data={"csrf_token": token, "decision": "upheld", "note": ""})
    assert empty.status_code == 400 and "请填写处理意见" in text(empty)
    done = client.post(f"/objections/{objection.id}", data={"csrf_token": token, "decision": "upheld", "note": "属实"})
    assert done.status_code == 303 and objection.state == ObjectionState.ACCEPTED
    page = text(client.get(f"/tasks/{world.task.id}"))
    assert "异议成立" in page and "属实" in page
