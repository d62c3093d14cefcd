"""Notices of complaint steps: each reaches the people who act next, once, with a link to the
complaint's page and never the person's contact details."""

import pytest
from sqlalchemy import select

from registry.complaints import handling
from registry.complaints.models import ComplaintState, EventKind
from registry.complaints.services import add_event
from registry.extensions import db
from registry.notify.models import Notification
from tests.complaints.handling_support import City

PHONE = "13812345678"


@pytest.fixture
def city(app):
    return City()


def _told(complaint, kind=None):
    """(username, kind) of every notice linking to the complaint's page."""
    from registry.auth.models import User

    query = (
        select(User.username, Notification.kind, Notification.title, Notification.body)
        .join(User, User.id == Notification.user_id)
        .where(Notification.url == f"/manage/complaints/{complaint.id}")
    )
    if kind:
        query = query.where(Notification.kind == kind)
    rows = db.session.execute(query.order_by(Notification.id)).all()
    assert all(PHONE not in f"{r.title}{r.body}" and "钱多多" not in f"{r.title}{r.body}" for r in rows)
    return sorted((r.username, r.kind) for r in rows)


def test_a_new_complaint_reaches_the_handling_department(city):
    made = city.complaint(contact={"name": "钱多多", "phone": PHONE})
    assert _told(made) == [("jc_agri", "complaint_received"), ("jc_agri_head", "complaint_received")]


def test_a_transfer_reaches_the_new_department(city):
    made = city.complaint(contact={"name": "钱多多", "phone": PHONE})
    handling.transfer(
        made,
        city.users["agri"],
        to_department_id=city.water.id,
        version_matter_id=handling.matters_of(city.water)[0].id,
        reason="属于水利局职责。",
        expected_version=made.lock_version,
    )
    assert _told(made, "complaint_received") == [
        ("jc_agri", "complaint_received"),
        ("jc_agri_head", "complaint_received"),
        ("jc_water", "complaint_received"),
    ]


def test_extension_request_reaches_the_office_and_the_decision_the_department(city):
    made = city.complaint()
    handling.accept(made, city.users["agri"], expected_version=made.lock_version)
    handling.request_extension(made, city.users["agri"], reason="待检测。", expected_version=made.lock_version)
    assert _told(made, "complaint_extension") == [("jc_office", "complaint_extension")]
    handling.decide_extension(made, city.office, grant=True, reason="", expected_version=made.lock_version)
    assert _told(made, "complaint_extension") == [
        ("jc_agri", "complaint_extension"),
        ("jc_agri_head", "complaint_extension"),
        ("jc_office", "complaint_extension"),
    ]


def test_a_note_reaches_the_handling_department_but_its_author(city):
    made = city.complaint()
    handling.add_note(made, city.users["agri"], text="内部备注。")
    assert _told(made, "complaint_note") == [("jc_agri_head", "complaint_note")]
    handling.add_note(made, city.users["police"], text="公安已出警。")
    assert _told(made, "complaint_note") == [
        ("jc_agri", "complaint_note"),
        ("jc_agri_head", "complaint_note"),
        ("jc_agri_head", "complaint_note"),
    ]


def test_reopened_reaches_the_office_rated_and_redo_the_department(city):
    made = city.complaint(contact={"name": "钱多多", "phone": PHONE})
    handling.accept(made, city.users["agri"], expected_version=made.lock_version)
    handling.answer(made, city.users["agri"], reply="已处理。", expected_version=made.lock_version)
    made.rating, made.rating_comment = "unsatisfied", "还在烧。"
    add_event(made, EventKind.RATED, None, public_actor=True, text="还在烧。")
    made.state = ComplaintState.REOPENED
    add_event(made, EventKind.REOPENED, None, public_actor=True, text="还在烧。")
    assert _told(made, "complaint_rated") == [("jc_agri", "complaint_rated"), ("jc_agri_head", "complaint_rated")]
    assert _told(made, "complaint_reopened") == [("jc_office", "complaint_reopened")]
    db.session.flush()
    handling.review(made, city.office, redo=True, comment="请再核查。", expected_version=made.lock_version)
    received = [u for u, _k in _told(made, "complaint_received")]
    assert received.count("jc_agri") == 2 and received.count("jc_agri_head") == 2  # submitted, then redo
