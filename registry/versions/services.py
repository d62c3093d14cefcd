"""Publishing (freezing the working list into an immutable version) and withdrawing versions.

Both send core.signals.versions_changed, on which the public search and caches follow."""

import hashlib
import json
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.core import audit, signals
from registry.core.audit import Actor
from registry.core.db import lock_row
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import upper
from registry.lists.models import Role
from registry.lists.services.common import StaleEdit
from registry.versions import queries
from registry.versions.models import (
    ListVersion,
    VersionAssignment,
    VersionDepartment,
    VersionDuty,
    VersionMatter,
    VersionWithdrawal,
)


def checksum(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def publish_version(
    jurisdiction: Jurisdiction,
    *,
    label: str,
    doc_number: str,
    effective_date: date,
    publisher: str,
    expected_latest: int | None = None,
    actor: Actor,
) -> ListVersion:
    """Freeze the working list into a new immutable version.

    `expected_latest` is the number (seq) of the latest version the publisher saw, 0 for none: when
    another version was published meanwhile, this one is refused rather than published twice."""
    label, doc_number, publisher = label.strip(), doc_number.strip(), publisher.strip()
    if not label:
        raise DomainError(_l("请填写版本名称。"), "label")
    if not doc_number:
        raise DomainError(_l("请填写发布文号。"), "doc_number")
    if not publisher:
        raise DomainError(_l("请填写发布机关。"), "publisher")
    if db.session.scalar(
        select(ListVersion.id).where(ListVersion.jurisdiction_id == jurisdiction.id, ListVersion.label == label)
    ):
        raise DomainError(_l("版本「%(label)s」已存在，请换一个版本名称。", label=label), "label")
    lock_row(db.session, jurisdiction)  # one publication of a jurisdiction at a time
    latest = latest_seq(jurisdiction)
    if expected_latest is not None and latest != expected_latest:
        raise StaleEdit(_l("在您确认期间，本级清单已发布了新版本，本次未发布。请重新打开发布页面，核对后再确认。"))
    content = queries.frozen_content(jurisdiction)
    seq = latest + 1
    follows = upper.follow_when_publishing(jurisdiction, actor=actor)  # the parent's version it follows
    version = ListVersion(
        jurisdiction_id=jurisdiction.id,
        seq=seq,
        label=label,
        doc_number=doc_number,
        effective_date=effective_date,
        publisher=publisher,
        published_by_id=getattr(actor, "id", None),
        checksum=checksum(content),
        matter_count=len(content["matters"]),
        defaults=content["defaults"],
        follows_version_id=follows,
    )
    db.session.add(version)
    db.session.flush()
    _write_snapshot(version, content)
    signals.versions_changed.send(jurisdiction.id)
    audit.record(
        actor,
        "publish",
        version,
        jurisdiction_id=jurisdiction.id,
        after={
            "label": label,
            "doc_number": doc_number,
            "effective_date": effective_date.isoformat(),
            "publisher": publisher,
            "checksum": version.checksum,
            "matters": version.matter_count,
        },
    )
    return version


def withdraw_version(version: ListVersion, reason: str, *, actor: Actor) -> VersionWithdrawal:
    """Mark a published version withdrawn (superseded); the version itself stays as published."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("请填写废止原因。"), "reason")
    if version.withdrawal is not None:
        raise DomainError(_l("版本「%(label)s」已于此前废止。", label=version.label), "reason")
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
    signals.versions_changed.send(version.jurisdiction_id)
    return withdrawal


def latest_seq(jurisdiction: Jurisdiction) -> int:
    """The number of the jurisdiction's latest published version (0: none yet)."""
    return (
        db.session.scalar(select(func.max(ListVersion.seq)).where(ListVersion.jurisdiction_id == jurisdiction.id)) or 0
    )


def _write_snapshot(version: ListVersion, content: dict[str, Any]) -> None:
    # Core inserts: a national list has millions of rows and the ORM unit of work is not needed here.
    v = version.id
    departments = [
        {
            "version_id": v,
            "department_id": d["id"],
            "name": d["name"],
            "short_name": d["short_name"],
            "sector": d["sector"],
            "website": d["website"],
            "sort_order": d["sort_order"],
        }
        for d in content["departments"]
    ]
    if departments:
        db.session.execute(VersionDepartment.__table__.insert(), departments)
    duties = [
        {
            "version_id": v,
            "department_id": d["id"],
            "duty_id": t["id"],
            "seq": t["seq"],
            "text": t["text"],
            "basis": t["basis"],
        }
        for d in content["departments"]
        for t in d["duties"]
    ]
    if duties:
        db.session.execute(VersionDuty.__table__.insert(), duties)
    matters = content["matters"]
    vm_table, va_table = VersionMatter.__table__, VersionAssignment.__table__
    for begin in range(0, len(matters), _SNAPSHOT_CHUNK):
        chunk = matters[begin : begin + _SNAPSHOT_CHUNK]
        rows = []
        for m in chunk:
            lead = next((a for a in m["assignments"] if a["role"] == Role.LEAD), None)
            rows.append(
                {
                    "version_id": v,
                    "matter_id": m["id"],
                    "seq": m["seq"],
                    "category": m["category"],
                    "title": m["title"],
                    "description": m["description"],
                    "status": m["status"],
                    "delegated_to_code": m["delegated_to"]["code"] if m["delegated_to"] else None,
                    "delegated_to_name": m["delegated_to"]["name"] if m["delegated_to"] else None,
                    "lead_department_id": lead["department_id"] if lead else None,
                    "basis": m["basis"],
                    "territorial": m["territorial"],
                    "deadline_text": m["deadline_text"],
                    "deadline": date.fromisoformat(m["deadline"]) if m["deadline"] else None,
                    "targets": m["targets"],
                    "upper_matter_id": m["upper_matter_id"],
                }
            )
        # RETURNING in parameter order pairs each new version-matter id with its matter.
        ids = db.session.execute(
            vm_table.insert().returning(vm_table.c.id, sort_by_parameter_order=True), rows
        ).scalars()
        assignments = [
            {
                "version_matter_id": vm_id,
                "version_id": v,
                "department_id": a["department_id"],
                "department_name": a["name"],
                "department_short_name": a["short_name"],
                "role": a["role"],
                "position": i,
            }
            for vm_id, m in zip(ids, chunk, strict=True)
            for i, a in enumerate(m["assignments"])
        ]
        if assignments:
            db.session.execute(va_table.insert(), assignments)
    db.session.flush()


_SNAPSHOT_CHUNK = 2000
