"""Demo of public complaints (§4, issue #17): 27 complaints in 示例省 (and its 云岭市, about province
matters) and in 江川市, in every state: new (one in time, one overdue), accepted (in time, overdue, an
extension asked for, one granted), transferred (from the wrong department naming the matter; routed
by the 12369 desk), answered (on time, late, rated 满意, rated 不满意 and reopened, reopened and upheld),
refused naming who is responsible; with notes of cooperating departments, photos (one publishable),
repeat complaints about one field (重复举报), anonymous ones, and an old one whose contact details the
retention job erased. Five are from 2025, for that year's figures.

Each complaint is told step by step, each step setting what the services set (intake.submit / rate,
handling.accept / transfer / answer / reject / …) and going on the timeline through services.add_event;
then the event, its audit entry and the notices it caused are given the step's past time. Days count
back in working days from today (local_today), so what is overdue stays overdue whenever the demo is
loaded; the 2025 ones have fixed dates. Idempotent: a complaint whose 查询码 exists is not made again.
The stories are in jiangchuan.py and province.py, the photos drawn in photos.py.
"""

import hashlib
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update

from registry.auth.models import User
from registry.complaints import retention, rules
from registry.complaints.models import (
    Complaint,
    ComplaintContact,
    ComplaintFile,
    ComplaintState,
    EventKind,
    ExtensionState,
    Rating,
    RoutedBy,
)
from registry.complaints.services import add_event
from registry.core.audit import AuditEntry
from registry.core.timezone import display_timezone, local_today
from registry.demo.complaints.photos import photo
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import Department
from registry.notify.models import Notification
from registry.versions.models import VersionMatter
from registry.versions.queries import in_force
from registry.workdays import add_working_days

PROVINCE, JIANGCHUAN, YUNLING = "990000", "990100", "990200"
USERS = (
    "province_office",
    "jiangchuan_office",
    "sthj_editor",
    "sthj_head",
    "nync_head",
    "zjt_head",
    "slt_head",
    "jtt_head",
    "zrzyt_editor",
    "jcnyj_head",
    "jcsthjj_head",
    "jczjj_head",
)
READ_AFTER = timedelta(days=7)  # notices of older steps have been read by now


def _file(kind: str, filename: str, scene: str, when: datetime, *, event_id: int | None = None) -> ComplaintFile:
    data = photo(scene)
    return ComplaintFile(
        kind=kind,
        filename=filename,
        content_type="image/jpeg",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        event_id=event_id,
        created_at=when,
    )


def _utc(day: date, hhmm: str) -> datetime:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=display_timezone()).astimezone(UTC)


def _marks() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.max(AuditEntry.id))) or 0,
        db.session.scalar(select(func.max(Notification.id))) or 0,
    )


def _backdate(marks: tuple[int, int], when: datetime, now: datetime) -> list[int]:
    """The audit entries and notices made since `marks` belong to a step taken at `when`; notices of a
    week ago and more have been read. Returns the notices' ids."""
    db.session.flush()
    db.session.execute(update(AuditEntry).where(AuditEntry.id > marks[0]).values(at=when))
    notices = list(db.session.scalars(select(Notification.id).where(Notification.id > marks[1])))
    read = when + timedelta(hours=2) if now - when > READ_AFTER else None
    db.session.execute(
        update(Notification).where(Notification.id.in_(notices)).values(created_at=when, read_at=read),
        execution_options={"synchronize_session": False},
    )
    return notices


class _Story:
    """One complaint, from its submission on, each step on a working day `d` after the day it came in."""

    def __init__(self, demo: "_Demo", code: str, where: str, matter: str | None, *, start: date, **fields):
        self.demo, self.start = demo, start
        self.place = demo.places[where]
        version_matter = demo.matter(self.place, matter, start) if matter else None
        department = (
            db.session.get(Department, version_matter.lead_department_id)
            if version_matter
            else rules.desk_department(self.place)
        )
        contact, photos = fields.pop("contact", None), fields.pop("photos", ())
        at = fields.pop("at", "10:00")
        when = _utc(start, at)
        happened = fields.pop("happened", 0)  # days before it came in; None: no date (常年, 今年以来)
        self.notices: dict[str, list[int]] = {}
        self.c = Complaint(
            code=code,
            jurisdiction=self.place,
            jurisdiction_id=self.place.id,
            version_matter_id=version_matter.id if version_matter else None,
            matter_id=version_matter.matter_id if version_matter else None,
            matter_title=version_matter.title if version_matter else "",
            routed_by=RoutedBy.MATTER if version_matter else RoutedBy.DESK,
            department=department,
            department_id=department.id,
            state=ComplaintState.NEW,
            received_at=when,
            happened_on=None if happened is None else start - timedelta(days=happened),
            accept_due=rules.accept_due(start, department.jurisdiction),
            **fields,
        )
        db.session.add(self.c)
        if contact:
            self.c.contact = ComplaintContact(**contact)
        for n, scene in enumerate(photos, start=1):
            self.c.files.append(_file("photo", f"现场照片{n}.jpg", scene, when))
        db.session.flush()
        self._step(when, EventKind.SUBMITTED, None, before=None, public_actor=True, department_id=department.id)

    # -- time ------------------------------------------------------------------------------------------

    def day(self, d: int) -> date:
        day = add_working_days(self.start, d, self.place) if d else self.start
        if day >= self.demo.today:  # a story must stay in the past, whichever day the demo is loaded
            raise ValueError(f"demo complaint {self.c.code}: step on {day} is not in the past")
        return day

    def _step(self, when: datetime, kind: str, actor, **kwargs):
        marks = _marks()
        event = add_event(self.c, kind, actor, **kwargs)
        db.session.flush()
        event.at = when
        self.notices[kind] = _backdate(marks, when, self.demo.now)
        return event

    def settle(self) -> None:
        """The notice asking for the step still awaited stays unread, however old (the recipients have
        not acted on it): the new complaint's, the extension request's, the reopened one's."""
        if self.c.state == ComplaintState.NEW:
            waiting = self.notices.get(EventKind.TRANSFERRED) or self.notices.get(EventKind.SUBMITTED)
        elif self.c.state == ComplaintState.REOPENED:
            waiting = self.notices.get(EventKind.REOPENED)
        elif self.c.extension_state == ExtensionState.REQUESTED:
            waiting = self.notices.get(EventKind.EXTENSION_REQUESTED)
        else:
            waiting = None
        if waiting:
            db.session.execute(
                update(Notification).where(Notification.id.in_(waiting)).values(read_at=None),
                execution_options={"synchronize_session": False},
            )

    def _user(self, username: str) -> User:
        return self.demo.users[username]

    # -- the steps, as registry/complaints/handling.py and intake.py take them --------------------------

    def accept(self, d: int, username: str, at: str = "09:20") -> "_Story":
        before, day = self.c.audit_data(), self.day(d)
        self.c.state = ComplaintState.ACCEPTED
        self.c.accepted_at = _utc(day, at)
        self.c.reply_due = rules.reply_due(day, self.c.department.jurisdiction)
        self._step(
            _utc(day, at), EventKind.ACCEPTED, self._user(username), before=before, department_id=self.c.department_id
        )
        return self

    def transfer(self, d: int, username: str, to: str, matter: str, reason: str, at: str = "10:40") -> "_Story":
        before, day = self.c.audit_data(), self.day(d)
        target = self.demo.departments[to]
        version_matter = self.demo.matter(target.jurisdiction, matter, day)
        from_department_id = self.c.department_id
        self.c.department, self.c.department_id = target, target.id
        self.c.version_matter_id = version_matter.id
        self.c.matter_id, self.c.matter_title = version_matter.matter_id, version_matter.title
        self.c.state = ComplaintState.NEW
        self.c.accept_due = rules.accept_due(day, target.jurisdiction)
        self.c.accepted_at = self.c.reply_due = None
        self.c.extension_state, self.c.extension_reason = ExtensionState.NONE, ""
        self._step(
            _utc(day, at),
            EventKind.TRANSFERRED,
            self._user(username),
            before=before,
            department_id=from_department_id,
            to_department_id=target.id,
            matter_title=version_matter.title,
            text=reason,
        )
        return self

    def note(self, d: int, username: str, text: str, at: str = "15:10") -> "_Story":
        user = self._user(username)
        self._step(_utc(self.day(d), at), EventKind.NOTE, user, department_id=user.department_id, text=text)
        return self

    def publish_photo(self, d: int, username: str, n: int = 1, at: str = "16:30") -> "_Story":
        photo = [f for f in self.c.files if f.kind == "photo"][n - 1]
        photo.publishable = True
        self._step(
            _utc(self.day(d), at),
            EventKind.PHOTO_PUBLISHED,
            self._user(username),
            department_id=self.c.department_id,
            text=photo.filename,
        )
        return self

    def ask_extension(self, d: int, username: str, reason: str, at: str = "16:00") -> "_Story":
        before = self.c.audit_data()
        self.c.extension_state, self.c.extension_reason = ExtensionState.REQUESTED, reason
        self._step(
            _utc(self.day(d), at),
            EventKind.EXTENSION_REQUESTED,
            self._user(username),
            before=before,
            department_id=self.c.department_id,
            text=reason,
        )
        return self

    def grant_extension(self, d: int, username: str, text: str = "", at: str = "11:00") -> "_Story":
        before = self.c.audit_data()
        self.c.extension_state = ExtensionState.GRANTED
        self.c.reply_due = rules.extended_due(self.c.reply_due, self.c.department.jurisdiction)
        self._step(_utc(self.day(d), at), EventKind.EXTENSION_GRANTED, self._user(username), before=before, text=text)
        return self

    def answer(self, d: int, username: str, reply: str, attachment: str = "", at: str = "17:00") -> "_Story":
        before, day = self.c.audit_data(), self.day(d)
        when = _utc(day, at)
        self.c.state, self.c.reply, self.c.answered_at = ComplaintState.ANSWERED, reply, when
        self.c.contact_erase_after = rules.contact_erase_after(day)
        event = self._step(
            when,
            EventKind.ANSWERED,
            self._user(username),
            before=before,
            department_id=self.c.department_id,
            text=reply,
        )
        if attachment:
            self.c.files.append(_file("attachment", attachment, "clean", when, event_id=event.id))
            db.session.flush()
        return self

    def reject(self, d: int, username: str, reason: str, responsible: str, at: str = "10:10") -> "_Story":
        before, day = self.c.audit_data(), self.day(d)
        department = self.demo.departments[responsible]
        self.c.state, self.c.reject_reason = ComplaintState.REJECTED, reason
        self.c.responsible_department, self.c.responsible_department_id = department, department.id
        self.c.answered_at = _utc(day, at)
        self.c.contact_erase_after = rules.contact_erase_after(day)
        self._step(
            _utc(day, at),
            EventKind.REJECTED,
            self._user(username),
            before=before,
            department_id=self.c.department_id,
            to_department_id=department.id,
            text=reason,
        )
        return self

    def rate(self, d: int, rating: str, comment: str = "", at: str = "20:30") -> "_Story":
        before, when = self.c.audit_data(), _utc(self.day(d), at)
        self.c.rating, self.c.rating_comment, self.c.rated_at = rating, comment, when
        public = {"public_actor": True, "department_id": self.c.department_id, "text": comment}
        self._step(when, EventKind.RATED, None, before=before, **public)
        if rating == Rating.UNSATISFIED and self.c.reopened_count == 0:
            before = self.c.audit_data()
            self.c.state, self.c.reopened_count, self.c.contact_erase_after = ComplaintState.REOPENED, 1, None
            self._step(when, EventKind.REOPENED, None, before=before, **public)
        return self

    def uphold(self, d: int, username: str, comment: str, at: str = "14:30") -> "_Story":
        before, day = self.c.audit_data(), self.day(d)
        self.c.state = ComplaintState.ANSWERED
        self.c.contact_erase_after = rules.contact_erase_after(day)
        self._step(_utc(day, at), EventKind.UPHELD, self._user(username), before=before, text=comment)
        return self

    def erase_contact(self) -> "_Story":
        """As the retention job (registry/complaints/retention.py) does, in the night after contact_erase_after."""
        when = _utc(self.c.contact_erase_after + timedelta(days=1), "02:00")
        if when >= self.demo.now:
            raise ValueError(f"demo complaint {self.c.code}: its contact details are not due for erasure yet")
        self.c.contact.name = self.c.contact.phone = self.c.contact.email = ""
        self.c.contact.erased_at = when
        self._step(
            when,
            EventKind.CONTACT_ERASED,
            retention.ACTOR,
            before=self.c.audit_data(),
            summary=f"举报人联系方式保留期满（{self.c.contact_erase_after.isoformat()}），已删除",
        )
        return self


class _Demo:
    def __init__(self, users: dict[str, User]):
        self.users = users
        self.told: list[_Story] = []
        self.today = local_today()
        self.now = datetime.now(UTC)
        self.places = {
            j.code: j
            for j in db.session.scalars(
                select(Jurisdiction).where(Jurisdiction.code.in_([PROVINCE, JIANGCHUAN, YUNLING]))
            )
        }
        self.departments = {
            d.name: d
            for d in db.session.scalars(
                select(Department).where(Department.jurisdiction_id.in_([j.id for j in self.places.values()]))
            )
        }

    def back(self, n: int, place: str = JIANGCHUAN) -> date:
        """n working days before today."""
        return add_working_days(self.today, -n, self.places[place])

    def working_day(self, day: date, place: str) -> date:
        """The day itself if it is a working day, else the next one."""
        return add_working_days(day, 0, self.places[place])

    def matter(self, place: Jurisdiction, title: str, on: date) -> VersionMatter:
        """The matter of that title in the list in force on `on` in the place, else in the places above."""
        where: Jurisdiction | None = place
        while where is not None:
            version_id = in_force(where.id, on)
            found = version_id and db.session.scalar(
                select(VersionMatter).where(VersionMatter.version_id == version_id, VersionMatter.title == title)
            )
            if found:
                return found
            where = where.parent
        raise LookupError(title)

    def story(self, code: str, where: str, matter: str | None, **fields) -> _Story | None:
        """A complaint in the jurisdiction coded `where`, about the matter titled `matter` (None: 不确定,
        to the 12369 desk); None if it exists already."""
        if db.session.scalar(select(Complaint.id).where(Complaint.code == code)):
            return None
        story = _Story(self, code, where, matter, **fields)
        self.told.append(story)
        return story


def load_complaints_demo() -> None:
    """The demo's complaints (those not there yet)."""
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(USERS)))}
    if len(users) < len(USERS):
        return
    demo = _Demo(users)
    if len(demo.places) < 3:
        return
    from registry.demo.complaints import jiangchuan, province

    jiangchuan.tell(demo)
    province.tell(demo)
    for story in demo.told:
        story.settle()
    db.session.flush()
