"""§7 cooperation in the annual report, as the departments meet it: a cooperating department answers
in its own report, the lead department reads the answers (and who has not answered) next to its
section, quotes one into its text, and reminds a department that has not answered (提醒)."""

import html
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import time_machine
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.lists.models import Department
from registry.reports.models import CooperationReminder
from tests import factories
from tests.conftest import another_client
from tests.reports.conftest import post, user

LEAD = "省生态环境厅"
MATTER = "尾矿库污染防治"  # led by 省生态环境厅; cooperating: 省应急管理厅 and 省自然资源厅
ANSWER = "配合核查尾矿库用地手续12宗，<b>共享</b>矿业权数据3批次。"
# 2026-12-01 20:30 UTC is 2026-12-02 04:30 in Beijing.
EVENING_UTC = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)


def visible(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _section(report, kind: str, title: str = MATTER):
    return next(s for s in report.sections if s.kind == kind and s.title == title)


def _card(page: str, section) -> str:
    """The report page's card of one section (up to the next section)."""
    start = page.index(f'id="s{section.id}"')
    end = page.find('<section class="card report-section"', start)
    return page[start : end if end != -1 else len(page)]


def _department(name: str) -> Department:
    return db.session.scalar(select(Department).where(Department.name == name))


class _SectionForm(HTMLParser):
    """What the browser sends with the section form: its own fields and those outside it that name it
    with form="section-form" (the quote checkboxes), ticked as `ticks` say."""

    def __init__(self, ticks: dict[str, set[str]], choose: dict[str, str]):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.ticks, self.choose = ticks, choose
        self._inside = False
        self._textarea = self._select = None

    def _ours(self, a) -> bool:
        return self._inside or a.get("form") == "section-form"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "section-form":
            self._inside = True
        elif tag == "input" and a.get("name") and self._ours(a):
            if a.get("type") == "checkbox":
                if "checked" in a or a.get("value") in self.ticks.get(a["name"], set()):
                    self.fields.append((a["name"], a.get("value") or "y"))
            else:
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea" and self._ours(a):
            self._textarea = [a["name"], ""]
        elif tag == "select" and self._ours(a):
            self._select = [a["name"], self.choose.get(a["name"])]
        elif tag == "option" and self._select and self._select[1] is None and "selected" in a:
            self._select[1] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea[0], self._textarea[1].lstrip("\n")))
            self._textarea = None
        elif tag == "select" and self._select:
            self.fields.append((self._select[0], self._select[1] or ""))
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data


def _save(client, report, section, *, ticks=None, choose=None, change=None):
    """Open the section's editor, tick and choose as a person would, change fields and save."""
    path = f"/reports/{report.id}/sections/{section.id}"
    reader = _SectionForm(ticks or {}, choose or {})
    reader.feed(client.get(path).get_data(as_text=True))
    data = [(k, (change or {}).get(k, v)) for k, v in reader.fields]
    return client.post(path, data=MultiDict(data), follow_redirects=True)


def _answer(app, reports, text: str = ANSWER):
    """省自然资源厅 (zrzyt_editor) writes its 配合落实情况 on the matter, through its own editor."""
    partner = another_client(app)
    partner.post("/login", data={"username": "zrzyt_editor", "password": "demo-2025", "csrf_token": _token(partner)})
    report = reports["省自然资源厅"]
    response = _save(partner, report, _section(report, "coop_matter"), change={"cooperation": text})
    assert response.status_code == 200
    _forget_user()
    return partner


def _forget_user():
    """The clients share the test's app context: drop the other client's user and token from `g`."""
    from flask import g

    g.pop("csrf_token", None)
    g.pop("_login_user", None)


def _token(client, path="/login"):
    from tests.conftest import csrf_token

    return csrf_token(client, path)


def _remind(client, report, section, department: Department, note: str = "", back: str = "report"):
    return post(
        client,
        f"/reports/{report.id}/sections/{section.id}/remind",
        {"department_id": department.id, "note": note, "back": back},
        form_page=f"/reports/{report.id}",
        follow_redirects=True,
    )


def _reminders(to: Department) -> int:
    return db.session.scalar(
        select(func.count()).select_from(CooperationReminder).where(CooperationReminder.to_department_id == to.id)
    )


# -- the lead reads -----------------------------------------------------------------------------------


def test_lead_sees_what_a_cooperating_department_wrote_and_who_has_not_answered(app, client, auth, reports):
    _answer(app, reports)
    report = reports[LEAD]
    led = _section(report, "led_matter")
    auth.login("sthj_editor")
    for page in (
        _card(client.get(f"/reports/{report.id}").get_data(as_text=True), led),
        client.get(f"/reports/{report.id}/sections/{led.id}").get_data(as_text=True),
    ):
        text = visible(page)
        assert "配合部门意见" in text and "1/2 个配合部门已答复" in text
        panel = text[text.index("配合部门意见") :]
        answered, waiting = panel.index("省自然资源厅"), panel.index("省应急管理厅")
        assert "已答复" in panel[answered:] and ANSWER in panel  # as typed, shown as text
        assert "&lt;b&gt;共享&lt;/b&gt;" in page and "<b>共享</b>" not in page  # escaped, never markup
        assert "尚未答复" in panel[waiting:] and "提醒" in panel[waiting:]


def test_the_panel_is_only_on_led_matters_the_department_leads(app, client, auth, reports):
    _answer(app, reports)
    report = reports[LEAD]
    auth.login("sthj_editor")
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    # One panel per led matter that has cooperating departments; none on the sthj's own cooperating matters.
    coop = next(s for s in report.sections if s.kind == "coop_matter")
    assert "配合部门意见" not in _card(page, coop)
    assert "配合部门意见" not in _card(page, next(s for s in report.sections if s.kind == "duties"))


# -- quoting ------------------------------------------------------------------------------------------


def test_a_quoted_answer_lands_in_the_chosen_field_once(app, client, auth, reports):
    _answer(app, reports)
    report = reports[LEAD]
    led = _section(report, "led_matter")
    partner = _department("省自然资源厅")
    auth.login("sthj_editor")
    response = _save(
        client,
        report,
        led,
        ticks={"quote_department": {str(partner.id)}},
        choose={"quote_field": "problems"},
        change={"problems": "个别尾矿库闭库销号进度滞后。"},
    )
    assert response.status_code == 200 and "已保存" in visible(response.get_data(as_text=True))
    db.session.refresh(led)
    assert led.problems == f"个别尾矿库闭库销号进度滞后。\n\n「省自然资源厅：{ANSWER}」"
    assert "省自然资源厅" not in led.measures
    # The report page shows it as text in 存在问题.
    card = visible(_card(client.get(f"/reports/{report.id}").get_data(as_text=True), led))
    assert f"个别尾矿库闭库销号进度滞后。 「省自然资源厅：{ANSWER}」" in card
    # Ticking it again does not quote it twice; the default field is 主要措施与成效.
    _save(client, report, led, ticks={"quote_department": {str(partner.id)}}, choose={"quote_field": "problems"})
    db.session.refresh(led)
    assert led.problems.count("「省自然资源厅：") == 1
    _save(client, report, led, ticks={"quote_department": {str(partner.id)}})
    db.session.refresh(led)
    assert led.measures.endswith(f"「省自然资源厅：{ANSWER}」")


def test_only_answers_on_the_matter_can_be_quoted(app, client, auth, reports):
    report = reports[LEAD]
    led = _section(report, "led_matter")
    waiting = _department("省应急管理厅")  # has not answered
    stranger = _department("省农业农村厅")  # does not cooperate on this matter
    auth.login("sthj_editor")
    path = f"/reports/{report.id}/sections/{led.id}"
    reader = _SectionForm({}, {})
    reader.feed(client.get(path).get_data(as_text=True))
    data = [*reader.fields, ("quote_department", str(waiting.id)), ("quote_department", str(stranger.id))]
    data += [("quote_department", "x"), ("quote_field", "lock_version")]
    before = led.measures
    response = client.post(path, data=MultiDict(data), follow_redirects=True)
    assert response.status_code == 200
    db.session.refresh(led)
    assert "「" not in (led.measures or "").replace(before or "", "")


# -- reminding ----------------------------------------------------------------------------------------


def test_a_reminder_is_recorded_audited_and_seen_by_the_cooperating_department(app, client, auth, reports):
    report = reports[LEAD]
    led = _section(report, "led_matter")
    waiting = _department("省应急管理厅")
    with time_machine.travel(EVENING_UTC, tick=False):
        auth.login("sthj_editor")
        page = visible(_remind(client, report, led, waiting, note="请本周内填写。").get_data(as_text=True))
    assert f"已提醒省应急管理厅填写「{MATTER}」的配合情况。" in page
    reminder = db.session.scalar(select(CooperationReminder).where(CooperationReminder.to_department_id == waiting.id))
    assert reminder.from_department.name == LEAD and reminder.actor_name == "省生态环境厅 填报人"
    assert reminder.note == "请本周内填写。" and reminder.cycle_id == report.cycle_id
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.entity_type == "cooperation_reminders", AuditEntry.entity_id == reminder.id)
    )
    assert entry.after["to_department"] == "省应急管理厅" and entry.actor_name == "省生态环境厅 填报人"
    # The lead's panel says so (Beijing time) and offers no second reminder today.
    with time_machine.travel(EVENING_UTC, tick=False):
        card = visible(_card(client.get(f"/reports/{report.id}").get_data(as_text=True), led))
    assert "已提醒 1 次，最近一次：2026-12-02 04:30（省生态环境厅 填报人）" in card
    assert "今天已提醒" in card

    # The cooperating department: on its 工作台 and next to its section, with who and when (Beijing time).
    factories.user("yjt_editor", "dept_editor", report.cycle.jurisdiction, waiting)
    other = another_client(app)
    other.post("/login", data={"username": "yjt_editor", "password": "password-123", "csrf_token": _token(other)})
    home = visible(other.get("/manage/").get_data(as_text=True))
    assert "牵头部门提醒您填写配合情况（1）" in home
    assert MATTER in home and "请本周内填写。" in home
    assert "省生态环境厅 填报人 于 2026-12-02 04:30 提醒" in home
    own = reports["省应急管理厅"]
    coop = _section(own, "coop_matter")
    for page in (
        _card(other.get(f"/reports/{own.id}").get_data(as_text=True), coop),
        other.get(f"/reports/{own.id}/sections/{coop.id}").get_data(as_text=True),
    ):
        text = visible(page)
        assert "牵头部门提醒您填写配合情况" in text and "2026-12-02 04:30" in text and "请本周内填写。" in text


def test_one_reminder_per_department_and_matter_per_beijing_day(client, auth, reports):
    report = reports[LEAD]
    led = _section(report, "led_matter")
    waiting = _department("省应急管理厅")
    # 23:50 on 12-01 in Beijing, then 00:10 on 12-02: two Beijing days (the same UTC day).
    with time_machine.travel(datetime(2026, 12, 1, 15, 50, tzinfo=UTC), tick=False):
        auth.login("sthj_editor")
        _remind(client, report, led, waiting)
        again = visible(_remind(client, report, led, waiting).get_data(as_text=True))
    assert "今天已于23:50提醒过省应急管理厅（省生态环境厅 填报人）" in again and "每天最多提醒一次" in again
    assert _reminders(waiting) == 1
    with time_machine.travel(datetime(2026, 12, 1, 16, 10, tzinfo=UTC), tick=False):
        page = visible(_remind(client, report, led, waiting).get_data(as_text=True))
    assert "已提醒省应急管理厅" in page
    assert _reminders(waiting) == 2


def test_no_reminder_to_a_department_that_answered_or_does_not_cooperate(app, client, auth, reports):
    _answer(app, reports)
    report = reports[LEAD]
    led = _section(report, "led_matter")
    auth.login("sthj_editor")
    answered = visible(_remind(client, report, led, _department("省自然资源厅")).get_data(as_text=True))
    assert "省自然资源厅已经填写了配合情况，无需提醒。" in answered
    stranger = visible(_remind(client, report, led, _department("省农业农村厅")).get_data(as_text=True))
    assert "该部门不是本事项的配合部门。" in stranger
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(CooperationReminder)
            .where(CooperationReminder.version_matter_id == led.version_matter_id)
        )
        == 0
    )


# -- who may see and remind ---------------------------------------------------------------------------


def test_another_department_cannot_remind_or_see_the_panel(app, client, auth, reports):
    _answer(app, reports)
    report = reports[LEAD]
    led = _section(report, "led_matter")
    waiting = _department("省应急管理厅")
    auth.login("nync_head")  # 省农业农村厅
    assert _remind(client, report, led, waiting).status_code == 403
    assert client.get(f"/reports/{report.id}").status_code == 403
    # Nor through its own report: a matter it cooperates on (led by 省生态环境厅) is not its to push.
    own = reports["省农业农村厅"]
    coop = _section(own, "coop_matter", "农村生活污水治理")
    page = visible(_remind(client, own, coop, _department("省住房和城乡建设厅")).get_data(as_text=True))
    assert "该部门不是本事项的配合部门。" in page
    assert _reminders(_department("省住房和城乡建设厅")) == 0
    # The cooperating department itself cannot open the lead's report either.
    auth.logout()
    auth.login("zrzyt_editor")
    assert client.get(f"/reports/{report.id}").status_code == 403


def test_readers_other_than_the_lead_see_no_inputs(app, client, auth, reports):
    _answer(app, reports)
    report = reports[LEAD]
    auth.login("province_office")  # reads every report of its jurisdiction, but not other drafts through it
    page = visible(client.get(f"/reports/{report.id}").get_data(as_text=True))
    assert "配合部门意见" not in page and ANSWER not in page


def test_reminders_reach_only_the_department_reminded(app, client, auth, reports):
    report = reports[LEAD]
    auth.login("sthj_editor")
    _remind(client, report, _section(report, "led_matter"), _department("省应急管理厅"), note="只给应急管理厅")
    auth.logout()
    auth.login("zrzyt_editor")  # cooperates on the same matter, but was not reminded about it
    home = visible(client.get("/manage/").get_data(as_text=True))
    assert "只给应急管理厅" not in home
    partner = reports["省自然资源厅"]
    card = visible(_card(client.get(f"/reports/{partner.id}").get_data(as_text=True), _section(partner, "coop_matter")))
    assert "牵头部门提醒您填写配合情况" not in card


# -- the demo -----------------------------------------------------------------------------------------


def test_the_demo_shows_an_answer_and_a_reminder(client, auth, reports):
    auth.login("zrzyt_editor")
    home = visible(client.get("/manage/").get_data(as_text=True))
    assert "牵头部门提醒您填写配合情况（1）" in home and "入河入海排污口设置管理" in home
    auth.logout()
    auth.login("sthj_editor")
    report = reports[LEAD]
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    card = visible(_card(page, _section(report, "led_matter", "建设用地土壤污染风险管控和修复名录")))
    assert "省自然资源厅 已答复" in card and "国土空间基础信息平台" in card
    reminded = visible(_card(page, _section(report, "led_matter", "入河入海排污口设置管理")))
    assert "省自然资源厅 尚未答复" in reminded and "已提醒 1 次" in reminded


def test_user_helper_finds_the_demo_login(reports):
    assert user("zrzyt_editor").department.name == "省自然资源厅"


def test_a_garbled_or_overlong_reminder_is_told_not_a_server_error(client, auth, reports):
    report = reports[LEAD]
    led = _section(report, "led_matter")
    auth.login("sthj_editor")
    path = f"/reports/{report.id}/sections/{led.id}/remind"
    for data in ({"department_id": "abc"}, {"department_id": "9" * 30}, {}):
        response = post(client, path, data, form_page=f"/reports/{report.id}", follow_redirects=True)
        assert response.status_code == 200
        text = visible(response.get_data(as_text=True))
        assert "请选择要提醒的配合部门。" in text or "该部门不是本事项的配合部门。" in text
    waiting = _department("省应急管理厅")
    response = _remind(client, report, led, waiting, note="很" * 501)
    assert "附言不能超过500字。" in visible(response.get_data(as_text=True))
    assert _reminders(waiting) == 0
