"""The working responsibility list of a jurisdiction: departments (with units and duties), matters
with lead / cooperating assignments, policy documents cited by matters and duties, and the decisions
that settled matters' leads. Published versions live in registry.versions."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.core.db import one_of, utcnow
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction


class MatterStatus(StrEnum):
    ASSIGNED = "assigned"
    PENDING = "pending"
    DELEGATED = "delegated"


class Role(StrEnum):
    LEAD = "lead"
    # 共同牵头: named before 牵头 after the first; the first named stays the one lead (列第一位者为牵头部门).
    CO_LEAD = "co_lead"
    COOPERATING = "cooperating"


class DepartmentKind(StrEnum):
    DEPARTMENT = "department"
    BODY = "body"  # 非常设机构: 领导小组办公室, 指挥部, 专班


class AliasKind(StrEnum):
    SHORT = "short"  # 简称 other than the department's own short_name (省发改委)
    OLD = "old"  # a name it had before a rename (机构改革)
    WRITTEN = "written"  # as a file wrote it, confirmed by the office when importing


class SuccessionKind(StrEnum):
    RENAME = "rename"
    MERGE = "merge"
    SPLIT = "split"


# Territorial implementers (属地落实) of a matter: codes of lower jurisdictions whose governments
# carry it out, or ALL_LOWER for every one of them (各区县人民政府负责落实).
ALL_LOWER = "*"


class UnitKind(StrEnum):
    INTERNAL = "internal"  # 内设机构
    AFFILIATED = "affiliated"  # 直属单位


class DecisionKind(StrEnum):
    ASSIGN = "assign"  # 研究明确
    DELEGATE = "delegate"  # 交由下级研究明确


class BasisKind(StrEnum):
    MEETING = "meeting"
    DOCUMENT = "document"


def delegation_label(names: list[str]) -> str:
    """The lower jurisdictions a matter was delegated to, as lists and published versions name them."""
    if len(names) <= 3:
        return "、".join(names)
    return f"{'、'.join(names[:2])}等{len(names)}个下级"


STATUS_LABELS = {"assigned": "已明确", "pending": "待明确牵头部门", "delegated": "已交由下级研究明确"}


class Department(db.Model):
    __tablename__ = "departments"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "name"),
        UniqueConstraint("jurisdiction_id", "short_name"),
        CheckConstraint(one_of("kind", DepartmentKind), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(100))
    sector: Mapped[str] = mapped_column(String(50), index=True)
    website: Mapped[str] = mapped_column(String(300), default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    kind: Mapped[str] = mapped_column(String(16), default=DepartmentKind.DEPARTMENT, server_default="department")
    lock_version: Mapped[int] = mapped_column(default=1)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    aliases: Mapped[list["DepartmentAlias"]] = relationship(
        back_populates="department", cascade="all, delete-orphan", order_by="DepartmentAlias.id"
    )
    units: Mapped[list["Unit"]] = relationship(back_populates="department", order_by="Unit.name")
    duties: Mapped[list["Duty"]] = relationship(back_populates="department", order_by="Duty.seq")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def scope_jurisdiction(self) -> Jurisdiction:  # core.permissions
        return self.jurisdiction

    @property
    def scope_department(self) -> "Department":
        return self

    def __repr__(self) -> str:
        return f"<Department {self.name}>"

    def audit_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "short_name": self.short_name,
            "sector": self.sector,
            "website": self.website,
            "sort_order": self.sort_order,
            "active": self.active,
            "kind": self.kind,
        }


class DepartmentAlias(db.Model):
    """Another name a department is written by (简称, an old name, a file's spelling): matched on
    import like its full name. A name means one department per jurisdiction."""

    __tablename__ = "department_aliases"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "name"),
        CheckConstraint(one_of("kind", AliasKind), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship(back_populates="aliases")

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.department.jurisdiction


class DepartmentSuccession(db.Model):
    """机构改革: a department renamed (from = to), merged into another, or split (one row per
    successor). The departments that no longer exist stay, inactive, so old pages and versions
    still name them and say who took over."""

    __tablename__ = "department_successions"
    __table_args__ = (CheckConstraint(one_of("kind", SuccessionKind), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    from_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    to_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    old_name: Mapped[str] = mapped_column(String(200), default="")
    doc_number: Mapped[str] = mapped_column(String(100), default="")
    effective_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    from_department: Mapped[Department] = relationship(foreign_keys=[from_department_id])
    to_department: Mapped[Department] = relationship(foreign_keys=[to_department_id])

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return db.session.get(Jurisdiction, self.jurisdiction_id)


class _DepartmentPart:
    """A part of one department (a unit, a duty): scoped by its department (core.permissions)."""

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return self.department.jurisdiction

    @property
    def scope_department(self) -> "Department":
        return self.department


class Unit(_DepartmentPart, db.Model):
    """内设机构 / 直属单位 of a department, to which it decomposes its matters (§8)."""

    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("department_id", "name"),
        CheckConstraint(one_of("kind", UnitKind), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="internal")
    active: Mapped[bool] = mapped_column(default=True)
    lock_version: Mapped[int] = mapped_column(default=1, server_default="1")

    department: Mapped[Department] = relationship(back_populates="units")

    __mapper_args__ = {"version_id_col": lock_version}

    def audit_data(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "active": self.active}


class Duty(_DepartmentPart, db.Model):
    """One ecological-protection duty of a department (a line of its 责任清单)."""

    __tablename__ = "duties"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    seq: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    lock_version: Mapped[int] = mapped_column(default=1)

    department: Mapped[Department] = relationship(back_populates="duties")
    citations: Mapped[list["Citation"]] = relationship(
        back_populates="duty", cascade="all, delete-orphan", order_by="Citation.id"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    def audit_data(self) -> dict[str, Any]:
        return {"seq": self.seq, "text": self.text, "active": self.active}


def _not_null_index(name: str, column: str) -> Index:
    """An index of a nullable column's non-NULL values: lookups by value (`column = ?`, including the
    foreign key's cascades) use it, and rows without a value cost no index entry."""
    where = text(f"{column} IS NOT NULL")
    return Index(name, column, postgresql_where=where, sqlite_where=where)


def matter_audit_data(
    *,
    seq,
    category,
    title,
    description,
    status,
    delegated_to,
    lead,
    cooperating,
    basis,
    co_leads=(),
    territorial=(),
    deadline_text="",
    targets=(),
) -> dict[str, Any]:
    """What the audit log records of a matter: Matter.audit_data(), and the import, which writes
    matters in bulk without loading them, both give this shape, so the audit pages show them alike."""
    return {
        "seq": seq,
        "category": category,
        "title": title,
        "description": description,
        "status": str(status),
        "delegated_to": delegated_to,
        "lead": lead,
        "cooperating": list(cooperating),
        "basis": list(basis),
        "co_leads": list(co_leads),
        "territorial": list(territorial),
        "deadline_text": deadline_text,
        "targets": list(targets),
    }


class Matter(db.Model):
    """A specific matter (具体事项) of one jurisdiction's list."""

    __tablename__ = "matters"
    __table_args__ = (
        # Also serves every lookup by jurisdiction alone (its leading column).
        UniqueConstraint("jurisdiction_id", "title"),
        # The §5 queue and the delegations of one jurisdiction; category and status alone are never
        # queried across jurisdictions, so they get no index of their own (each costs every import).
        Index("ix_matters_jurisdiction_id_status", "jurisdiction_id", "status"),
        # Few matters are delegated: index only those (every import would otherwise add two NULL keys per matter).
        _not_null_index("ix_matters_delegated_to_id", "delegated_to_id"),
        _not_null_index("ix_matters_delegated_from_id", "delegated_from_id"),
        CheckConstraint(one_of("status", MatterStatus), name="status_known"),
        # A matter delegated to one lower jurisdiction names it; delegated to several (每个下级各自研究明确)
        # it names none, and its copies below (delegated_from) say where it went.
        CheckConstraint("status = 'delegated' OR delegated_to_id IS NULL", name="target_only_if_delegated"),
        # Matter ids are the identity that versions and diffs follow: never reuse one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    seq: Mapped[int] = mapped_column(default=0)
    category: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=MatterStatus.PENDING)
    delegated_to_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"))
    # The upper-level matter this one was delegated from (§5: settled by the lower level).
    delegated_from_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"))
    # 属地落实: codes of the lower jurisdictions whose governments carry it out, or [ALL_LOWER].
    territorial: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # 完成时限 as written (2026年6月底前, 年底前), and the date it means when it names one.
    deadline_text: Mapped[str] = mapped_column(String(100), default="", server_default="")
    deadline: Mapped[date | None] = mapped_column(Date)
    # The upper level's matter this one follows (its working matter id, as versions name matters),
    # matched when the list was brought in or updated after the upper list moved.
    upper_matter_id: Mapped[int | None] = mapped_column()
    lock_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    jurisdiction: Mapped[Jurisdiction] = relationship(foreign_keys=[jurisdiction_id])
    delegated_to: Mapped[Jurisdiction | None] = relationship(foreign_keys=[delegated_to_id])
    delegated_from: Mapped["Matter | None"] = relationship(remote_side=[id], back_populates="lower_copies")
    # The matters created below when this one was delegated, one per lower jurisdiction.
    lower_copies: Mapped[list["Matter"]] = relationship(back_populates="delegated_from", order_by="Matter.id")
    assignments: Mapped[list["Assignment"]] = relationship(
        back_populates="matter", cascade="all, delete-orphan", order_by="Assignment.position"
    )
    citations: Mapped[list["Citation"]] = relationship(
        back_populates="matter", cascade="all, delete-orphan", order_by="Citation.id"
    )
    decisions: Mapped[list["LeadDecision"]] = relationship(
        back_populates="matter", cascade="all, delete-orphan", order_by="LeadDecision.decided_at"
    )
    targets: Mapped[list["MatterTarget"]] = relationship(
        back_populates="matter", cascade="all, delete-orphan", order_by="MatterTarget.position"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    def __repr__(self) -> str:
        return f"<Matter {self.id} {self.title}>"

    @property
    def lead(self) -> "Department | None":
        return next((a.department for a in self.assignments if a.role == Role.LEAD), None)

    @property
    def co_leads(self) -> list[Department]:
        return [a.department for a in self.assignments if a.role == Role.CO_LEAD]

    @property
    def cooperating(self) -> list[Department]:
        return [a.department for a in self.assignments if a.role == Role.COOPERATING]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def delegated_targets(self) -> list[Jurisdiction]:
        """The lower jurisdictions a delegated matter went to (none unless delegated)."""
        if self.status != MatterStatus.DELEGATED:
            return []
        if self.delegated_to is not None:
            return [self.delegated_to]
        return [m.jurisdiction for m in self.lower_copies]

    @property
    def delegated_to_label(self) -> str | None:
        """Where a delegated matter went, in a few words: one name, a few names, or 某某等N个下级."""
        targets = self.delegated_targets
        return delegation_label([j.name for j in targets]) if targets else None

    def audit_data(self) -> dict[str, Any]:
        lead = self.lead
        return matter_audit_data(
            seq=self.seq,
            category=self.category,
            title=self.title,
            description=self.description,
            status=self.status,
            delegated_to="、".join(j.code for j in self.delegated_targets) or None,
            lead=lead.name if lead else None,
            cooperating=[d.name for d in self.cooperating],
            basis=[c.label for c in self.citations],
            co_leads=[d.name for d in self.co_leads],
            territorial=list(self.territorial or ()),
            deadline_text=self.deadline_text,
            targets=[t.label for t in self.targets],
        )

    @property
    def scope_jurisdiction(self) -> Jurisdiction:  # core.permissions
        return self.jurisdiction


class MatterTarget(db.Model):
    """A quantitative target found in a matter's text (≥70%, PM2.5…36μg/m³以下, 力争…25), kept as
    structured fields beside the verbatim text it came from."""

    __tablename__ = "matter_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    indicator: Mapped[str] = mapped_column(String(200))
    comparison: Mapped[str] = mapped_column(String(8), default="")  # ≥ ≤ = < >, or "" when the text gives none
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(30), default="")
    stretch_value: Mapped[float | None] = mapped_column(Float)  # 力争
    text: Mapped[str] = mapped_column(String(300), default="")  # the words it was read from

    matter: Mapped[Matter] = relationship(back_populates="targets")

    @property
    def label(self) -> str:
        def number(v: float | None) -> str:
            return "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))

        label = f"{self.indicator}{self.comparison}{number(self.value)}{self.unit}"
        if self.stretch_value is not None:
            label += f"（力争{number(self.stretch_value)}{self.unit}）"
        return label

    def plain(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "comparison": self.comparison,
            "value": self.value,
            "unit": self.unit,
            "stretch_value": self.stretch_value,
            "text": self.text,
        }


class ListDefault(db.Model):
    """A list-wide rule stated once (以下均需县（市、区）政府落实，不再列出): shown once on the list page;
    its territorial implementers were applied to every matter it covers when it was brought in."""

    __tablename__ = "list_defaults"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    territorial: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return db.session.get(Jurisdiction, self.jurisdiction_id)

    def audit_data(self) -> dict[str, Any]:
        return {"text": self.text, "territorial": list(self.territorial or ())}


class UpperFollow(db.Model):
    """Which published version of its parent's list a jurisdiction's working list follows (上级清单
    的版本): when the parent publishes a newer one, the office is shown what moved."""

    __tablename__ = "upper_follows"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"), index=True)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def scope_jurisdiction(self) -> Jurisdiction:
        return db.session.get(Jurisdiction, self.jurisdiction_id)


class Assignment(db.Model):
    """A department's role on a matter. One lead at most (partial unique index), and a department
    holds one role only (unique matter/department pair)."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("matter_id", "department_id"),
        CheckConstraint(one_of("role", Role), name="role_known"),
        Index(
            "uq_assignments_one_lead_per_matter",
            "matter_id",
            unique=True,
            sqlite_where=text("role = 'lead'"),
            postgresql_where=text("role = 'lead'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)

    matter: Mapped[Matter] = relationship(back_populates="assignments")
    department: Mapped[Department] = relationship()


class PolicyDocument(db.Model):
    """A law, regulation or policy document (法律法规及政策依据) that matters and duties cite."""

    __tablename__ = "policy_documents"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "title", "doc_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    doc_number: Mapped[str] = mapped_column(String(100), default="")
    issuer: Mapped[str] = mapped_column(String(200), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def label(self) -> str:
        return f"{self.title}（{self.doc_number}）" if self.doc_number else self.title

    def audit_data(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "doc_number": self.doc_number,
            "issuer": self.issuer,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
        }

    @property
    def scope_jurisdiction(self) -> Jurisdiction:  # core.permissions
        return db.session.get(Jurisdiction, self.jurisdiction_id)


class Citation(db.Model):
    """A matter or a duty citing a policy document, with an article reference (第X条)."""

    __tablename__ = "citations"
    __table_args__ = (
        CheckConstraint("(matter_id IS NULL) <> (duty_id IS NULL)", name="cites_for_one_owner"),
        # Each citation has one owner: each index holds only the rows it can find.
        _not_null_index("ix_citations_matter_id", "matter_id"),
        _not_null_index("ix_citations_duty_id", "duty_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("policy_documents.id"), index=True)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"))
    duty_id: Mapped[int | None] = mapped_column(ForeignKey("duties.id", ondelete="CASCADE"))
    article: Mapped[str] = mapped_column(String(100), default="")

    document: Mapped[PolicyDocument] = relationship()
    matter: Mapped[Matter | None] = relationship(back_populates="citations")
    duty: Mapped[Duty | None] = relationship(back_populates="citations")

    @property
    def label(self) -> str:
        return f"《{self.document.title}》{self.article}" + (
            f"（{self.document.doc_number}）" if self.document.doc_number else ""
        )

    def plain(self) -> dict[str, str]:
        return {
            "title": self.document.title,
            "doc_number": self.document.doc_number,
            "issuer": self.document.issuer,
            "article": self.article,
        }


class LeadDecision(db.Model):
    """How a pending matter was settled (§5): a lead decided, or delegated to a lower level."""

    __tablename__ = "lead_decisions"
    __table_args__ = (
        CheckConstraint(one_of("kind", DecisionKind), name="kind_known"),
        CheckConstraint(
            "(kind = 'assign' AND department_id IS NOT NULL AND to_jurisdiction_id IS NULL)"
            " OR (kind = 'delegate' AND department_id IS NULL AND to_jurisdiction_id IS NOT NULL)",
            name="target_matches_kind",
        ),
        CheckConstraint(one_of("basis_kind", BasisKind), name="basis_kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    to_jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"))
    basis_kind: Mapped[str] = mapped_column(String(16))
    basis_doc_number: Mapped[str] = mapped_column(String(100), default="")
    basis_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    matter: Mapped[Matter] = relationship(back_populates="decisions")
    department: Mapped[Department | None] = relationship()
    to_jurisdiction: Mapped[Jurisdiction | None] = relationship()
    decided_by: Mapped["User | None"] = relationship()  # noqa: F821
