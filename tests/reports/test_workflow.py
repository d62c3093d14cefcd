"""Cycles, the report workflow and who may take each step."""

from datetime import date

import pytest

from registry.core.errors import DomainError
from registry.lists import services as list_services
from registry.reports import services
from registry.reports.models import ReportState
from registry.versions import services as version_services
from tests import factories
from tests.reports.conftest import explain_empty_led_matters, user


def test_opening_a_cycle_drafts_every_department_from_the_version_in_force(reports):
    sthj = reports["省生态环境厅"]
    assert len(reports) == 18  # every active department of the province's published version
    kinds = [s.kind for s in sthj.sections]
    assert kinds.count("led_matter") == 18
    assert kinds.count("cooperating") == 0 and kinds.count("duties") == 1
    assert kinds.count("coop_matter") == 33  # one section per matter it cooperates on (§7)
    titles = [s.title for s in sthj.sections]
    assert "重污染天气应急应对" in titles and "存在的主要问题" in titles and "下一年度工作计划" in titles
    duties = next(s for s in sthj.sections if s.kind == "duties")
    assert "负责建立健全生态环境基本制度" in duties.body
    cooperating = [s for s in sthj.sections if s.kind == "coop_matter"]
    assert all(s.version_matter_id and s.title for s in cooperating)
    assert sthj.title == "省生态环境厅2025年度生态环境保护工作专题报告"
    assert reports["省发展和改革委员会"].display_state == "not_started"
    assert sthj.display_state == "draft"


def test_cycle_is_refused_twice_or_without_a_published_version(reports):
    office = user("province_office")
    with pytest.raises(DomainError, match="已经开启"):
        services.open_cycle(office.jurisdiction, year=2025, deadline=date(2026, 3, 31), actor=office)
    with pytest.raises(DomainError, match="已经开启"):  # the demo's 2024 cycle (year over year)
        services.open_cycle(office.jurisdiction, year=2024, deadline=date(2025, 3, 31), actor=office)
    with pytest.raises(DomainError, match="尚无在2023年度有效的已发布责任清单"):  # the first list is 2024年版
        services.open_cycle(office.jurisdiction, year=2023, deadline=date(2024, 3, 31), actor=office)


def test_only_the_own_office_opens_a_cycle(demo):
    province = user("province_office").jurisdiction
    with pytest.raises(services.NotAllowed):
        services.open_cycle(province, year=2026, deadline=date(2027, 3, 31), actor=user("jiangchuan_office"))
    with pytest.raises(services.NotAllowed):
        services.open_cycle(province, year=2026, deadline=date(2027, 3, 31), actor=user("sthj_head"))


def test_cycle_uses_the_latest_version_effective_within_the_year(demo):
    j = factories.jurisdiction("920000", name="乙省")
    d = factories.department(j, "乙省生态环境厅")
    office = factories.user("yi_office", "office_admin", j)
    list_services.create_matter(j, title="旧事项", category="水", lead=d, actor="测试")
    version_services.publish_version(
        j, label="v1", doc_number="1号", effective_date=date(2024, 1, 1), publisher="乙省", actor="测试"
    )
    list_services.create_matter(j, title="新事项", category="水", lead=d, actor="测试")
    version_services.publish_version(
        j, label="v2", doc_number="2号", effective_date=date(2025, 6, 1), publisher="乙省", actor="测试"
    )
    version_services.publish_version(
        j, label="v3", doc_number="3号", effective_date=date(2026, 1, 1), publisher="乙省", actor="测试"
    )
    cycle = services.open_cycle(j, year=2025, deadline=date(2026, 3, 31), actor=office)
    assert cycle.version.label == "v2"
    assert {s.title for s in cycle.reports[0].sections if s.kind == "led_matter"} == {"旧事项", "新事项"}


def test_full_workflow_and_who_may_take_each_step(reports):
    report = reports["省生态环境厅"]
    head, editor, office = user("sthj_head"), user("sthj_editor"), user("province_office")
    other_head, city_office = user("nync_head"), user("jiangchuan_office")

    with pytest.raises(services.NotAllowed):
        services.submit_report(report, actor=editor)  # an editor drafts, only the head submits
    with pytest.raises(services.NotAllowed):
        services.submit_report(report, actor=other_head)
    with pytest.raises(DomainError):
        services.accept_report(report, actor=office)  # a draft cannot be accepted
    with pytest.raises(DomainError):
        services.publish_report(report, actor=head)

    with pytest.raises(DomainError, match="未说明本年度无进展的原因"):
        services.submit_report(report, actor=head)  # 15 led matters are empty and say nothing
    explain_empty_led_matters(report)
    services.submit_report(report, actor=head, doc_number="示环函〔2026〕12号")
    assert report.state == ReportState.SUBMITTED and report.submitted_at is not None
    assert report.doc_number == "示环函〔2026〕12号"
    section = report.sections[0]
    with pytest.raises(DomainError, match="不能修改"):
        services.save_section(section, actor=editor, expected_version=None, fields={"body": "x"})

    with pytest.raises(services.NotAllowed):
        services.accept_report(report, actor=city_office)  # a city office cannot accept a province report
    with pytest.raises(services.NotAllowed):
        services.accept_report(report, actor=head)
    with pytest.raises(DomainError, match="退回意见"):
        services.return_report(report, actor=office, comment="  ")
    services.return_report(report, actor=office, comment="请补充PM2.5数据")
    assert report.state == ReportState.RETURNED

    services.save_section(section, actor=editor, expected_version=None, fields={"body": "已补充"})
    services.submit_report(report, actor=head)
    with pytest.raises(services.NotAllowed):
        services.accept_report(report, actor=other_head)
    services.accept_report(report, actor=office)
    assert report.state == ReportState.ACCEPTED
    with pytest.raises(DomainError):
        services.submit_report(report, actor=head)
    with pytest.raises(services.NotAllowed):
        services.publish_report(report, actor=editor)
    with pytest.raises(services.NotAllowed):
        services.publish_report(report, actor=office)
    services.publish_report(report, actor=head)
    assert report.state == ReportState.PUBLISHED
    assert report.pdf_data[:5] == b"%PDF-" and len(report.pdf_sha256) == 64 and report.pdf_size == len(report.pdf_data)

    actions = [e.action for e in report.events]
    assert actions == ["open", "submit", "return", "submit", "accept", "publish"]
    assert report.events[2].comment == "请补充PM2.5数据"


def test_a_published_report_cannot_be_edited_by_any_path(reports):
    """What the public downloaded stays what was published: the ORM refuses edits, whatever the path."""
    from registry.core.db import PublishedDataImmutable
    from registry.extensions import db

    report = reports["省生态环境厅"]
    head, office = user("sthj_head"), user("province_office")
    explain_empty_led_matters(report)
    services.submit_report(report, actor=head)
    services.accept_report(report, actor=office)
    services.publish_report(report, actor=head)
    db.session.flush()
    savepoint = db.session.begin_nested()
    report.pdf_data = b"%PDF-forged"
    with pytest.raises(PublishedDataImmutable):
        db.session.flush()
    savepoint.rollback()
    savepoint = db.session.begin_nested()
    report.sections[0].body = "改过的正文"
    with pytest.raises(PublishedDataImmutable):
        db.session.flush()
    savepoint.rollback()


def test_transitions_are_audited(reports):
    from sqlalchemy import select

    from registry.core.audit import AuditEntry
    from registry.extensions import db

    report = reports["省生态环境厅"]
    explain_empty_led_matters(report)
    services.submit_report(report, actor=user("sthj_head"))
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "annual_reports", AuditEntry.entity_id == report.id)
    ).all()[-1]
    assert entry.action == "transition" and entry.before == {"state": "draft"} and entry.after == {"state": "submitted"}
    assert entry.actor_name == "省生态环境厅 负责人"


def test_recipients_follow_sector_and_ecology_department(reports):
    sthj, nync = reports["省生态环境厅"], reports["省农业农村厅"]
    explain_empty_led_matters(sthj)
    services.submit_report(sthj, actor=user("sthj_head"))
    got = {(r.recipient_role, r.jurisdiction.name if r.jurisdiction else r.department.name) for r in sthj.recipients}
    # the ecology department does not copy itself
    assert got == {("to", "示例省"), ("cc", "生态环境部")}
    got = {(r.recipient_role, r.jurisdiction.name if r.jurisdiction else r.department.name) for r in nync.recipients}
    assert got == {("to", "示例省"), ("cc", "农业农村部"), ("cc", "省生态环境厅")}
