"""The annual report's generated section 公众举报办理情况: the complaint figures of the matters the
department leads, for the report's year, read-only, with the department's own commentary."""

import io
import re
from datetime import UTC, date, datetime

import pdfplumber
from sqlalchemy import select

from registry.complaints.models import Complaint, ComplaintState, EventKind, Rating
from registry.complaints.services import add_event
from registry.extensions import db
from registry.reports import complaint_section, services
from registry.reports.completeness import completeness
from registry.reports.models import ReportState, SectionKind
from registry.versions.models import VersionMatter
from tests import factories
from tests.reports.conftest import explain_empty_led_matters, post, user


def _kinds(report):
    return [s.kind for s in report.sections]


def _led(report) -> list[VersionMatter]:
    return db.session.scalars(
        select(VersionMatter)
        .where(
            VersionMatter.version_id == report.cycle.version_id,
            VersionMatter.lead_department_id == report.department_id,
        )
        .order_by(VersionMatter.seq)
    ).all()


def _complaints_about(report):
    """Two complaints about a led matter in the report's year (one answered on time and rated 满意, one a
    repeat still new), one about another, and one from the year after (not counted); matters the demo's
    complaints are not about."""
    taken = set(db.session.scalars(select(Complaint.matter_id).where(Complaint.matter_id.is_not(None))))
    first, second = [vm for vm in _led(report) if vm.matter_id not in taken][:2]
    department = report.department

    def received(vm, day: date, **state):
        made = factories.complaint(department, version_matter=vm, received=day)
        made.received_at = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
        if state.pop("accepted", False):
            add_event(made, EventKind.ACCEPTED, "测试")
        for name, value in state.items():
            setattr(made, name, value)
        db.session.flush()
        return made

    answered = received(
        first,
        date(2025, 4, 1),
        accepted=True,
        state=ComplaintState.ANSWERED,
        reply_due=date(2025, 4, 22),
        answered_at=datetime(2025, 4, 10, 2, tzinfo=UTC),
        rating=Rating.SATISFIED,
    )
    received(first, date(2025, 6, 1), repeat_of_id=answered.id, accept_due=date(2025, 6, 3))
    received(second, date(2025, 9, 1), accepted=True, state=ComplaintState.ACCEPTED, reply_due=date(2025, 9, 22))
    received(first, date(2026, 2, 1))
    return first, second


def test_a_new_draft_gets_the_section_after_the_matters_if_it_leads_any(reports):
    sthj = reports["省生态环境厅"]
    kinds = _kinds(sthj)
    assert kinds.count(SectionKind.COMPLAINTS) == 1
    at = kinds.index(SectionKind.COMPLAINTS)
    assert at > max(i for i, k in enumerate(kinds) if k in ("led_matter", "coop_matter"))
    # before 目标指标完成情况 (the demo's 省生态环境厅 leads indicators), 存在的主要问题 and 下一年度工作计划
    assert kinds[at + 1 :] == [SectionKind.INDICATORS, "free", "free"]
    section = sthj.sections[at]
    assert section.title == "公众举报办理情况" and section.body == ""
    for report in reports.values():
        leads = bool(_led(report))
        assert (SectionKind.COMPLAINTS in _kinds(report)) == leads, report.department.name


def test_an_older_draft_gets_it_once_when_opened_never_a_submitted_report(client, auth, reports):
    sthj = reports["省生态环境厅"]
    nync = next(  # another department's draft, to be submitted
        r for name, r in sorted(reports.items()) if r is not sthj and r.state == ReportState.DRAFT and _led(r)
    )
    for report in (sthj, nync):  # as drafted before the section existed
        db.session.delete(next(s for s in report.sections if s.kind == SectionKind.COMPLAINTS))
    nync.state = ReportState.SUBMITTED
    db.session.flush()
    db.session.expire_all()
    auth.login("sthj_editor")
    for _ in range(2):
        assert client.get(f"/reports/{sthj.id}").status_code == 200
    db.session.expire_all()
    assert _kinds(sthj).count(SectionKind.COMPLAINTS) == 1
    assert [s.position for s in sthj.sections] == list(range(len(sthj.sections)))
    kinds = [k for k in _kinds(sthj) if k != SectionKind.TASKS]  # 整改任务落实情况 (#18) when it has tasks
    assert kinds[-4:] == [SectionKind.COMPLAINTS, SectionKind.INDICATORS, "free", "free"]
    auth.logout()
    auth.login("province_office")
    assert client.get(f"/reports/{nync.id}").status_code == 200
    db.session.expire_all()
    assert SectionKind.COMPLAINTS not in _kinds(nync)
    assert complaint_section.ensure_section(nync) is False


def test_the_figures_show_in_the_editor_and_the_pdf_with_the_commentary(client, auth, reports, tmp_path):
    sthj = reports["省生态环境厅"]
    base = complaint_section.figures(sthj)["totals"]  # the demo's own complaints, if any
    first, second = _complaints_about(sthj)
    n = {k: base[k] + v for k, v in {"received": 3, "accepted": 2, "on_time": 1, "overdue": 2, "repeat": 1}.items()}
    n.update(rated=base["rated"] + 1, satisfied=base["satisfied"] + 1)
    section = next(s for s in sthj.sections if s.kind == SectionKind.COMPLAINTS)
    auth.login("sthj_editor")

    page = client.get(f"/reports/{sthj.id}").get_data(as_text=True)
    card = page[page.index(f'id="s{section.id}"') :]
    card = card[: card.index("</section>")]
    assert "公众举报办理情况" in card
    assert f"<dt>收到</dt><dd>{n['received']} 件</dd>" in card  # 2026's complaint is another year
    assert f"<dt>重复举报</dt><dd>{n['repeat']} 件</dd>" in card
    assert f"评价 {n['rated']} 件，满意 {n['satisfied']} 件" in card
    assert first.title in card and second.title in card
    assert "村口有人露天焚烧秸秆" not in card and "村口晒场" not in card  # figures only

    path = f"/reports/{sthj.id}/sections/{section.id}"
    editor = client.get(path).get_data(as_text=True)
    assert "不能修改" in editor and first.title in editor and 'name="body"' in editor
    commentary = "本年度收到的举报均已按期受理，重复举报已约谈属地乡镇。"
    response = post(client, path, {"lock_version": str(section.lock_version), "body": commentary}, form_page=path)
    assert response.status_code == 302
    db.session.refresh(section)
    assert commentary in section.body

    pdf = client.get(f"/reports/{sthj.id}/preview.pdf")
    assert pdf.status_code == 200
    (tmp_path / "report.pdf").write_bytes(pdf.data)  # kept for looking at it (pdftoppm) when it fails
    with pdfplumber.open(io.BytesIO(pdf.data)) as document:
        text = re.sub(r"[\s草稿]+", "", "".join(p.extract_text() or "" for p in document.pages))
        tables = [table for p in document.pages for table in p.extract_tables()]
    section_text = text[text.index("公众举报办理情况") :]
    assert f"共收到公众举报{n['received']}件" in section_text and f"重复举报{n['repeat']}件" in section_text
    assert re.sub(r"\s+", "", commentary) in section_text
    rows = [[re.sub(r"\s+", "", c or "") for c in row] for table in tables for row in table]
    header = next(r for r in rows if r[:2] == ["具体事项", "收到"])
    assert header == ["具体事项", "收到", "受理", "转办", "按期办结", "超期", "满意／评价", "重复举报"]
    assert [re.sub(r"\s+", "", first.title), "2", "1", "0", "1", "1", "1／1", "1"] in rows
    assert [re.sub(r"\s+", "", second.title), "1", "1", "0", "0", "1", "0／0", "0"] in rows
    total = ["合计", *(str(n[k]) for k in ("received", "accepted")), str(base["transferred"])]
    total += [str(n["on_time"]), str(n["overdue"]), f"{n['satisfied']}／{n['rated']}", str(n["repeat"])]
    assert total in rows


def test_the_section_never_blocks_submission(reports):
    sthj = reports["省生态环境厅"]
    explain_empty_led_matters(sthj)
    summary = completeness(sthj)
    assert not [s for s in summary.warnings if s.kind == SectionKind.COMPLAINTS]  # its figures are its content
    services.submit_report(sthj, actor=user("sthj_head"))
    assert sthj.state == ReportState.SUBMITTED
