"""The annual report's generated section 整改任务落实情况 (issue #18, item 9): the tasks the department
leads (and those it cooperates on) as they stood at the end of the report's year — closed in the year,
in progress, overdue — read from the tasks' timelines, read-only, with the department's commentary;
the published PDF keeps them as they were.

The small ledger below is told as timeline events with their state and time (what events.record leaves,
as tests/supervision/bulletin_scenario.py does), in 示例省, led by 省生态环境厅 whose 2025 report is the
demo's draft."""

import io
import re
from datetime import UTC, date, datetime

import pdfplumber
import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department
from registry.reports import services, task_section
from registry.reports.completeness import completeness
from registry.reports.models import ReportState, SectionKind
from registry.supervision.models import EventKind, Task, TaskState
from tests import factories
from tests.public.conftest import switch_language
from tests.reports.conftest import explain_empty_led_matters, post, user
from tests.supervision.bulletin_scenario import created, step

LEDGER = "测试整改台账（年度报告）"
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # the figures of the year 2026 are taken now


def _department(name: str) -> Department:
    return db.session.scalar(select(Department).where(Department.name == name))


def _small_ledger(report) -> dict[str, Task]:
    """Nine tasks led by the report's department and one it cooperates on, over 2024–2026."""
    ledger = factories.ledger(report.cycle.jurisdiction, title=LEDGER)
    lead, other = report.department, _department("省农业农村厅")

    def task(key: str, made: date, due: date | None, problem: str, *, phase=None, lead=lead, cooperating=()):
        t = factories.task(
            ledger, lead, number=key, due_date=due, phase=phase, problem=problem, cooperating=cooperating
        )
        created(t, made)
        return t

    t = {
        "1": task("1", date(2025, 3, 1), date(2025, 10, 31), "年内销号的任务"),
        "2": task("2", date(2025, 3, 1), date(2025, 6, 30), "销号后又反弹的任务"),
        "3": task("3", date(2025, 4, 1), date(2026, 6, 30), "整改中的任务", phase="medium"),
        "4": task("4", date(2025, 4, 1), date(2025, 11, 30), "逾期未完成的任务"),
        "5": task("5", date(2025, 4, 1), date(2025, 12, 15), "年末公示中的任务"),
        "6": task("6", date(2024, 5, 1), date(2024, 12, 31), "上年已销号的任务"),
        "7": task("7", date(2026, 2, 1), date(2026, 12, 31), "次年才列入台账的任务"),
        "8": task("8", date(2025, 3, 1), date(2025, 12, 31), "年内销号、次年反弹的任务"),
        "9": task("9", date(2025, 3, 1), date(2025, 12, 20), "次年一月才销号的任务"),
        "c": task("c", date(2025, 5, 1), date(2026, 3, 31), "农业农村厅牵头、本厅配合的任务",
                  lead=other, cooperating=[lead]),
    }  # fmt: skip

    def closed(task: Task, applied: date, notice: date, day: date) -> None:
        step(task, EventKind.APPLIED, TaskState.APPLIED, applied)
        step(task, EventKind.NOTICE_STARTED, TaskState.NOTICE, notice)
        step(task, EventKind.CLOSED, TaskState.CLOSED, day)

    def reopened(task: Task, day: date) -> None:
        step(task, EventKind.REOPENED, TaskState.OPEN, day)
        task.closed_at = None  # as closure.reopen leaves it: the closing is on the timeline only

    closed(t["1"], date(2025, 9, 1), date(2025, 9, 10), date(2025, 9, 28))
    closed(t["2"], date(2025, 5, 1), date(2025, 5, 5), date(2025, 5, 20))
    reopened(t["2"], date(2025, 8, 1))
    step(t["4"], EventKind.PROGRESS, TaskState.OPEN, date(2025, 11, 25))
    step(t["4"], EventKind.APPLIED, TaskState.APPLIED, date(2025, 12, 20))  # applied late: overdue still
    step(t["5"], EventKind.APPLIED, TaskState.APPLIED, date(2025, 12, 1))
    step(t["5"], EventKind.NOTICE_STARTED, TaskState.NOTICE, date(2025, 12, 10))
    closed(t["6"], date(2024, 10, 1), date(2024, 10, 10), date(2024, 11, 20))
    closed(t["8"], date(2025, 11, 1), date(2025, 12, 1), date(2025, 12, 20))
    reopened(t["8"], date(2026, 3, 1))
    closed(t["9"], date(2025, 12, 18), date(2026, 1, 5), date(2026, 1, 25))
    db.session.flush()
    return t


def _mine(rows):
    return {r.number: r for r in rows if r.ledger == LEDGER}


def _section(report):
    return next(s for s in report.sections if s.kind == SectionKind.TASKS)


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return re.sub(r"[\s草稿]+", "", "".join(p.extract_text() or "" for p in document.pages))


def _card(page: str, section) -> str:
    card = page[page.index(f'id="s{section.id}"') :]
    return card[: card.index("</section>")]


def test_the_rows_are_the_tasks_as_they_stood_at_the_year_end(reports):
    sthj = reports["省生态环境厅"]
    j, d = sthj.cycle.jurisdiction_id, sthj.department_id
    tasks = _small_ledger(sthj)
    rows = _mine(task_section.year_rows(j, d, 2025, now=NOW))
    # 6: closed in 2024 and closed all through 2025; 7: made in 2026; c: only cooperated on.
    assert set(rows) == {"1", "2", "3", "4", "5", "8", "9"}
    assert (rows["1"].status, rows["1"].state, rows["1"].closed_on) == ("closed", "closed", date(2025, 9, 28))
    # Closed in May, reopened in August, past its deadline at the year's end: overdue, not closed.
    assert (rows["2"].status, rows["2"].state, rows["2"].closed_on, rows["2"].reopened) == (
        "overdue",
        "open",
        None,
        True,
    )
    assert (rows["3"].status, rows["3"].deadline) == ("in_progress", "2026-06-30 中期推进")
    assert (rows["4"].status, rows["4"].state) == ("overdue", "applied")
    assert (rows["5"].status, rows["5"].state) == ("in_progress", "notice")  # on notice: the work is done
    # Closed on 20 December, reopened in 2026: closed in 2025 all the same (Task.closed_at is None now).
    assert tasks["8"].closed_at is None and tasks["8"].state == TaskState.OPEN
    assert (rows["8"].status, rows["8"].closed_on, rows["8"].reopened) == ("closed", date(2025, 12, 20), False)
    # Due on 20 December, applied on the 18th, closed in January: overdue at the year's end (as the
    # bulletin counts: on 31 December; one due that day would not be overdue yet).
    assert (rows["9"].status, rows["9"].state, rows["9"].closed_on) == ("overdue", "applied", None)
    cooperating = _mine(task_section.year_rows(j, d, 2025, role=task_section.COOPERATING, now=NOW))
    assert set(cooperating) == {"c"} and cooperating["c"].lead == "省农业农村厅"

    # The same ledger in 2026, as of now: 1 and 6 were closed before it; 8 is back in progress; 9 closed.
    rows_2026 = _mine(task_section.year_rows(j, d, 2026, now=NOW))
    assert set(rows_2026) == {"2", "3", "4", "5", "7", "8", "9"}
    assert (rows_2026["9"].status, rows_2026["9"].closed_on) == ("closed", date(2026, 1, 25))
    assert (rows_2026["8"].status, rows_2026["8"].reopened) == ("overdue", True)
    assert rows_2026["3"].status == "overdue" and rows_2026["7"].status == "in_progress"


def test_the_counts_add_up_on_the_small_ledger(reports):
    sthj = reports["省生态环境厅"]
    before = task_section.figures(sthj, now=NOW)
    _small_ledger(sthj)
    after = task_section.figures(sthj, now=NOW)
    added = {k: after["led"]["counts"][k] - before["led"]["counts"][k] for k in after["led"]["counts"]}
    assert added == {"total": 7, "closed": 2, "in_progress": 2, "closing": 1, "overdue": 3, "reopened": 1}
    assert after["year"] == 2025 and after["complete"] and after["as_of"] == date(2025, 12, 31)
    led = {t["number"]: t for t in after["led"]["tasks"] if t["ledger"] == LEDGER}
    assert led["1"]["closed_on"] == "2025-09-28" and led["1"]["state_label"] == "已销号"
    assert led["2"]["reopened"] and led["2"]["overdue"] and led["2"]["closed_on"] == ""
    assert [t["number"] for t in after["cooperating"]["tasks"] if t["ledger"] == LEDGER] == ["c"]
    assert "已销号" in after["led"]["summary"] and "逾期未完成" in after["led"]["summary"]
    long = "部分城市建成区黑臭水体反弹，污水管网建设滞后，雨污分流改造进度缓慢，" * 3
    assert len(task_section.shorten(long)) == task_section.PROBLEM_LENGTH and task_section.shorten(long).endswith("…")


def test_a_new_draft_gets_the_section_when_its_department_has_tasks(demo):
    city = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990100"))
    led = db.session.scalar(select(Department).where(Department.jurisdiction_id == city.id).limit(1))
    factories.task(factories.ledger(city, title=LEDGER), led, problem="江川市测试任务")
    involved = task_section.involved_departments(city.id, 2026)
    cycle = services.open_cycle(city, year=2026, deadline=date(2027, 3, 31), actor=user("jiangchuan_office"))
    reports = list(cycle.reports)
    assert {r.department_id in involved for r in reports} == {True, False}  # some have tasks, some do not
    for report in reports:
        kinds = [s.kind for s in report.sections]
        assert (SectionKind.TASKS in kinds) == (report.department_id in involved), report.department.name
        if SectionKind.TASKS in kinds:
            at = kinds.index(SectionKind.TASKS)
            assert kinds.count(SectionKind.TASKS) == 1
            assert all(k not in ("led_matter", "coop_matter", "complaints", "indicators") for k in kinds[at + 1 :])
            assert kinds[at + 1 :] == ["free", "free"]  # before 存在的主要问题 and 下一年度工作计划
            assert report.sections[at].title == "整改任务落实情况" and report.sections[at].body == ""


def test_an_older_draft_gets_it_once_when_opened_never_a_submitted_report(client, auth, reports):
    sthj = reports["省生态环境厅"]
    jtt = reports["省交通运输厅"]  # accepted in the demo: past drafting
    ledger = factories.ledger(sthj.cycle.jurisdiction, title=LEDGER)
    created(factories.task(ledger, sthj.department, problem="本厅牵头的任务"), date(2025, 3, 1))
    created(factories.task(ledger, jtt.department, number="2", problem="交通运输厅牵头的任务"), date(2025, 3, 1))
    for section in [s for s in sthj.sections if s.kind == SectionKind.TASKS]:
        db.session.delete(section)  # as drafted before its department had a task
    db.session.flush()
    db.session.expire_all()
    auth.login("sthj_editor")
    for _ in range(2):
        assert client.get(f"/reports/{sthj.id}").status_code == 200
    db.session.expire_all()
    kinds = [s.kind for s in sthj.sections]
    assert kinds.count(SectionKind.TASKS) == 1
    assert [s.position for s in sthj.sections] == list(range(len(sthj.sections)))
    assert kinds[-3:] == [SectionKind.TASKS, "free", "free"]
    assert kinds.index(SectionKind.TASKS) > kinds.index(SectionKind.COMPLAINTS)
    auth.logout()
    auth.login("province_office")
    assert jtt.state == ReportState.ACCEPTED
    assert client.get(f"/reports/{jtt.id}").status_code == 200
    db.session.expire_all()
    assert SectionKind.TASKS not in [s.kind for s in jtt.sections]
    assert task_section.ensure_section(jtt) is False


def test_a_department_without_tasks_in_the_year_gets_no_section(client, auth, reports):
    sthj = reports["省生态环境厅"]
    involved = task_section.involved_departments(sthj.cycle.jurisdiction_id, 2025)
    report = next(r for r in reports.values() if r.state == ReportState.DRAFT and r.department_id not in involved)
    assert task_section.ensure_section(report) is False
    assert task_section.figures_of(report) is None

    # Its department comes to lead a task listed now (2026): its 2025 report is not about it.
    ledger = factories.ledger(sthj.cycle.jurisdiction, title=LEDGER)
    later = factories.task(ledger, report.department, problem="2026年才列入台账的任务")
    assert task_section.ensure_section(report) is False
    assert report.department_id not in task_section.involved_departments(sthj.cycle.jurisdiction_id, 2025)

    # A task listed in 2025 is: the 2025 report gets the section, with that task and not the later one.
    created(factories.task(ledger, report.department, number="2", problem="2025年列入台账的任务"), date(2025, 3, 1))
    db.session.flush()
    assert task_section.ensure_section(report) is True
    db.session.flush()
    auth.login("province_office")
    card = _card(client.get(f"/reports/{report.id}").get_data(as_text=True), _section(report))
    assert "2025年列入台账的任务" in card and later.problem not in card
    assert "配合的整改任务" not in card


def test_the_page_shows_the_figures_read_only_and_the_commentary_is_edited(client, auth, reports):
    sthj = reports["省生态环境厅"]
    tasks = _small_ledger(sthj)
    task_section.ensure_section(sthj)
    db.session.flush()
    section = _section(sthj)
    auth.login("sthj_editor")
    card = _card(client.get(f"/reports/{sthj.id}").get_data(as_text=True), section)
    assert "整改任务落实情况" in card and "牵头的整改任务" in card and "配合的整改任务" in card
    assert "年内销号的任务" in card and "2025-09-28" in card and "年内销号后反弹" in card
    assert "农业农村厅牵头、本厅配合的任务" in card and "省农业农村厅" in card
    assert "上年已销号的任务" not in card and "次年才列入台账的任务" not in card
    assert f'href="/tasks/{tasks["1"].id}"' in card
    assert "（未填写，可选）" in card

    path = f"/reports/{sthj.id}/sections/{section.id}"
    editor = client.get(path).get_data(as_text=True)
    assert "不能修改" in editor and "年内销号的任务" in editor and 'name="body"' in editor
    assert 'name="state"' not in editor  # the figures are shown, never fields
    commentary = "年内销号2项；反弹的黑臭水体问题已重新整改，逾期任务已约谈督促。"
    data = {"lock_version": str(section.lock_version), "body": commentary, "state": "closed", "problem": "改"}
    response = post(client, path, data, form_page=path)
    assert response.status_code == 302
    db.session.refresh(section)
    assert commentary in section.body
    db.session.refresh(tasks["4"])
    assert tasks["4"].state == TaskState.APPLIED and tasks["4"].problem == "逾期未完成的任务"
    card = _card(client.get(f"/reports/{sthj.id}").get_data(as_text=True), section)
    assert commentary in card and "年内销号的任务" in card
    assert not [s for s in completeness(sthj).warnings if s.kind == SectionKind.TASKS]  # never blocks


def test_the_pdf_has_the_table_and_the_commentary(client, auth, reports):
    sthj = reports["省生态环境厅"]
    _small_ledger(sthj)
    task_section.ensure_section(sthj)
    section = _section(sthj)
    services.save_section(
        section, actor=user("sthj_editor"), expected_version=None, fields={"body": "<p>本部门整改说明。</p>"}
    )
    auth.login("sthj_editor")
    pdf = client.get(f"/reports/{sthj.id}/preview.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _text(pdf.data)
    chapter = text[text.rindex("整改任务落实情况") :]
    assert "截至2025年末" in chapter and "牵头的整改任务共" in chapter
    assert "年内销号的任务" in chapter and "2025-09-28" in chapter and "已销号" in chapter
    assert "逾期未完成的任务" in chapter and "（逾期）" in chapter and "年内销号后反弹" in chapter
    assert re.sub(r"\s", "", LEDGER) in chapter and "整改时限" in chapter and "销号日期" in chapter
    # The cooperating table (its problem wraps in its cell): with the lead department.
    assert "配合的整改任务共1项：已销号0项，整改中1项，逾期未完成0项" in chapter
    assert "牵头部门" in chapter and "省农业农村" in chapter and "2026-03-31整改中" in chapter
    assert "上年已销号的任务" not in chapter and "次年才列入台账的任务" not in chapter
    assert "本部门整改说明。" in chapter


def test_a_published_report_keeps_its_figures_when_tasks_change_later(client, auth, reports):
    sthj = reports["省生态环境厅"]
    tasks = _small_ledger(sthj)
    task_section.ensure_section(sthj)
    explain_empty_led_matters(sthj)
    services.submit_report(sthj, actor=user("sthj_head"), doc_number="示环函〔2026〕9号")
    services.accept_report(sthj, actor=user("province_office"))
    services.publish_report(sthj, actor=user("sthj_head"))
    db.session.flush()
    published = client.get(f"/reports/published/{sthj.id}.pdf").data
    assert "年内销号的任务" in _text(published)

    # Later: the ledger's wording is corrected and a task is moved to another lead department.
    tasks["1"].problem = "更正后的问题表述"
    tasks["3"].lead_department = _department("省农业农村厅")
    db.session.flush()
    rows = _mine(task_section.year_rows(sthj.cycle.jurisdiction_id, sthj.department_id, 2025))
    assert rows["1"].problem == "更正后的问题表述" and "3" not in rows  # computed anew, they differ
    again = client.get(f"/reports/published/{sthj.id}.pdf").data
    assert again == published  # the stored file, not a new rendering
    assert "年内销号的任务" in _text(again) and "更正后的问题表述" not in _text(again)
    auth.login("sthj_editor")
    card = _card(client.get(f"/reports/{sthj.id}").get_data(as_text=True), _section(sthj))
    assert "以公开的 PDF 为准" in card and f'href="/reports/published/{sthj.id}.pdf"' in card
    assert "更正后的问题表述" not in card and "年内销号的任务" not in card


@pytest.fixture
def in_english(client):
    switch_language(client, "en")
    yield
    switch_language(client, "zh")


def test_the_section_reads_in_english(client, auth, reports, in_english):
    sthj = reports["省生态环境厅"]
    _small_ledger(sthj)
    task_section.ensure_section(sthj)
    db.session.flush()
    auth.login("sthj_editor")
    switch_language(client, "en")
    card = _card(client.get(f"/reports/{sthj.id}").get_data(as_text=True), _section(sthj))
    # The labels (the ledger's title and the tasks' problems stay as written, in Chinese).
    for chinese in ("牵头的整改任务", "配合的整改任务", "整改台账", "销号日期", "已销号", "逾期未完成", "本部门的说明"):
        assert f">{chinese}<" not in card, chinese
    assert "年内销号的任务" in card  # a task's problem, as written
    for english in ("Rectification tasks led", "Rectification tasks cooperated on", "Closed on", "Closed out"):
        assert english in card, english
    assert "Overdue" in card and "Closed out, then reopened in the year" in card
    editor = client.get(f"/reports/{sthj.id}/sections/{_section(sthj).id}").get_data(as_text=True)
    assert "cannot be changed" in editor or "can't be changed" in editor or "read-only" in editor.lower()


def test_a_reader_who_may_not_open_the_task_is_linked_to_its_public_page(app, reports):
    """A report's table links each task to its page behind the sign-in for those who may read the task,
    and to its public page for other readers of the report (a copy recipient, say): never to a 403."""
    from flask_login import login_user

    from registry.auth.models import User
    from registry.supervision.views.ledgers import task_href

    sthj = reports["省生态环境厅"]
    task = _small_ledger(sthj)["1"]
    db.session.flush()
    for username, expected in (
        ("sthj_editor", f"/tasks/{task.id}"),  # the lead department
        ("province_office", f"/tasks/{task.id}"),  # the office
        ("nync_head", f"/jurisdictions/990000/tasks/{task.id}"),  # neither lead nor cooperating
    ):
        with app.test_request_context():
            login_user(db.session.scalar(select(User).where(User.username == username)))
            assert task_href(task.id) == expected, username
