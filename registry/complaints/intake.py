"""The public's steps: which matter a report looks like, where it goes (route), the report itself
(submit) and the rating of the reply (rate). No login: the person is named in the audit log as
举报人（公众）, and their contact details never leave ComplaintContact.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from registry.complaints import rules
from registry.complaints.models import (
    Complaint,
    ComplaintContact,
    ComplaintFile,
    ComplaintState,
    EventKind,
    Rating,
    RoutedBy,
)
from registry.complaints.photos import Photo
from registry.complaints.services import add_event, new_code
from registry.core.db import utcnow
from registry.core.errors import DomainError, refuse
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction, Level
from registry.jurisdictions.queries import tree
from registry.lists.models import Department
from registry.public import search
from registry.versions.models import VersionMatter
from registry.versions.queries import in_force_ids

DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 2000  # 村里烧秸秆 says enough to route it
PLACE_MAX, TIME_MAX = 300, 100
NAME_MAX, PHONE_MAX, EMAIL_MAX = 100, 50, 200
CANDIDATES = 5
# 重复举报: an earlier complaint about the same matter and place within this many days.
REPEAT_WINDOW_DAYS = 180
REPEAT_SIMILARITY = 0.6

PHONE_RE = re.compile(r"^(\+?86[- ]?)?(1[3-9]\d{9}|0\d{2,3}[- ]?\d{7,8}([- ]\d{1,6})?)$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


# -- where ---------------------------------------------------------------------------------------


def places() -> list[tuple[Jurisdiction, int]]:
    """The places a report may be about: every jurisdiction below 中央, parents first, with their
    depth (1: a province)."""
    return [(j, depth) for j, depth in tree() if j.level != Level.CENTRAL]


def place_by_code(code: str) -> Jurisdiction | None:
    found = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == (code or "").strip()[:6]))
    return found if found is not None and found.level != Level.CENTRAL else None


def _chain(jurisdiction: Jurisdiction) -> list[Jurisdiction]:
    """The place and its parents whose lists may hold the matter (中央's list is the ministries')."""
    return [j for j in [jurisdiction, *jurisdiction.ancestors()] if j.level != Level.CENTRAL]


# -- which matter it looks like ------------------------------------------------------------------


@dataclass
class Candidate:
    """A matter of a list in force in the place or a parent, as the check page shows it."""

    version_matter_id: int
    matter_id: int
    title: str
    lead: dict[str, Any] | None
    co_leads: list[dict[str, Any]]
    cooperating: list[dict[str, Any]]
    list_code: str
    list_name: str
    status_label: str
    receiver: Department | None = None
    nearest: bool = False  # suggested for sharing words, not holding them


@dataclass
class Findings:
    candidates: list[Candidate] = field(default_factory=list)
    too_short: bool = False


def find_candidates(words: str, jurisdiction: Jurisdiction, *, keep: int | None = None) -> Findings:
    """Up to CANDIDATES matters the words look like: searched in the list in force of the place, then
    of each parent in turn; when none holds the words, those sharing most of them. `keep`: a version
    matter chosen before, kept first when it is still in force there."""
    found: list[int] = []
    too_short = False
    nearest: set[int] = set()
    chain = _chain(jurisdiction)
    try:
        for place in chain:
            if len(found) >= CANDIDATES:
                break
            hits = search.search_ids(words, place.id, limit=CANDIDATES, cap=CANDIDATES)
            found += [i for i in hits.version_matter_ids if i not in found][: CANDIDATES - len(found)]
        if not found:
            for place in chain:
                more = [i for i in search.nearest_ids(words, place.id, limit=CANDIDATES) if i not in found]
                found += more[: CANDIDATES - len(found)]
                nearest.update(more)
                if len(found) >= CANDIDATES:
                    break
    except search.QueryTooShort:
        too_short = True
    if keep is not None and keep not in found and in_force_in(keep, jurisdiction) is not None:
        found = [keep, *found][:CANDIDATES]
    elif keep in found:
        found = [keep, *(i for i in found if i != keep)]
    return Findings(_candidates(found, nearest, jurisdiction), too_short)


def _candidates(ids: list[int], nearest: set[int], jurisdiction: Jurisdiction) -> list[Candidate]:
    cards = search.cards(ids)
    result = []
    for vm_id in ids:
        card = cards.get(vm_id) or _card_of(vm_id)
        if card is None:
            continue
        candidate = Candidate(
            version_matter_id=vm_id,
            matter_id=card["id"],
            title=card["title"],
            lead=card["lead"],
            co_leads=card.get("co_leads", []),
            cooperating=card.get("cooperating", []),
            list_code=card["jurisdiction"]["code"],
            list_name=card["jurisdiction"]["name"],
            status_label=card.get("status_label", ""),
            nearest=vm_id in nearest,
        )
        candidate.receiver = route(jurisdiction, vm_id).department
        result.append(candidate)
    return result


def _card_of(version_matter_id: int) -> dict[str, Any] | None:
    """A candidate's card the long way (an entry indexed before cards existed, or a kept choice)."""
    from registry.lists.models import STATUS_LABELS
    from registry.lists.models import Role as AssignmentRole

    vm = db.session.get(VersionMatter, version_matter_id)
    if vm is None:
        return None

    def party(a):
        return {"id": a.department_id, "name": a.department_name, "short_name": a.department_short_name}

    place = vm.version.jurisdiction
    return {
        "id": vm.matter_id,
        "title": vm.title,
        "lead": next((party(a) for a in vm.assignments if a.role == AssignmentRole.LEAD), None),
        "co_leads": [party(a) for a in vm.assignments if a.role == AssignmentRole.CO_LEAD],
        "cooperating": [party(a) for a in vm.assignments if a.role == AssignmentRole.COOPERATING],
        "jurisdiction": {"code": place.code, "name": place.name},
        "status_label": STATUS_LABELS.get(vm.status, vm.status),
    }


def in_force_in(version_matter_id: int, jurisdiction: Jurisdiction) -> VersionMatter | None:
    """The version matter, when its version is the one in force today in the place or one of its
    parents; else None (an old version, another province's list, a made-up id)."""
    vm = db.session.get(VersionMatter, version_matter_id) if 0 < version_matter_id < 2**31 else None
    if vm is None:
        return None
    current = in_force_ids(local_today(), [j.id for j in _chain(jurisdiction)])
    return vm if vm.version_id in current.values() else None


def matter_in_force(matter_id: int, jurisdiction: Jurisdiction) -> VersionMatter | None:
    """The version matter in force for a stable matter id (a public matter page's), in the place or
    a parent."""
    current = in_force_ids(local_today(), [j.id for j in _chain(jurisdiction)])
    if not current or not 0 < matter_id < 2**31:
        return None
    return db.session.scalar(
        select(VersionMatter).where(
            VersionMatter.matter_id == matter_id, VersionMatter.version_id.in_(list(current.values()))
        )
    )


# -- where it goes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Routing:
    department: Department
    routed_by: str
    version_matter: VersionMatter | None


def route(jurisdiction: Jurisdiction, version_matter_id: int | None) -> Routing:
    """Who receives a report: the lead department of the chosen matter in the list it is in (checked
    to be in force in the place or a parent: the form is never trusted); with no matter chosen, or
    one with no lead (待明确, 交由下级), the place's 12369 desk, which routes it."""
    vm = None
    if version_matter_id is not None:
        vm = in_force_in(version_matter_id, jurisdiction)
        if vm is None:
            raise DomainError(_l("所选事项不在该地区现行清单中，请重新选择。"), "matter")
        lead = db.session.get(Department, vm.lead_department_id) if vm.lead_department_id else None
        if lead is not None and lead.active:
            return Routing(lead, RoutedBy.MATTER, vm)
    desk = rules.desk_department(jurisdiction)
    if desk is None:
        raise DomainError(_l("该地区暂未设置受理举报的部门，请选择上一级地区。"), "jurisdiction")
    return Routing(desk, RoutedBy.DESK, vm)


# -- the report ----------------------------------------------------------------------------------


@dataclass
class Report:
    """What the person typed (the form's data, given explicitly)."""

    jurisdiction: Jurisdiction
    description: str
    place: str
    happened_on: date | None = None
    happened_time: str = ""
    version_matter_id: int | None = None
    name: str = ""
    phone: str = ""
    email: str = ""


def problems_of(report: Report, today: date) -> list[tuple[str, Any]]:
    """What is wrong with a report, by field (the form says it first; the service checks again)."""
    problems: list[tuple[str, Any]] = []
    if not DESCRIPTION_MIN <= len(report.description.strip()) <= DESCRIPTION_MAX:
        problems.append(
            ("description", _l("请用 %(a)s 至 %(b)s 个字说明发生了什么。", a=DESCRIPTION_MIN, b=DESCRIPTION_MAX))
        )
    if not report.place.strip() or len(report.place) > PLACE_MAX:
        problems.append(("place", _l("请填写详细地址或位置描述（不超过 %(n)s 字）。", n=PLACE_MAX)))
    if report.happened_on is not None and report.happened_on > today:
        problems.append(("happened_on", _l("发生日期不能晚于今天。")))
    if len(report.happened_time) > TIME_MAX:
        problems.append(("happened_time", _l("时间说明不超过 %(n)s 字。", n=TIME_MAX)))
    if len(report.name) > NAME_MAX:
        problems.append(("name", _l("姓名不超过 %(n)s 字。", n=NAME_MAX)))
    if report.phone and (len(report.phone) > PHONE_MAX or not PHONE_RE.match(report.phone)):
        problems.append(("phone", _l("请填写有效的手机号码或带区号的固定电话，如 13800000000 或 0871-12345678。")))
    if report.email and (len(report.email) > EMAIL_MAX or not EMAIL_RE.match(report.email)):
        problems.append(("email", _l("请填写有效的电子邮箱，如 name@example.com。")))
    return problems


def _unique_code() -> str:
    for _ in range(10):
        code = new_code()
        if not db.session.scalar(select(exists().where(Complaint.code == code))):
            return code
    raise RuntimeError("no free complaint code after 10 tries")  # 2^49 codes: never in practice


def submit(report: Report, photos: list[Photo], *, today: date | None = None) -> Complaint:
    """File a report: routed (route), due for its 受理 decision in working days, linked to an earlier
    report about the same matter and place (重复举报), with its photos and, when given, the contact
    details kept apart; the SUBMITTED step audited and announced. `today`: the day it is filed on
    (local_today; the demo files its stories on their own past days)."""
    today = today or local_today()
    report.name, report.phone, report.email = report.name.strip(), report.phone.strip(), report.email.strip()
    refuse(problems_of(report, today))
    routing = route(report.jurisdiction, report.version_matter_id)
    vm = routing.version_matter
    complaint = Complaint(
        code=_unique_code(),
        jurisdiction=report.jurisdiction,
        jurisdiction_id=report.jurisdiction.id,
        place=report.place.strip(),
        happened_on=report.happened_on,
        happened_time=report.happened_time.strip(),
        description=report.description.strip(),
        version_matter_id=vm.id if vm else None,
        matter_id=vm.matter_id if vm else None,
        matter_title=vm.title if vm else "",
        routed_by=routing.routed_by,
        department=routing.department,
        department_id=routing.department.id,
        state=ComplaintState.NEW,
        received_at=utcnow(),
        accept_due=rules.accept_due(today, routing.department.jurisdiction),
    )
    if vm is not None:
        complaint.repeat_of_id = earlier_report(vm.matter_id, report.jurisdiction.id, complaint.place)
    db.session.add(complaint)
    if report.name or report.phone or report.email:
        complaint.contact = ComplaintContact(name=report.name, phone=report.phone, email=report.email)
    for photo in photos:
        db.session.add(
            ComplaintFile(
                complaint=complaint,
                kind="photo",
                filename=photo.filename,
                content_type=photo.content_type,
                size=len(photo.data),
                sha256=photo.sha256,
                data=photo.data,
            )
        )
    db.session.flush()
    add_event(complaint, EventKind.SUBMITTED, None, public_actor=True, department_id=routing.department.id)
    db.session.flush()
    return complaint


# -- 重复举报 --------------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "").lower() if ch.isalnum())


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def same_place(a: str, b: str) -> bool:
    """Two place descriptions name the same place: equal once spaces, punctuation and case are
    dropped, one holding the other (村口晒场 / 江川市村口晒场东侧), or most of their character pairs
    shared (Dice coefficient of bigrams ≥ REPEAT_SIMILARITY)."""
    x, y = _plain(a), _plain(b)
    if not x or not y:
        return False
    if x == y or (min(len(x), len(y)) >= 2 and (x in y or y in x)):
        return True
    bx, by = _bigrams(x), _bigrams(y)
    return 2 * len(bx & by) / (len(bx) + len(by)) >= REPEAT_SIMILARITY


def earlier_report(matter_id: int, jurisdiction_id: int, place: str) -> int | None:
    """The id of the earliest report of the last REPEAT_WINDOW_DAYS days about the same matter in
    the same place (by same_place), of which a new one is a repeat (重复举报); None when there is none."""
    since = utcnow() - timedelta(days=REPEAT_WINDOW_DAYS)
    for complaint_id, earlier_place in db.session.execute(
        select(Complaint.id, Complaint.place)
        .where(
            Complaint.matter_id == matter_id,
            Complaint.jurisdiction_id == jurisdiction_id,
            Complaint.received_at >= since,
        )
        .order_by(Complaint.received_at, Complaint.id)
    ):
        if same_place(earlier_place, place):
            return complaint_id
    return None


# -- the rating ----------------------------------------------------------------------------------

# The RATED event's text begins with the rating's word ("不满意：还在烧。"), so every 评价 step keeps its own.
RATING_WORDS = {Rating.SATISFIED: "满意", Rating.UNSATISFIED: "不满意"}


def rating_of(text: str) -> str | None:
    """The rating a RATED event's text begins with; None for a text without one."""
    return next((r for r, word in RATING_WORDS.items() if text == word or text.startswith(word + "：")), None)


def may_rate(complaint: Complaint) -> bool:
    """The person may rate the reply once it is answered, once per reply: again only after the
    office had it handled again and a new reply came (its answered_at is after the rating)."""
    if complaint.state != ComplaintState.ANSWERED or complaint.answered_at is None:
        return False
    return complaint.rated_at is None or complaint.answered_at > complaint.rated_at


def rate(complaint: Complaint, rating: str, comment: str) -> Complaint:
    """满意 or 不满意 (with a comment). 不满意 sends it back to the office once (state reopened);
    a later 不满意 is recorded only."""
    comment = (comment or "").strip()
    problems = []
    if not may_rate(complaint):
        raise DomainError(_l("这件举报现在不能评价。"), "rating")
    if rating not in (Rating.SATISFIED, Rating.UNSATISFIED):
        problems.append(("rating", _l("请选择“满意”或“不满意”。")))
    elif rating == Rating.UNSATISFIED and not comment:
        problems.append(("comment", _l("选择“不满意”时，请说明原因。")))
    if len(comment) > DESCRIPTION_MAX:
        problems.append(("comment", _l("说明不超过 %(n)s 字。", n=DESCRIPTION_MAX)))
    refuse(problems)
    before = complaint.audit_data()
    complaint.rating, complaint.rating_comment, complaint.rated_at = rating, comment, utcnow()
    department_id = complaint.department_id
    said = f"{RATING_WORDS[rating]}：{comment}" if comment else RATING_WORDS[rating]
    add_event(
        complaint, EventKind.RATED, None, before=before, public_actor=True, department_id=department_id, text=said
    )
    if rating == Rating.UNSATISFIED and complaint.reopened_count == 0:
        before = complaint.audit_data()
        complaint.state = ComplaintState.REOPENED
        complaint.reopened_count = 1
        complaint.contact_erase_after = None  # open again: the retention clock starts at the next closing
        add_event(
            complaint,
            EventKind.REOPENED,
            None,
            before=before,
            public_actor=True,
            department_id=department_id,
            text=comment,
        )
    db.session.flush()
    return complaint
