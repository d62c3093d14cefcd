"""What every list service shares: the stale-edit refusal and optimistic locking."""

from typing import Any

from sqlalchemy.orm.attributes import flag_modified

from registry.core.db import lock_row
from registry.core.errors import CONFLICT_MESSAGE, DomainError
from registry.extensions import db
from registry.lists.models import Department, Duty, Matter, PolicyDocument


class StaleEdit(DomainError):
    """Someone else saved the record since this edit began."""


def check_lock(obj: Any, expected_version: int | None) -> None:
    """Refuse a save based on an out-of-date copy (optimistic locking), judged on the row as committed:
    the row is locked first, so that of two simultaneous saves of one version only the first passes."""
    lock_row(db.session, obj)
    if expected_version is not None and obj.lock_version != expected_version:
        raise StaleEdit(CONFLICT_MESSAGE)


def _touch(obj: Any) -> None:
    # Changes to child rows (assignments, citations) must still bump the owner's lock_version, so
    # that a concurrent edit of the same record is refused.
    flag_modified(obj, _FIRST_COLUMN[type(obj)])


_FIRST_COLUMN: dict[type, str] = {Matter: "title", Duty: "text", Department: "name", PolicyDocument: "title"}
