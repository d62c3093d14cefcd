"""How a department is named wherever a person reads it: one rule for every table, export and PDF."""

from collections.abc import Mapping
from typing import Any


def department_name(department: Any) -> str:
    """The department's full name (Department.name, or the name a published version froze), for the
    lead and the cooperating departments alike: a row never mixes full and short names (issue #12)."""
    if department is None:
        return ""
    if isinstance(department, str):
        return department
    if isinstance(department, Mapping):
        return department.get("name") or department.get("department_name") or ""
    name = getattr(department, "department_name", None) or getattr(department, "name", None)
    return name or ""
