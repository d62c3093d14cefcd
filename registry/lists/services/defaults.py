"""List-wide rules (全清单适用, ListDefault): stated once on the list (以下均需…落实，不再列出). Imports
add them; the office corrects their text and territorial implementers here, or deletes one. Published
versions keep their frozen copy (ListVersion.defaults).

A ListDefault has no lock_version (no schema change for it): an edit carries a fingerprint of what
the user saw (`seen`), and a save over a rule changed meanwhile is refused like a stale edit."""

import hashlib
import json
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l

from registry.core import audit
from registry.core.audit import Actor
from registry.core.db import lock_row
from registry.core.errors import CONFLICT_MESSAGE, refuse
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import ListDefault
from registry.lists.services.common import StaleEdit
from registry.lists.services.matters import territorial_problems

TEXT_MAX = 2000


def fingerprint(default: ListDefault) -> str:
    """What a form saw of a rule: changes whenever its text or territorial implementers change."""
    data = json.dumps(default.audit_data(), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def default_problems(jurisdiction: Jurisdiction, text: str, territorial: Sequence[str]) -> list[tuple[str, object]]:
    problems: list[tuple[str, object]] = []
    text = (text or "").strip()
    if not text:
        problems.append(("text", _l("请填写规定内容。")))
    elif len(text) > TEXT_MAX:
        problems.append(("text", _l("规定内容不能超过 %(n)s 个字。", n=TEXT_MAX)))
    return problems + territorial_problems(jurisdiction, territorial)


def _check_seen(default: ListDefault, seen: str | None) -> None:
    lock_row(db.session, default)
    if seen is not None and seen != fingerprint(default):
        raise StaleEdit(CONFLICT_MESSAGE)


def update_default(
    default: ListDefault, *, text: str, territorial: Sequence[str], seen: str | None = None, actor: Actor
) -> ListDefault:
    """Change a list-wide rule's text and territorial implementers (audited; nothing when unchanged)."""
    _check_seen(default, seen)
    jurisdiction = default.scope_jurisdiction
    refuse(default_problems(jurisdiction, text, territorial))
    before = default.audit_data()
    default.text, default.territorial = text.strip(), list(territorial)
    if default.audit_data() != before:
        db.session.flush()
        audit.record(
            actor,
            "update",
            default,
            jurisdiction_id=default.jurisdiction_id,
            before=before,
            after=default.audit_data(),
            entity_type="list_defaults",
        )
    return default


def delete_default(default: ListDefault, *, seen: str | None = None, actor: Actor) -> None:
    """Delete a list-wide rule from the working list (published versions keep their copy)."""
    _check_seen(default, seen)
    before, jurisdiction_id = default.audit_data(), default.jurisdiction_id
    db.session.delete(default)
    db.session.flush()
    audit.record(
        actor,
        "delete",
        default,
        jurisdiction_id=jurisdiction_id,
        before=before,
        entity_type="list_defaults",
        summary=f"删除全清单适用的规定：{before['text']}",
    )
