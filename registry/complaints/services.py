"""What every complaint step does the same way: a timeline event, its audit entry in the same
transaction, and the signal that tells the people concerned (registry/notify). The steps themselves
are in intake.py (the public: submit, rate) and handling.py (departments and offices).
"""

import secrets
from typing import Any

from registry.complaints.models import Complaint, ComplaintEvent
from registry.core import signals
from registry.core.audit import Actor, actor_name, record
from registry.extensions import db

# 查询码: ten characters without look-alikes (no 0/O, 1/I/L), shown as XXXXX-XXXXX; about 2^49 codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(value: str) -> str:
    """What a person typed as the 查询码: spaces, dashes and case ignored."""
    return "".join(ch for ch in (value or "").upper() if ch in CODE_ALPHABET)[: CODE_LENGTH + 2]


def shown_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code


def add_event(
    complaint: Complaint,
    kind: str,
    actor: Actor,
    *,
    before: dict[str, Any] | None = None,
    summary: str = "",
    public_actor: bool = False,
    **fields: Any,
) -> ComplaintEvent:
    """Put a step on the complaint's timeline, audit it (the complaint's state before and after, never
    the contact details) and send `complaint_changed`. `public_actor`: the person who reported (no user;
    the audit log names them as 举报人). fields: department_id, to_department_id, matter_title, text."""
    name = "举报人（公众）" if public_actor else actor_name(actor)
    event = ComplaintEvent(
        complaint=complaint,
        kind=kind,
        actor_id=None if public_actor else getattr(actor, "id", None),
        actor_name=name,
        **fields,
    )
    db.session.add(event)
    record(
        name if public_actor else actor,
        kind,
        complaint,
        jurisdiction_id=complaint.department.jurisdiction_id if complaint.department else complaint.jurisdiction_id,
        before=before,
        after=complaint.audit_data(),
        summary=summary or fields.get("text", "")[:200],
    )
    signals.complaint_changed.send(complaint, event=event, actor=None if public_actor else actor)
    return event
