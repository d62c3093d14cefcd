"""Published versions of a jurisdiction's list: everything the public sees, copied into version_*
tables that are never changed (an ORM guard below refuses it); a withdrawal is a row of its own."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.core.db import one_of, refuse_changes, utcnow
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Role


class ListVersion(db.Model):
    """A published, frozen version of a jurisdiction's list. Never modified; may be withdrawn."""

    __tablename__ = "list_versions"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "label"),
        UniqueConstraint("jurisdiction_id", "seq"),
        Index("ix_list_versions_jurisdiction_effective", "jurisdiction_id", "effective_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    seq: Mapped[int]
    label: Mapped[str] = mapped_column(String(100))
    doc_number: Mapped[str] = mapped_column(String(100))
    effective_date: Mapped[date] = mapped_column(Date)
    publisher: Mapped[str] = mapped_column(String(200))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    checksum: Mapped[str] = mapped_column(String(64))
    matter_count: Mapped[int] = mapped_column(default=0)
    # List-wide rules stated once (以下均需…落实，不再列出): [{"text": …, "territorial": [codes or "*"]}].
    defaults: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default="[]")
    # The upper level's version this list followed when it was published (None: not recorded).
    follows_version_id: Mapped[int | None] = mapped_column(ForeignKey("list_versions.id"))
    # Withdrawal is the only change a version ever sees, and it is recorded in its own row.
    withdrawal: Mapped["VersionWithdrawal | None"] = relationship(back_populates="version")

    jurisdiction: Mapped[Jurisdiction] = relationship()
    matters: Mapped[list["VersionMatter"]] = relationship(back_populates="version", order_by="VersionMatter.seq")
    departments: Mapped[list["VersionDepartment"]] = relationship(
        back_populates="version", order_by="VersionDepartment.sort_order"
    )

    @property
    def withdrawn(self) -> bool:
        return self.withdrawal is not None

    @property
    def scope_jurisdiction(self) -> Jurisdiction:  # core.permissions: whose office may see it
        return self.jurisdiction


class VersionWithdrawal(db.Model):
    """Marks a published version withdrawn (superseded); the version itself stays untouched."""

    __tablename__ = "version_withdrawals"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[ListVersion] = relationship(back_populates="withdrawal")


class VersionDepartment(db.Model):
    __tablename__ = "version_departments"
    __table_args__ = (UniqueConstraint("version_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(100))
    sector: Mapped[str] = mapped_column(String(50))
    website: Mapped[str] = mapped_column(String(300), default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    version: Mapped[ListVersion] = relationship(back_populates="departments")


class VersionDuty(db.Model):
    __tablename__ = "version_duties"
    __table_args__ = (Index("ix_version_duties_version_department", "version_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    duty_id: Mapped[int]
    seq: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    basis: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class VersionMatter(db.Model):
    __tablename__ = "version_matters"
    __table_args__ = (
        UniqueConstraint("version_id", "matter_id"),
        Index("ix_version_matters_version_seq", "version_id", "seq"),
        Index("ix_version_matters_version_category", "version_id", "category"),
        Index("ix_version_matters_version_lead", "version_id", "lead_department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"))
    # The working matter's id; a plain number because working matters may later be deleted.
    matter_id: Mapped[int] = mapped_column(index=True)
    seq: Mapped[int] = mapped_column(default=0)
    category: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    delegated_to_code: Mapped[str | None] = mapped_column(String(6))
    delegated_to_name: Mapped[str | None] = mapped_column(String(100))
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    basis: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # 属地落实 as published: [{"code": code or "*", "name": …}].
    territorial: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list, server_default="[]")
    deadline_text: Mapped[str] = mapped_column(String(100), default="", server_default="")
    deadline: Mapped[date | None] = mapped_column(Date)
    targets: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default="[]")  # MatterTarget.plain()
    upper_matter_id: Mapped[int | None] = mapped_column()

    version: Mapped[ListVersion] = relationship(back_populates="matters")
    assignments: Mapped[list["VersionAssignment"]] = relationship(
        back_populates="version_matter", order_by="VersionAssignment.position"
    )


class VersionAssignment(db.Model):
    __tablename__ = "version_assignments"
    __table_args__ = (
        UniqueConstraint("version_matter_id", "department_id"),
        CheckConstraint(one_of("role", Role), name="role_known"),
        Index("ix_version_assignments_department_version", "department_id", "version_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_matter_id: Mapped[int] = mapped_column(ForeignKey("version_matters.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    department_name: Mapped[str] = mapped_column(String(200))
    department_short_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(default=0)

    version_matter: Mapped[VersionMatter] = relationship(back_populates="assignments")


for _model in (ListVersion, VersionDepartment, VersionDuty, VersionMatter, VersionAssignment):
    refuse_changes(_model)
