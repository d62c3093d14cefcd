"""Each event tells the right people, with a Chinese title, a body and the link to the page where they
act; never the person who acted."""

from sqlalchemy import select

from registry.auth.models import User
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import services as list_services
from registry.lists.models import Department, Matter
from registry.notify.models import EmailState
from registry.reports import cooperation
from registry.reports import services as report_services
from tests import factories
from tests.notify.conftest import BASIS, by_user, last_notice_id, notices_since, ready_to_submit, user


def _province() -> Jurisdiction:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990000"))


def test_a_delegated_matter_tells_each_lower_office_and_not_the_actor(app, demo):
    province = _province()
    pending = db.session.scalar(select(Matter).where(Matter.jurisdiction_id == province.id, Matter.status == "pending"))
    children = sorted(province.children, key=lambda j: j.id)
    second_office = factories.user("second_city_office", "office_admin", children[1])
    before = last_notice_id()
    copies = list_services.delegate_matter(
        pending, to=children[:2], note="请结合本地实际研究。", actor=user("province_office"), **BASIS
    )
    got = by_user(notices_since(before))
    assert set(got) == {"jiangchuan_office", "second_city_office"}  # not province_office, who acted
    notice = got["jiangchuan_office"][0]
    copy = next(c for c in copies if c.jurisdiction_id == user("jiangchuan_office").jurisdiction_id)
    assert notice.kind == "matter_delegated"
    assert notice.title == f"示例省交由本级研究明确牵头部门：{pending.title}"
    assert "2025-07-01" in notice.body and "请结合本地实际研究。" in notice.body
    assert notice.url == f"/manage/matters/{copy.id}"
    assert got["second_city_office"][0].user_id == second_office.id
    assert notice.email_state == EmailState.NONE  # no mail server configured: in-app only


def test_a_submitted_report_tells_the_office_and_copies_the_ecology_department(app, demo, reports):
    slt = reports["省水利厅"]  # returned in the demo: resubmitted here
    before = last_notice_id()
    report_services.submit_report(slt, actor=user("slt_head"))
    got = by_user(notices_since(before))
    assert set(got) == {"province_office", "sthj_head", "sthj_editor"}
    submitted = got["province_office"][0]
    assert submitted.kind == "report_submitted"
    assert submitted.title == f"省水利厅重新报送了《{slt.title}》"
    assert "示水函〔2026〕3号" in submitted.body
    assert submitted.url == f"/reports/{slt.id}"
    copied = got["sthj_head"][0]
    assert copied.kind == "report_copied" and copied.title == f"省水利厅抄送了《{slt.title}》"
    assert copied.url == f"/reports/{slt.id}"


def test_a_first_submission_says_submitted(app, demo, reports):
    sthj = reports["省生态环境厅"]
    ready_to_submit(sthj)
    before = last_notice_id()
    report_services.submit_report(sthj, actor=user("sthj_head"), doc_number="示环函〔2026〕12号")
    got = by_user(notices_since(before))
    # the ecology department itself is not copied its own report; the head who submitted is not told
    assert set(got) == {"province_office"}
    assert got["province_office"][0].title == f"省生态环境厅报送了《{sthj.title}》"


def test_returned_and_accepted_reports_tell_the_department(app, demo, reports):
    zjt = reports["省住房和城乡建设厅"]  # submitted in the demo
    editor = factories.user("zjt_editor", "dept_editor", _province(), zjt.department)
    before = last_notice_id()
    report_services.return_report(zjt, actor=user("province_office"), comment="请补充量化指标。")
    got = by_user(notices_since(before))
    assert set(got) == {"zjt_head", "zjt_editor"}
    returned = got["zjt_head"][0]
    assert returned.kind == "report_returned"
    assert returned.title == f"《{zjt.title}》被退回修改"
    assert "退回意见：请补充量化指标。" in returned.body and returned.url == f"/reports/{zjt.id}"
    assert got["zjt_editor"][0].user_id == editor.id

    report_services.submit_report(zjt, actor=user("zjt_head"))
    before = last_notice_id()
    report_services.accept_report(zjt, actor=user("province_office"), comment="同意。")
    got = by_user(notices_since(before))
    assert set(got) == {"zjt_head", "zjt_editor"}
    accepted = got["zjt_head"][0]
    assert accepted.kind == "report_accepted" and accepted.title == f"《{zjt.title}》已审核通过"
    assert "审核意见：同意。" in accepted.body


def _unanswered_cooperating(report):
    """A led section of `report` and a cooperating department that has neither answered nor been
    reminded today."""
    for section in report.sections:
        if section.kind != "led_matter":
            continue
        for entry in cooperation.inputs_for(section):
            if not entry.answered and not entry.reminded_today:
                return section, entry
    raise AssertionError("the demo has no unanswered cooperating department")


def test_a_reminder_tells_the_cooperating_department_and_its_answer_tells_the_lead(app, demo, reports):
    sthj = reports["省生态环境厅"]
    section, entry = _unanswered_cooperating(sthj)
    partner = db.session.scalar(
        select(User).where(User.department_id == entry.department_id, User.role.in_(("dept_head", "dept_editor")))
    ) or factories.user("coop_editor", "dept_editor", _province(), db.session.get(Department, entry.department_id))
    before = last_notice_id()
    reminder = cooperation.send_reminder(section, entry.department_id, actor=user("sthj_editor"), note="请本周内填写。")
    got = by_user(notices_since(before))
    assert partner.username in got and "sthj_editor" not in got and "sthj_head" not in got
    asked = got[partner.username][0]
    place = cooperation.answer_place(reminder)
    assert asked.kind == "cooperation_requested"
    assert asked.title == f"省生态环境厅请求提供配合落实情况：{section.title}"
    assert "附言：请本周内填写。" in asked.body
    assert asked.url == f"/reports/{place[0].id}/sections/{place[1].id}"  # where they write the answer

    before = last_notice_id()
    report_services.save_section(
        place[1], actor=partner, expected_version=None, fields={"cooperation": "已完成联合检查两次。\n\n整改问题三项。"}
    )
    got = by_user(notices_since(before))
    assert set(got) == {"sthj_head", "sthj_editor"}
    answered = got["sthj_editor"][0]
    assert answered.kind == "cooperation_answered"
    assert answered.title == f"{entry.department_name}提供了「{section.title}」的配合落实情况"
    assert "已完成联合检查两次。" in answered.body and "整改问题三项。" in answered.body
    assert answered.url == f"/reports/{sthj.id}/sections/{section.id}"

    # editing an answer already given tells nobody again
    before = last_notice_id()
    report_services.save_section(
        place[1], actor=partner, expected_version=None, fields={"cooperation": "已完成联合检查三次。"}
    )
    assert notices_since(before) == []


def test_an_inactive_user_is_not_told(app, demo, reports):
    office = user("province_office")
    office.active = False
    db.session.flush()
    before = last_notice_id()
    report_services.submit_report(reports["省水利厅"], actor=user("slt_head"))
    assert "province_office" not in by_user(notices_since(before))
