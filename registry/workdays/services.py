"""Local working-day exceptions: an office's own 调休 or closure days, or installation-wide ones (e.g.
next year's holidays before the national schedule is packaged). Services flush, never commit, and
write the audit entry."""

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.core import audit
from registry.core.audit import Actor
from registry.core.errors import DomainError, DomainErrors
from registry.extensions import db
from registry.workdays import WorkCalendar
from registry.workdays.models import WorkdayException

NOTE_MAX = 200
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def _where(jurisdiction: Any) -> str:
    return jurisdiction.name if jurisdiction is not None else "全系统"


def add_exception(
    jurisdiction: Any, *, day: date | None, is_workday: bool, note: str, actor: Actor
) -> WorkdayException:
    """Make `day` a working day or a day off for `jurisdiction` and those below it (None: the whole
    installation), whatever the national schedule says. Every problem of the input is said at once."""
    note = (note or "").strip()
    errors: list[DomainError] = []
    if day is None:
        errors.append(DomainError(_l("请填写日期。"), "day"))
    elif not FIRST_DAY <= day <= LAST_DAY:
        errors.append(DomainError(_l("请填写 2000 年至 2100 年之间的日期。"), "day"))
    if not note:
        errors.append(DomainError(_l("请说明原因，例如：本地特殊放假、补班。"), "note"))
    elif len(note) > NOTE_MAX:
        errors.append(DomainError(_l("说明不能超过 %(n)s 个字。", n=NOTE_MAX), "note"))
    jurisdiction_id = getattr(jurisdiction, "id", None)
    if day is not None and FIRST_DAY <= day <= LAST_DAY:
        same = (
            WorkdayException.jurisdiction_id.is_(None)
            if jurisdiction_id is None
            else WorkdayException.jurisdiction_id == jurisdiction_id
        )
        if db.session.scalar(select(WorkdayException.id).where(WorkdayException.day == day, same)):
            errors.append(
                DomainError(_l("%(day)s 已设置例外；如需更改，请先删除原来的设置。", day=day.isoformat()), "day")
            )
        # What the day is without this exception: the national schedule and the levels above (for an
        # installation-wide one, the national schedule: none of its own exists for the day, checked above).
        elif WorkCalendar(
            jurisdiction.parent if jurisdiction is not None else None, since=day, until=day
        ).is_working_day(day) == bool(is_workday):
            errors.append(
                DomainError(
                    _l("%(day)s 本来就是工作日，无需设置。", day=day.isoformat())
                    if is_workday
                    else _l("%(day)s 本来就不上班，无需设置。", day=day.isoformat()),
                    "is_workday",
                )
            )
    if errors:
        raise DomainErrors(errors)
    exception = WorkdayException(
        jurisdiction_id=jurisdiction_id,
        day=day,
        is_workday=bool(is_workday),
        note=note,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(exception)
    db.session.flush()
    kind = "上班" if is_workday else "放假"
    audit.record(
        actor,
        "create",
        exception,
        jurisdiction_id=jurisdiction_id,
        after={"day": day.isoformat(), "is_workday": bool(is_workday), "note": note},
        summary=f"设置工作日例外：{_where(jurisdiction)} {day.isoformat()} {kind}（{note}）",
    )
    return exception


def remove_exception(exception: WorkdayException, *, actor: Actor) -> None:
    """Remove a local exception: the day follows the national schedule (or the level above) again."""
    from registry.jurisdictions.models import Jurisdiction

    jurisdiction = db.session.get(Jurisdiction, exception.jurisdiction_id) if exception.jurisdiction_id else None
    before = {"day": exception.day.isoformat(), "is_workday": exception.is_workday, "note": exception.note}
    audit.record(
        actor,
        "delete",
        exception,
        jurisdiction_id=exception.jurisdiction_id,
        before=before,
        summary=f"删除工作日例外：{_where(jurisdiction)} {exception.day.isoformat()}",
    )
    db.session.delete(exception)
    db.session.flush()
