"""Published list versions: which version is in force, and withdrawing one.

A version row is never changed (see the ORM guard in models.py); withdrawal is its own row.
Publishing itself goes through `registry.lists.services.publish_version`.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.core import audit
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import ListVersion, VersionWithdrawal
from registry.lists.services import ListError


def version_in_force(jurisdiction: Jurisdiction, on_date: date) -> ListVersion | None:
    """The latest non-withdrawn version of the jurisdiction whose effective date is on or before on_date."""
    return db.session.scalar(
        select(ListVersion)
        .outerjoin(VersionWithdrawal, VersionWithdrawal.version_id == ListVersion.id)
        .where(
            ListVersion.jurisdiction_id == jurisdiction.id,
            ListVersion.effective_date <= on_date,
            VersionWithdrawal.id.is_(None),
        )
        .order_by(ListVersion.effective_date.desc(), ListVersion.seq.desc())
        .limit(1)
    )


def versions_of(jurisdiction: Jurisdiction) -> list[ListVersion]:
    """All versions of a jurisdiction, newest first, with their withdrawal loaded."""
    return list(
        db.session.scalars(
            select(ListVersion)
            .where(ListVersion.jurisdiction_id == jurisdiction.id)
            .options(selectinload(ListVersion.withdrawal))
            .order_by(ListVersion.seq.desc())
        )
    )


def version_by_label(jurisdiction: Jurisdiction, label: str) -> ListVersion | None:
    """A jurisdiction's version by its label."""
    return db.session.scalar(
        select(ListVersion).where(ListVersion.jurisdiction_id == jurisdiction.id, ListVersion.label == label.strip())
    )


def previous_version(version: ListVersion) -> ListVersion | None:
    """The version published just before this one in the same jurisdiction."""
    return db.session.scalar(
        select(ListVersion)
        .where(ListVersion.jurisdiction_id == version.jurisdiction_id, ListVersion.seq < version.seq)
        .order_by(ListVersion.seq.desc())
        .limit(1)
    )


def latest_version(jurisdiction: Jurisdiction) -> ListVersion | None:
    """The most recently published version (withdrawn or not)."""
    return db.session.scalar(
        select(ListVersion)
        .where(ListVersion.jurisdiction_id == jurisdiction.id)
        .order_by(ListVersion.seq.desc())
        .limit(1)
    )


def withdraw_version(version: ListVersion, reason: str, actor=None) -> VersionWithdrawal:
    """Mark a published version withdrawn (superseded); the version itself stays as published."""
    reason = (reason or "").strip()
    if not reason:
        raise ListError("请填写废止原因。", "reason")
    if version.withdrawal is not None:
        raise ListError(f"版本「{version.label}」已于此前废止。", "reason")
    withdrawal = VersionWithdrawal(version_id=version.id, reason=reason, withdrawn_by_id=getattr(actor, "id", None))
    db.session.add(withdrawal)
    db.session.flush()
    db.session.expire(version, ["withdrawal"])
    audit.record(
        actor,
        "withdraw",
        version,
        jurisdiction_id=version.jurisdiction_id,
        before={"label": version.label, "withdrawn": False},
        after={"label": version.label, "withdrawn": True, "reason": reason},
        summary=f"废止版本「{version.label}」：{reason}",
    )
    from registry.public.search import reindex_jurisdiction  # the public search follows the version in force

    reindex_jurisdiction(version.jurisdiction_id)
    return withdrawal
