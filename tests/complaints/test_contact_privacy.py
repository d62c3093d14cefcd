"""The person's contact details on the staff side: absent from the page until the 查看联系方式 button,
each look audited, never for cooperating departments, upper offices or a desk that transferred it, and
shown as 已按期删除 once erased."""

import pytest
from sqlalchemy import func, select

from registry.complaints import handling
from registry.core.audit import AuditEntry
from registry.core.db import utcnow
from registry.extensions import db
from tests.complaints.handling_support import City
from tests.complaints.test_handling_views import login, text

PHONE = "13812345678"
NAME = "钱多多"


@pytest.fixture
def city(app):
    return City()


def _views(complaint):
    return db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "view_contact",
            AuditEntry.entity_type == "complaints",
            AuditEntry.entity_id == complaint.id,
        )
    )


def test_hidden_until_asked_and_every_look_audited(client, city):
    made = city.complaint(contact={"name": NAME, "phone": PHONE, "email": "q@example.cn"})
    db.session.commit()
    token = login(client, "jc_agri")
    page = text(client.get(f"/manage/complaints/{made.id}"))
    assert PHONE not in page and NAME not in page and "查看联系方式" in page
    for n in (1, 2):
        response = client.post(f"/manage/complaints/{made.id}/contact", data={"csrf_token": token})
        assert response.status_code == 200
        assert PHONE in text(response) and NAME in text(response) and "q@example.cn" in text(response)
        assert "no-store" in response.headers["Cache-Control"]
        assert _views(made) == n
    assert PHONE not in text(client.get(f"/manage/complaints/{made.id}"))  # not kept on the page


def test_the_office_of_the_jurisdiction_may_look(client, city):
    made = city.complaint(contact={"name": NAME, "phone": PHONE})
    db.session.commit()
    token = login(client, "jc_office")
    assert PHONE in text(client.post(f"/manage/complaints/{made.id}/contact", data={"csrf_token": token}))
    assert _views(made) == 1


@pytest.mark.parametrize("username", ["jc_police", "prov_office"])
def test_cooperating_departments_and_upper_offices_never_see_them(client, city, username):
    made = city.complaint(contact={"name": NAME, "phone": PHONE})
    db.session.commit()
    token = login(client, username)
    page = text(client.get(f"/manage/complaints/{made.id}"))
    assert PHONE not in page and NAME not in page and "查看联系方式</button>" not in page
    assert client.post(f"/manage/complaints/{made.id}/contact", data={"csrf_token": token}).status_code == 403
    assert _views(made) == 0


def test_the_desk_loses_them_after_transferring(client, city):
    made = city.complaint(matter=False, contact={"name": NAME, "phone": PHONE})
    handling.transfer(
        made,
        city.users["ecology"],
        to_department_id=city.agri.id,
        version_matter_id=city.straw.id,
        reason="秸秆禁烧由农业农村局牵头。",
        expected_version=made.lock_version,
    )
    db.session.commit()
    token = login(client, "jc_eco")  # ecology cooperates on the straw matter: it reads, never the contact
    page = text(client.get(f"/manage/complaints/{made.id}"))
    assert PHONE not in page
    assert client.post(f"/manage/complaints/{made.id}/contact", data={"csrf_token": token}).status_code == 403


def test_erased_contact_details_say_so(client, city):
    made = city.complaint(contact={"name": NAME, "phone": PHONE})
    made.contact.name = made.contact.phone = ""
    made.contact.erased_at = utcnow()
    db.session.commit()
    login(client, "jc_agri")
    page = text(client.get(f"/manage/complaints/{made.id}"))
    assert "已按期删除" in page and "查看联系方式</button>" not in page


def test_the_audit_log_of_a_step_keeps_no_contact_details(city):
    made = city.complaint(contact={"name": NAME, "phone": PHONE})
    handling.accept(made, city.users["agri"], expected_version=made.lock_version)
    handling.show_contact(made, city.users["agri"])
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == made.id)).all()
    assert entries and all(PHONE not in f"{e.before}{e.after}{e.summary}" for e in entries)
