"""Jurisdictions: the administrative tree (中央 → 省 → 市 → 县)."""

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.core.db import one_of
from registry.extensions import db


class Level(StrEnum):
    CENTRAL = "central"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


LEVEL_LABELS = {"central": "中央", "province": "省级", "city": "市级", "county": "县级"}
# A child is always exactly one level below its parent.
CHILD_LEVEL = {"central": "province", "province": "city", "city": "county"}


class Jurisdiction(db.Model):
    __tablename__ = "jurisdictions"
    __table_args__ = (
        CheckConstraint("length(code) = 6", name="code_six_digits"),
        CheckConstraint(one_of("level", Level), name="level_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)

    parent: Mapped["Jurisdiction | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Jurisdiction"]] = relationship(back_populates="parent", order_by="Jurisdiction.code")

    def __repr__(self) -> str:
        return f"<Jurisdiction {self.code} {self.name}>"

    @property
    def scope_jurisdiction(self) -> "Jurisdiction":  # core.permissions
        return self

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    def ancestors(self) -> list["Jurisdiction"]:
        """Parents from the nearest up to the root."""
        result, node = [], self.parent
        while node is not None:
            result.append(node)
            node = node.parent
        return result

    def is_within(self, other: "Jurisdiction") -> bool:
        """True when self is other or lies below it in the tree."""
        return self.id == other.id or any(a.id == other.id for a in self.ancestors())
