"""A jurisdiction's complaint deadlines in working days (its office sets them; places below inherit)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.complaints import rules
from registry.complaints.handling.common import SETTING_RANGE, NotAllowed
from registry.complaints.models import ComplaintSettings
from registry.core import audit
from registry.core.audit import Actor
from registry.core.db import lock_row, utcnow
from registry.core.errors import refuse
from registry.core.permissions import Permission, can
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction


@dataclass(frozen=True)
class SettingsView:
    values: dict[str, int]
    own: bool  # set for this jurisdiction itself
    source: Jurisdiction | None  # the ancestor they are inherited from (None: the defaults)
    updated_at: datetime | None


def settings_view(jurisdiction: Jurisdiction) -> SettingsView:
    """The deadlines in force for a jurisdiction (rules.settings_for) and where they come from."""
    values = rules.settings_for(jurisdiction)
    place: Jurisdiction | None = jurisdiction
    while place is not None:
        row = db.session.scalar(select(ComplaintSettings).where(ComplaintSettings.jurisdiction_id == place.id))
        if row is not None:
            return SettingsView(values, place.id == jurisdiction.id, place, row.updated_at)
        place = place.parent
    return SettingsView(values, False, None, None)


def update_settings(jurisdiction: Jurisdiction, actor: Actor, **values: Any) -> ComplaintSettings:
    """Set a jurisdiction's complaint deadlines in working days (the office of the jurisdiction); they
    hold for the complaints received (and accepted) from now on, and for the places below without
    their own."""
    if not can(actor, Permission.COMPLAINT_OVERSEE, jurisdiction):
        raise NotAllowed(_l("只有本级办公室可以设置本级的举报办理期限。"))
    low, high = SETTING_RANGE
    problems = []
    for name in ("accept_days", "reply_days", "extension_days"):
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems.append((name, _l("请填写 %(low)s 到 %(high)s 之间的整数（工作日）。", low=low, high=high)))
    refuse(problems)
    row = db.session.scalar(select(ComplaintSettings).where(ComplaintSettings.jurisdiction_id == jurisdiction.id))
    before = row.audit_data() if row is not None else None
    if row is None:
        row = ComplaintSettings(jurisdiction_id=jurisdiction.id, jurisdiction=jurisdiction)
        db.session.add(row)
    else:
        lock_row(db.session, row)
    row.accept_days, row.reply_days, row.extension_days = (
        values["accept_days"],
        values["reply_days"],
        values["extension_days"],
    )
    row.updated_by_id = getattr(actor, "id", None)
    row.updated_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "update" if before else "create",
        row,
        jurisdiction_id=jurisdiction.id,
        before=before,
        after=row.audit_data(),
        summary=(
            f"{jurisdiction.name}举报办理期限：受理 {row.accept_days}、答复 {row.reply_days}、"
            f"延期 {row.extension_days} 个工作日"
        ),
    )
    return row
