"""Demo of public complaints (§4, issue #17): 27 complaints in 示例省 (and its 云岭市, about province
matters) and in 江川市, in every state: new (one in time, one overdue), accepted (in time, overdue, an
extension asked for, one granted), transferred (from the wrong department naming the matter; routed
by the 12369 desk), answered (on time, late, rated 满意, rated 不满意 and reopened, reopened and upheld),
refused naming who is responsible; with notes of cooperating departments, photos (one publishable),
repeat complaints about one field (重复举报), anonymous ones, and an old one whose contact details the
retention job erased. Five are from 2025, for that year's figures.

Each complaint is told step by step through the real services, by the demo's users: intake.submit and
rate, handling.accept / transfer / answer / reject / request_extension / decide_extension / add_note /
review / publish_photo, retention.erase_expired_contacts. Each service is given the step's own day as
`today` where it takes one, so the deadlines come out of rules.py as they would have on that day; then
what it stamped with the time of loading is given the step's past time: the complaint's received_at /
accepted_at / answered_at / rated_at, the contact's erased_at, the step's timeline events and files,
their audit entries and the notices they caused (those of a week ago and more read). Days count back in
working days from today (local_today), so what is overdue stays overdue whenever the demo is loaded;
the 2025 ones have fixed dates. Idempotent: a complaint whose 查询码 exists is not made again (submit
draws a code; the story's fixed one replaces it at once). The stories are in jiangchuan.py and
province.py, the photos drawn in photos.py.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update

from registry.auth.models import User
from registry.complaints import handling, intake, retention
from registry.complaints import photos as complaint_photos
from registry.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintFile,
    ComplaintState,
    EventKind,
    ExtensionState,
    Rating,
)
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
STAMPED = (  # what a step makes, and its column of the time it was made
    (AuditEntry, "at"),
    (ComplaintEvent, "at"),
    (ComplaintFile, "created_at"),
    (Notification, "created_at"),
)


def _utc(day: date, hhmm: str) -> datetime:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=display_timezone()).astimezone(UTC)


def _marks() -> list[int]:
    return [db.session.scalar(select(func.max(model.id))) or 0 for model, _column in STAMPED]


def _backdate(marks: list[int], when: datetime, now: datetime) -> list[int]:
    """The audit entries, timeline events, files and notices made since `marks` belong to a step taken
    at `when`; notices of a week ago and more have been read. Returns the notices' ids."""
    db.session.flush()
    for (model, column), mark in zip(STAMPED, marks, strict=True):
        db.session.execute(
            update(model).where(model.id > mark).values({column: when}),
            execution_options={"synchronize_session": "fetch"},
        )
    notices = list(db.session.scalars(select(Notification.id).where(Notification.id > marks[-1])))
    if now - when > READ_AFTER:
        db.session.execute(
            update(Notification).where(Notification.id.in_(notices)).values(read_at=when + timedelta(hours=2)),
            execution_options={"synchronize_session": "fetch"},
        )
    return notices


class _Story:
    """One complaint, from its submission on, each step on a working day `d` after the day it came in."""

    def __init__(self, demo: "_Demo", code: str, where: str, matter: str | None, *, start: date, **fields):
        self.demo, self.start = demo, start
        self.place = demo.places[where]
        self.notices: dict[str, list[int]] = {}
        when = _utc(start, fields.pop("at", "10:00"))
        happened = fields.pop("happened", 0)  # days before it came in; None: no date (常年, 今年以来)
        contact = fields.pop("contact", None) or {}
        scenes = fields.pop("photos", ())
        repeat_of: Complaint | None = fields.pop("repeat_of", None)
        # The person picks the matter in the list in force (submit checks it is in force today); a story
        # older than today's list is then given the version that was in force on its own day.
        version_now = demo.matter(self.place, matter, demo.today) if matter else None
        version_then = demo.matter(self.place, matter, start) if matter else None
        report = intake.Report(
            jurisdiction=self.place,
            happened_on=None if happened is None else start - timedelta(days=happened),
            version_matter_id=version_now.id if version_now else None,
            **fields,
            **contact,
        )
        photos = complaint_photos.clean([(f"现场照片{n}.jpg", photo(scene)) for n, scene in enumerate(scenes, 1)])
        marks = _marks()
        self.c = intake.submit(report, photos, today=start)
        self.c.code, self.c.received_at = code, when
        if version_then is not None and version_then.id != version_now.id:
            self.c.version_matter_id = version_then.id
        if self.c.repeat_of_id != (repeat_of.id if repeat_of else None):
            raise ValueError(f"demo complaint {code}: submit found it a repeat of {self.c.repeat_of_id}")
        self.notices[EventKind.SUBMITTED] = _backdate(marks, when, demo.now)

    # -- time ------------------------------------------------------------------------------------------

    def day(self, d: int) -> date:
        day = add_working_days(self.start, d, self.place) if d else self.start
        if day >= self.demo.today:  # a story must stay in the past, whichever day the demo is loaded
            raise ValueError(f"demo complaint {self.c.code}: step on {day} is not in the past")
        return day

    def _step(self, kind: str, when: datetime, service: Callable[[], object], *stamped: str) -> None:
        """Take the step through its service, then give it its past time: the complaint's `stamped`
        columns, and what the step made (events, files, audit entries, notices)."""
        marks = _marks()
        service()
        for column in stamped:
            setattr(self.c, column, when)
        self.notices[kind] = _backdate(marks, when, self.demo.now)

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
                execution_options={"synchronize_session": "fetch"},
            )

    def _user(self, username: str) -> User:
        return self.demo.users[username]

    # -- the steps, each through its service --------------------------------------------------------------

    def accept(self, d: int, username: str, at: str = "09:20") -> "_Story":
        day = self.day(d)
        self._step(
            EventKind.ACCEPTED,
            _utc(day, at),
            lambda: handling.accept(self.c, self._user(username), expected_version=self.c.lock_version, today=day),
            "accepted_at",
        )
        return self

    def transfer(self, d: int, username: str, to: str, matter: str, reason: str, at: str = "10:40") -> "_Story":
        day = self.day(d)
        target = self.demo.departments[to]
        self._step(
            EventKind.TRANSFERRED,
            _utc(day, at),
            lambda: handling.transfer(
                self.c,
                self._user(username),
                to_department_id=target.id,
                version_matter_id=self.demo.matter(target.jurisdiction, matter, day).id,
                reason=reason,
                expected_version=self.c.lock_version,
                today=day,
            ),
        )
        return self

    def note(self, d: int, username: str, text: str, at: str = "15:10") -> "_Story":
        user = self._user(username)
        self._step(EventKind.NOTE, _utc(self.day(d), at), lambda: handling.add_note(self.c, user, text=text))
        return self

    def publish_photo(self, d: int, username: str, n: int = 1, at: str = "16:30") -> "_Story":
        chosen = [f for f in self.c.files if f.kind == "photo"][n - 1]
        user = self._user(username)
        self._step(
            EventKind.PHOTO_PUBLISHED, _utc(self.day(d), at), lambda: handling.publish_photo(self.c, user, chosen)
        )
        return self

    def ask_extension(self, d: int, username: str, reason: str, at: str = "16:00") -> "_Story":
        user = self._user(username)
        self._step(
            EventKind.EXTENSION_REQUESTED,
            _utc(self.day(d), at),
            lambda: handling.request_extension(self.c, user, reason=reason, expected_version=self.c.lock_version),
        )
        return self

    def grant_extension(self, d: int, username: str, text: str = "", at: str = "11:00") -> "_Story":
        user = self._user(username)
        self._step(
            EventKind.EXTENSION_GRANTED,
            _utc(self.day(d), at),
            lambda: handling.decide_extension(
                self.c, user, grant=True, reason=text, expected_version=self.c.lock_version
            ),
        )
        return self

    def answer(self, d: int, username: str, reply: str, attachment: str = "", at: str = "17:00") -> "_Story":
        day = self.day(d)
        attachments = [handling.Upload(attachment, photo("clean"))] if attachment else []
        self._step(
            EventKind.ANSWERED,
            _utc(day, at),
            lambda: handling.answer(
                self.c,
                self._user(username),
                reply=reply,
                attachments=attachments,
                expected_version=self.c.lock_version,
                today=day,
            ),
            "answered_at",
        )
        return self

    def reject(self, d: int, username: str, reason: str, responsible: str, at: str = "10:10") -> "_Story":
        day = self.day(d)
        self._step(
            EventKind.REJECTED,
            _utc(day, at),
            lambda: handling.reject(
                self.c,
                self._user(username),
                reason=reason,
                responsible=str(self.demo.departments[responsible].id),
                expected_version=self.c.lock_version,
                today=day,
            ),
            "answered_at",
        )
        return self

    def rate(self, d: int, rating: str, comment: str = "", at: str = "20:30") -> "_Story":
        self._step(EventKind.RATED, _utc(self.day(d), at), lambda: intake.rate(self.c, rating, comment), "rated_at")
        if self.c.state == ComplaintState.REOPENED and rating == Rating.UNSATISFIED:
            # The same step reopened it: its notices are those asking the office to review it.
            self.notices[EventKind.REOPENED] = list(
                db.session.scalars(
                    select(Notification.id).where(
                        Notification.id.in_(self.notices[EventKind.RATED]), Notification.kind == "complaint_reopened"
                    )
                )
            )
        return self

    def uphold(self, d: int, username: str, comment: str, at: str = "14:30") -> "_Story":
        day = self.day(d)
        self._step(
            EventKind.UPHELD,
            _utc(day, at),
            lambda: handling.review(
                self.c,
                self._user(username),
                redo=False,
                comment=comment,
                expected_version=self.c.lock_version,
                today=day,
            ),
        )
        return self

    def erase_contact(self) -> "_Story":
        """The retention job's run in the night after contact_erase_after (given that day as `today`)."""
        day = self.c.contact_erase_after + timedelta(days=1)
        when = _utc(day, "02:00")
        if when >= self.demo.now:
            raise ValueError(f"demo complaint {self.c.code}: its contact details are not due for erasure yet")
        self._step(EventKind.CONTACT_ERASED, when, lambda: retention.erase_expired_contacts(today=day))
        if self.c.contact.erased_at is None:
            raise ValueError(f"demo complaint {self.c.code}: the retention job left its contact details")
        self.c.contact.erased_at = when
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
