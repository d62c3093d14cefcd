"""Demo of the targets (#19): 示例省, 江川市 and 云岭市 each carry six indicators of their 14th five-year
plan for the ecological environment, modelled on a city's plan (seed 004: PM2.5 ≤ 28 微克/立方米, 优良天数
比率 91.5 %, 市控断面Ⅲ类以上 100 %, 重点建设用地安全利用率 ≥ 96 %, 农村生活污水治理行政村覆盖率, 城镇生活垃圾
资源化利用率, 声环境功能区夜间达标率), baseline 2020, target 2025.

The offices define them (province_office, jiangchuan_office; 云岭市 has no demo users, so 演示数据); the lead
departments' users record the values 2021–2025, each in the spring after its year; the offices lock 2021–2024
once each year's 公报 is out, and 2025 stays open (初步数据). Outcomes vary on purpose: on track, behind
(进度滞后) in some years, met, met with the stretch value, 未达标 in 2025 (江川市's good-air-day ratio, the
province's garbage recycling), a year without data (江川市 2022 land survey; 云岭市's 2025 one still pending),
and the province's PM2.5 month by month in 2026 (cumulative). The province's figures agree with what the
demo's annual reports say (PM2.5 29.1 and 27.5, 优良天数比率 90.8 % and 92.3 %, 国考断面 93.7 % and 95.2 %,
受污染耕地安全利用率 93.4 %). The province's office published its 2024 yearly report to the people's congress
(seed 000, registry/targets/environment.py) in June 2025. Every step is back-dated to its day, audit entries
included, as the complaints demo does. Idempotent: a jurisdiction that has indicators is left alone.
"""

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from flask import current_app
from sqlalchemy import func, select, update

from registry.auth.models import User
from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.core.timezone import display_timezone, local_today
from registry.extensions import db
from registry.jobs.models import Job
from registry.jurisdictions.models import Jurisdiction
from registry.lists import services as list_services
from registry.lists.models import Matter
from registry.targets import environment, services
from registry.targets.models import (
    EnvironmentReport,
    EnvironmentReportState,
    IndicatorValue,
    IndicatorYearLock,
    TargetIndicator,
)

ACTOR = "演示数据"  # for 云岭市, which has no demo users
BASELINE, TARGET = 2020, 2025
YEARS = range(2021, 2026)
LOCKED = range(2021, 2025)  # 2025 stays open: its values are 初步数据
MONTHLY_YEAR = 2026
MONITORED = "监测数据"


@dataclass(frozen=True)
class Spec:
    name: str
    unit: str
    direction: str  # lower / higher
    binding: str  # binding / expected
    baseline: float
    target: float
    lead: str  # the department's full or short name
    values: dict[int, float]  # by year; a year left out has no data
    source: str
    stretch: float | None = None
    matters: tuple[str, ...] = ()  # words of the titles of the jurisdiction's matters it belongs to
    description: str = ""
    notes: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Place:
    code: str
    office: str  # the office's username (or ACTOR)
    plan: tuple[str, str, str, date]  # title, 文号, issuer, date
    specs: tuple[Spec, ...]
    recorders: dict[str, str]  # lead department name → the username that records its values


PM25 = "细颗粒物（PM2.5）平均浓度"
GOOD_AIR = "空气质量优良天数比率"
LAND = "重点建设用地安全利用率"
PM25_NOTE = "按《环境空气质量标准》（GB 3095—2012）评价，扣除沙尘天气影响。"
GOOD_AIR_NOTE = "按《环境空气质量指数（AQI）技术规定》评价，优良天数占有效监测天数的比例。"
LAND_NOTE = "安全利用的重点建设用地面积占重点建设用地总面积的比例，按年度土壤污染状况调查评估结果核算。"
RURAL_SEWAGE = "农村生活污水治理行政村覆盖率"
GARBAGE = "城镇生活垃圾资源化利用率"
PRELIMINARY = "初步数据，待年度生态环境状况公报发布后核定。"

PROVINCE = Place(
    code="990000",
    office="province_office",
    plan=("示例省生态环境保护“十四五”规划", "示政办发〔2021〕36号", "示例省人民政府办公厅", date(2021, 6, 28)),
    recorders={"省生态环境厅": "sthj_editor", "省农业农村厅": "nync_head", "省住房和城乡建设厅": "zjt_head"},
    specs=(
        Spec(
            PM25,
            "微克/立方米",
            "lower",
            "binding",
            33.0,
            28.0,
            "省生态环境厅",
            {2021: 31.8, 2022: 30.9, 2023: 30.6, 2024: 29.1, 2025: 27.5},
            MONITORED,
            stretch=25.0,
            matters=("重污染天气应急应对", "挥发性有机物综合治理"),
            description="设区城市平均。" + PM25_NOTE,
            notes={2025: PRELIMINARY},
        ),
        Spec(
            GOOD_AIR,
            "%",
            "higher",
            "binding",
            89.0,
            91.5,
            "省生态环境厅",
            {2021: 90.2, 2022: 88.7, 2023: 90.6, 2024: 90.8, 2025: 92.3},
            MONITORED,
            stretch=93.0,
            matters=("重污染天气应急应对",),
            description="设区城市平均。" + GOOD_AIR_NOTE,
            notes={2022: "夏秋季臭氧污染偏重，优良天数比率同比下降。", 2025: PRELIMINARY},
        ),
        Spec(
            "地表水国控断面水质优良（达到或好于Ⅲ类）比例",
            "%",
            "higher",
            "binding",
            91.0,
            95.0,
            "省生态环境厅",
            {2021: 92.1, 2022: 93.0, 2023: 93.5, 2024: 93.7, 2025: 95.2},
            MONITORED,
            matters=("入河入海排污口设置管理", "城镇污水处理设施及配套管网建设"),
            description="全省国家地表水考核断面中，水质达到或好于Ⅲ类的断面所占比例。",
            notes={2025: PRELIMINARY},
        ),
        Spec(
            LAND,
            "%",
            "higher",
            "binding",
            92.0,
            96.0,
            "省生态环境厅",
            {2021: 93.0, 2023: 95.1, 2024: 96.3, 2025: 97.0},
            "调查评估",
            matters=("建设用地土壤污染风险管控和修复名录", "污染地块再开发利用准入管理"),
            description=LAND_NOTE + "2022年全省土壤污染状况详查成果集成，未单独开展年度评估。",
        ),
        Spec(
            "受污染耕地安全利用率",
            "%",
            "higher",
            "binding",
            91.0,
            93.0,
            "省农业农村厅",
            {2021: 91.5, 2022: 92.0, 2023: 92.6, 2024: 92.9, 2025: 93.4},
            "调查评估",
            matters=("受污染耕地安全利用和严格管控",),
            description="实现安全利用的受污染耕地面积占受污染耕地总面积的比例。",
        ),
        Spec(
            GARBAGE,
            "%",
            "higher",
            "expected",
            85.0,
            100.0,
            "省住房和城乡建设厅",
            {2021: 88.0, 2022: 91.0, 2023: 93.5, 2024: 95.0, 2025: 97.8},
            "统计公报",
            matters=("生活垃圾分类",),
            description="城镇生活垃圾中经焚烧发电、回收利用、生化处理等资源化处理的比例。",
            notes={2025: "部分县城焚烧处理设施尚未投运，原生垃圾仍有少量填埋。"},
        ),
    ),
)

JIANGCHUAN = Place(
    code="990100",
    office="jiangchuan_office",
    plan=("江川市生态环境保护“十四五”规划", "江川政办发〔2021〕27号", "江川市人民政府办公室", date(2021, 8, 16)),
    recorders={
        "江川市生态环境局": "jcsthjj_head",
        "江川市农业农村局": "jcnyj_head",
        "江川市住房和城乡建设局": "jczjj_head",
    },
    specs=(
        Spec(
            PM25,
            "微克/立方米",
            "lower",
            "binding",
            34.0,
            28.0,
            "江川市生态环境局",
            {2021: 32.5, 2022: 31.0, 2023: 29.8, 2024: 28.4, 2025: 25.8},
            MONITORED,
            stretch=26.0,
            matters=("城区餐饮油烟污染治理", "秸秆禁烧网格化巡查"),
            description=PM25_NOTE,
            notes={2025: PRELIMINARY},
        ),
        Spec(
            GOOD_AIR,
            "%",
            "higher",
            "binding",
            87.4,
            91.5,
            "江川市生态环境局",
            {2021: 88.9, 2022: 87.6, 2023: 90.1, 2024: 90.3, 2025: 89.6},
            MONITORED,
            matters=("秸秆禁烧网格化巡查",),
            description=GOOD_AIR_NOTE,
            notes={2025: "臭氧超标天数增加，未完成规划目标。" + PRELIMINARY},
        ),
        Spec(
            "地表水市控断面达到或好于Ⅲ类水体比例",
            "%",
            "higher",
            "binding",
            90.0,
            100.0,
            "江川市生态环境局",
            {2021: 90.0, 2022: 95.0, 2023: 95.0, 2024: 100.0, 2025: 100.0},
            MONITORED,
            matters=("城市内河黑臭水体长治久清",),
            description="全市20个市控断面中，水质达到或好于Ⅲ类的断面所占比例。",
        ),
        Spec(
            LAND,
            "%",
            "higher",
            "binding",
            93.0,
            96.0,
            "江川市生态环境局",
            {2021: 94.0, 2023: 96.5, 2024: 97.0, 2025: 98.0},
            "调查评估",
            matters=("工业遗留地块调查评估",),
            description=LAND_NOTE + "2022年开展全市重点行业企业用地调查成果集成，未单独开展年度评估。",
        ),
        Spec(
            RURAL_SEWAGE,
            "%",
            "higher",
            "expected",
            78.0,
            100.0,
            "江川市农业农村局",
            {2021: 82.5, 2022: 87.0, 2023: 91.4, 2024: 95.6, 2025: 100.0},
            "统计公报",
            description="生活污水得到有效治理的行政村占行政村总数的比例。",
        ),
        Spec(
            GARBAGE,
            "%",
            "higher",
            "expected",
            90.0,
            100.0,
            "江川市住房和城乡建设局",
            {2021: 93.0, 2022: 96.5, 2023: 100.0, 2024: 100.0, 2025: 100.0},
            "统计公报",
            description="城镇生活垃圾中经焚烧发电、回收利用、生化处理等资源化处理的比例。",
        ),
    ),
)

YUNLING = Place(
    code="990200",
    office=ACTOR,
    plan=("云岭市生态环境保护“十四五”规划", "云岭政办发〔2021〕41号", "云岭市人民政府办公室", date(2021, 9, 3)),
    recorders={},
    specs=(
        Spec(
            PM25,
            "微克/立方米",
            "lower",
            "binding",
            29.0,
            25.0,
            "云岭市生态环境局",
            {2021: 27.6, 2022: 26.1, 2023: 24.8, 2024: 25.3, 2025: 24.1},
            MONITORED,
            stretch=22.0,
            matters=("城区餐饮油烟污染治理", "秸秆禁烧网格化巡查"),
            description=PM25_NOTE,
            notes={2024: "受区域传输和不利气象条件影响，同比上升0.5微克/立方米。", 2025: PRELIMINARY},
        ),
        Spec(
            GOOD_AIR,
            "%",
            "higher",
            "binding",
            93.2,
            95.0,
            "云岭市生态环境局",
            {2021: 94.0, 2022: 95.3, 2023: 93.8, 2024: 94.9, 2025: 95.6},
            MONITORED,
            matters=("秸秆禁烧网格化巡查",),
            description=GOOD_AIR_NOTE,
            notes={2025: PRELIMINARY},
        ),
        Spec(
            "地表水市控断面达到或好于Ⅲ类水体比例",
            "%",
            "higher",
            "binding",
            87.5,
            100.0,
            "云岭市生态环境局",
            {2021: 87.5, 2022: 93.8, 2023: 93.8, 2024: 93.8, 2025: 100.0},
            MONITORED,
            matters=("城市内河黑臭水体长治久清",),
            description="全市16个市控断面中，水质达到或好于Ⅲ类的断面所占比例。",
        ),
        Spec(
            LAND,
            "%",
            "higher",
            "binding",
            95.0,
            96.0,
            "云岭市生态环境局",
            {2021: 95.5, 2022: 96.0, 2023: 96.0, 2024: 97.2},
            "调查评估",
            matters=("工业遗留地块调查评估",),
            description=LAND_NOTE + "2025年度评估结果尚未出具。",
        ),
        Spec(
            "声环境功能区夜间达标率",
            "%",
            "higher",
            "expected",
            76.5,
            85.0,
            "云岭市生态环境局",
            {2021: 78.0, 2022: 80.2, 2023: 81.0, 2024: 83.5, 2025: 85.4},
            MONITORED,
            description="各类声环境功能区夜间监测点次达标的比例。",
        ),
        Spec(
            RURAL_SEWAGE,
            "%",
            "higher",
            "expected",
            70.0,
            95.0,
            "云岭市农业农村局",
            {2021: 74.2, 2022: 79.5, 2023: 85.3, 2024: 90.6, 2025: 95.1},
            "统计公报",
            description="生活污水得到有效治理的行政村占行政村总数的比例（山区分散村落以资源化利用计）。",
        ),
    ),
)

PLACES = (PROVINCE, JIANGCHUAN, YUNLING)
# The province's PM2.5 month by month in 2026: 1—N月累计均值.
MONTHLY = (38.6, 36.9, 34.2, 31.5, 29.3, 27.4, 25.9, 25.0, 24.6, 24.9, 25.8, 27.1)


def _utc(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=display_timezone()).astimezone(UTC)


class _Clock:
    """Back-dates what each step made: its audit entries, and the values, locks and indicators."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)
        self.mark = self._max(AuditEntry)

    @staticmethod
    def _max(model) -> int:
        return db.session.scalar(select(func.max(model.id))) or 0

    def stamp(self, when: datetime, model, column: str, ids: list[int]) -> None:
        when = min(when, self.now)
        db.session.flush()
        db.session.execute(
            update(AuditEntry).where(AuditEntry.id > self.mark).values(at=when),
            execution_options={"synchronize_session": False},
        )
        if ids:
            db.session.execute(
                update(model).where(model.id.in_(ids)).values({column: when}),
                execution_options={"synchronize_session": False},
            )
        self.mark = self._max(AuditEntry)


def _matters(jurisdiction: Jurisdiction, words: tuple[str, ...]) -> list[Matter]:
    found = []
    for word in words:
        matter = db.session.scalar(
            select(Matter)
            .where(Matter.jurisdiction_id == jurisdiction.id, Matter.title.contains(word))
            .order_by(Matter.seq)
            .limit(1)
        )
        if matter is not None:
            found.append(matter)
    return found


def _define(place: Place, jurisdiction: Jurisdiction, users: dict[str, User], clock: _Clock):
    """The plan and the indicators (the office), on a day after the plan came out."""
    office = users.get(place.office, ACTOR)
    title, number, issuer, issued = place.plan
    plan = list_services.get_or_create_document(
        jurisdiction, title=title, doc_number=number, issuer=issuer, issued_on=issued, actor=office
    )
    made = []
    for spec in place.specs:
        lead = list_services.resolve_department(jurisdiction, spec.lead)
        if lead is None:  # the list no longer has the department: leave the indicator out
            continue
        data = services.IndicatorData(
            name=spec.name,
            unit=spec.unit,
            direction=spec.direction,
            binding=spec.binding,
            baseline_year=BASELINE,
            baseline_value=spec.baseline,
            target_year=TARGET,
            target_value=spec.target,
            stretch_value=spec.stretch,
            lead_department=lead,
            plan=plan,
            description=spec.description,
            matters=_matters(jurisdiction, spec.matters),
        )
        made.append((spec, services.create_indicator(jurisdiction, data, actor=office)))
    clock.stamp(_utc(date(issued.year, issued.month + 1, 10)), TargetIndicator, "created_at", [i.id for _, i in made])
    return made


def _recorder(place: Place, indicator: TargetIndicator, users: dict[str, User]):
    return users.get(place.recorders.get(indicator.lead_department.name, ""), ACTOR)


def _place(place: Place, jurisdiction: Jurisdiction, users: dict[str, User], clock: _Clock) -> None:
    made = _define(place, jurisdiction, users, clock)
    office = users.get(place.office, ACTOR)
    today = local_today()
    for year in YEARS:
        if year > today.year:
            break
        # Monitoring data in January; surveys and statistics by March.
        for monitored, day in ((True, date(year + 1, 1, 20)), (False, date(year + 1, 3, 16))):
            rows = [
                services.record_value(
                    indicator,
                    actor=_recorder(place, indicator, users),
                    year=year,
                    value=spec.values[year],
                    source=spec.source,
                    note=spec.notes.get(year, ""),
                ).id
                for spec, indicator in made
                if year in spec.values and (spec.source == MONITORED) == monitored
            ]
            clock.stamp(_utc(day), IndicatorValue, "recorded_at", rows)
        if year in LOCKED and not services.is_locked(jurisdiction.id, year):
            lock = services.lock_year(jurisdiction, year, actor=office)
            # Once the year's 生态环境状况公报 is out, early in June.
            clock.stamp(_utc(date(year + 1, 6, 5), 16), IndicatorYearLock, "locked_at", [lock.id])
    if place is PROVINCE:
        _monthly(place, made, users, clock, today)


def _monthly(place: Place, made, users: dict[str, User], clock: _Clock, today: date) -> None:
    """The province's PM2.5 in 2026, month by month, each recorded on the 8th of the next month."""
    indicator = next((i for spec, i in made if spec.name == PM25), None)
    if indicator is None:
        return
    for month, value in enumerate(MONTHLY, start=1):
        recorded = date(MONTHLY_YEAR + month // 12, month % 12 + 1, 8)
        if recorded > today:
            break
        row = services.record_value(
            indicator,
            actor=_recorder(place, indicator, users),
            year=MONTHLY_YEAR,
            month=month,
            value=value,
            source=MONITORED,
            note=f"1—{month}月累计均值" if month > 1 else "1月均值",
        )
        clock.stamp(_utc(recorded), IndicatorValue, "recorded_at", [row.id])


REPORT_YEAR = 2024
REPORT_NUMBER = "示政〔2025〕12号"
REPORT_BODY = (
    "<p>2024年，全省上下深入贯彻习近平生态文明思想，统筹推进污染防治攻坚和生态保护修复，"
    "全省生态环境质量总体保持稳定、持续改善。</p>"
    "<p>大气环境方面，设区城市细颗粒物（PM2.5）平均浓度29.1微克/立方米，同比下降1.5微克/立方米；"
    "优良天数比率90.8%，同比上升0.2个百分点，但受夏秋季臭氧污染影响，两项指标均略慢于序时进度。"
    "水环境方面，国控断面水质优良比例93.7%。土壤环境方面，重点建设用地安全利用率96.3%，提前完成规划目标；"
    "受污染耕地安全利用率92.9%。城镇生活垃圾资源化利用率95.0%，部分县城焚烧处理设施建设滞后，"
    "进度慢于规划要求。</p>"
    "<p>2025年，省人民政府将聚焦臭氧和细颗粒物协同控制、县城生活垃圾焚烧处理设施建设等薄弱环节，"
    "压实牵头部门责任，确保“十四五”规划目标全面完成。</p>"
)


def _environment_report(province: Jurisdiction, users: dict[str, User], clock: _Clock) -> None:
    """The province's 2024 yearly report to its people's congress (seed 000), compiled and published
    in June 2025 by the office. Without a CJK font it cannot be compiled and stays a draft."""
    office = users.get(PROVINCE.office)
    if office is None or environment.report_for(province.id, REPORT_YEAR) is not None:
        return
    report = environment.create_report(province, REPORT_YEAR, actor=office)
    environment.save_report(
        report, actor=office, expected_version=report.lock_version, body=REPORT_BODY, doc_number=REPORT_NUMBER
    )
    eager = current_app.config.get("JOBS_EAGER")
    current_app.config["JOBS_EAGER"] = True  # compiled here and now, not by a thread after the commit
    try:
        job = environment.start_compile(report, actor=office)
    finally:
        current_app.config["JOBS_EAGER"] = eager
    compiled = _utc(date(REPORT_YEAR + 1, 6, 20))
    clock.stamp(compiled, EnvironmentReport, "created_at", [report.id])
    db.session.execute(
        update(Job).where(Job.id == job.id).values(created_at=compiled, started_at=compiled, finished_at=compiled),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(report)
    with contextlib.suppress(DomainError):
        environment.publish_report(report, actor=office)
    published = _utc(date(REPORT_YEAR + 1, 6, 26), 15)
    clock.stamp(published, EnvironmentReport, "updated_at", [report.id])
    if report.state == EnvironmentReportState.PUBLISHED:
        db.session.execute(
            update(EnvironmentReport)
            .where(EnvironmentReport.id == report.id)
            .values(compiled_at=compiled, published_at=published),
            execution_options={"synchronize_session": False},
        )
    db.session.expire(report)


def load_targets_demo() -> None:
    """The indicators of 示例省, 江川市 and 云岭市 with their values (once per jurisdiction)."""
    clock = _Clock()
    users = {u.username: u for u in db.session.scalars(select(User))}
    for place in PLACES:
        jurisdiction = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == place.code))
        if jurisdiction is None or db.session.scalar(
            select(TargetIndicator.id).where(TargetIndicator.jurisdiction_id == jurisdiction.id).limit(1)
        ):
            continue
        _place(place, jurisdiction, users, clock)
        if place is PROVINCE:
            _environment_report(jurisdiction, users, clock)
    db.session.flush()
