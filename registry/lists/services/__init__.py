"""Changing a jurisdiction's working list. Services flush, never commit, and write the audit entry.

The modules are named by what they act on; this package re-exports their public names so that
callers write `services.create_matter(...)` without knowing which module holds it."""

from registry.lists.services.common import StaleEdit, check_lock
from registry.lists.services.decisions import BASIS_KINDS, decide_lead, delegate_matter
from registry.lists.services.departments import (
    UNIT_KINDS,
    DepartmentStillLeads,
    add_duty,
    create_department,
    create_unit,
    delete_duty,
    department_problems,
    duty_data,
    matters_cooperated_by,
    matters_led_by,
    resolve_department,
    retire_department,
    retire_unit,
    update_department,
    update_duty,
    update_unit,
)
from registry.lists.services.documents import cite, create_document, get_or_create_document, update_document
from registry.lists.services.matters import (
    assignment_problems,
    create_matter,
    delete_matter,
    detail_problems,
    matter_text_problems,
    update_matter,
    validate_assignments,
)

__all__ = [
    "BASIS_KINDS",
    "UNIT_KINDS",
    "DepartmentStillLeads",
    "StaleEdit",
    "add_duty",
    "check_lock",
    "cite",
    "create_department",
    "create_document",
    "create_matter",
    "create_unit",
    "decide_lead",
    "delegate_matter",
    "delete_duty",
    "delete_matter",
    "duty_data",
    "get_or_create_document",
    "matters_cooperated_by",
    "matters_led_by",
    "resolve_department",
    "retire_department",
    "retire_unit",
    "update_department",
    "update_document",
    "update_duty",
    "update_matter",
    "update_unit",
    "validate_assignments",
    "matter_text_problems",
    "department_problems",
    "assignment_problems",
    "detail_problems",
]
