"""Filing a report through the public form: what was typed is stored, routed and due in working days;
contact details only when given; nothing typed is lost on an error; repeats are linked; the form's
submissions are rate limited."""

from datetime import UTC, date, datetime, timedelta

import time_machine
from sqlalchemy import select

from registry.complaints import intake
from registry.complaints.models import Complaint, ComplaintContact, EventKind, RoutedBy
from registry.core.audit import AuditEntry
from registry.extensions import db
from tests.complaints.public_helpers import checked_matter, code_shown, step1, submit, text
from tests.complaints.test_routing import in_force_matter


def _only_complaint() -> Complaint:
    return db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()


def test_the_report_stores_what_was_typed_and_goes_to_the_lead(client, demo):
    response, data = step1(client, happened_on="2026-01-05")
    page = text(response)
    straw = checked_matter(page)
    assert "将交由" in page and "江川市农业农村局" in page  # who will receive it, before submitting
    done = submit(client, data, matter=straw, name="张三", phone="13800000000", email="zs@example.com")
    assert done.status_code == 303 and done.headers["Location"].endswith("/complaints/submitted")
    made = _only_complaint()
    assert made.description == data["description"] and made.place == data["place"]
    assert made.happened_on == date(2026, 1, 5) and made.happened_time == "每天傍晚"
    assert made.jurisdiction.code == "990100" and made.department.name == "江川市农业农村局"
    assert made.routed_by == RoutedBy.MATTER and made.matter_title == "秸秆禁烧网格化巡查"
    assert made.version_matter_id == int(straw)
    assert made.matter_id == in_force_matter("990100", "秸秆禁烧网格化巡查").matter_id
    assert (made.contact.name, made.contact.phone, made.contact.email) == ("张三", "13800000000", "zs@example.com")
    assert [e.kind for e in made.events] == [EventKind.SUBMITTED]
    assert made.events[0].actor_id is None and made.events[0].department_id == made.department_id
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "submitted" and "13800000000" not in str(entry.after)
    # the code page: the code big, the department, the 受理 date, the reply days, how to track it
    page = client.get("/complaints/submitted").get_data(as_text=True)
    assert made.code[:5] + "-" + made.code[5:] in page and "江川市农业农村局" in page
    assert "受理决定将于" in page and "15 个工作日内答复" in page
    assert made.code not in done.headers["Location"]


def test_an_anonymous_report_keeps_no_contact_row(client, demo):
    _, data = step1(client)
    assert submit(client, data).status_code == 303
    made = _only_complaint()
    assert made.contact is None and made.routed_by == RoutedBy.DESK
    assert made.department.name == "江川市生态环境局" and made.matter_id is None
    assert db.session.scalar(select(ComplaintContact).where(ComplaintContact.complaint_id == made.id)) is None


def test_the_accept_deadline_counts_working_days_across_the_national_day_holiday(client, demo):
    # Wednesday 30 September 2026, 10:00 in Beijing: 1–7 October are off, so 2 working days end on the 9th.
    with time_machine.travel(datetime(2026, 9, 30, 2, 0, tzinfo=UTC), tick=False):
        _, data = step1(client)
        assert submit(client, data).status_code == 303
        page = client.get("/complaints/submitted").get_data(as_text=True)
    assert _only_complaint().accept_due == date(2026, 10, 9)
    assert "2026年10月9日" in page and "星期五" in page


def test_step_one_errors_keep_everything_typed(client, demo):
    response, data = step1(client, description="太短", place="", happened_on="2999-01-01", happened_time="夜里")
    page = text(response)
    assert response.status_code == 400
    assert "请用 5 至 2000 个字说明发生了什么。" in page
    assert "请填写详细地址或位置描述。" in page and "发生日期不能晚于今天。" in page
    assert "太短</textarea>" in page and 'value="夜里"' in page and '<option selected value="990100">' in page


def _count() -> int:
    return len(db.session.scalars(select(Complaint.id)).all())


def test_step_two_errors_keep_everything_typed(client, demo):
    before = _count()
    response, data = step1(client)
    straw = checked_matter(text(response))
    refused = submit(
        client,
        data,
        matter=straw,
        answer=None,
        captcha_token="x",
        captcha="AAAAA",
        name="李四",
        phone="12345abc",
        email="not-an-email",
    )
    page = text(refused)
    assert refused.status_code == 400
    assert "验证码已过期" in page
    assert "请填写有效的手机号码" in page and "请填写有效的电子邮箱" in page
    assert 'value="李四"' in page and 'value="12345abc"' in page and 'value="not-an-email"' in page
    assert data["description"] in page and data["place"] in page
    assert checked_matter(page) == straw  # the choice is kept too
    assert _count() == before


def test_a_repeat_report_of_the_same_matter_and_place_is_linked_to_the_first(client, demo):
    straw = str(in_force_matter("990100", "秸秆禁烧网格化巡查").id)
    _, data = step1(client, place="某某村村口晒场")
    submit(client, data, matter=straw)
    first = _only_complaint()
    for place in ("某某村 村口晒场", "江川市某某镇某某村村口晒场东侧"):
        _, data = step1(client, place=place)
        submit(client, data, matter=straw)
        assert _only_complaint().repeat_of_id == first.id, place
    _, data = step1(client, place="城南工业园区三号路")
    submit(client, data, matter=straw)
    assert _only_complaint().repeat_of_id is None  # another place
    _, data = step1(client, place="某某村村口晒场")
    submit(client, data)  # 不确定: no matter, no link
    assert _only_complaint().repeat_of_id is None


def test_the_same_place_rule():
    assert intake.same_place("某某村村口晒场", "某某村，村口晒场")
    assert intake.same_place("某某村村口晒场", "某某镇某某村村口晒场东侧")
    assert intake.same_place("江川市河西路18号化工厂", "江川市河西路18号化工厂后门")
    assert intake.same_place("城关镇人民路菜市场北门外", "城关镇人民路菜市场北门")
    assert not intake.same_place("城关镇人民路菜市场", "西山乡水库大坝下游")
    assert not intake.same_place("", "某某村")


def test_an_old_report_is_no_longer_a_repeat(client, demo):
    straw = str(in_force_matter("990100", "秸秆禁烧网格化巡查").id)
    with time_machine.travel(datetime(2026, 1, 5, 2, 0, tzinfo=UTC), tick=False):
        _, data = step1(client, happened_on="")
        submit(client, data, matter=straw)
    with time_machine.travel(datetime(2026, 9, 1, 2, 0, tzinfo=UTC), tick=False):
        _, data = step1(client)
        submit(client, data, matter=straw)
    assert _only_complaint().repeat_of_id is None  # 239 days later


def test_the_report_submissions_are_rate_limited(client, demo, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_FORM_RATE_LIMIT", "2 per minute")
    before = _count()
    response, data = step1(client)
    assert response.status_code == 200
    assert submit(client, data).status_code == 303
    refused = submit(client, data)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert "访问过于频繁，请稍后再试。" in text(refused)
    assert _count() == before + 1


def test_the_code_page_without_a_report_sends_to_tracking(client, demo):
    assert client.get("/complaints/submitted").headers["Location"].endswith("/complaints/track")


def test_the_code_is_kept_for_its_page_only_in_the_session(client, demo):
    _, data = step1(client)
    submit(client, data)
    assert code_shown(client) == code_shown(client)  # a reload shows it again
    assert "Cache-Control" in client.get("/complaints/submitted").headers
    assert client.get("/complaints/submitted").headers["Cache-Control"] == "no-store"


def test_nothing_a_person_can_send_breaks_the_form(client, demo):
    _, data = step1(client)
    for fields in (
        {"jurisdiction": "100000"},
        {"jurisdiction": "'; drop"},
        {"matter": "99999999999999"},
        {"matter": "-3"},
        {"happened_on": "2026-13-45"},
        {"action": "nonsense"},
        {"description": "x" * 5000},
    ):
        response = submit(client, data, **fields)
        assert response.status_code in (200, 303, 400), (fields, response.status_code)
    for action in ("search", "captcha", "back"):
        assert submit(client, data, action=action, q="扬尘").status_code == 200


def test_phone_and_email_formats(app):
    from registry.complaints.intake import EMAIL_RE, PHONE_RE

    for good in ("13800000000", "+86 13800000000", "0871-12345678", "010 87654321", "0871-1234567-123"):
        assert PHONE_RE.match(good), good
    for bad in ("1380000", "12345", "23800000000", "phone", "0871-123"):
        assert not PHONE_RE.match(bad), bad
    assert EMAIL_RE.match("zs@example.com") and EMAIL_RE.match("a.b@mail.example.cn")
    for bad in ("zs@", "zs@example", "z s@example.com", "@example.com"):
        assert not EMAIL_RE.match(bad), bad


def test_the_same_report_posted_twice_is_filed_once(client, demo):
    """A double click or a reload sends the same form again: the second post answers with the 查询码
    page of the first, no 验证码已过期 and no second complaint."""
    from registry.complaints import captcha

    _, data = step1(client)
    before = _count()
    token = captcha.issue(answer="K7M4P").token
    form = {**data, "action": "submit", "matter": "none", "captcha_token": token, "captcha": "k7m4p"}
    first = client.post("/complaints/check", data=form, content_type="multipart/form-data")
    code = code_shown(client)
    again = client.post("/complaints/check", data=form, content_type="multipart/form-data")
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"].endswith("/complaints/submitted")
    assert code_shown(client) == code and _count() == before + 1
    # a new report in the same browser is a new complaint
    _, data = step1(client)
    assert submit(client, data).status_code == 303 and code_shown(client) != code and _count() == before + 2


def test_the_code_is_shown_for_half_an_hour_only(client, demo):
    start = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        _, data = step1(client)
        submit(client, data)
        code = code_shown(client)
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert code_shown(client) == code  # a reload a while later still shows it
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        later = client.get("/complaints/submitted")
        page = text(later)
    assert later.status_code == 200 and code not in page and code.replace("-", "") not in page
    assert "查询码只在提交后 30 分钟内在这里显示" in page and "/complaints/track" in page
    assert client.get("/complaints/submitted").headers["Location"].endswith("/complaints/track")  # forgotten


def test_going_back_to_step_one_keeps_the_contact_details(client, demo):
    _, data = step1(client)
    contact = {"name": "张三", "phone": "13800000000", "email": "zs@example.com"}
    back = client.post("/complaints/new", data={**data, **contact, "back": "1", "matter": "none", "captcha": "X"})
    page = text(back)
    assert back.status_code == 200 and "说明情况" in page
    for name, value in contact.items():
        assert f'<input type="hidden" name="{name}" value="{value}">' in page
    assert data["description"] in page
    # step 1 posted again (with what it carried): step 2 shows the contact details as typed
    again = client.post("/complaints/new", data={**data, **contact, "description": data["description"] + "每天都有。"})
    page = text(again)
    assert again.status_code == 200 and "确认事项并提交" in page
    assert 'value="张三"' in page and 'value="13800000000"' in page and 'value="zs@example.com"' in page
    # an error on step 1 keeps carrying them
    refused = client.post("/complaints/new", data={**data, **contact, "place": ""})
    assert refused.status_code == 400 and '<input type="hidden" name="phone" value="13800000000">' in text(refused)
