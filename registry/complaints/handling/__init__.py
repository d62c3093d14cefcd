"""What departments and offices do with a complaint (§4): accept it, transfer it to a named department
with the matter it belongs to, answer it, refuse it naming who is responsible, ask for (and grant or
refuse) the one extension, add notes, review a reopened one, publish a photo, look at the contact
details, and set a jurisdiction's deadlines.

Every service takes the actor and the data, checks the rule of rules.py that says who may, refuses a
stale form (the complaint's lock_version) and puts its step on the timeline through services.add_event
(event + audit entry + signal, in the caller's transaction). They flush, never commit.

common.py (limits, checks, the choices forms offer) · steps.py (受理, 转办, 办结, 不予受理) · review.py
(延期, 备注, 复核, photos, contact details) · settings.py (a jurisdiction's deadlines)
"""

from registry.complaints.handling.common import (
    MAX_ATTACHMENTS,
    MAX_TEXT,
    MIN_NO_DEPARTMENT_REASON,
    NO_DEPARTMENT,
    SETTING_RANGE,
    NotAllowed,
    Upload,
    matters_of,
    target_places,
    transfer_targets,
)
from registry.complaints.handling.review import (
    UNCHECKED,
    add_note,
    decide_extension,
    extension_used,
    publish_photo,
    request_extension,
    review,
    show_contact,
)
from registry.complaints.handling.settings import SettingsView, settings_view, update_settings
from registry.complaints.handling.steps import ATTACHMENT_TYPES, accept, answer, check_attachment, reject, transfer
from registry.complaints.models import ComplaintSettings

__all__ = [
    "ATTACHMENT_TYPES",
    "MAX_ATTACHMENTS",
    "MAX_TEXT",
    "MIN_NO_DEPARTMENT_REASON",
    "NO_DEPARTMENT",
    "SETTING_RANGE",
    "UNCHECKED",
    "ComplaintSettings",
    "NotAllowed",
    "SettingsView",
    "Upload",
    "accept",
    "add_note",
    "answer",
    "check_attachment",
    "decide_extension",
    "extension_used",
    "matters_of",
    "publish_photo",
    "reject",
    "request_extension",
    "review",
    "settings_view",
    "show_contact",
    "target_places",
    "transfer",
    "transfer_targets",
    "update_settings",
]
