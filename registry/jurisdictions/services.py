"""Creating jurisdictions in the administrative tree."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.core import audit
from registry.core.audit import Actor
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jurisdictions.models import CHILD_LEVEL, Jurisdiction, Level


def create_jurisdiction(
    *, code: str, name: str, level: str, parent_code: str | None = None, actor: Actor
) -> Jurisdiction:
    """Create a jurisdiction under parent_code after checking code, level and parent."""
    code, name = code.strip(), name.strip()
    if not re.fullmatch(r"\d{6}", code):
        raise DomainError(_l("行政区划代码必须是 6 位数字，收到「%(code)s」。", code=code), "code")
    if not name:
        raise DomainError(_l("名称不能为空。"), "name")
    if level not in set(Level):
        raise DomainError(_l("未知层级「%(level)s」，可选：central、province、city、county。", level=level), "level")
    if db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code)):
        raise DomainError(_l("行政区划代码「%(code)s」已存在。", code=code), "code")
    parent = None
    if parent_code:
        parent = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == parent_code))
        if parent is None:
            raise DomainError(_l("上级行政区划「%(code)s」不存在。", code=parent_code), "parent_code")
        if CHILD_LEVEL.get(parent.level) != level:
            raise DomainError(
                _l(
                    "%(parent)s（%(parent_level)s）的下级不能是 %(level)s 层级。",
                    parent=parent.name,
                    parent_level=_l(parent.level_label),
                    level=level,
                ),
                "level",
            )
    elif level not in (Level.CENTRAL, Level.PROVINCE):
        raise DomainError(_l("市级、县级行政区划必须指定上级。"), "parent_code")
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
