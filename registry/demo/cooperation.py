"""Demo of §7 cooperation: 省自然资源厅 (zrzyt_editor), which cooperates on more of 省生态环境厅's led
matters than any other department, has answered on one of them; 省生态环境厅 has reminded it about
another. So the lead's panel 配合部门意见 and the cooperating department's 工作台 are not empty."""

from registry.auth.models import User
from registry.extensions import db
from registry.reports import cooperation, services
from registry.reports.models import AnnualReport, ReportSection, SectionKind

LEAD = "省生态环境厅"
COOPERATING = "省自然资源厅"
ANSWERED = "建设用地土壤污染风险管控和修复名录"
ANSWER = (
    "按照省生态环境厅的部署，本厅将疑似污染地块和污染地块信息纳入国土空间基础信息平台，"
    "在国土空间规划编制和用地审批中落实“先调查评估、后供地”要求，全年核查拟收回、转让地块37宗，"
    "对未完成调查评估的2宗地块暂缓办理供地手续。\n\n"
    "与省生态环境厅建立地块信息月度共享机制，已共享数据12批次。"
)
REMINDED = "入河入海排污口设置管理"
NOTE = "请于1月15日前填写本事项的配合落实情况，以便汇总进年度报告。"


def _section(report: AnnualReport, kind: str, title: str) -> ReportSection | None:
    return next((s for s in report.sections if s.kind == kind and s.title == title), None)


def load_cooperation_demo(reports: dict[str, AnnualReport], users: dict[str, User]) -> None:
    """One answered 配合情况 and one reminder (skipped quietly if the list no longer has the matters)."""
    lead, partner = reports.get(LEAD), reports.get(COOPERATING)
    editor, lead_editor = users.get("zrzyt_editor"), users.get("sthj_editor")
    if lead is None or partner is None or editor is None or lead_editor is None:
        return
    answered = _section(partner, SectionKind.COOPERATING_MATTER, ANSWERED)
    if answered is not None:
        services.save_section(answered, actor=editor, expected_version=None, fields={"cooperation": ANSWER})
    led = _section(lead, SectionKind.LED_MATTER, REMINDED)
    if led is not None:
        cooperation.send_reminder(led, partner.department_id, actor=lead_editor, note=NOTE)
    db.session.flush()
