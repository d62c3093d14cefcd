"""Submission with a completeness check, 发文字号 and confirmation; the editor → head hand-off
(提请审核 / 退回填报人); the office's comments on single sections when it returns a report."""

import re

import pytest
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.extensions import db
from registry.reports import services, submission
from registry.reports.completeness import completeness, is_blank
from registry.reports.models import ReportState, SectionComment
from tests.reports.conftest import post, user

REASON = "本年度该事项无新增任务，相关工作已于上年度完成。"
SUBMISSION = {"doc_number": "示环函〔2026〕12号", "confirm": "y"}


def _empty_led(report):
    """The led matters that block submission: empty, no reason given."""
    blocking = {b.id for b in completeness(report).blocking}
    return [s for s in report.sections if s.id in blocking]


def _state_reasons(report, actor=None):
    """Give every empty led matter a reason for having no progress, as its editor would."""
    for section in _empty_led(report):
        services.save_section(
            section, actor=actor or user("sthj_editor"), expected_version=None, fields={"no_progress_reason": REASON}
        )
    db.session.flush()


def _section_card(page: str, section_id: int) -> str:
    start = page.index(f'id="s{section_id}"')
    return page[start : page.index("</section>", start)]


def _visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# -- the completeness rule -------------------------------------------------------------------------


def test_blank_means_no_words_whatever_the_markup():
    assert is_blank("") and is_blank("  \n　") and is_blank("<p></p>") and is_blank("<p>&nbsp;</p>")
    assert is_blank("<table><tr><td></td></tr></table>")
    assert not is_blank("无") and not is_blank("<p>有内容</p>") and not is_blank("a < b")


def test_the_summary_counts_led_and_cooperating_matters_and_names_what_blocks(reports):
    sthj = reports["省生态环境厅"]  # the demo's draft: three led matters filled in
    summary = completeness(sthj)
    assert [s.id for s in summary.sections] == [s.id for s in sthj.sections]  # every section, in order
    assert (summary.led_filled, summary.led_explained, summary.led_missing) == (3, 0, 15)
    assert summary.coop_filled == 2 and summary.coop_empty == summary.coop_total - 2 > 0
    assert "重污染天气应急应对" not in {s.title for s in summary.blocking}
    assert not summary.ok and not summary.complete

    first = _empty_led(sthj)[0]
    editor = user("sthj_editor")
    services.save_section(first, actor=editor, expected_version=None, fields={"no_progress_reason": REASON})
    summary = completeness(sthj)
    assert (summary.led_explained, summary.led_missing) == (1, 14)
    explained = next(s for s in summary.sections if s.id == first.id)
    assert explained.explained and explained.reason == REASON and not explained.blocking

    # one indicator is content enough
    second = _empty_led(sthj)[0]
    services.save_section(
        second,
        actor=user("sthj_editor"),
        expected_version=None,
        fields={},
        indicators=[services.IndicatorRow("达标率", "%", "90", "91", True)],
    )
    assert completeness(sthj).led_filled == 4


def test_submission_is_refused_naming_every_empty_led_matter_without_a_reason(reports):
    sthj = reports["省生态环境厅"]
    missing = [s.title for s in _empty_led(sthj)]
    with pytest.raises(DomainError) as refused:
        services.submit_report(sthj, actor=user("sthj_head"), doc_number="示环函〔2026〕12号")
    message = str(refused.value)
    assert "既未填写内容，也未说明本年度无进展的原因" in message
    assert all(f"「{title}」" in message for title in missing) and "「重污染天气应急应对」" not in message
    db.session.refresh(sthj)
    assert sthj.state == ReportState.DRAFT and sthj.doc_number == ""


def test_submission_is_accepted_once_each_empty_led_matter_states_a_reason(reports):
    sthj = reports["省生态环境厅"]
    _state_reasons(sthj)
    services.submit_report(sthj, actor=user("sthj_head"), doc_number=" 示环函[2026]12号 ")
    assert sthj.state == ReportState.SUBMITTED and sthj.doc_number == "示环函〔2026〕12号"
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "annual_reports", AuditEntry.entity_id == sthj.id)
        .order_by(AuditEntry.id)
    ).all()[-1]
    assert entry.after == {"state": "submitted", "doc_number": "示环函〔2026〕12号"}


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "请填写发文字号"),
        ("示环函2026年12号", "发文机关代字、年份和序号"),
        ("示环函〔2026〕012号", "不编虚位"),
        ("示环函〔2026〕第12号", "不加“第”"),
        ("示环函〔1899〕12号", "年份不正确"),
        ("示" * 60 + "〔2026〕1号", "不能超过"),
    ],
)
def test_a_malformed_doc_number_is_refused(typed, problem):
    assert problem in str(submission.doc_number_problem(typed))


def test_well_formed_doc_numbers_pass_with_the_brackets_people_type():
    for typed in ("示环函〔2026〕12号", "示环函（2026）12号", "示环函【2026】1号", "示环发 [2026] 120号"):
        assert submission.doc_number_problem(typed) is None, typed
    assert submission.normalize_doc_number("示环发 [2026] 120号") == "示环发〔2026〕120号"


# -- the submission page ---------------------------------------------------------------------------


def test_submit_page_lists_what_is_empty_with_links_to_the_editors(client, auth, reports):
    sthj = reports["省生态环境厅"]
    auth.login("sthj_head")
    page = client.get(f"/reports/{sthj.id}").get_data(as_text=True)
    assert f'href="/reports/{sthj.id}/submit"' in page  # the report page links to the submission page
    page = client.get(f"/reports/{sthj.id}/submit").get_data(as_text=True)
    assert "完整性检查" in page and "不能报送" in page and "3/18" in page
    for section in _empty_led(sthj):
        assert f'href="/reports/{sthj.id}/sections/{section.id}">{section.title}</a>' in page
    assert "发文字号" in page and "确认以本部门名义报送" in page


def test_submit_page_shows_every_error_at_once_and_keeps_what_was_typed(client, auth, reports):
    sthj = reports["省生态环境厅"]
    auth.login("sthj_head")
    path = f"/reports/{sthj.id}/submit"
    response = post(client, path, {"doc_number": ""}, form_page=path)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "请填写发文字号。" in page and "请勾选确认后再报送。" in page
    assert "既未填写内容，也未说明本年度无进展的原因" in page  # the refusal, with the others

    response = post(client, path, {"doc_number": "示环函2026-12"}, form_page=path)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="示环函2026-12"' in page and "如：示环函〔2026〕12号" in page and "请勾选确认后再报送。" in page
    doc_field = page[page.index('id="doc_number"') - 400 : page.index('id="doc_number-error"') + 300]
    assert "发文字号应由发文机关代字" in doc_field  # next to the field

    # Everything right but the empty led matters: refused, and the typed number is still there.
    response = post(client, path, {"doc_number": "示环函〔2026〕12号", "confirm": "y"}, form_page=path)
    assert response.status_code == 400 and 'value="示环函〔2026〕12号"' in response.get_data(as_text=True)
    db.session.refresh(sthj)
    assert sthj.state == ReportState.DRAFT


def test_submit_page_warns_plainly_then_submits(client, auth, reports):
    sthj = reports["省生态环境厅"]
    _state_reasons(sthj)
    auth.login("sthj_head")
    path = f"/reports/{sthj.id}/submit"
    page = _visible(client.get(path).get_data(as_text=True))
    assert "不能报送" not in page
    assert "仍可报送" in page and "本年度无进展的牵头事项（已说明原因）" in page and REASON in page
    response = post(client, path, {"doc_number": "示环函〔2026〕12号", "confirm": "y"}, form_page=path)
    assert response.status_code == 302
    db.session.refresh(sthj)
    assert sthj.state == ReportState.SUBMITTED and sthj.doc_number == "示环函〔2026〕12号"
    # submitted: the page no longer offers to submit
    assert client.get(path).status_code == 302


def test_the_office_review_card_shows_the_same_summary(client, auth, reports):
    zjt = reports["省住房和城乡建设厅"]  # submitted
    auth.login("province_office")
    page = client.get(f"/reports/{zjt.id}").get_data(as_text=True)
    review = page[page.index('id="review"') :]
    assert "完整性检查" in review
    summary = completeness(zjt)
    assert f"{summary.led_filled}/{summary.led_total}" in review
    assert "不能报送" not in review


# -- 提请审核 / 退回填报人 ---------------------------------------------------------------------------


def test_editor_requests_review_head_sends_back_then_submits(client, auth, reports):
    sthj = reports["省生态环境厅"]
    auth.login("sthj_head")
    assert "提请审核" not in _visible(client.get("/manage/").get_data(as_text=True))
    auth.logout()

    auth.login("sthj_editor")
    page = client.get(f"/reports/{sthj.id}").get_data(as_text=True)
    assert f"/reports/{sthj.id}/request-review" in page and f"/reports/{sthj.id}/submit" not in page
    path = f"/reports/{sthj.id}/request-review"
    assert "完整性检查" in client.get(path).get_data(as_text=True)
    assert post(client, path, {"note": "请负责人审定。"}, form_page=path).status_code == 302
    db.session.refresh(sthj)
    assert sthj.review_requested_at is not None and sthj.review_requested_by_id == user("sthj_editor").id
    assert "已提请审核" in _visible(client.get(f"/reports/{sthj.id}").get_data(as_text=True))
    auth.logout()

    auth.login("sthj_head")
    home = _visible(client.get("/manage/").get_data(as_text=True))
    assert "已提请审核" in home and "省生态环境厅 填报人" in home
    page = _visible(client.get(f"/reports/{sthj.id}").get_data(as_text=True))
    assert "请负责人审定。" in page and "退回填报人…" in page
    back = f"/reports/{sthj.id}/send-back"
    response = post(client, back, {"note": "  "}, form_page=back)
    assert response.status_code == 400 and "请填写退回说明" in response.get_data(as_text=True)
    assert post(client, back, {"note": "总体情况请补充全年数据。"}, form_page=back).status_code == 302
    db.session.refresh(sthj)
    assert sthj.review_requested_at is None and sthj.state == ReportState.DRAFT
    assert "已提请审核" not in _visible(client.get("/manage/").get_data(as_text=True))
    auth.logout()

    auth.login("sthj_editor")
    page = _visible(client.get(f"/reports/{sthj.id}").get_data(as_text=True))
    assert "负责人退回" in page and "总体情况请补充全年数据。" in page
    assert post(client, path, form_page=path).status_code == 302  # asks again, without a note
    _state_reasons(sthj)
    auth.logout()

    auth.login("sthj_head")
    submit = f"/reports/{sthj.id}/submit"
    assert post(client, submit, SUBMISSION, form_page=submit).status_code == 302
    db.session.refresh(sthj)
    assert sthj.state == ReportState.SUBMITTED and sthj.review_requested_at is None
    actions = [e.action for e in sthj.events]
    assert actions[-4:] == ["request_review", "send_back", "request_review", "submit"]
    page = _visible(client.get(f"/reports/{sthj.id}").get_data(as_text=True))
    assert "提请审核" in page and "退回填报人" in page  # the timeline names the steps
    audited = db.session.scalars(
        select(AuditEntry.summary).where(AuditEntry.entity_type == "annual_reports", AuditEntry.entity_id == sthj.id)
    ).all()
    assert any(s.endswith("提请审核") for s in audited) and any(s.endswith("退回填报人") for s in audited)


def test_handoff_rules_in_the_services(reports):
    sthj, zjt = reports["省生态环境厅"], reports["省住房和城乡建设厅"]
    editor, head = user("sthj_editor"), user("sthj_head")
    with pytest.raises(DomainError, match="尚未提请审核"):
        submission.send_back(sthj, actor=head, note="x")
    submission.request_review(sthj, actor=editor)
    with pytest.raises(DomainError, match="已提请审核"):
        submission.request_review(sthj, actor=editor)
    with pytest.raises(services.NotAllowed):
        submission.send_back(sthj, actor=editor, note="x")  # sending back is the head's
    with pytest.raises(services.NotAllowed):
        submission.send_back(sthj, actor=user("nync_head"), note="x")
    with pytest.raises(services.NotAllowed):
        submission.request_review(zjt, actor=editor)  # another department's report
    with pytest.raises(DomainError, match="不能提请审核"):
        submission.request_review(zjt, actor=user("zjt_head"))  # submitted: not editable


def test_who_may_submit_request_review_and_send_back(client, auth, reports):
    sthj = reports["省生态环境厅"]
    submission.request_review(sthj, actor=user("sthj_editor"))
    db.session.flush()
    auth.login("sthj_editor")
    for path in (f"/reports/{sthj.id}/submit", f"/reports/{sthj.id}/send-back"):
        assert client.get(path).status_code == 403
        assert post(client, path, {"note": "x", "doc_number": "示环函〔2026〕1号", "confirm": "y"}).status_code == 403
    assert "报送本级办公室" not in client.get(f"/reports/{sthj.id}").get_data(as_text=True)
    auth.logout()
    auth.login("nync_head")  # another department
    for path in ("submit", "send-back", "request-review"):
        assert client.get(f"/reports/{sthj.id}/{path}").status_code == 403
    assert client.get("/reports/999999/submit").status_code == 404
    auth.logout()
    auth.login("province_office")
    for path in ("submit", "send-back", "request-review"):
        assert client.get(f"/reports/{sthj.id}/{path}").status_code == 403
    db.session.refresh(sthj)
    assert sthj.state == ReportState.DRAFT and sthj.review_requested_at is not None


# -- the office's comments on single sections ------------------------------------------------------


def test_section_comments_on_return_appear_next_to_their_section(client, auth, reports):
    zjt = reports["省住房和城乡建设厅"]  # submitted
    led = [s for s in zjt.sections if s.kind == "led_matter"]
    target, other = led[0], led[1]
    auth.login("province_office")
    page = client.get(f"/reports/{zjt.id}").get_data(as_text=True)
    assert 'name="section_comments-0-section"' in page and 'name="section_comments-2-text"' in page
    response = post(
        client,
        f"/reports/{zjt.id}/return",
        {
            "comment": "请按分部分意见修改。",
            "section_comments-0-section": str(target.id),
            "section_comments-0-text": "请补充黑臭水体消除比例。",
            "section_comments-1-section": "",
            "section_comments-1-text": "",
            "section_comments-2-section": str(target.id),
            "section_comments-2-text": "指标的实际值请写到小数点后一位。",
        },
        form_page=f"/reports/{zjt.id}",
    )
    assert response.status_code == 302
    db.session.refresh(zjt)
    assert zjt.state == ReportState.RETURNED
    stored = db.session.scalars(select(SectionComment).where(SectionComment.report_id == zjt.id)).all()
    assert {c.section_id for c in stored} == {target.id} and len(stored) == 2
    assert all(c.event_id == zjt.events[-1].id and c.author_id == user("province_office").id for c in stored)
    auth.logout()

    auth.login("zjt_head")
    page = client.get(f"/reports/{zjt.id}").get_data(as_text=True)
    card = _section_card(page, target.id)
    assert "办公室对本部分的退回意见" in card and "请补充黑臭水体消除比例。" in card and "小数点后一位" in card
    assert "请补充黑臭水体消除比例。" not in _section_card(page, other.id)
    edit = client.get(f"/reports/{zjt.id}/sections/{target.id}").get_data(as_text=True)
    assert "请补充黑臭水体消除比例。" in edit
    assert "请补充黑臭水体消除比例。" not in client.get(f"/reports/{zjt.id}/sections/{other.id}").get_data(as_text=True)


def test_a_return_with_problems_shows_them_all_and_keeps_what_was_typed(client, auth, reports):
    zjt = reports["省住房和城乡建设厅"]
    section = next(s for s in zjt.sections if s.kind == "led_matter")
    auth.login("province_office")
    response = post(
        client,
        f"/reports/{zjt.id}/return",
        {
            "comment": "",
            "section_comments-0-section": "",
            "section_comments-0-text": "这条意见忘了选部分",
            "section_comments-1-section": str(section.id),
            "section_comments-1-text": "",
        },
        form_page=f"/reports/{zjt.id}",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "请填写退回意见" in page and "请选择这条意见针对的部分。" in page and "请填写对该部分的意见" in page
    assert "这条意见忘了选部分" in page and f'<option selected value="{section.id}">' in page
    db.session.refresh(zjt)
    assert zjt.state == ReportState.SUBMITTED
    assert not db.session.scalars(select(SectionComment).where(SectionComment.report_id == zjt.id)).all()
    # a forged section id (another report's) is refused by the service
    foreign = reports["省生态环境厅"].sections[0]
    with pytest.raises(DomainError, match="选择报告中的一个部分"):
        services.return_report(zjt, actor=user("province_office"), comment="x", section_comments=[(foreign.id, "意见")])


def test_the_demo_returned_report_carries_a_section_comment(client, auth, reports):
    slt = reports["省水利厅"]
    section = next(s for s in slt.sections if s.title == "节水行动")
    auth.login("slt_head")
    page = client.get(f"/reports/{slt.id}").get_data(as_text=True)
    assert "请补充用水总量" in _section_card(page, section.id)
    assert slt.doc_number == "示水函〔2026〕3号"
    assert reports["省农业农村厅"].doc_number and reports["省交通运输厅"].doc_number


def test_older_returns_comments_stay_in_the_timeline(client, auth, reports):
    slt = reports["省水利厅"]
    section = next(s for s in slt.sections if s.title == "节水行动")
    services.submit_report(slt, actor=user("slt_head"))
    services.accept_report(slt, actor=user("province_office"))
    db.session.flush()
    auth.login("slt_head")
    page = client.get(f"/reports/{slt.id}").get_data(as_text=True)
    assert "办公室对本部分的退回意见" not in page  # accepted: no longer next to the section
    timeline = page[page.index('class="timeline"') :]
    assert "请补充用水总量" in timeline and f'href="#s{section.id}"' in timeline
