"""§7 cooperation inside the annual report: what each cooperating department said about a matter the
department leads (its 配合落实情况), who has not answered yet, and the lead's reminders (提醒).

The cooperating department writes its input in its own report, in the section it holds for that
matter (kind coop_matter, same version_matter_id). The lead reads those sections only through the
functions here, which check that the matter is one the lead's department leads: no other page opens
another department's draft.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from registry.core import audit, signals
from registry.core.audit import Actor
from registry.core.db import lock_row
from registry.core.errors import DomainError
from registry.core.permissions import Permission, can
from registry.core.timezone import format_local, local_day_start, local_today
from registry.extensions import db
from registry.lists.models import Department
from registry.reports.content import html_to_text, normalize_plain
from registry.reports.models import AnnualReport, CooperationReminder, ReportingCycle, ReportSection, SectionKind
from registry.reports.services import EDITABLE_STATES, NotAllowed
from registry.versions.models import VersionAssignment, VersionMatter

NOTE_MAX = 500
# The lead's fields an answer may be quoted into (the led-matter section's four texts).
QUOTE_FIELDS = (
    ("measures", "主要措施与成效"),
    ("progress", "工作进展"),
    ("problems", "存在问题"),
    ("plans", "下一步计划"),
)
DEFAULT_QUOTE_FIELD = "measures"


@dataclass(frozen=True)
class Reminder:
    """One reminder as pages show it (plain values: no lazy loads from a template)."""

    id: int
    from_department: str
    to_department: str
    actor_name: str
    note: str
    sent_at: datetime
    matter_title: str = ""

    @property
    def by(self) -> str:
        """Who reminded, naming the department once (display names often begin with it)."""
        return (
            self.actor_name if self.from_department in self.actor_name else f"{self.from_department} {self.actor_name}"
        )


@dataclass
class CooperationInput:
    """A cooperating department's input on one led matter, or its absence."""

    department_id: int
    department_name: str
    paragraphs: list[str] = field(default_factory=list)
    updated_at: datetime | None = None
    reminders: list[Reminder] = field(default_factory=list)
    reminded_today: bool = False

    @property
    def answered(self) -> bool:
        return bool(self.paragraphs)

    @property
    def text(self) -> str:
        """The answer as plain text (for the `paragraphs` filter, which escapes it)."""
        return "\n\n".join(self.paragraphs)


# -- reading -------------------------------------------------------------------------------------


def answer_paragraphs(stored: str) -> list[str]:
    """A cooperation text (plain text as typed, or an older value in HTML) as its paragraphs, each
    keeping its line breaks: what the lead reads and quotes. [] when nothing is written."""
    text = normalize_plain(html_to_text(stored or ""))
    return [p.strip("\n") for p in re.split(r"\n[ \t\u3000]*\n", text) if p.strip()]


def _reminder(r: CooperationReminder, titles: dict[int, str] | None = None) -> Reminder:
    return Reminder(
        id=r.id,
        from_department=r.from_department.name,
        to_department=r.to_department.name,
        actor_name=r.actor_name,
        note=r.note,
        sent_at=r.sent_at,
        matter_title=(titles or {}).get(r.version_matter_id, ""),
    )


def _led_matter_ids(report: AnnualReport, sections: Iterable[ReportSection]) -> set[int]:
    """The sections' matters that the report's department really leads in the cycle's version."""
    ids = {s.version_matter_id for s in sections if s.kind == SectionKind.LED_MATTER and s.version_matter_id}
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(VersionMatter.id).where(
                VersionMatter.id.in_(ids),
                VersionMatter.version_id == report.cycle.version_id,
                VersionMatter.lead_department_id == report.department_id,
            )
        )
    )


def inputs_for_report(report: AnnualReport) -> dict[int, list[CooperationInput]]:
    """For each led-matter section of the lead's report (by section id): its cooperating departments'
    inputs, in the list's order of cooperating departments. Four queries for the whole report."""
    led = [s for s in report.sections if s.kind == SectionKind.LED_MATTER and s.version_matter_id]
    matter_ids = _led_matter_ids(report, led)
    if not matter_ids:
        return {}
    by_matter: dict[int, dict[int, CooperationInput]] = {m: {} for m in matter_ids}
    for a in db.session.scalars(
        select(VersionAssignment)
        .where(VersionAssignment.version_matter_id.in_(matter_ids), VersionAssignment.role == "cooperating")
        .order_by(VersionAssignment.version_matter_id, VersionAssignment.position, VersionAssignment.id)
    ):
        if a.department_id != report.department_id:
            by_matter[a.version_matter_id][a.department_id] = CooperationInput(a.department_id, a.department_name)
    answers = db.session.execute(
        select(ReportSection, AnnualReport.department_id, Department.name)
        .join(AnnualReport, ReportSection.report_id == AnnualReport.id)
        .join(Department, AnnualReport.department_id == Department.id)
        .where(
            AnnualReport.cycle_id == report.cycle_id,
            AnnualReport.id != report.id,
            ReportSection.kind == SectionKind.COOPERATING_MATTER,
            ReportSection.version_matter_id.in_(matter_ids),
        )
        .order_by(ReportSection.id)
    )
    for section, department_id, name in answers:
        entry = by_matter[section.version_matter_id].setdefault(department_id, CooperationInput(department_id, name))
        entry.paragraphs = answer_paragraphs(section.cooperation)
        entry.updated_at = section.updated_at
    today_start = local_day_start(local_today()).replace(tzinfo=None)
    for r in db.session.scalars(
        select(CooperationReminder)
        .where(
            CooperationReminder.cycle_id == report.cycle_id,
            CooperationReminder.version_matter_id.in_(matter_ids),
            CooperationReminder.from_department_id == report.department_id,
        )
        .options(joinedload(CooperationReminder.from_department), joinedload(CooperationReminder.to_department))
        .order_by(CooperationReminder.sent_at, CooperationReminder.id)
    ):
        entry = by_matter[r.version_matter_id].get(r.to_department_id)
        if entry is not None:
            entry.reminders.append(_reminder(r))
            entry.reminded_today = entry.reminded_today or _naive(r.sent_at) >= today_start
    return {s.id: list(by_matter[s.version_matter_id].values()) for s in led if s.version_matter_id in matter_ids}


def inputs_for(section: ReportSection) -> list[CooperationInput]:
    """The cooperating departments' inputs on one led-matter section ([] for any other section)."""
    return inputs_for_report(section.report).get(section.id, [])


def reminders_received(report: AnnualReport) -> dict[int, list[Reminder]]:
    """The reminders a cooperating department received in the report's cycle, newest first, by version
    matter id (one query for a whole report page)."""
    received: dict[int, list[Reminder]] = {}
    for r in db.session.scalars(
        select(CooperationReminder)
        .where(
            CooperationReminder.cycle_id == report.cycle_id,
            CooperationReminder.to_department_id == report.department_id,
        )
        .options(joinedload(CooperationReminder.from_department), joinedload(CooperationReminder.to_department))
        .order_by(CooperationReminder.sent_at.desc(), CooperationReminder.id.desc())
    ):
        received.setdefault(r.version_matter_id, []).append(_reminder(r))
    return received


def reminders_for_section(section: ReportSection) -> list[Reminder]:
    """The reminders a cooperating department received about the matter of one of its coop sections."""
    if section.kind != SectionKind.COOPERATING_MATTER or not section.version_matter_id:
        return []
    return reminders_received(section.report).get(section.version_matter_id, [])


@dataclass(frozen=True)
class PendingReminder:
    """A reminder on the 工作台: the matter, who asked, and where to answer (None: no section to fill)."""

    reminder: Reminder
    report_id: int | None
    section_id: int | None
    answered: bool
    editable: bool = False


def reminders_to_department(department_id: int) -> list[PendingReminder]:
    """Reminders addressed to a department in its newest cycle, newest first, one per matter, each
    with the coop section to answer in and whether it is answered by now."""
    report = db.session.scalar(
        select(AnnualReport)
        .join(AnnualReport.cycle)
        .where(AnnualReport.department_id == department_id)
        .order_by(ReportingCycle.year.desc())
        .limit(1)
    )
    if report is None:
        return []
    rows = db.session.scalars(
        select(CooperationReminder)
        .where(
            CooperationReminder.cycle_id == report.cycle_id,
            CooperationReminder.to_department_id == department_id,
        )
        .options(joinedload(CooperationReminder.from_department), joinedload(CooperationReminder.to_department))
        .order_by(CooperationReminder.sent_at.desc(), CooperationReminder.id.desc())
    ).all()
    latest: dict[int, CooperationReminder] = {}
    for r in rows:
        latest.setdefault(r.version_matter_id, r)
    if not latest:
        return []
    ids = list(latest)
    titles = dict(
        db.session.execute(select(VersionMatter.id, VersionMatter.title).where(VersionMatter.id.in_(ids)))
        .tuples()
        .all()
    )
    sections = {
        s.version_matter_id: s
        for s in db.session.scalars(
            select(ReportSection).where(
                ReportSection.report_id == report.id,
                ReportSection.kind == SectionKind.COOPERATING_MATTER,
                ReportSection.version_matter_id.in_(ids),
            )
        )
    }
    result = []
    for matter_id, r in latest.items():
        section = sections.get(matter_id)
        result.append(
            PendingReminder(
                reminder=_reminder(r, titles),
                report_id=report.id if section else None,
                section_id=section.id if section else None,
                answered=bool(section and answer_paragraphs(section.cooperation)),
                editable=report.state in EDITABLE_STATES,
            )
        )
    return result


def answer_place(reminder: CooperationReminder) -> tuple[AnnualReport, ReportSection, bool] | None:
    """Where the reminded department answers: its report in the reminder's cycle, its coop section on
    the matter, and whether that report can be edited now. None when it has no such section."""
    row = db.session.execute(
        select(AnnualReport, ReportSection)
        .join(ReportSection, ReportSection.report_id == AnnualReport.id)
        .where(
            AnnualReport.cycle_id == reminder.cycle_id,
            AnnualReport.department_id == reminder.to_department_id,
            ReportSection.kind == SectionKind.COOPERATING_MATTER,
            ReportSection.version_matter_id == reminder.version_matter_id,
        )
        .limit(1)
    ).first()
    if row is None:
        return None
    return row[0], row[1], row[0].state in EDITABLE_STATES


def lead_report_for(section: ReportSection) -> AnnualReport | None:
    """The report, in the same cycle, of the department that leads a coop section's matter."""
    if section.kind != SectionKind.COOPERATING_MATTER or not section.version_matter_id:
        return None
    lead_id = db.session.scalar(
        select(VersionMatter.lead_department_id).where(VersionMatter.id == section.version_matter_id)
    )
    if lead_id is None or lead_id == section.report.department_id:
        return None
    return db.session.scalar(
        select(AnnualReport).where(
            AnnualReport.cycle_id == section.report.cycle_id, AnnualReport.department_id == lead_id
        )
    )


def _naive(value: datetime) -> datetime:
    """Stored times are UTC; SQLite gives them back naive, PostgreSQL may not."""
    return value.replace(tzinfo=None) if value.tzinfo else value


# -- who may see ---------------------------------------------------------------------------------


def may_see_inputs(user, report: AnnualReport) -> bool:
    """Only the lead department's own editors and heads read the inputs on their matters (§7): a
    recipient or another department reading the report sees none of the other departments' drafts."""
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.department_id == report.department_id
        and can(user, Permission.REPORT_EDIT, report)
    )


def may_remind(user, report: AnnualReport) -> bool:
    return may_see_inputs(user, report) and report.state in EDITABLE_STATES


# -- reminding -----------------------------------------------------------------------------------


def send_reminder(
    section: ReportSection, to_department_id: int, *, actor: Actor, note: str = ""
) -> CooperationReminder:
    """Record the lead's 提醒 to a cooperating department that has not answered on the section's matter
    (once per department and matter per Beijing day), audited."""
    report = section.report
    if not may_see_inputs(actor, report):
        raise NotAllowed(_l("只有牵头部门的填报人和负责人可以提醒配合部门。"))
    lock_row(db.session, section)  # two clicks at once: the second waits and sees the first reminder
    entry = next((i for i in inputs_for(section) if i.department_id == to_department_id), None)
    if entry is None:  # also: the section is not a matter this department leads
        raise DomainError(_l("该部门不是本事项的配合部门。"))
    if report.state not in EDITABLE_STATES:
        raise DomainError(_l("报告已报送，不能再发送提醒。"))
    if entry.answered:
        raise DomainError(_l("%(department)s已经填写了配合情况，无需提醒。", department=entry.department_name))
    if entry.reminded_today:
        last = entry.reminders[-1]
        raise DomainError(
            _l(
                "今天已于%(at)s提醒过%(department)s（%(who)s），同一部门同一事项每天最多提醒一次，请明天再试。",
                at=format_local(last.sent_at, "%H:%M"),
                department=entry.department_name,
                who=last.actor_name,
            )
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(_l("附言不能超过%(n)s字。", n=NOTE_MAX), "note")
    reminder = CooperationReminder(
        cycle_id=report.cycle_id,
        version_matter_id=section.version_matter_id,
        from_department_id=report.department_id,
        to_department_id=to_department_id,
        actor_id=actor.id,
        actor_name=actor.display_name,
        note=note,
    )
    db.session.add(reminder)
    db.session.flush()
    audit.record(
        actor,
        "create",
        reminder,
        jurisdiction_id=report.cycle.jurisdiction_id,
        after={"title": section.title, "to_department": entry.department_name, "note": note},
        summary=f"{report.department.name}提醒{entry.department_name}填写「{section.title}」的配合情况",
    )
    signals.cooperation_requested.send(reminder, actor=actor)
    return reminder


# -- quoting -------------------------------------------------------------------------------------


def quote_block(department_name: str, paragraphs: Sequence[str]) -> str:
    """「配合部门名：text」 as plain text (the lead's fields are plain text; pages escape them)."""
    return f"「{department_name}：" + "\n".join(paragraphs) + "」"


def add_quotes(
    section: ReportSection, fields: dict[str, str], department_ids: Iterable[str | int], target: str | None
) -> dict[str, str]:
    """The section's submitted fields with the chosen cooperating departments' answers appended, each as
    a paragraph of its own, to the target field (主要措施与成效 by default). Only answered inputs on
    this matter can be quoted; an answer already in the field is not quoted twice."""
    wanted = set()
    for value in department_ids:
        try:
            wanted.add(int(value))
        except (TypeError, ValueError):
            continue
    if not wanted or section.kind != SectionKind.LED_MATTER:
        return fields
    target = target if target in dict(QUOTE_FIELDS) else DEFAULT_QUOTE_FIELD
    text = normalize_plain(fields[target] if target in fields else html_to_text(getattr(section, target)))
    for entry in inputs_for(section):
        if entry.department_id in wanted and entry.answered:
            block = quote_block(entry.department_name, entry.paragraphs)
            if block not in text:
                text = f"{text}\n\n{block}" if text else block
    return {**fields, target: text}
