"""Demo of year over year (§10–§11): 示例省's list as first published for 2024, and a 2024 reporting
cycle in which 省农业农村厅 and 省生态环境厅 published their reports, in other words than in 2025.

So, on first look, a department's 2025 led-matter section shows what the same matter's section said
in 2024, and a matter's public page shows both years. The 2024 reports rest on the 2024 list version
(a report is written against the list in force in its year, services.open_cycle), so the 2024 version
is published before the 2025 one; on a database whose list was first published without it, no 2024
cycle can be opened and none is. Idempotent: nothing happens once the 2024 cycle exists.
"""

import contextlib
from datetime import date

from sqlalchemy import select

from registry.auth.models import User
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.reports import services
from registry.reports.models import AnnualReport, ReportingCycle
from registry.reports.queries import cycle_reports
from registry.versions import services as version_services
from registry.versions.models import ListVersion
from registry.versions.queries import version_in_force

YEAR = 2024
PROVINCE = "990000"

# Who writes, submits (with the department's 发文字号) and publishes each department's 2024 report.
AUTHORS = {
    "省农业农村厅": ("nync_head", "示农函〔2025〕6号"),
    "省生态环境厅": ("sthj_head", "示环函〔2025〕9号"),
}

OVERVIEW = {
    "省农业农村厅": (
        "2024年，省农业农村厅围绕农业面源污染治理和农村人居环境整治，组织实施化肥农药减量增效、"
        "畜禽粪污资源化利用和秸秆综合利用三项行动。全省畜禽粪污综合利用率达到79.6%，秸秆综合利用率达到92.1%。"
    ),
    "省生态环境厅": (
        "2024年，省生态环境厅统筹推进污染防治攻坚，全省PM2.5年均浓度29.1微克/立方米，优良天数比率90.8%，"
        "国考断面水质优良比例93.7%。对照责任清单，本厅牵头事项逐项建立工作台账。"
    ),
}

INDICATORS = {
    "重污染天气应急应对": [
        ("PM2.5 年均浓度", "μg/m³", "30", "29.1", True),
        ("优良天数比率", "%", "90", "90.8", True),
        ("重污染天数", "天", "≤4", "5", False),
    ],
    "秸秆露天焚烧管控与综合利用": [
        ("秸秆综合利用率", "%", "92", "92.1", True),
        ("卫星遥感监测火点", "个", "≤30", "26", True),
    ],
    "畜禽养殖污染防治": [("畜禽粪污综合利用率", "%", "80", "79.6", False)],
    "化肥农药减量增效": [("主要农作物化肥利用率", "%", "41", "41.2", True)],
}

FREE_TEXT = {
    "存在的主要问题": "<p>部门间数据共享渠道尚未打通，基层监管和技术力量不足。</p>",
    "下一年度工作计划": "<p>对照2025年版责任清单，逐项明确责任处室，建立与配合部门的季度会商机制。</p>",
}


def _fields(title: str) -> dict[str, str]:
    """A led matter's 2024 text: plain text, as a writer types it (other words than the 2025 demo's)."""
    return {
        "progress": (
            f"2024年，本部门将「{title}」列入年度重点工作，印发实施方案，明确责任处室和完成时限。"
            "全年主要任务基本完成，个别任务延续至2025年。"
        ),
        "measures": (
            "一是成立工作专班，召开推进会2次。\n"
            "二是开展专项检查2轮，督促发现的问题限期整改。\n"
            "三是组织市县业务培训1期，培训基层人员300余人次。"
        ),
        "problems": "配合部门之间信息共享不够及时，部分市县监管力量不足，个别任务进度偏慢。",
        "plans": "2025年将建立与配合部门的联席会议机制，按月调度、按季通报，推动年度目标全面完成。",
    }


def publish_first_version(province: Jurisdiction) -> None:
    """Publish the province's 2024 list (in force on 2024-01-01) when it has no version yet, so that
    the 2025 list published next supersedes it and a 2024 reporting cycle can be opened."""
    if db.session.scalar(select(ListVersion.id).where(ListVersion.jurisdiction_id == province.id)):
        return
    version_services.publish_version(
        province,
        label="2024年版",
        doc_number="示政办发〔2024〕1号",
        effective_date=date(YEAR, 1, 1),
        publisher="示例省人民政府办公厅",
        actor="演示数据",
    )


def _fill(report: AnnualReport, actor: User) -> None:
    """Fill the 2024 report's led matters, overview and closing sections, as its staff did."""
    for section in report.sections:
        if section.kind == "led_matter":
            rows = [services.IndicatorRow(*row) for row in INDICATORS.get(section.title, [])]
            services.save_section(
                section, actor=actor, expected_version=None, fields=_fields(section.title), indicators=rows
            )
        elif section.kind == "free" and section.title == "总体情况":
            text = OVERVIEW.get(report.department.name, "")
            services.save_section(section, actor=actor, expected_version=None, fields={"body": text})
        elif section.kind == "free" and section.title in FREE_TEXT:
            body = FREE_TEXT[section.title]
            services.save_section(section, actor=actor, expected_version=None, fields={"body": body})


def load_last_year_demo() -> None:
    """Open 示例省's 2024 reporting cycle and publish two departments' reports (once, when possible)."""
    province = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == PROVINCE))
    if province is None or version_in_force(province, date(YEAR, 12, 31)) is None:
        return
    if db.session.scalar(
        select(ReportingCycle.id).where(ReportingCycle.jurisdiction_id == province.id, ReportingCycle.year == YEAR)
    ):
        return
    users = {u.username: u for u in db.session.scalars(select(User).where(User.jurisdiction_id == province.id))}
    office = users.get("province_office")
    if office is None:
        return
    cycle = services.open_cycle(province, year=YEAR, deadline=date(YEAR + 1, 3, 31), actor=office)
    reports = {r.department.name: r for r in cycle_reports(cycle.id)}
    for name, (username, doc_number) in AUTHORS.items():
        report, head = reports.get(name), users.get(username)
        if report is None or head is None:
            continue
        _fill(report, head)
        services.submit_report(report, actor=head, doc_number=doc_number)
        services.accept_report(report, actor=office, comment="同意公开。")
        # Rendered once and stored; without a CJK font it stays accepted rather than printing boxes.
        with contextlib.suppress(DomainError):
            services.publish_report(report, actor=head)
    db.session.flush()
