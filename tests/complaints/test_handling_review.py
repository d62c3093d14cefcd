"""What the reviewer found (and the tests that would have caught it): private photos and attachments only
for the handling department and its office; one extension per complaint across transfers; a reopened
complaint counted as answered and given a review deadline (with reminders); working days left from the
one rule; a stale page cannot publish a photo; notices of 维持办结 and of a refusal naming a department;
a transfer down to a department below the complaint's place."""

import io
from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale
from PIL import Image
from sqlalchemy import select

from registry.complaints import handling, inbox, intake, rules, stats
from registry.complaints.deadlines import send_complaint_reminders
from registry.complaints.models import ComplaintFile, ComplaintState, ExtensionState
from registry.core.errors import CONFLICT_MESSAGE, DomainError
from registry.extensions import db
from registry.notify.models import Notification
from tests.complaints.handling_support import PASSWORD, City
from tests.conftest import Auth, csrf_token

PHONE = "13812345678"


@pytest.fixture
def city(app):
    return City()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 20)).save(out, "PNG")
    return out.getvalue()


def _photo(complaint, publishable=False) -> ComplaintFile:
    data = _png()
    photo = ComplaintFile(
        complaint_id=complaint.id,
        kind="photo",
        filename="现场.png",
        content_type="image/png",
        size=len(data),
        sha256="0" * 64,
        data=data,
        publishable=publishable,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def _login(client, username):
    assert Auth(client).login(username, PASSWORD).status_code == 302
    return csrf_token(client, "/")


def _notices(username, kind=None):
    from registry.auth.models import User

    query = select(Notification).join(User, User.id == Notification.user_id).where(User.username == username)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query.order_by(Notification.id)).all()


def _reopen(city, made, *, on=datetime(2026, 9, 30, 2, 0, tzinfo=UTC)):
    """The person rates the reply 不满意 (intake.rate), on `on` (10:00 Beijing time by default)."""
    intake.rate(made, "unsatisfied", "烟还在冒。")
    made.rated_at = on
    db.session.flush()
    assert made.state == ComplaintState.REOPENED
    return made


def _answered(city, today=None):
    made = city.complaint(received=today)
    handling.accept(made, city.users["agri"], expected_version=made.lock_version, today=today)
    handling.answer(made, city.users["agri"], reply="已现场制止。", expected_version=made.lock_version, today=today)
    return made


# -- 1. private photos and attachments ---------------------------------------------------------------


def test_private_files_only_for_the_handling_department_and_its_office(client, city):
    made = city.complaint()
    private = _photo(made)
    public = _photo(made, publishable=True)
    handling.accept(made, city.users["agri"], expected_version=made.lock_version)
    handling.answer(
        made,
        city.users["agri"],
        reply="已处理。",
        attachments=[handling.Upload("处理记录.png", _png())],
        expected_version=made.lock_version,
    )
    attachment = next(f for f in made.files if f.kind == "attachment")
    db.session.commit()
    private_url = f"/manage/complaints/{made.id}/files/{private.id}"
    attachment_url = f"/manage/complaints/{made.id}/files/{attachment.id}"
    public_url = f"/manage/complaints/{made.id}/files/{public.id}"

    for username in ("jc_police", "prov_office"):  # a cooperating department; an office above
        _login(client, username)
        page = client.get(f"/manage/complaints/{made.id}").get_data(as_text=True)
        assert "照片仅承办部门和办公室可见" in page
        assert private_url not in page and attachment_url not in page and "处理记录.png" not in page
        assert public_url in page  # the publishable one is public anyway
        assert client.get(private_url).status_code == 403
        assert client.get(private_url + "?thumb=1").status_code == 403
        assert client.get(attachment_url).status_code == 403
        assert client.get(public_url).status_code == 200
        Auth(client).logout()

    for username in ("jc_agri", "jc_office"):
        _login(client, username)
        page = client.get(f"/manage/complaints/{made.id}").get_data(as_text=True)
        assert private_url in page and attachment_url in page and "照片仅承办部门和办公室可见" not in page
        assert client.get(private_url).status_code == 200
        assert client.get(attachment_url).status_code == 200
        Auth(client).logout()


# -- 2. one extension, whoever handles it ------------------------------------------------------------


def test_an_extension_asked_before_a_transfer_is_the_complaints_one(client, city):
    made = city.complaint()
    agri = city.users["agri"]
    handling.accept(made, agri, expected_version=made.lock_version)
    handling.request_extension(made, agri, reason="需要联合执法。", expected_version=made.lock_version)
    handling.decide_extension(made, city.office, grant=False, reason="期限足够。", expected_version=made.lock_version)
    ecology_matter = next(m for m in handling.matters_of(city.ecology) if "油烟" in m.title)
    handling.transfer(
        made,
        agri,
        to_department_id=city.ecology.id,
        version_matter_id=ecology_matter.id,
        reason="属于餐饮油烟。",
        expected_version=made.lock_version,
    )
    eco = city.users["ecology"]
    handling.accept(made, eco, expected_version=made.lock_version)
    assert made.extension_state == ExtensionState.REFUSED
    with pytest.raises(DomainError, match="只能申请一次延期"):
        handling.request_extension(made, eco, reason="再要一次。", expected_version=made.lock_version)
    db.session.commit()
    _login(client, "jc_eco")
    page = client.get(f"/manage/complaints/{made.id}").get_data(as_text=True)
    assert "本件转办前已申请过，不能再申请" in page and "提交延期申请" not in page


def test_an_undecided_request_lapses_with_the_transfer(city):
    made = city.complaint()
    agri = city.users["agri"]
    handling.accept(made, agri, expected_version=made.lock_version)
    handling.request_extension(made, agri, reason="需要联合执法。", expected_version=made.lock_version)
    ecology_matter = next(m for m in handling.matters_of(city.ecology) if "油烟" in m.title)
    handling.transfer(
        made,
        agri,
        to_department_id=city.ecology.id,
        version_matter_id=ecology_matter.id,
        reason="属于餐饮油烟。",
        expected_version=made.lock_version,
    )
    assert made.extension_state == ExtensionState.NONE  # nobody decided it: the new department may ask
    assert inbox.counts(inbox.Scope(jurisdiction=city.city), date.today())["extension"] == 0


# -- 3. and 4. a reopened complaint: answered in the figures, reviewed by a deadline ------------------


def test_a_reopened_complaint_counts_as_answered_on_time(city):
    made = _answered(city)
    _reopen(city, made)
    assert rules.answered_on_time(made) is True
    totals = stats.figures(jurisdiction_ids=[city.city.id], today=date(2026, 12, 1)).totals
    assert totals.answered == 1 and totals.on_time == 1 and totals.overdue == 0 and totals.closed == 1


def test_the_offices_review_is_due_in_working_days_across_national_day(city):
    made = _reopen(city, _answered(city))
    # reopened Wednesday 30 September; 2 working days: 1-8 October are the holiday → Friday 9 October
    assert rules.current_due(made) == date(2026, 10, 9)
    assert rules.working_days_left(made, date(2026, 9, 30)) == 2
    assert rules.working_days_left(made, date(2026, 10, 5)) == 2
    assert not rules.is_overdue(made, date(2026, 10, 9))
    assert rules.is_overdue(made, date(2026, 10, 10))
    office = inbox.Scope(jurisdiction=city.city)
    assert inbox.counts(office, date(2026, 10, 9))["overdue"] == 0
    assert inbox.counts(office, date(2026, 10, 10))["overdue"] == 1
    listed = db.session.scalars(inbox.listing(office, "overdue", date(2026, 10, 10))).all()
    assert [c.id for c in listed] == [made.id]


def test_the_office_is_reminded_of_its_review(city):
    made = _reopen(city, _answered(city))
    send_complaint_reminders(date(2026, 10, 5))  # 2 working days left: not yet
    assert not [n for n in _notices("jc_office", "complaint_due") if f"#{made.id}" in n.title]
    send_complaint_reminders(date(2026, 10, 8))
    send_complaint_reminders(date(2026, 10, 12))
    send_complaint_reminders(date(2026, 10, 12))  # the rerun tells nobody twice
    titles = [n.title for n in _notices("jc_office", "complaint_due") if f"#{made.id}" in n.title]
    assert len(titles) == 2 and "复核期限将于 2026-10-09 届满" in titles[0] and "逾期未复核" in titles[1]
    assert not [n for n in _notices("jc_agri", "complaint_due") if "复核" in n.title]


def test_the_page_shows_the_review_deadline(client, city):
    made = _reopen(city, _answered(city))
    db.session.commit()
    _login(client, "jc_office")
    page = client.get(f"/manage/complaints/{made.id}").get_data(as_text=True)
    assert "复核期限" in page and "2026-10-09" in page
    page = client.get("/manage/complaints?state=reopened").get_data(as_text=True)
    assert "2026-10-09" in page


# -- 6. a stale page cannot publish a photo ----------------------------------------------------------


def test_publishing_a_photo_checks_the_pages_version(city):
    made = city.complaint()
    photo = _photo(made)
    stale = made.lock_version
    handling.accept(made, city.users["agri"], expected_version=made.lock_version)
    with pytest.raises(DomainError, match=str(CONFLICT_MESSAGE)):
        handling.publish_photo(made, city.users["agri"], photo, expected_version=stale)
    handling.publish_photo(made, city.users["agri"], photo, expected_version=made.lock_version)
    assert photo.publishable


# -- 7. notices ----------------------------------------------------------------------------------------


def test_notices_are_written_in_the_default_language_whoever_acts(city):
    made = city.complaint(place="李家村")
    matter = next(m for m in handling.matters_of(city.ecology) if "油烟" in m.title)
    with force_locale("en"):
        handling.transfer(
            made,
            city.users["agri"],
            to_department_id=city.ecology.id,
            version_matter_id=matter.id,
            reason="属于餐饮油烟。",
            expected_version=made.lock_version,
        )
    body = _notices("jc_eco", "complaint_received")[-1].body
    assert "地点：李家村" in body and "Place" not in body


def test_the_handling_department_hears_that_the_reply_was_upheld(city):
    made = _reopen(city, _answered(city))
    handling.review(made, city.office, redo=False, comment="答复属实，维持。", expected_version=made.lock_version)
    told = [n for n in _notices("jc_agri") if f"#{made.id}" in n.title and "维持办结" in n.title]
    assert len(told) == 1 and told[0].kind == "complaint_reopened" and "答复属实" in told[0].body


def test_the_department_named_responsible_hears_of_the_refusal(city):
    made = city.complaint(place="河边", contact={"name": "钱多多", "phone": PHONE})
    handling.reject(
        made,
        city.users["agri"],
        reason="属于河道采砂，不是秸秆焚烧。",
        responsible=str(city.water.id),
        expected_version=made.lock_version,
    )
    told = _notices("jc_water", "complaint_received")
    assert len(told) == 1
    assert "不予受理" in told[0].title and "指明由你部门负责" in told[0].title and "江川市农业农村局" in told[0].title
    assert "河边" in told[0].body and "河道采砂" in told[0].body
    assert PHONE not in told[0].body and "钱多多" not in told[0].body
    assert not _notices("jc_police", "complaint_received")


# -- 8. transfer down a level --------------------------------------------------------------------------


def test_a_complaint_about_the_province_goes_down_to_a_city_department(client, city):
    made = city.complaint(matter=False)
    made.jurisdiction, made.jurisdiction_id = city.province, city.province.id  # the person chose 测试省
    made.department, made.department_id = city.province_ecology, city.province_ecology.id
    db.session.flush()
    targets = handling.transfer_targets(made)
    assert city.agri in targets and city.other_ecology in targets
    handling.transfer(
        made,
        city.province_ecology_user,
        to_department_id=city.agri.id,
        version_matter_id=city.straw.id,
        reason="发生在江川市，秸秆禁烧由农业农村局牵头。",
        expected_version=made.lock_version,
    )
    assert made.department_id == city.agri.id and made.state == ComplaintState.NEW


def test_the_transfer_page_groups_the_places_own_first(client, city):
    from tests import factories

    factories.department(city.province, "测试省农业农村厅", sector="农业农村")
    made = city.complaint(matter=False)
    made.jurisdiction, made.jurisdiction_id = city.province, city.province.id
    made.department, made.department_id = city.province_ecology, city.province_ecology.id
    db.session.commit()
    _login(client, "prov_eco")
    page = client.get(f"/manage/complaints/{made.id}/transfer").get_data(as_text=True)
    assert page.index('label="测试省"') < page.index('label="江川市"') < page.index('label="云岭市"')
    assert "江川市农业农村局" in page and "测试省农业农村厅" in page


@pytest.fixture(autouse=True)
def _province_user(city):
    from tests import factories

    city.province_ecology_user = factories.user("prov_eco", "dept_editor", city.province, city.province_ecology)
    db.session.flush()
