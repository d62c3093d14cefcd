"""The department's and the office's pages: the inbox (tabs, overdue first, filters, read-only below),
a complaint's page with its actions, each action's errors next to its fields, the transfer page, the
deadline settings, the 工作台's figures, and who gets in."""

import re
from datetime import date, timedelta

import pytest

from registry.complaints import handling
from registry.complaints.models import ComplaintState
from registry.core.errors import CONFLICT_MESSAGE
from registry.extensions import db
from tests.complaints.handling_support import PASSWORD, City
from tests.conftest import Auth, csrf_token


@pytest.fixture
def city(app):
    return City()


def login(client, username, password=PASSWORD):
    assert Auth(client).login(username, password).status_code == 302
    return csrf_token(client, "/")


def text(response):
    return response.get_data(as_text=True)


def test_the_department_inbox_lists_its_complaints_by_tab(client, city):
    waiting = city.complaint(place="张家村口")
    accepted = city.complaint(place="李家村晒场")
    handling.accept(accepted, city.users["agri"], expected_version=accepted.lock_version)
    db.session.commit()
    login(client, "jc_agri")
    page = text(client.get("/manage/complaints"))
    assert f"举报 #{waiting.id}" in page and "张家村口" in page
    assert "李家村晒场" not in page  # 待受理 is the first tab
    page = text(client.get("/manage/complaints?state=accepted"))
    assert "李家村晒场" in page and "还剩" in page
    assert accepted.code not in page  # the 查询码 is the person's, never on staff pages


def test_a_cooperating_department_sees_the_matters_complaints_in_its_own_tab(client, city):
    made = city.complaint(place="王家村")
    db.session.commit()
    login(client, "jc_police")
    assert "王家村" not in text(client.get("/manage/complaints?state=all"))
    assert "王家村" in text(client.get("/manage/complaints?state=cooperating"))
    page = text(client.get(f"/manage/complaints/{made.id}"))
    assert "添加备注" in page and "受理</button>" not in page and "转办…" not in page


def test_the_office_sees_overdue_first_and_marked_in_words(client, city):
    late = city.complaint(place="逾期村", received=date.today() - timedelta(days=30))
    fresh = city.complaint(place="新到村")
    db.session.commit()
    login(client, "jc_office")
    page = text(client.get("/manage/complaints"))
    assert page.index("逾期村") < page.index("新到村")
    row = page[page.index(f"举报 #{late.id}") :]
    assert "已逾期" in row[: row.index("</tr>")]
    page = text(client.get(f"/manage/complaints?department={city.ecology.id}"))
    assert "逾期村" not in page and "新到村" not in page
    assert f"举报 #{fresh.id}" in text(client.get(f"/manage/complaints?department={city.agri.id}"))


def test_an_upper_office_reads_the_city_inbox_but_takes_no_step(client, city):
    made = city.complaint(place="赵家村", contact={"name": "张三", "phone": "13800000000"})
    db.session.commit()
    login(client, "prov_office")
    assert "赵家村" not in text(client.get("/manage/complaints"))
    page = text(client.get("/manage/complaints?jurisdiction=880100"))
    assert "赵家村" in page and "只读" in page
    page = text(client.get(f"/manage/complaints/{made.id}"))
    assert "赵家村" in page
    assert "添加备注" not in page and "查看联系方式" not in page and "13800000000" not in page
    token = csrf_token(client, "/")
    assert (
        client.post(f"/manage/complaints/{made.id}/note", data={"csrf_token": token, "note-text": "x"}).status_code
        == 403
    )


def test_accept_from_the_page(client, city):
    made = city.complaint()
    db.session.commit()
    token = login(client, "jc_agri")
    page = text(client.get(f"/manage/complaints/{made.id}"))
    assert "受理</button>" in page and "不予受理" in page
    response = client.post(
        f"/manage/complaints/{made.id}/accept",
        data={"csrf_token": token, "accept-lock_version": str(made.lock_version)},
    )
    assert response.status_code == 302
    db.session.refresh(made)
    assert made.state == ComplaintState.ACCEPTED
    page = text(client.get(f"/manage/complaints/{made.id}"))
    assert "办结答复" in page and "申请延期" in page


def test_a_stale_form_is_refused_with_the_conflict_message(client, city):
    made = city.complaint()
    stale = made.lock_version
    handling.accept(made, city.users["agri2"], expected_version=made.lock_version)
    db.session.commit()
    token = login(client, "jc_agri")
    response = client.post(
        f"/manage/complaints/{made.id}/answer",
        data={
            "csrf_token": token,
            "answer-lock_version": str(stale),
            "answer-reply": "已处理。",
            "answer-confirm": "y",
        },
    )
    assert response.status_code == 400
    assert str(CONFLICT_MESSAGE) in text(response)
    assert "已处理。" in text(response)  # what was typed is kept


def test_answer_errors_sit_next_to_their_fields(client, city):
    made = city.complaint()
    handling.accept(made, city.users["agri"], expected_version=made.lock_version)
    db.session.commit()
    token = login(client, "jc_agri")
    response = client.post(
        f"/manage/complaints/{made.id}/answer",
        data={"csrf_token": token, "answer-lock_version": str(made.lock_version)},
    )
    assert response.status_code == 400
    page = text(response)
    assert 'id="answer-reply-error"' in page and 'id="answer-confirm-error"' in page


def test_reject_errors_and_the_no_department_choice(client, city):
    made = city.complaint()
    db.session.commit()
    token = login(client, "jc_agri")
    page = text(client.get(f"/manage/complaints/{made.id}"))
    assert "无其他责任部门" in page
    response = client.post(
        f"/manage/complaints/{made.id}/reject",
        data={"csrf_token": token, "reject-lock_version": str(made.lock_version), "reject-confirm": "y"},
    )
    assert response.status_code == 400
    page = text(response)
    assert 'id="reject-responsible-error"' in page and 'id="reject-reason-error"' in page
    response = client.post(
        f"/manage/complaints/{made.id}/reject",
        data={
            "csrf_token": token,
            "reject-lock_version": str(made.lock_version),
            "reject-responsible": str(city.police.id),
            "reject-reason": "属于公安部门查处的违法行为。",
            "reject-confirm": "y",
        },
    )
    assert response.status_code == 302
    db.session.refresh(made)
    assert made.state == ComplaintState.REJECTED and made.responsible_department_id == city.police.id


def test_a_bare_transfer_is_refused_next_to_each_field(client, city):
    made = city.complaint()
    db.session.commit()
    token = login(client, "jc_agri")
    page = text(client.get(f"/manage/complaints/{made.id}/transfer"))
    assert "江川市生态环境局" in page and "测试省" in page  # the place's departments and those above
    response = client.post(
        f"/manage/complaints/{made.id}/transfer",
        data={"csrf_token": token, "transfer-lock_version": str(made.lock_version)},
    )
    assert response.status_code == 400
    page = text(response)
    for name in ("department", "matter", "reason", "confirm"):
        assert f'id="transfer-{name}-error"' in page
    db.session.refresh(made)
    assert made.department_id == city.agri.id


def test_transfer_lists_the_departments_matters_then_moves_it(client, city):
    made = city.complaint(contact={"name": "张三", "phone": "13800000000"})
    db.session.commit()
    token = login(client, "jc_agri")
    base = {
        "csrf_token": token,
        "transfer-lock_version": str(made.lock_version),
        "transfer-department": str(city.ecology.id),
    }
    page = text(client.post(f"/manage/complaints/{made.id}/transfer", data={**base, "transfer-pick": "1"}))
    assert "江川市生态环境局牵头的事项" in page and "城区餐饮油烟污染治理" in page
    matter = handling.matters_of(city.ecology)[0]
    response = client.post(
        f"/manage/complaints/{made.id}/transfer",
        data={**base, "transfer-matter": str(matter.id), "transfer-reason": "系餐饮油烟。", "transfer-confirm": "y"},
    )
    assert response.status_code == 302
    db.session.refresh(made)
    assert made.department_id == city.ecology.id and made.matter_title == matter.title
    # agri is no longer handling it; it cooperates on neither matter, so it sees it no more
    assert client.get(f"/manage/complaints/{made.id}").status_code == 403


def test_extension_and_the_offices_decision_from_the_pages(client, app, city):
    from tests.conftest import another_client

    made = city.complaint()
    handling.accept(made, city.users["agri"], expected_version=made.lock_version)
    db.session.commit()
    token = login(client, "jc_agri")
    response = client.post(
        f"/manage/complaints/{made.id}/extension",
        data={"csrf_token": token, "extension-lock_version": str(made.lock_version)},
    )
    assert response.status_code == 400 and 'id="extension-reason-error"' in text(response)
    client.post(
        f"/manage/complaints/{made.id}/extension",
        data={"csrf_token": token, "extension-lock_version": str(made.lock_version), "extension-reason": "待检测。"},
    )
    db.session.refresh(made)
    office = another_client(app)
    office_token = login(office, "jc_office")
    assert "同意延期" in text(office.get(f"/manage/complaints/{made.id}"))
    response = office.post(
        f"/manage/complaints/{made.id}/extension/decide",
        data={"csrf_token": office_token, "decide-lock_version": str(made.lock_version), "decide-refuse": "1"},
    )
    assert response.status_code == 400 and 'id="decide-reason-error"' in text(response)
    due = made.reply_due
    response = office.post(
        f"/manage/complaints/{made.id}/extension/decide",
        data={"csrf_token": office_token, "decide-lock_version": str(made.lock_version), "decide-grant": "1"},
    )
    assert response.status_code == 302
    db.session.refresh(made)
    assert made.extension_state == "granted" and made.reply_due > due


def test_other_departments_and_anonymous_are_kept_out(client, city):
    made = city.complaint()
    db.session.commit()
    assert client.get(f"/manage/complaints/{made.id}").status_code == 302  # to the login page
    token = login(client, "jc_water")
    assert client.get(f"/manage/complaints/{made.id}").status_code == 403
    response = client.post(
        f"/manage/complaints/{made.id}/accept",
        data={"csrf_token": token, "accept-lock_version": str(made.lock_version)},
    )
    assert response.status_code == 403


def test_settings_page_shows_defaults_and_refuses_out_of_range(client, city):
    token = login(client, "jc_office")
    page = text(client.get("/manage/880100/complaints/settings"))
    assert "系统默认" in page and "受理 2 个工作日，答复 15 个工作日，延期 15 个工作日" in page
    response = client.post(
        "/manage/880100/complaints/settings",
        data={"csrf_token": token, "accept_days": "0", "reply_days": "abc", "extension_days": "61"},
    )
    assert response.status_code == 400
    page = text(response)
    for name in ("accept_days", "reply_days", "extension_days"):
        assert f'id="{name}-error"' in page
    assert 'value="abc"' in page
    response = client.post(
        "/manage/880100/complaints/settings",
        data={"csrf_token": token, "accept_days": "3", "reply_days": "10", "extension_days": "5"},
    )
    assert response.status_code == 302
    assert "本级设置" in text(client.get("/manage/880100/complaints/settings"))
    assert client.get("/manage/880000/complaints/settings").status_code == 403


def test_the_workbench_counts_link_to_the_inbox(client, city):
    from registry.complaints import inbox
    from registry.core.timezone import local_today

    city.complaint(received=date.today() - timedelta(days=30))
    db.session.commit()
    mine = inbox.counts(inbox.Scope(department=city.agri), local_today())
    assert mine["overdue"] >= 1
    login(client, "jc_agri")
    page = text(client.get("/manage/"))
    for tab in ("new", "accepted", "overdue"):
        assert re.search(rf'href="/manage/complaints\?state={tab}"><strong>{mine[tab]}</strong>', page)
    Auth(client).logout()
    office = inbox.counts(inbox.Scope(jurisdiction=city.city), local_today())
    login(client, "jc_office")
    page = text(client.get("/manage/"))
    for tab in ("overdue", "extension", "reopened"):
        assert re.search(rf'href="/manage/complaints\?state={tab}"><strong>{office[tab]}</strong>', page)
