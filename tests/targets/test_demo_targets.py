"""The demo's province and cities carry the indicators of their five-year plans, with values for
2021–2025 that come out every way (met, on track, behind, not met, no data), recorded by their lead
departments' users, the years up to 2024 locked and 2025 open; loading it again adds nothing."""

from datetime import date

from sqlalchemy import func, select

from registry.auth.models import User
from registry.core.audit import AuditEntry
from registry.core.timezone import local_date, local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.targets import queries, services
from registry.targets.models import IndicatorValue, TargetIndicator
from registry.targets.rules import Status
from tests.conftest import demo_day

PLACES = {"990000": "示例省", "990100": "江川市", "990200": "云岭市"}


def _pdf_text(pdf: bytes) -> str:
    import io
    import re

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in document.pages))


def _place(code: str) -> Jurisdiction:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def _rows(code: str):
    return queries.indicators(jurisdiction_id=_place(code).id)


def test_the_province_and_each_city_carry_six_indicators_of_their_plan(demo):
    for code, name in PLACES.items():
        rows = _rows(code)
        assert len(rows) >= 6, name
        names = " ".join(r.name for r in rows)
        for word in ("PM2.5", "优良天数比率", "断面", "重点建设用地安全利用率"):
            assert word in names, (name, word)
        assert all(r.plan_label == rows[0].plan_label for r in rows)
        assert rows[0].plan_label.startswith(f"《{name}生态环境保护“十四五”规划》（")
        assert {(r.baseline_year, r.target_year) for r in rows} == {(2020, 2025)}
        assert {r.binding for r in rows} == {"binding", "expected"}, name
        assert all(r.lead_department_name.startswith(name[:2]) or r.lead_department_name.startswith("省") for r in rows)
    pm25 = next(r for r in _rows("990000") if "PM2.5" in r.name)
    assert (pm25.lead_department_name, pm25.unit, pm25.direction) == ("省生态环境厅", "微克/立方米", "lower")
    assert pm25.target_text == "≤28微克/立方米（力争25）"
    assert "重污染天气应急应对" in [title for _id, title in pm25.matters]
    soil = next(r for r in _rows("990000") if r.name == "受污染耕地安全利用率")
    assert soil.lead_department_name == "省农业农村厅"
    sewage = next(r for r in _rows("990100") if r.name == "农村生活污水治理行政村覆盖率")
    assert sewage.lead_department_name == "江川市农业农村局"


def test_the_values_come_out_every_way(demo):
    seen = {code: {} for code in PLACES}
    for code in PLACES:
        for row in _rows(code):
            for year in range(2021, 2026):
                seen[code].setdefault(row.assessment(year).status, []).append((row.name, year))
    everywhere = set().union(*(set(s) for s in seen.values()))
    assert everywhere == set(Status)
    for code in PLACES:  # each place has met and lagging years, not only good news
        assert {Status.MET, Status.BEHIND} <= set(seen[code]), PLACES[code]
    # 2025 is the target year: some indicators missed it, and one has no value yet.
    final = [r.assessment(2025) for code in PLACES for r in _rows(code)]
    assert Status.NOT_MET in {a.status for a in final}
    assert Status.NO_DATA in {a.status for a in final}
    assert sum(a.status == Status.MET for a in final) > len(final) // 2
    # A stretch value met (江川市's PM2.5), and a year without data between years with data.
    assert any(a.stretch_met for a in final)
    land = next(r for r in _rows("990100") if r.name == "重点建设用地安全利用率")
    assert land.assessment(2022).status == Status.NO_DATA and land.value_in(2021) and land.value_in(2023)
    # The province's figures are those its departments' annual reports quote.
    province = {r.name: r.values_by_year for r in _rows("990000")}
    assert province["细颗粒物（PM2.5）平均浓度"][2024] == 29.1
    assert province["空气质量优良天数比率"][2025] == 92.3


def test_years_up_to_2024_are_locked_and_2025_is_open(demo):
    for code in PLACES:
        place = _place(code)
        assert services.locked_years(place.id) == {2021, 2022, 2023, 2024}, PLACES[code]
        row = _rows(code)[0]
        assert row.value_in(2024).locked and not row.value_in(2025).locked


def test_the_lead_departments_users_recorded_the_values_in_the_spring_after(demo):
    users = {u.id: u for u in db.session.scalars(select(User))}
    values = db.session.scalars(
        select(IndicatorValue).join(TargetIndicator).where(TargetIndicator.jurisdiction_id == _place("990000").id)
    ).all()
    yearly = [v for v in values if v.month == 0]
    assert {v.source for v in yearly} >= {"监测数据", "统计公报", "调查评估"}
    for value in yearly:
        user = users[value.recorded_by_id]
        assert user.department_id == value.indicator.lead_department_id, value.indicator.name
        assert local_date(value.recorded_at).year == value.year + 1
    entries = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_type == "indicator_values", AuditEntry.summary.contains("2021年数值")
        )
    ).all()
    assert entries and all(local_date(e.at).year == 2022 for e in entries)
    assert {e.actor_name for e in entries} >= {"省生态环境厅 填报人", "江川市生态环境局 负责人"}
    locks = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "lock", AuditEntry.jurisdiction_id == _place("990000").id)
    ).all()
    assert sorted(local_date(e.at) for e in locks) == [date(y + 1, 6, 5) for y in range(2021, 2025)]
    assert {e.actor_name for e in locks} == {"示例省生态环境保护委员会办公室"}


def test_the_province_pm25_is_recorded_month_by_month_in_2026(demo):
    pm25 = next(r for r in _rows("990000") if "PM2.5" in r.name)
    months = [(m.year, m.month) for m in pm25.monthly]
    # Each month's value is recorded on the 8th of the next month.
    passed = [m for m in range(1, 13) if date(2026 + m // 12, m % 12 + 1, 8) <= demo_day()]
    assert months == [(2026, m) for m in passed]
    assert all(
        local_date(v.recorded_at) <= local_today()
        for v in db.session.scalars(select(IndicatorValue).where(IndicatorValue.indicator_id == pm25.id))
    )


def test_loading_the_demo_again_adds_no_indicator_nor_value(demo):
    from registry.demo import load_demo

    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (TargetIndicator, IndicatorValue)]
    load_demo()
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (TargetIndicator, IndicatorValue)] == counts


def test_the_province_published_its_2024_yearly_report_to_the_congress(demo):
    import hashlib

    from registry.targets import environment
    from registry.targets.models import EnvironmentReport

    report = db.session.scalar(
        select(EnvironmentReport).where(EnvironmentReport.jurisdiction_id == _place("990000").id)
    )
    assert (report.year, report.state, report.doc_number) == (2024, "published", "示政〔2025〕12号")
    assert report.pdf_data.startswith(b"%PDF") and hashlib.sha256(report.pdf_data).hexdigest() == report.pdf_sha256
    assert local_date(report.published_at) == date(2025, 6, 26)
    assert environment.is_current(report)  # the published PDF shows the locked 2024 values as they stand
    text = _pdf_text(report.pdf_data)
    assert text.count("2025年6月20日") == 2  # 成文日期 and 印发日期: the back-dated day it was compiled
    assert db.session.scalar(select(func.count()).select_from(EnvironmentReport)) == 1
