"""The demo holds complaints in every state, in the province and in 江川市, told as the services would
have left them, and loading it again adds nothing."""

from datetime import UTC, datetime
from io import BytesIO

from PIL import Image
from sqlalchemy import func, select

from registry.auth.models import User
from registry.complaints import rules
from registry.complaints.models import (
    CLOSED_STATES,
    Complaint,
    ComplaintEvent,
    ComplaintFile,
    ComplaintState,
    EventKind,
    ExtensionState,
    Rating,
    RoutedBy,
)
from registry.core.audit import AuditEntry
from registry.core.timezone import local_date, local_today
from registry.extensions import db
from registry.notify.models import Notification

PROVINCE, JIANGCHUAN = "990000", "990100"


def _complaints() -> list[Complaint]:
    return list(db.session.scalars(select(Complaint).order_by(Complaint.id)))


def _kinds(complaint: Complaint) -> list[str]:
    return [e.kind for e in complaint.events]


def test_the_demo_holds_complaints_in_every_state_in_the_province_and_the_city(demo):
    complaints = _complaints()
    assert 20 <= len(complaints) <= 30
    for where in (PROVINCE, JIANGCHUAN):
        here = [c for c in complaints if c.department.jurisdiction.code == where]
        assert {c.state for c in here} == set(ComplaintState), where
        assert any(rules.is_overdue(c) for c in here), where
        assert any(c.contact is None or c.contact.is_empty for c in here), f"an anonymous one in {where}"
    states = {c.state for c in complaints}
    assert states == set(ComplaintState)
    overdue = [c for c in complaints if rules.is_overdue(c)]
    # Overdue: new ones and accepted ones (and a reopened one awaiting the office's review); never a closed one.
    assert {ComplaintState.NEW, ComplaintState.ACCEPTED} <= {c.state for c in overdue}
    assert not {c.state for c in overdue} & CLOSED_STATES
    assert any(c.state == ComplaintState.NEW and not rules.is_overdue(c) for c in complaints)
    accepted = [c for c in complaints if c.state == ComplaintState.ACCEPTED]
    assert {c.extension_state for c in accepted} >= {ExtensionState.REQUESTED, ExtensionState.GRANTED}
    # Closed on time and late, rated both ways, one reopened and upheld by the office.
    answered = [c for c in complaints if c.state == ComplaintState.ANSWERED]
    assert {rules.answered_on_time(c) for c in answered} == {True, False}
    assert {c.rating for c in complaints} >= {Rating.SATISFIED, Rating.UNSATISFIED}
    assert any(c.state == ComplaintState.REOPENED and c.rating == Rating.UNSATISFIED for c in complaints)
    assert any(EventKind.UPHELD in _kinds(c) and c.state == ComplaintState.ANSWERED for c in answered)
    # Some in 2025, for that year's figures; most in the last three months.
    years = {local_date(c.received_at).year for c in complaints}
    assert {2025, local_today().year} <= years


def test_demo_transfers_name_the_department_and_the_matter(demo):
    complaints = _complaints()
    transferred = [c for c in complaints if EventKind.TRANSFERRED in _kinds(c)]
    assert len(transferred) >= 3
    for complaint in transferred:
        event = next(e for e in complaint.events if e.kind == EventKind.TRANSFERRED)
        assert event.to_department_id == complaint.department_id != event.department_id
        assert event.matter_title == complaint.matter_title and event.text
    desk = [c for c in transferred if c.routed_by == RoutedBy.DESK]
    assert desk, "one routed by the 12369 desk, then transferred"
    first = next(e for e in desk[0].events if e.kind == EventKind.SUBMITTED)
    assert first.department.sector == rules.ECOLOGY_SECTOR
    assert any(c.routed_by == RoutedBy.MATTER and c.state == ComplaintState.NEW for c in transferred)
    rejected = [c for c in complaints if c.state == ComplaintState.REJECTED]
    assert rejected and all(c.responsible_department_id and c.reject_reason for c in rejected)


def test_demo_complaints_carry_notes_photos_repeats_and_one_erased_contact(demo):
    complaints = _complaints()
    notes = [e for c in complaints for e in c.events if e.kind == EventKind.NOTE]
    assert any(e.department_id in rules.cooperating_department_ids(e.complaint) for e in notes)
    for event in notes:  # each note's author may add it (handling or cooperating department, office)
        assert rules.can_add_note(db.session.get(User, event.actor_id), event.complaint)
    repeats = [c for c in complaints if c.repeat_of_id]
    assert len(repeats) >= 2
    for complaint in repeats:
        assert complaint.repeat_of.matter_id == complaint.matter_id
        assert complaint.repeat_of.received_at < complaint.received_at
    photos = list(db.session.scalars(select(ComplaintFile).where(ComplaintFile.kind == "photo")))
    assert photos and sum(p.publishable for p in photos) == 1
    for photo in photos:
        image = Image.open(BytesIO(photo.data))
        assert image.format == "JPEG" and not image.getexif()
    erased = [c for c in complaints if EventKind.CONTACT_ERASED in _kinds(c)]
    assert len(erased) == 1
    (old,) = erased
    assert old.contact.is_empty and old.contact.erased_at is not None
    assert old.state in CLOSED_STATES and old.contact_erase_after < local_today()
    with_contact = [c for c in complaints if c.contact is not None and not c.contact.is_empty]
    assert len(with_contact) > len(complaints) // 2


def test_demo_complaints_hold_what_each_step_sets(demo):
    now = datetime.now(UTC)
    for complaint in _complaints():
        events = complaint.events
        assert events[0].kind == EventKind.SUBMITTED and events[0].actor_id is None
        times = [e.at.replace(tzinfo=UTC) if e.at.tzinfo is None else e.at for e in events]
        assert times == sorted(times) and times[-1] < now, complaint.code
        received = local_date(complaint.received_at)
        if EventKind.TRANSFERRED not in _kinds(complaint):
            assert complaint.accept_due == rules.accept_due(received, complaint.department.jurisdiction)
        if complaint.accepted_at is not None:
            reply_due = rules.reply_due(local_date(complaint.accepted_at), complaint.department.jurisdiction)
            if complaint.extension_state == ExtensionState.GRANTED:
                reply_due = rules.extended_due(reply_due, complaint.department.jurisdiction)
            assert complaint.reply_due == reply_due, complaint.code
        closing = [e for e in events if e.kind in (EventKind.ANSWERED, EventKind.REJECTED, EventKind.UPHELD)]
        if complaint.state in CLOSED_STATES:
            assert complaint.answered_at is not None
            assert complaint.contact_erase_after == rules.contact_erase_after(local_date(closing[-1].at))
        else:
            assert complaint.contact_erase_after is None
        if complaint.rating is not None:
            assert complaint.rated_at is not None and EventKind.RATED in _kinds(complaint)
        assert complaint.reopened_count == _kinds(complaint).count(EventKind.REOPENED)
    # The steps' audit entries carry the steps' times, never the time the demo was loaded.
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "complaints")).all()
    assert entries and all((e.at.replace(tzinfo=UTC) if e.at.tzinfo is None else e.at) < now for e in entries)


def test_the_city_department_heads_handle_their_complaints(demo, client, auth):
    heads = {u.username: u for u in db.session.scalars(select(User).where(User.username.like("jc%_head")))}
    assert set(heads) == {"jcnyj_head", "jcsthjj_head", "jczjj_head"}
    straw = next(c for c in _complaints() if c.state == ComplaintState.NEW and "柳湾村" in c.place)
    assert rules.can_handle(heads["jcnyj_head"], straw)
    assert not rules.can_handle(heads["jcsthjj_head"], straw) and rules.can_read(heads["jcsthjj_head"], straw)
    auth.login("jcnyj_head")
    page = client.get("/manage/complaints")
    assert page.status_code == 200 and "柳湾村" in page.get_data(as_text=True)
    # The notice of the complaint awaiting its 受理 is unread; those of old, finished steps are read.
    notices = db.session.scalars(select(Notification).where(Notification.user_id == heads["jcnyj_head"].id)).all()
    assert [n.url for n in notices if n.read_at is None] == [f"/manage/complaints/{straw.id}"]


def test_loading_the_demo_again_adds_nothing(demo):
    from registry.demo import load_demo

    def counts():
        return [
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Complaint, ComplaintEvent, ComplaintFile, Notification, AuditEntry, User)
        ]

    before = counts()
    load_demo()
    db.session.flush()
    assert counts() == before
