"""Background jobs: long work (a 汇编, later imports and reindexing) with its progress, shown on a page."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from registry.core.db import one_of, utcnow
from registry.extensions import db


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (CheckConstraint(one_of("state", JobState), name="state_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED, index=True)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(300), default="")
    error: Mapped[str] = mapped_column(Text, default="")  # why it failed, in Chinese, for the user
    result_name: Mapped[str | None] = mapped_column(String(255))
    result_type: Mapped[str | None] = mapped_column(String(100))
    result_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # A job fanned out into parts (runner.FanOut): each part is a job of its own with the whole as
    # parent; the whole's progress counts its finished parts, and its `finish` step runs after the last.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")  # runs so far (retried tasks)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return min(100, int(self.progress * 100 / self.total)) if self.total else 0
