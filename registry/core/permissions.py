"""Roles, permissions and the one check every non-public route goes through.

A permission is granted by the user's role; the scope rule then decides whether it reaches the
object at hand (a jurisdiction, a department, or anything that names one of them).
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from flask import abort, g, request
from flask_login import current_user


class Role(StrEnum):
    SYSADMIN = "sysadmin"
    OFFICE_ADMIN = "office_admin"
    DEPT_HEAD = "dept_head"
    DEPT_EDITOR = "dept_editor"


ROLE_LABELS = {
    "sysadmin": "系统管理员",
    "office_admin": "办公室管理员",
    "dept_head": "部门负责人",
    "dept_editor": "部门填报人",
}
DEPARTMENT_ROLES = (Role.DEPT_HEAD, Role.DEPT_EDITOR)


class Permission(StrEnum):
    ADMIN_USERS = "admin:users"
    ADMIN_JURISDICTIONS = "admin:jurisdictions"
    LIST_READ = "list:read"
    LIST_EDIT = "list:edit"
    LIST_PUBLISH = "list:publish"
    AUDIT_READ = "audit:read"
    DEPARTMENT_READ = "department:read"
    CYCLE_MANAGE = "cycle:manage"
    REPORT_READ = "report:read"
    REPORT_EDIT = "report:edit"
    REPORT_SUBMIT = "report:submit"
    REPORT_REVIEW = "report:review"
    REPORT_PUBLISH = "report:publish"
    ACCOUNT = "account:self"
    WORKDAYS_MANAGE = "workdays:manage"  # local working-day exceptions (registry/workdays)
    COMPLAINT_READ = "complaint:read"  # public complaints (registry/complaints; scope rules there)
    COMPLAINT_HANDLE = "complaint:handle"  # accept, transfer, answer, refuse (the handling department)
    COMPLAINT_OVERSEE = "complaint:oversee"  # extensions, reopened complaints, deadlines (the office)
    TARGET_READ = "target:read"  # indicators and their values behind the scenes (registry/targets)
    TARGET_MANAGE = "target:manage"  # define indicators, lock a year, the government's yearly report (the office)
    TARGET_RECORD = "target:record"  # record the values of the indicators it leads (the lead department)
    TASK_READ = "task:read"  # ledgers and tasks (registry/supervision; cooperating and certifying departments read too)
    TASK_MANAGE = "task:manage"  # ledgers, 督办, 销号 notice and decision, bulletins (the office)
    TASK_REPORT = "task:report"  # progress, decomposition to units, answering 督办, applying for 销号 (departments)


P = Permission
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.SYSADMIN: frozenset(
        {
            P.ADMIN_USERS,
            P.ADMIN_JURISDICTIONS,
            P.LIST_READ,
            P.AUDIT_READ,
            P.DEPARTMENT_READ,
            P.ACCOUNT,
            P.WORKDAYS_MANAGE,
        }
    ),
    Role.OFFICE_ADMIN: frozenset(
        {
            P.LIST_READ,
            P.LIST_EDIT,
            P.LIST_PUBLISH,
            P.AUDIT_READ,
            P.DEPARTMENT_READ,
            P.CYCLE_MANAGE,
            P.REPORT_READ,
            P.REPORT_REVIEW,
            P.ACCOUNT,
            P.WORKDAYS_MANAGE,
            P.COMPLAINT_READ,
            P.COMPLAINT_OVERSEE,
            P.TARGET_READ,
            P.TARGET_MANAGE,
            P.TASK_READ,
            P.TASK_MANAGE,
        }
    ),
    Role.DEPT_HEAD: frozenset(
        {
            P.DEPARTMENT_READ,
            P.REPORT_READ,
            P.REPORT_EDIT,
            P.REPORT_SUBMIT,
            P.REPORT_PUBLISH,
            P.ACCOUNT,
            P.COMPLAINT_READ,
            P.COMPLAINT_HANDLE,
            P.TARGET_READ,
            P.TARGET_RECORD,
            P.TASK_READ,
            P.TASK_REPORT,
        }
    ),
    Role.DEPT_EDITOR: frozenset(
        {
            P.DEPARTMENT_READ,
            P.REPORT_READ,
            P.REPORT_EDIT,
            P.ACCOUNT,
            P.COMPLAINT_READ,
            P.COMPLAINT_HANDLE,
            P.TARGET_READ,
            P.TARGET_RECORD,
            P.TASK_READ,
            P.TASK_REPORT,
        }
    ),
}

# Permissions an office holds over the jurisdictions below its own, too (§5: read, never edit).
READ_DOWNWARD = frozenset(
    {P.LIST_READ, P.AUDIT_READ, P.DEPARTMENT_READ, P.REPORT_READ, P.COMPLAINT_READ, P.TARGET_READ, P.TASK_READ}
)


def can(user: Any, permission: Permission, target: Any = None) -> bool:
    """Whether user holds permission over target (None: the permission itself suffices).

    target is anything with a `scope_jurisdiction` and optionally a `scope_department` attribute
    (jurisdictions, departments, matters, versions, reports …); a report's `recipients_scope` widens
    who may read it (§11: the office it is sent to, the departments it is copied to).
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if permission not in ROLE_PERMISSIONS.get(user.role, ()):
        return False
    if target is None:
        return True
    if permission in (Permission.REPORT_READ, Permission.COMPLAINT_READ, Permission.TASK_READ) and _is_recipient(
        user, target
    ):
        return True
    jurisdiction = getattr(target, "scope_jurisdiction", None)
    department = getattr(target, "scope_department", None)
    if user.role == Role.SYSADMIN:
        return True
    if user.role in DEPARTMENT_ROLES:
        return department is not None and department.id == user.department_id
    # office_admin: its own jurisdiction fully, those below for reading only.
    if jurisdiction is None:
        return False
    if jurisdiction.id == user.jurisdiction_id:
        return True
    return permission in READ_DOWNWARD and jurisdiction.is_within(user.jurisdiction)


def _is_recipient(user: Any, target: Any) -> bool:
    scope = getattr(target, "recipients_scope", None)
    if scope is None:
        return False
    department_ids, jurisdiction_ids = scope
    return user.department_id in department_ids or (
        user.role == Role.OFFICE_ADMIN and user.jurisdiction_id in jurisdiction_ids
    )


def requires(permission: Permission, load: Callable[..., Any] | None = None):
    """Declare the permission a view needs; `load(**view_args)` returns the object it acts on
    (404 when missing). Anonymous users are sent to the login page, others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from registry.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            target = load(**kwargs) if load else None
            if load and target is None:
                abort(404)
            if not can(current_user, permission, target):
                abort(403)
            g.target = target
            return view(*args, **kwargs)

        wrapped.permission = permission
        return wrapped

    return decorator


def is_public(view) -> bool:
    return getattr(view, "public", False)


def public(view):
    """Mark a view as open to everybody; every other view must declare a permission."""
    view.public = True
    return view


def wants_json() -> bool:
    return request.path.startswith("/api/")
