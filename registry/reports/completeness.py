"""How complete a report is: which sections and matters are still empty (issue #13, point 3).

One rule, one place: the submission page, the office's review card and `services.submit_report`
all read `completeness(report)`. A led matter left empty blocks submission unless it states why
(本年度无进展的说明, §10: the report accounts for every matter the department leads); every other
gap is a warning the head and the office can see and accept.
"""

import re
from dataclasses import dataclass, field
from html import unescape

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from registry.reports.models import AnnualReport, ReportSection, SectionKind

# A tag of the stored HTML (prose sections, and matter fields saved before they became plain text).
# Only tag-shaped text is removed, so a plain "<无>" or "a < b" still counts as written.
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
MATTER_FIELDS = ("progress", "measures", "problems", "plans")
COOP_FIELDS = ("cooperation", *MATTER_FIELDS)


def is_blank(value: str | None) -> bool:
    """Whether a stored field says nothing: empty, only whitespace (also 　 and &nbsp;), or only
    empty tags such as <p></p> or a table of empty cells."""
    if not value:
        return True
    return not unescape(_TAG.sub("", value)).strip()


def section_is_empty(section: ReportSection) -> bool:
    """A matter's section is empty when all its fields are blank (a led matter: and it has no
    indicator); any other section when its body is blank."""
    if section.kind == SectionKind.LED_MATTER:
        return all(is_blank(getattr(section, name)) for name in MATTER_FIELDS) and not section.indicators
    if section.kind == SectionKind.COOPERATING_MATTER:
        return all(is_blank(getattr(section, name)) for name in COOP_FIELDS)
    if section.kind in (SectionKind.COMPLAINTS, SectionKind.INDICATORS, SectionKind.TASKS):
        return False  # its generated figures are its content; the department's commentary is optional
    return is_blank(section.body)


@dataclass(frozen=True)
class SectionStatus:
    """One section as the summary lists it."""

    id: int
    kind: str
    title: str  # as shown on screen (shown_title)
    empty: bool
    reason: str  # 本年度无进展的说明 of an empty led matter, stripped ("" for the others)

    @property
    def blocking(self) -> bool:
        """An empty led matter without a stated reason: submission is refused while there is one."""
        return self.kind == SectionKind.LED_MATTER and self.empty and not self.reason

    @property
    def explained(self) -> bool:
        return self.kind == SectionKind.LED_MATTER and self.empty and bool(self.reason)


@dataclass(frozen=True)
class Completeness:
    """The summary: every section in order, the counts by kind, what blocks and what only warns."""

    sections: list[SectionStatus]
    led_filled: int = 0
    led_explained: int = 0  # empty, with a reason
    led_missing: int = 0  # empty, without a reason: blocks submission
    coop_filled: int = 0
    coop_empty: int = 0
    other_filled: int = 0  # free sections, the duties, the older single cooperating table
    other_empty: int = 0
    blocking: list[SectionStatus] = field(default_factory=list)
    warnings: list[SectionStatus] = field(default_factory=list)  # empty sections that do not block

    @property
    def led_total(self) -> int:
        return self.led_filled + self.led_explained + self.led_missing

    @property
    def coop_total(self) -> int:
        return self.coop_filled + self.coop_empty

    @property
    def ok(self) -> bool:
        """Nothing blocks submission (warnings may remain)."""
        return not self.blocking

    @property
    def complete(self) -> bool:
        """Every section has content (or, for a led matter, states why it has none)."""
        return not self.blocking and not self.warnings

    def blocking_message(self) -> LazyString | None:
        """Why submission is refused, naming every led matter concerned; None when nothing blocks."""
        if not self.blocking:
            return None
        names = "、".join(f"「{s.title}」" for s in self.blocking)
        return _l(
            "以下%(n)s项牵头事项既未填写内容，也未说明本年度无进展的原因：%(names)s。"
            "请填写这些事项，或在其编辑页填写「本年度无进展的说明」后再报送。",
            n=len(self.blocking),
            names=names,
        )


def completeness(report: AnnualReport) -> Completeness:
    """The completeness summary of a report, section by section in the report's order."""
    statuses: list[SectionStatus] = []
    counts = dict.fromkeys(
        ("led_filled", "led_explained", "led_missing", "coop_filled", "coop_empty", "other_filled", "other_empty"), 0
    )
    for section in report.sections:
        empty = section_is_empty(section)
        reason = ""
        if section.kind == SectionKind.LED_MATTER and empty:
            reason = "" if is_blank(section.no_progress_reason) else section.no_progress_reason.strip()
        status = SectionStatus(section.id, section.kind, section.shown_title, empty, reason)
        statuses.append(status)
        if section.kind == SectionKind.LED_MATTER:
            key = "led_missing" if status.blocking else "led_explained" if empty else "led_filled"
        elif section.kind == SectionKind.COOPERATING_MATTER:
            key = "coop_empty" if empty else "coop_filled"
        else:
            key = "other_empty" if empty else "other_filled"
        counts[key] += 1
    return Completeness(
        sections=statuses,
        blocking=[s for s in statuses if s.blocking],
        warnings=[s for s in statuses if s.empty and s.kind != SectionKind.LED_MATTER],
        **counts,
    )
