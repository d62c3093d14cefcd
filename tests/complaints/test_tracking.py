"""Tracking with the 查询码 (public): the state, the department handling it now, the dates, the public
timeline, the reply or the refusal, publishable photos only — never the person's contact details; a
wrong code says nothing about which codes exist; look-ups are rate limited. Rating: once per reply;
不满意 reopens it once for the office, a later 不满意 is only recorded."""

import re
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import select

from registry.auth.models import User
from registry.complaints import handling, intake
from registry.complaints.models import Complaint, ComplaintFile, ComplaintState, EventKind
from registry.complaints.services import shown_code
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jurisdictions.queries import by_code
from registry.lists.models import Department
from tests import factories
from tests.complaints.public_helpers import step1, submit, text
from tests.complaints.test_routing import in_force_matter
from tests.conftest import csrf_token

CONTACT = {"name": "赵小明", "phone": "13912345678", "email": "zhaoxm@example.com"}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _department(code: str, name: str) -> Department:
    return db.session.scalar(
        select(Department).where(Department.jurisdiction_id == by_code(code).id, Department.name == name)
    )


def _editor(username: str, department: Department) -> User:
    return factories.user(username, "dept_editor", department.jurisdiction, department)


@pytest.fixture
def reported(client, demo):
    """A straw report of 江川市 with contact details and a photo, filed through the form."""
    straw = str(in_force_matter("990100", "秸秆禁烧网格化巡查").id)
    _, data = step1(client)
    photo = BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 0)).save(photo, format="PNG")
    assert (
        submit(client, data, matter=straw, files=[(BytesIO(photo.getvalue()), "p.png")], **CONTACT).status_code == 303
    )
    return db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()


def _track(client, code: str):
    return client.get("/complaints/track", query_string={"code": code})


def _no_contact(page: str) -> None:
    for value in CONTACT.values():
        assert value not in page


def test_a_wrong_code_says_only_that_it_was_not_found(client, demo):
    for code in ("ABCDE-23456", "nonsense", "x" * 100):
        response = _track(client, code)
        page = text(response)
        assert response.status_code == 404 and "没有找到与这个查询码对应的举报" in page
    assert text(client.get("/complaints/track")).count("没有找到") == 0  # the empty form


def test_the_right_code_in_any_spelling_shows_the_state_department_and_dates(client, reported):
    for spelling in (shown_code(reported.code), reported.code.lower(), " ".join(reported.code)):
        response = _track(client, spelling)
        page = text(response)
        assert response.status_code == 200, spelling
        assert "待受理" in page and "江川市农业农村局" in page and "秸秆禁烧网格化巡查" in page
        assert "前作出受理决定" in page and "提交举报" in page
        assert response.headers["Cache-Control"] == "no-store"
        _no_contact(page)


def test_no_contact_detail_in_any_public_response(client, reported):
    code = shown_code(reported.code)
    pages = [client.get("/complaints/submitted"), _track(client, code), client.get("/complaints/new")]
    editor = _editor("h1_nyj", reported.department)
    handling.accept(reported, editor, expected_version=reported.lock_version)
    handling.answer(
        reported, editor, reply="已到现场制止焚烧，并对村民进行了宣传教育。", expected_version=reported.lock_version
    )
    reported.files[0].publishable = True
    db.session.commit()
    token = CSRF_RE.search(_track(client, code).get_data(as_text=True)).group(1)
    pages.append(
        client.post("/complaints/rate", data={"csrf_token": token, "code": reported.code, "rating": "unsatisfied"})
    )
    pages.append(
        client.post("/complaints/rate", data={"csrf_token": token, "code": reported.code, "rating": "satisfied"})
    )
    pages.append(_track(client, code))
    pages.append(client.get(f"/complaints/photos/{reported.files[0].id}"))
    for response in pages:
        _no_contact(
            response.get_data(as_text=True) if response.mimetype == "text/html" else response.data.decode("latin-1")
        )


def test_the_reply_a_transfer_and_a_refusal_are_public_with_the_departments_named(client, reported):
    code = shown_code(reported.code)
    first = _editor("h1_nyj", reported.department)
    ecology = _department("990100", "江川市生态环境局")
    catering = in_force_matter("990100", "城区餐饮油烟污染治理")
    handling.transfer(
        reported,
        first,
        to_department_id=ecology.id,
        version_matter_id=catering.id,
        reason="反映的是露天焚烧垃圾，属生态环境部门职责。",
        expected_version=reported.lock_version,
    )
    db.session.commit()
    page = text(_track(client, code))
    assert "转交 江川市生态环境局 办理（事项：城区餐饮油烟污染治理）" in page
    assert re.search(r"当前办理部门</dt><dd>江川市生态环境局", page)
    second = _editor("h1_sthj", ecology)
    handling.accept(reported, second, expected_version=reported.lock_version)
    handling.answer(reported, second, reply="已责令停止焚烧并清理现场。", expected_version=reported.lock_version)
    db.session.commit()
    page = text(_track(client, code))
    assert "已办结" in page and "已责令停止焚烧并清理现场。" in page and "评价办理结果" in page


def test_only_publishable_photos_are_served(client, reported):
    photo = reported.files[0]
    assert client.get(f"/complaints/photos/{photo.id}").status_code == 404
    assert f"/complaints/photos/{photo.id}" not in _track(client, reported.code).get_data(as_text=True)
    photo.publishable = True
    attachment = ComplaintFile(
        complaint=reported,
        kind="attachment",
        filename="a.pdf",
        content_type="application/pdf",
        size=4,
        sha256="0" * 64,
        data=b"%PDF",
        publishable=True,
    )
    db.session.add(attachment)
    db.session.commit()
    served = client.get(f"/complaints/photos/{photo.id}")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == photo.data
    assert f"/complaints/photos/{photo.id}" in _track(client, reported.code).get_data(as_text=True)
    assert client.get(f"/complaints/photos/{attachment.id}").status_code == 404  # not a photo
    assert client.get("/complaints/photos/2147483647").status_code == 404


def _answered(reported, username="h1_nyj"):
    editor = db.session.scalar(select(User).where(User.username == username)) or _editor(username, reported.department)
    handling.accept(reported, editor, expected_version=reported.lock_version)
    handling.answer(reported, editor, reply="已处理。", expected_version=reported.lock_version)
    db.session.commit()
    return editor


def _rate(client, complaint, rating, comment=""):
    token = csrf_token(client, "/complaints/new")
    return client.post(
        "/complaints/rate", data={"csrf_token": token, "code": complaint.code, "rating": rating, "comment": comment}
    )


def test_only_an_answered_complaint_may_be_rated(client, reported):
    assert not intake.may_rate(reported)
    assert "评价办理结果" not in text(_track(client, reported.code))
    refused = _rate(client, reported, "satisfied")
    assert refused.status_code == 400 and "这件举报现在不能评价。" in text(refused)


def test_satisfied_is_recorded_once(client, reported):
    _answered(reported)
    done = _rate(client, reported, "satisfied")
    assert done.status_code == 303
    db.session.refresh(reported)
    assert reported.rating == "satisfied" and reported.state == ComplaintState.ANSWERED
    page = text(client.get(done.headers["Location"]))
    assert "感谢您的评价。" in page and "您的评价：<strong>满意" in page and "评价办理结果" not in page
    assert _rate(client, reported, "unsatisfied", "又烧了").status_code == 400  # once
    assert reported.state == ComplaintState.ANSWERED


def test_unsatisfied_needs_a_comment_and_reopens_once(client, reported):
    editor = _answered(reported)
    refused = _rate(client, reported, "unsatisfied")
    assert refused.status_code == 400 and "选择“不满意”时，请说明原因。" in text(refused)
    assert _rate(client, reported, "unsatisfied", "第二天又在烧。").status_code == 303
    db.session.refresh(reported)
    assert reported.state == ComplaintState.REOPENED and reported.reopened_count == 1
    assert [e.kind for e in reported.events][-2:] == [EventKind.RATED, EventKind.REOPENED]
    assert "不满意，待办公室复核" in text(_track(client, reported.code))
    # the office has it handled again; a second 不满意 is recorded, not reopened again
    office = db.session.scalar(select(User).where(User.username == "jiangchuan_office"))
    handling.review(reported, office, redo=True, comment="请重新核查。", expected_version=reported.lock_version)
    handling.answer(reported, editor, reply="已再次核查并处罚。", expected_version=reported.lock_version)
    db.session.commit()
    assert intake.may_rate(reported)
    assert _rate(client, reported, "unsatisfied", "还是不满意。").status_code == 303
    db.session.refresh(reported)
    assert reported.state == ComplaintState.ANSWERED and reported.reopened_count == 1
    assert reported.rating == "unsatisfied" and reported.rating_comment == "还是不满意。"
    assert [e.kind for e in reported.events].count(EventKind.REOPENED) == 1


def test_the_rate_service_refuses_a_second_rating_of_the_same_reply(client, reported):
    _answered(reported)
    intake.rate(reported, "satisfied", "")
    with pytest.raises(DomainError):
        intake.rate(reported, "unsatisfied", "改主意了")


def test_lookups_are_rate_limited(client, reported, app, monkeypatch):
    monkeypatch.setitem(app.config, "COMPLAINT_TRACK_RATE_LIMIT", "2 per minute")
    assert _track(client, "ABCDE-23456").status_code == 404
    assert _track(client, reported.code).status_code == 200
    refused = _track(client, reported.code)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 61
    assert "访问过于频繁，请稍后再试。" in text(refused)
    assert client.get("/complaints/track").status_code == 200  # the empty form is not counted


def _timeline_ratings(page: str) -> list[str]:
    return re.findall(r"<strong>评价</strong>.*?<br>(满意|不满意)", page.split('id="timeline-heading"')[1], re.S)


def test_each_rating_step_shows_its_own_rating(client, reported):
    editor = _answered(reported)
    assert _rate(client, reported, "unsatisfied", "第二天又在烧。").status_code == 303
    office = db.session.scalar(select(User).where(User.username == "jiangchuan_office"))
    handling.review(reported, office, redo=True, comment="请重新核查。", expected_version=reported.lock_version)
    handling.answer(reported, editor, reply="已再次核查并处罚。", expected_version=reported.lock_version)
    db.session.commit()
    assert _rate(client, reported, "satisfied").status_code == 303
    page = text(_track(client, reported.code))
    assert _timeline_ratings(page) == ["不满意", "满意"]  # not the latest rating twice
    assert "您的评价：<strong>满意" in page
    db.session.refresh(reported)
    rated = [e.text for e in reported.events if e.kind == EventKind.RATED]
    assert rated == ["不满意：第二天又在烧。", "满意"]  # the department's timeline reads the rating too
