"""Privacy retention (§4 item 6): a person's contact details are kept only as long as needed.

When a complaint closes, rules.contact_erase_after sets the day after which its contact details go
(config COMPLAINT_CONTACT_RETENTION_DAYS after closing, two years by default; reopening clears it).
Once a day this job erases them: name, phone and e-mail become empty and `erased_at` says when; the
complaint, its reply and its timeline stay, and the erasure is itself a step on the timeline and in
the audit log. The same job drops CAPTCHA challenges older than a day (they are worth nothing then).
"""

from datetime import date, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import joinedload

from registry.complaints.models import CaptchaChallenge, Complaint, ComplaintContact, EventKind
from registry.complaints.services import add_event
from registry.core.db import utcnow
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jobs import runner

ACTOR = "定期任务（举报人信息保留期满）"  # who the timeline and the audit log name
CAPTCHA_KEPT = timedelta(days=1)


def erase_expired_contacts(today: date | None = None) -> int:
    """Erase the contact details of every complaint whose contact_erase_after day has passed; how many."""
    today = today or local_today()
    due = db.session.scalars(
        select(Complaint)
        .join(ComplaintContact, ComplaintContact.complaint_id == Complaint.id)
        .where(
            Complaint.contact_erase_after.is_not(None),
            Complaint.contact_erase_after < today,
            ComplaintContact.erased_at.is_(None),
            or_(ComplaintContact.name != "", ComplaintContact.phone != "", ComplaintContact.email != ""),
        )
        .options(joinedload(Complaint.contact), joinedload(Complaint.department))
        .order_by(Complaint.id)
    ).all()
    now = utcnow()
    for complaint in due:
        contact = complaint.contact
        contact.name = contact.phone = contact.email = ""
        contact.erased_at = now
        add_event(
            complaint,
            EventKind.CONTACT_ERASED,
            ACTOR,
            before=complaint.audit_data(),
            summary=f"举报人联系方式保留期满（{complaint.contact_erase_after.isoformat()}），已删除",
        )
    db.session.flush()
    return len(due)


def drop_old_captchas() -> int:
    """Delete CAPTCHA challenges older than a day; how many."""
    result = db.session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.created_at < utcnow() - CAPTCHA_KEPT))
    return result.rowcount or 0


@runner.periodic("complaints.retention", every=timedelta(days=1))
def complaint_retention() -> None:
    erase_expired_contacts()
    drop_old_captchas()
