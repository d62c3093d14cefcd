"""Demo of the annual reports: a 2025 cycle of 示例省 with reports in every state.

省生态环境厅: draft, partly filled (so a demo user can finish and submit it); 省农业农村厅: published
(its PDF rendered once and stored); 省住房和城乡建设厅: submitted; 省水利厅: returned; 省交通运输厅:
accepted; every other department: not started. Idempotent: nothing happens if the cycle exists.
"""

import contextlib
from datetime import date

from sqlalchemy import select

from registry.auth.models import User
from registry.core.errors import DomainError
from registry.demo.cooperation import load_cooperation_demo
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.reports import drafting, services
from registry.reports.models import AnnualReport, ReportingCycle
from registry.reports.queries import cycle_reports

YEAR = 2025

OVERVIEW = {
    "省生态环境厅": (
        "2025年，省生态环境厅坚持以习近平生态文明思想为指导，深入打好蓝天、碧水、净土保卫战，"
        "全省生态环境质量持续改善。全省细颗粒物（PM2.5）年均浓度27.5微克/立方米，优良天数比率92.3%，"
        "国考断面水质优良比例95.2%，受污染耕地安全利用率保持在93%以上，均完成年度目标。\n\n"
        "按照《关于推动职能部门做好生态环境保护工作的意见》要求，本厅对牵头负责的18项具体事项逐项分解到内设机构和直属单位，"
        "建立月调度、季通报工作机制。"
    ),
    "省农业农村厅": (
        "2025年，省农业农村厅认真履行农业农村生态环境保护职责，统筹推进农业面源污染治理、秸秆综合利用和受污染耕地安全利用，"
        "农业绿色发展水平稳步提升。全省化肥、农药使用量连续五年下降，畜禽粪污综合利用率达到81.2%，秸秆综合利用率达到93.6%。"
    ),
}

INDICATORS = {
    "重污染天气应急应对": [
        ("PM2.5 年均浓度", "μg/m³", "28", "27.5", True),
        ("优良天数比率", "%", "91.5", "92.3", True),
        ("重污染天数", "天", "≤3", "2", True),
    ],
    "工业企业大气污染防治与超低排放改造": [
        ("钢铁企业超低排放改造完成率", "%", "80", "84.6", True),
        ("水泥熟料企业有组织排放改造", "家", "12", "11", False),
    ],
    "饮用水水源地保护": [("县级以上集中式饮用水水源地水质达标率", "%", "100", "100", True)],
    "秸秆露天焚烧管控与综合利用": [
        ("秸秆综合利用率", "%", "92", "93.6", True),
        ("卫星遥感监测火点", "个", "≤20", "14", True),
    ],
    "畜禽养殖污染防治": [
        ("畜禽粪污综合利用率", "%", "80", "81.2", True),
        ("规模养殖场粪污处理设施装备配套率", "%", "97", "98.1", True),
    ],
    "化肥农药减量增效": [
        ("主要农作物化肥利用率", "%", "42", "42.3", True),
        ("农药使用量较上年变化", "%", "-1", "-1.6", True),
    ],
    "受污染耕地安全利用和严格管控": [("受污染耕地安全利用率", "%", "93", "93.4", True)],
}


FREE_TEXT = {
    "存在的主要问题": "<ul><li>部门间数据共享和协同监管机制仍需完善。</li><li>基层执法和监测力量相对薄弱。</li></ul>",
    "下一年度工作计划": "<ol><li>落实新一年度责任清单，逐项细化分解。</li><li>加强与配合部门的会商联动。</li></ol>",
}


def _fields(title: str) -> dict[str, str]:
    """A led matter's structured fields, as plain text the way a writer types them."""
    return {
        "progress": (
            f"年内按照责任清单要求全面推进「{title}」工作，制定年度工作方案并分解到内设机构和直属单位，"
            "建立台账、按月调度，年度重点任务全部按期完成。"
        ),
        "measures": (
            "一是健全工作机制。会同配合部门召开联席会议4次，明确任务分工和完成时限。\n"
            "二是强化监督检查。开展专项检查3轮，发现问题全部建立清单、限期整改。\n"
            "三是加强能力建设。组织市县业务培训2期，培训基层人员600余人次。"
        ),
        "problems": "部分市县基础设施和监管能力仍有短板，个别地区工作进度滞后，长效机制有待进一步健全。",
        "plans": "2026年将继续压实责任，加大资金和项目支持力度，强化调度通报和督导检查，推动各项指标稳定达标。",
    }


COOPERATION_TEXT = (
    "按照{lead}的统一部署，本部门积极配合推进「{title}」工作：参加牵头部门组织的会商{meetings}次，"
    "按季度报送本行业相关数据和工作进展，配合开展联合检查{checks}次，对发现的问题督促行业内单位整改到位。",
    "本部门明确一名分管负责同志和一个内设机构负责「{title}」配合工作，向{lead}提供行业统计数据{meetings}批次，"
    "在本行业部署专项整治{checks}次，相关情况已书面反馈牵头部门。",
)


def _coop_fields(title: str, lead: str, n: int) -> dict[str, str]:
    """A cooperating matter's fields: what the department did for the lead, in plain text."""
    return {
        "cooperation": COOPERATION_TEXT[n % 2].format(lead=lead, title=title, meetings=2 + n % 3, checks=1 + n % 2),
        "progress": "配合任务按牵头部门要求按期完成，行业内相关问题整改完成率100%。",
        "measures": "将配合任务纳入本部门年度重点工作，建立与牵头部门的信息共享和联络员机制。",
        "problems": "行业内基层单位对相关要求理解不够到位，数据报送的及时性有待提高。",
        "plans": "2026年继续加强与牵头部门的沟通衔接，按时报送数据，配合做好联合检查。",
    }


def _fill(report: AnnualReport, actor: User, *, only: set[str] | None = None, coop: int | None = None) -> None:
    """Fill the report's sections (or only the led matters named and the first `coop` cooperating
    matters), as its staff would."""
    leads = drafting.lead_names(report.sections)
    coop_done = 0
    for section in report.sections:
        if section.kind == "led_matter":
            if only is not None and section.title not in only:
                continue
            rows = [services.IndicatorRow(*row) for row in INDICATORS.get(section.title, [])]
            services.save_section(
                section, actor=actor, expected_version=None, fields=_fields(section.title), indicators=rows
            )
        elif section.kind == "coop_matter":
            if coop is not None and coop_done >= coop:
                continue
            lead = leads.get(section.version_matter_id, "牵头部门")
            fields = _coop_fields(section.title, lead, coop_done)
            services.save_section(section, actor=actor, expected_version=None, fields=fields)
            coop_done += 1
        elif section.title == "总体情况":
            text = OVERVIEW.get(
                report.department.name, f"{report.department.name}2025年生态环境保护职责履行情况总体良好。"
            )
            services.save_section(section, actor=actor, expected_version=None, fields={"body": text})
        elif only is None and section.kind == "free":
            text = FREE_TEXT.get(section.title, "")
            services.save_section(section, actor=actor, expected_version=None, fields={"body": text})


def load_reports_demo() -> None:
    """Create the 2025 reporting cycle of 示例省 with reports in every state (once)."""
    province = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990000"))
    if province is None or db.session.scalar(
        select(ReportingCycle.id).where(ReportingCycle.jurisdiction_id == province.id, ReportingCycle.year == YEAR)
    ):
        return
    users = {u.username: u for u in db.session.scalars(select(User).where(User.jurisdiction_id == province.id))}
    office = users["province_office"]
    cycle = services.open_cycle(province, year=YEAR, deadline=date(YEAR + 1, 3, 31), actor=office)
    reports = {r.department.name: r for r in cycle_reports(cycle.id)}

    # draft: started, three led and two cooperating matters filled in, the rest for the demo user to finish
    _fill(
        reports["省生态环境厅"],
        users["sthj_editor"],
        only={"重污染天气应急应对", "工业企业大气污染防治与超低排放改造", "饮用水水源地保护"},
        coop=2,
    )

    zjt = reports["省住房和城乡建设厅"]
    _fill(zjt, users["zjt_head"])
    services.submit_report(zjt, actor=users["zjt_head"], doc_number="示建函〔2026〕5号")  # submitted

    slt = reports["省水利厅"]
    _fill(slt, users["slt_head"])
    services.submit_report(slt, actor=users["slt_head"], doc_number="示水函〔2026〕3号")
    water_saving = next(s for s in slt.sections if s.title == "节水行动")
    services.return_report(
        slt,
        actor=office,
        comment="「节水行动」部分缺少用水总量和万元GDP用水量下降等量化指标，请补充后重新报送。",
        section_comments=[(water_saving.id, "请补充用水总量、万元GDP用水量下降率等指标的目标值和实际值。")],
    )  # returned, with a comment on one section

    jtt = reports["省交通运输厅"]
    _fill(jtt, users["jtt_head"])
    services.submit_report(jtt, actor=users["jtt_head"], doc_number="示交函〔2026〕8号")
    services.accept_report(jtt, actor=office)  # accepted

    nync = reports["省农业农村厅"]
    _fill(nync, users["nync_head"])
    services.submit_report(nync, actor=users["nync_head"], doc_number="示农函〔2026〕2号")
    services.accept_report(nync, actor=office, comment="内容完整，同意公开。")
    load_cooperation_demo(reports, users)  # §7: one answered input, one reminder (registry/demo/cooperation.py)

    # Published: rendered once and stored. Without a CJK font it stays accepted rather than printing boxes.
    with contextlib.suppress(DomainError):
        services.publish_report(nync, actor=users["nync_head"])
    db.session.flush()
