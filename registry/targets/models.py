"""Quantitative targets (目标指标) the lead departments answer for, year by year (seed 004), and the
government's yearly report on them to the people's congress (seed 000).

An office defines its jurisdiction's indicators; the lead department records the actual values; the
office locks a year's values once published. Status is never stored: `rules.status` computes it from
the values, the baseline and the target.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from registry.core.db import committed_value, one_of, refuse_changes, utcnow
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department, Matter, PolicyDocument


class Direction(StrEnum):
    LOWER = "lower"  # lower is better (PM2.5 浓度)
    HIGHER = "higher"  # higher is better (优良天数比率)


class Binding(StrEnum):
    BINDING = "binding"  # 约束性
    EXPECTED = "expected"  # 预期性


DIRECTION_LABELS = {"lower": "越低越好", "higher": "越高越好"}
BINDING_LABELS = {"binding": "约束性", "expected": "预期性"}
# Where a value comes from; the form offers these and accepts any other short text.
SOURCES = ("监测数据", "统计公报", "部门统计", "考核结果", "调查评估")


indicator_matters = Table(
    "target_indicator_matters",
    db.metadata,
    Column("indicator_id", ForeignKey("target_indicators.id", ondelete="CASCADE"), primary_key=True),
    # The matter's stable id in the working list (matters.id): its published copies share it.
    Column("matter_id", ForeignKey("matters.id", ondelete="CASCADE"), primary_key=True),
)


class TargetIndicator(db.Model):
    """One indicator of a jurisdiction: what is measured, which way is better, where it started and
    where it must be by the target year, who answers for it."""

    __tablename__ = "target_indicators"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "name"),
        CheckConstraint(one_of("direction", Direction), name="direction_known"),
        CheckConstraint(one_of("binding", Binding), name="binding_known"),
        CheckConstraint("target_year >= baseline_year", name="target_after_baseline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))  # 细颗粒物（PM2.5）平均浓度
    unit: Mapped[str] = mapped_column(String(30), default="")  # 微克/立方米, %
    direction: Mapped[str] = mapped_column(String(8))
    binding: Mapped[str] = mapped_column(String(8), default=Binding.BINDING)
    baseline_year: Mapped[int]
    baseline_value: Mapped[float] = mapped_column(Float)
    target_year: Mapped[int]
    target_value: Mapped[float] = mapped_column(Float)
    stretch_value: Mapped[float | None] = mapped_column(Float)  # 力争
    # 指标说明: how it is measured (口径), anything the table cannot say.
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("policy_documents.id"))
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lock_version: Mapped[int] = mapped_column(default=1)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    plan: Mapped[PolicyDocument | None] = relationship()
    lead_department: Mapped[Department] = relationship()
    matters: Mapped[list[Matter]] = relationship(secondary=indicator_matters, order_by="Matter.seq")
    values: Mapped[list["IndicatorValue"]] = relationship(
        back_populates="indicator",
        cascade="all, delete-orphan",
        order_by="(IndicatorValue.year, IndicatorValue.month)",
    )

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def scope_jurisdiction(self) -> Jurisdiction:  # core.permissions: the office defines it
        return self.jurisdiction

    @property
    def scope_department(self) -> Department:  # core.permissions: the lead department records values
        return self.lead_department

    def audit_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "direction": self.direction,
            "binding": self.binding,
            "baseline_year": self.baseline_year,
            "baseline_value": self.baseline_value,
            "target_year": self.target_year,
            "target_value": self.target_value,
            "stretch_value": self.stretch_value,
            "caliber": self.description,
            "plan": self.plan.label if self.plan else None,
            "lead": self.lead_department.name if self.lead_department else None,
            "matters": [m.title for m in self.matters],
        }


class IndicatorValue(db.Model):
    """An actual value: a year's (month 0) or, optionally, one month's, with its source."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        UniqueConstraint("indicator_id", "year", "month"),
        CheckConstraint("month >= 0 AND month <= 12", name="month_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("target_indicators.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    month: Mapped[int] = mapped_column(
        default=0
    )  # 0: the year's value; 1–12: a month's (累计 or 当月, as the note says)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(100), default="")  # 监测数据, 统计公报 …
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    lock_version: Mapped[int] = mapped_column(default=1)

    indicator: Mapped[TargetIndicator] = relationship(back_populates="values")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.indicator.jurisdiction

    @property
    def scope_department(self) -> Department:
        return self.indicator.lead_department

    def audit_data(self) -> dict[str, Any]:
        return {"year": self.year, "month": self.month, "value": self.value, "source": self.source, "note": self.note}


class IndicatorYearLock(db.Model):
    """The office locked a year's values of its jurisdiction (once published): none of them changes
    afterwards (services.record_value and delete_value refuse). Final: there is no unlocking."""

    __tablename__ = "indicator_year_locks"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    year: Mapped[int]
    locked_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    jurisdiction: Mapped[Jurisdiction] = relationship()

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.jurisdiction


class EnvironmentReportState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class EnvironmentReport(db.Model):
    """「年度环境状况和环境保护目标完成情况报告」 of a jurisdiction and year (seed 000): every indicator
    with its value, target and status, generated; the office's own text; compiled to PDF by a job;
    published once, its PDF stored with its SHA-256 and never changed."""

    __tablename__ = "environment_reports"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "year"),
        CheckConstraint(one_of("state", EnvironmentReportState), name="state_known"),
        CheckConstraint("(state = 'published') = (published_at IS NOT NULL)", name="published_when_published"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    # The office's own text (sanitized HTML, as report sections' body): 环境状况 and anything else.
    body: Mapped[str] = mapped_column(Text, default="")
    doc_number: Mapped[str] = mapped_column(String(100), default="", server_default="")
    state: Mapped[str] = mapped_column(String(16), default=EnvironmentReportState.DRAFT)
    # The last compiled PDF (a draft's preview until published; then the published file).
    pdf_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None]
    compiled_at: Mapped[datetime | None]
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lock_version: Mapped[int] = mapped_column(default=1)

    jurisdiction: Mapped[Jurisdiction] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.jurisdiction

    def audit_data(self) -> dict[str, Any]:
        return {"title": self.title, "doc_number": self.doc_number, "body": self.body, "state": self.state}


# Published things never change.
refuse_changes(EnvironmentReport, published=lambda r: committed_value(r, "state") == EnvironmentReportState.PUBLISHED)
