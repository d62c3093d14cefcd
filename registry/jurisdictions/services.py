"""Creating jurisdictions in the administrative tree."""

import re

from sqlalchemy import select

from registry.core import audit
from registry.extensions import db
from registry.jurisdictions.models import CHILD_LEVEL, Jurisdiction, Level


class JurisdictionError(ValueError):
    """Bad input for a jurisdiction; the message is shown to the user next to `field`."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def create_jurisdiction(
    *, code: str, name: str, level: str, parent_code: str | None = None, actor=None
) -> Jurisdiction:
    """Create a jurisdiction under parent_code after checking code, level and parent."""
    code, name = code.strip(), name.strip()
    if not re.fullmatch(r"\d{6}", code):
        raise JurisdictionError(f"行政区划代码必须是 6 位数字，收到「{code}」。", "code")
    if not name:
        raise JurisdictionError("名称不能为空。", "name")
    if level not in set(Level):
        raise JurisdictionError(f"未知层级「{level}」，可选：central、province、city、county。", "level")
    if db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code)):
        raise JurisdictionError(f"行政区划代码「{code}」已存在。", "code")
    parent = None
    if parent_code:
        parent = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == parent_code))
        if parent is None:
            raise JurisdictionError(f"上级行政区划「{parent_code}」不存在。", "parent_code")
        if CHILD_LEVEL.get(parent.level) != level:
            raise JurisdictionError(f"{parent.name}（{parent.level_label}）的下级不能是 {level} 层级。", "level")
    elif level not in (Level.CENTRAL, Level.PROVINCE):
        raise JurisdictionError("市级、县级行政区划必须指定上级。", "parent_code")
    jurisdiction = Jurisdiction(code=code, name=name, level=level, parent=parent)
    db.session.add(jurisdiction)
    db.session.flush()
    audit.record(
        actor,
        "create",
        jurisdiction,
        jurisdiction_id=jurisdiction.id,
        after={"code": code, "name": name, "level": level, "parent": parent_code},
    )
    return jurisdiction
