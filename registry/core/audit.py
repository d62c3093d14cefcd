"""The audit log: every change to list and report data writes an entry in the same transaction."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
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
