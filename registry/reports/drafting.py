"""Editing a report section by its kind: which form and fields, which hints, and what a matter's
section shows around its fields (the lead department of a cooperating matter).

The rule of which fields a kind has lives in services.PLAIN_FIELDS; this module only builds the
forms and page data from it, so the view stays thin.
"""

from collections.abc import Iterable

from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from sqlalchemy import select

from registry.extensions import db
from registry.reports.content import html_to_text
from registry.reports.forms import (
    COOPERATION_HINT,
    NO_PROGRESS_HINT,
    RICH_HINT,
    TEXT_HINT,
    CoopMatterForm,
    LedMatterForm,
    SectionForm,
)
from registry.reports.models import ReportSection, SectionKind
from registry.reports.services import PLAIN_FIELDS, IndicatorRow

__all__ = ["FIELD_LABELS", "FORMS", "PLAIN_FIELDS"]
from registry.versions.models import VersionAssignment

FORMS: dict[str, type[FlaskForm]] = {
    SectionKind.LED_MATTER: LedMatterForm,
    SectionKind.COOPERATING_MATTER: CoopMatterForm,
}
# The labels of the structured fields, in the order a page shows them (the PDF has its own copy).
FIELD_LABELS = {
    "cooperation": "配合落实情况",
    "progress": "工作进展",
    "measures": "主要措施与成效",
    "problems": "存在问题",
    "plans": "下一步计划",
    "no_progress_reason": "本年度无进展的说明",
}


def form_class(section: ReportSection) -> type[FlaskForm]:
    """The form of a section's kind: structured fields for a matter, one rich-text body otherwise."""
    return FORMS.get(section.kind, SectionForm)


def plain_fields(section: ReportSection) -> tuple[str, ...]:
    """The structured plain-text fields of the section, in the order they are shown; () for prose."""
    return PLAIN_FIELDS.get(section.kind, ())


def hints(section: ReportSection) -> dict[str, LazyString]:
    """The hint under each field: plain words, never tag names (the page shows them as text)."""
    if not plain_fields(section):
        return {"body": RICH_HINT}
    return {
        **dict.fromkeys(plain_fields(section), TEXT_HINT),
        "cooperation": COOPERATION_HINT,
        "no_progress_reason": NO_PROGRESS_HINT,
    }


def fill_form(form: FlaskForm, section: ReportSection) -> None:
    """The form as stored. A structured field still in the old HTML form is shown as the plain text it
    stands for, so the writer never meets tags (it is saved as plain text from then on)."""
    form.lock_version.data = section.lock_version
    names = plain_fields(section)
    if not names:
        form.body.data = section.body
        return
    for name in names:
        getattr(form, name).data = html_to_text(getattr(section, name))
    if section.kind == SectionKind.LED_MATTER:
        for indicator in section.indicators:
            form.indicators.append_entry(
                {**indicator.plain(), "met": {True: "yes", False: "no"}.get(indicator.met, "")}
            )
        for _i in range(2):  # blank rows to add indicators without JavaScript
            form.indicators.append_entry()


def submitted_fields(form: FlaskForm, section: ReportSection) -> dict[str, str]:
    """The text fields of the form, by name, as the service takes them."""
    return {name: getattr(form, name).data or "" for name in (plain_fields(section) or ("body",))}


def indicator_rows(form: FlaskForm) -> list[IndicatorRow]:
    """The indicator rows kept (rows marked 删除此行 are left out)."""
    return [
        IndicatorRow(
            name=e.form.name.data or "",
            unit=e.form.unit.data or "",
            target=e.form.target.data or "",
            actual=e.form.actual.data or "",
            met={"yes": True, "no": False}.get(e.form.met.data),
        )
        for e in form.indicators.entries
        if not e.form.remove.data
    ]


def lead_names(sections: Iterable[ReportSection]) -> dict[int, str]:
    """The lead department's name of each matter a section is about, by version matter id (one query)."""
    ids = {s.version_matter_id for s in sections if s.version_matter_id}
    if not ids:
        return {}
    rows = db.session.execute(
        select(VersionAssignment.version_matter_id, VersionAssignment.department_name).where(
            VersionAssignment.version_matter_id.in_(ids), VersionAssignment.role == "lead"
        )
    )
    return dict(rows.tuples().all())
