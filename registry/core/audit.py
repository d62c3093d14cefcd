"""The audit log: every change to list and report data writes an entry in the same transaction."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.core.db import utcnow
from registry.extensions import db

ACTION_LABELS = {
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "retire": "撤销",
    "assign": "明确牵头部门",
    "delegate": "交由下级研究明确",
    "publish": "发布",
    "withdraw": "废止",
    "import": "导入",
    "transition": "流转",
    "review": "核对",  # an office looked at a moved upper matter (lists.upper)
    # 机构改革
    "rename": "更名",
    "merge": "合并",
    "split": "拆分",
    # 公众举报 (registry/complaints: the kinds of ComplaintEvent, and who looked at contact details)
    "submitted": "提交举报",
    "accepted": "受理",
    "transferred": "转办",
    "answered": "办结回复",
    "rejected": "不予受理",
    "extension_requested": "申请延期",
    "extension_granted": "同意延期",
    "extension_refused": "不同意延期",
    "note": "备注",
    "rated": "评价",
    "reopened": "不满意，提请复核",
    "redo": "要求重新办理",
    "upheld": "维持办结",
    "photo_published": "照片设为公开",
    "contact_erased": "删除联系方式",
    "view_contact": "查看举报人联系方式",
    "lock": "锁定",  # 目标指标: a year's values locked (registry/targets)
    # 整改台账 (registry/supervision: the kinds of TaskEvent, and who looked at an objector's contact)
    "decompose": "分解到单位",
    "report_progress": "报送进展",
    "remind": "提醒配合部门",
    "escalate": "报告配合部门推进不力",
    "supervise": "督办",
    "answer_supervision": "答复督办",
    "apply_closure": "申请销号",
    "sign": "认定签署",
    "start_notice": "开始销号公示",
    "object": "提出异议",
    "handle_objection": "处理异议",
    "close": "销号",
    "send_back": "退回，不予销号",
    "reopen": "问题反弹，重新整改",
    "view_objection_contact": "查看异议人联系方式",
}

# What the log names each kind of record and each recorded field (Chinese msgids, translated where
# shown). Every entity_type and every key that a service passes to record() has its label here;
# tests/lists/test_audit_log.py walks the services' calls to keep it so.
ENTITY_LABELS = {
    "departments": "部门",
    "units": "内设机构/直属单位",
    "duties": "职责",
    "matters": "具体事项",
    "policy_documents": "政策文件",
    "list_versions": "清单版本",
    "jurisdictions": "行政区划",
    "users": "用户账户",
    "reporting_cycles": "报告周期",
    "annual_reports": "年度报告",
    "report_sections": "报告章节",
    "report_attachments": "报告附件",
    "report_volumes": "报告汇编",
    "cooperation_reminders": "配合提醒",
    "upper_follows": "跟随的上级清单",
    "list_defaults": "全清单适用的规定",
    "workday_exceptions": "工作日例外",
    "complaints": "公众举报",
    "complaint_settings": "举报办理期限",
    "complaint_files": "举报照片/附件",
    "target_indicators": "目标指标",
    "indicator_values": "目标指标数值",
    "indicator_year_locks": "目标指标年度锁定",
    "environment_reports": "年度环境状况和环境保护目标完成情况报告",
    "supervision_settings": "整改台账设置",
    "ledgers": "整改台账",
    "tasks": "整改任务",
    "task_units": "任务分解到单位",
    "matter_units": "事项分解到单位",
    "task_progress": "任务进展",
    "task_files": "任务佐证材料",
    "supervisions": "督办",
    "closure_notices": "销号申请",
    "closure_signoffs": "销号认定",
    "objections": "公示异议",
    "bulletins": "月度通报",
    "none": "其他",
}

FIELD_LABELS = {
    "name": "名称",
    "short_name": "简称",
    "sector": "所属系统",
    "website": "网站",
    "sort_order": "排序",
    "active": "有效",
    "kind": "类型",
    "seq": "序号",
    "text": "内容",
    "category": "事项类别",
    "title": "名称",
    "description": "责任内容",
    "status": "状态",
    "delegated_to": "交由下级",
    "lead": "牵头部门",
    "cooperating": "配合部门",
    "basis": "依据",
    "co_leads": "共同牵头部门",
    "territorial": "属地落实",
    "deadline_text": "完成时限",
    "targets": "量化目标",
    "doc_number": "文号",
    "issuer": "发文机关",
    "issued_on": "发文日期",
    # list versions
    "label": "版本名称",
    "effective_date": "施行日期",
    "publisher": "发布机关",
    "checksum": "校验值",
    "matters": "事项数",
    "withdrawn": "已废止",
    "reason": "废止原因",
    # jurisdictions and accounts
    "code": "区划代码",
    "level": "层级",
    "parent": "上级行政区划",
    "username": "用户名",
    "role": "角色",
    "department": "所属部门",
    "locked_from": "锁定来源地址",
    "email": "电子邮件地址",  # masked in the log (registry.notify.services.masked)
    "email_notices": "也发送电子邮件的消息",
    # imports
    "file": "文件",
    "created": "新增事项",
    "changed": "修改事项",
    "unchanged": "未变事项",
    "untouched": "文件未列出的事项",
    "departments_created": "新增部门",
    "duties_created": "新增职责",
    "duties_unchanged": "已有职责",
    "defaults_added": "新增的全清单规定",
    "names_remembered": "记住的部门写法",
    "mapping": "版式映射",
    "upper_matter": "对应的上级事项",
    "upper_matter_id": "上级事项编号",
    # reports
    "year": "报告年度",
    "deadline": "截止日期",
    "version": "依据清单版本",
    "reports": "报告数",
    "with_cover": "报告 PDF 加封面和目录",
    "state": "状态",
    "comment": "意见",
    "review_requested": "已提请审核",
    "section_comments": "分部分意见",
    "progress": "工作进展",
    "measures": "主要措施与成效",
    "problems": "存在问题",
    "plans": "下一步计划",
    "body": "正文",
    "indicators": "量化指标",
    "filename": "文件名",
    "size": "大小",
    "sha256": "SHA-256",
    "published": "已公开",
    # §7: a cooperating matter's 配合落实情况, a led matter's reason for no progress; reminders
    "cooperation": "配合落实情况",
    "no_progress_reason": "本年度无进展的说明",
    "to_department": "被提醒部门",
    "note": "附言",
    # working-day exceptions (registry/workdays)
    "day": "日期",
    "is_workday": "是否上班",
    # departments' other names (机构改革, names as files write them)
    "aliases": "其他名称",
    # public complaints (Complaint.audit_data, ComplaintSettings.audit_data)
    "department_id": "承办部门",
    "matter_title": "所属事项",
    "accept_due": "受理期限",
    "reply_due": "答复期限",
    "extension_state": "延期",
    "rating": "评价",
    "accept_days": "受理期限（工作日）",
    "reply_days": "答复期限（工作日）",
    "extension_days": "延期天数（工作日）",
    # target indicators (registry/targets: TargetIndicator.audit_data, IndicatorValue.audit_data)
    "unit": "单位",
    "direction": "指标方向",
    "binding": "指标属性",
    "baseline_year": "基准年",
    "baseline_value": "基准值",
    "target_year": "目标年",
    "target_value": "目标值",
    "stretch_value": "力争值",
    "caliber": "指标说明",
    "plan": "所依据的规划",
    "month": "月份",
    "value": "数值",
    "source": "数据来源",
    # ledgers and tasks (registry/supervision: the models' audit_data)
    "source_kind": "任务来源类型",
    "source_title": "任务来源",
    "document": "依据文件",
    "archived": "已归档",
    "number": "序号",
    "problem": "问题（任务）",
    "target": "整改目标",
    "responsible_person": "责任人",
    "responsible_post": "责任人职务",
    "due_date": "整改时限",
    "phase": "整改阶段",
    "percent": "完成比例",
    "matter": "具体事项",
    "work": "承担的工作",
    "objection_days": "公示期（天）",
    "progress_day": "每月进展报送日",
    "remind_days": "提前提醒（工作日）",
    "answer_days": "督办答复期限（工作日）",
    "certifiers": "认定部门",
    "supervision_level": "督办级别",
    "respond_by": "答复期限",
    "answer": "答复",
    "statement": "整改完成情况说明",
    "public_text": "公示内容",
    "notice_starts": "公示开始",
    "notice_ends": "公示结束",
    "decision_note": "决定意见",
    "handling_note": "处理意见",
    "pdf_sha256": "PDF 的 SHA-256",
    "milestone": "节点",
    "publish_responsible": "公开责任人姓名和职务",
    "files": "佐证材料",  # a closure application's evidence (supervision.closure)
}


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_entity", "entity_type", "entity_id"),
        Index("ix_audit_entries_jurisdiction_at", "jurisdiction_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for every field that differs."""
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before, *after]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def revision() -> tuple:
    """A value that moves with every committed change, for keeping what a page made of many rows shows
    until something changes. Every change writes an audit entry in its own transaction, so the newest
    entry's id moves with each one; SQLite lets one transaction write at a time, so its entries commit
    in the order of their ids. PostgreSQL does not: a transaction holding an earlier id may commit
    after a later one, leaving the newest id as it was. There the snapshot is part of the revision too
    (`pg_current_snapshot()`: which transactions are complete and which still run); two equal
    snapshots see the same committed data, and any commit changes it."""
    newest = select(func.max(AuditEntry.id)).scalar_subquery()
    if db.session.get_bind().dialect.name == "postgresql":
        return tuple(db.session.execute(select(newest, func.pg_current_snapshot().cast(String))).one())
    return (db.session.scalar(select(newest)) or 0,)


# Who an audit entry names: a signed-in user, or a plain description of a process that is not one
# (a command at the terminal: "命令行（root）", the demo loader, the benchmark). Never nobody.
Actor = Any


def actor_name(actor: "Actor") -> str:
    """How the audit log names an actor; refuses none, so that no entry is written by nobody."""
    if actor is None or actor == "":
        raise ValueError("every change names who made it: pass the user, or a description of the process")
    return getattr(actor, "display_name", None) or str(actor)


def record(
    actor: Actor,
    action: str,
    entity: Any,
    *,
    jurisdiction_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str = "",
    entity_type: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller's commit makes it durable)."""
    if entity is not None and getattr(entity, "id", None) is None:
        db.session.flush()
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_name=actor_name(actor),
        jurisdiction_id=jurisdiction_id,
        entity_type=entity_type or (type(entity).__tablename__ if entity is not None else "none"),
        entity_id=getattr(entity, "id", None),
        action=action,
        summary=summary,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry
