"""The hand-offs around submission (issue #13, points 3 and 5): the 发文字号 entered at submission,
the editor's 提请审核 and the head's 退回填报人, and the office's comments on single sections when it
returns a report. Services flush, never commit, check role and scope themselves and write the audit
entry in the same transaction; `services.submit_report` and `services.return_report` call the checks
here so that every path obeys the same rules.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from registry.core import audit
from registry.core.audit import Actor
from registry.core.db import lock_row, utcnow
from registry.core.errors import DomainError
from registry.core.permissions import Permission, can
from registry.extensions import db
from registry.reports.completeness import completeness
from registry.reports.models import (
    STATE_LABELS,
    AnnualReport,
    ReportEvent,
    ReportSection,
    ReportState,
    SectionComment,
)
from registry.reports.services import EDITABLE_STATES, NotAllowed

MAX_NOTE = 2000
MAX_SECTION_COMMENT = 2000
MAX_SECTION_COMMENTS = 20

# -- 发文字号 ------------------------------------------------------------------------------------

DOC_NUMBER_MAX = 50
# GB/T 9704-2012 7.2.4: 发文机关代字、年份、发文顺序号; the year in 六角括号〔〕, the number without
# leading zeros (不编虚位) and without 第. Brackets people commonly type instead are accepted.
_YEAR_IN_BRACKETS = re.compile(r"[\[［【(（〔]\s*(\d{4})\s*[\]］】)）〕]")
_DOC_NUMBER = re.compile(r"^(?P<code>[^〔〕\s]{1,30})〔(?P<year>\d{4})〕(?P<seq>[1-9]\d{0,5})号$")
DOC_NUMBER_EXAMPLE = "示环函〔2026〕12号"


def normalize_doc_number(value: str | None) -> str:
    """The 发文字号 as it is printed: spaces removed, the year's brackets made 〔〕."""
    text = re.sub(r"\s+", "", value or "")
    return _YEAR_IN_BRACKETS.sub(lambda m: f"〔{m.group(1)}〕", text)


def doc_number_problem(value: str | None) -> LazyString | None:
    """What is wrong with a 发文字号 (after normalize_doc_number), or None when it is well formed."""
    text = normalize_doc_number(value)
    if not text:
        return _l("请填写发文字号。")
    if len(text) > DOC_NUMBER_MAX:
        return _l("发文字号不能超过 %(n)s 个字。", n=DOC_NUMBER_MAX)
    match = _DOC_NUMBER.match(text)
    if match is None:
        return _l(
            "发文字号应由发文机关代字、年份和序号组成，年份用六角括号，序号不加“第”、不编虚位，如：%(example)s。",
            example=DOC_NUMBER_EXAMPLE,
        )
    if not 2000 <= int(match.group("year")) <= 2100:
        return _l("发文字号中的年份不正确。")
    return None


def submission_problems(report: AnnualReport, doc_number: str | None) -> list[tuple[str | None, LazyString]]:
    """Everything that stops this submission, as (field, message) pairs, all at once: a led matter
    empty without a stated reason (the whole form), a missing or malformed 发文字号 (its field;
    None means the caller does not set one and the stored one stays)."""
    problems: list[tuple[str | None, LazyString]] = []
    if doc_number is not None and (message := doc_number_problem(doc_number)):
        problems.append(("doc_number", message))
    if (message := completeness(report).blocking_message()) is not None:
        problems.append((None, message))
    return problems


# -- 提请审核 / 退回填报人 ---------------------------------------------------------------------------


def _state_label(report: AnnualReport) -> LazyString:
    return _l(STATE_LABELS[report.state])


def _locked_editable(report: AnnualReport) -> bool:
    lock_row(db.session, report)  # of two simultaneous steps, the second sees the first's outcome
    return report.state in EDITABLE_STATES


def _hand_over(report: AnnualReport, actor: Actor, action: str, note: str) -> None:
    """Set or clear the review request with its timeline event and audit entry; the state stays."""
    if len(note) > MAX_NOTE:
        raise DomainError(_l("说明不能超过 %(n)s 个字。", n=MAX_NOTE), "note")
    requested = action == "request_review"
    report.review_requested_at = utcnow() if requested else None
    report.review_requested_by_id = actor.id if requested else None
    report.events.append(
        ReportEvent(
            actor_id=actor.id,
            actor_name=actor.display_name,
            action=action,
            from_state=None,  # the state does not change: the timeline shows no arrow
            to_state=report.state,
            comment=note,
        )
    )
    db.session.flush()
    audit.record(
        actor,
        "transition",
        report,
        jurisdiction_id=report.cycle.jurisdiction_id,
        before={"review_requested": not requested},
        after={"review_requested": requested, **({"comment": note} if note else {})},
        summary=f"报告「{report.title}」{'提请审核' if requested else '退回填报人'}",
    )


def request_review(report: AnnualReport, *, actor: Actor, note: str = "") -> None:
    """The editor hands the draft to the department head (提请审核), optionally with a note."""
    if not can(actor, Permission.REPORT_EDIT, report):
        raise NotAllowed(_l("只有本部门的填报人和负责人可以提请审核本部门的报告。"))
    if not _locked_editable(report):
        raise DomainError(_l("报告当前状态为「%(state)s」，不能提请审核。", state=_state_label(report)))
    if report.review_requested_at is not None:
        raise DomainError(_l("本报告已提请审核，正等待部门负责人处理。"))
    _hand_over(report, actor, "request_review", (note or "").strip())


def send_back(report: AnnualReport, *, actor: Actor, note: str) -> None:
    """The head sends a report handed over for review back to its editors, saying what to change."""
    if not can(actor, Permission.REPORT_SUBMIT, report):
        raise NotAllowed(_l("只有本部门负责人可以把报告退回填报人。"))
    if not _locked_editable(report):
        raise DomainError(_l("报告当前状态为「%(state)s」，不能退回填报人。", state=_state_label(report)))
    if report.review_requested_at is None:
        raise DomainError(_l("填报人尚未提请审核，无需退回。"))
    note = (note or "").strip()
    if not note:
        raise DomainError(_l("请填写退回说明，告诉填报人需要修改什么。"), "note")
    _hand_over(report, actor, "send_back", note)


# -- section comments on return ---------------------------------------------------------------------


def checked_section_comments(
    report: AnnualReport, rows: Sequence[tuple[int | None, str]]
) -> tuple[list[tuple[ReportSection, str]], list[tuple[str, LazyString]]]:
    """The office's (section id, text) rows made into (section, text) pairs, and the problems found.
    Rows with neither a section nor text are the form's spare rows and are skipped."""
    sections = {s.id: s for s in report.sections}
    pairs: list[tuple[ReportSection, str]] = []
    problems: list[tuple[str, LazyString]] = []
    for section_id, text in rows:
        text = (text or "").strip()
        if not section_id and not text:
            continue
        section = sections.get(section_id or 0)
        if section is None:
            problems.append(("section_comments", _l("请为每条分部分意见选择报告中的一个部分。")))
        elif not text:
            message = _l("请填写对「%(title)s」的意见，或把该行的部分改回“不选择”。", title=section.title)
            problems.append(("section_comments", message))
        elif len(text) > MAX_SECTION_COMMENT:
            problems.append(("section_comments", _l("每条分部分意见不能超过 %(n)s 个字。", n=MAX_SECTION_COMMENT)))
        else:
            pairs.append((section, text))
    if len(pairs) > MAX_SECTION_COMMENTS:
        problems.append(("section_comments", _l("分部分意见最多 %(n)s 条。", n=MAX_SECTION_COMMENTS)))
    return pairs, problems


def add_section_comments(
    report: AnnualReport, event: ReportEvent, actor: Actor, pairs: Sequence[tuple[ReportSection, str]]
) -> list[SectionComment]:
    """Store the office's comments on single sections, tied to the return step (`event`)."""
    comments = [
        SectionComment(
            report_id=report.id,
            section_id=section.id,
            event_id=event.id,
            author_id=actor.id,
            author_name=actor.display_name,
            text=text,
        )
        for section, text in pairs
    ]
    db.session.add_all(comments)
    db.session.flush()
    return comments


# -- reading ----------------------------------------------------------------------------------------


@dataclass
class ReportComments:
    """A report's section comments: those of its latest return by section, and every return's by event."""

    latest_event: ReportEvent | None
    latest: dict[int, list[SectionComment]]  # section id -> comments of the latest return
    by_event: dict[int, list[SectionComment]]  # return event id -> its comments, in the report's order

    def for_section(self, section_id: int) -> list[SectionComment]:
        return self.latest.get(section_id, [])


def report_comments(report: AnnualReport) -> ReportComments:
    """The section comments of a report, one query. Next to the sections the latest return's are shown
    while the report is returned or resubmitted; accepted and published reports show them only in the
    timeline."""
    comments = db.session.scalars(
        select(SectionComment)
        .join(ReportSection, ReportSection.id == SectionComment.section_id)
        .where(SectionComment.report_id == report.id)
        .order_by(ReportSection.position, SectionComment.id)
    ).all()
    returns = [e for e in report.events if e.action == "return"]
    latest_event = returns[-1] if returns else None
    by_event: dict[int, list[SectionComment]] = {}
    for comment in comments:
        if comment.event_id is not None:
            by_event.setdefault(comment.event_id, []).append(comment)
    latest: dict[int, list[SectionComment]] = {}
    if latest_event is not None and report.state in (ReportState.RETURNED, ReportState.SUBMITTED):
        for comment in by_event.get(latest_event.id, []):
            latest.setdefault(comment.section_id, []).append(comment)
    return ReportComments(latest_event=latest_event, latest=latest, by_event=by_event)


def last_handoff(report: AnnualReport) -> ReportEvent | None:
    """The latest 提请审核 or 退回填报人 step, if any (what the report page tells editor and head)."""
    steps = [e for e in report.events if e.action in ("request_review", "send_back", "submit")]
    return steps[-1] if steps else None
