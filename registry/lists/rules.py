"""The rules of a working list that the database cannot see, as functions of plain values, so that the
services (one change at a time) and the import planner (a whole file at once) apply the same rules
with the same words. Each returns the problems it finds: (form field, message), none when all is well.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Party:
    """A department as the assignment rules see it."""

    key: object  # whatever identifies it to the caller (an id, or a name not yet created)
    name: str
    jurisdiction_id: int
    active: bool = True


Problem = tuple[str, object]  # (form field, lazily translated message)


def assignment_problems(
    jurisdiction_id: int,
    jurisdiction_name: str,
    lead: Party | None,
    cooperating: Sequence[Party],
    co_leads: Sequence[Party] = (),
) -> list[Problem]:
    """A matter's lead, co-lead and cooperating departments: all of the matter's own jurisdiction and
    in being, no department twice, none in two roles (DESIGN: "Model and its invariants")."""
    problems: list[Problem] = []
    parties = [(lead, "lead"), *((c, "co_leads") for c in co_leads), *((c, "cooperating") for c in cooperating)]
    for party, field in parties:
        if party is None:
            continue
        if party.jurisdiction_id != jurisdiction_id:
            problems.append(
                (
                    field,
                    _l(
                        "「%(department)s」不属于%(jurisdiction)s，不能承担本级事项。",
                        department=party.name,
                        jurisdiction=jurisdiction_name,
                    ),
                )
            )
        elif not party.active:
            problems.append((field, _l("部门「%(department)s」已撤销，不能承担事项。", department=party.name)))
    seen = set()
    for party in co_leads:
        if lead is None:
            problems.append(("co_leads", _l("未指定牵头部门的事项不能有共同牵头部门。")))
            break
        if party.key == lead.key:
            problems.append(
                ("co_leads", _l("「%(department)s」已是牵头部门，不能同时作为共同牵头部门。", department=party.name))
            )
        elif party.key in seen:
            problems.append(("co_leads", _l("共同牵头部门「%(department)s」重复。", department=party.name)))
        seen.add(party.key)
    co_lead_keys, seen = set(seen), set()
    for party in cooperating:
        if party.key in co_lead_keys:
            problems.append(
                (
                    "cooperating",
                    _l("「%(department)s」已是共同牵头部门，不能同时作为配合部门。", department=party.name),
                )
            )
        elif lead is not None and party.key == lead.key:
            problems.append(
                ("cooperating", _l("「%(department)s」已是牵头部门，不能同时作为配合部门。", department=party.name))
            )
        elif party.key in seen:
            problems.append(("cooperating", _l("配合部门「%(department)s」重复。", department=party.name)))
        seen.add(party.key)
    return problems


def delegated_problems(title: str, delegated_to: str | None, *, names_departments: bool) -> list[Problem]:
    """A matter delegated to a lower level (§5) gets no lead or cooperating department here."""
    if delegated_to is None or not names_departments:
        return []
    return [
        (
            "lead",
            _l(
                "「%(title)s」已交由%(jurisdiction)s研究明确，本级不再指定牵头或配合部门。",
                title=title,
                jurisdiction=delegated_to,
            ),
        )
    ]


BASIS_KINDS = ("meeting", "document")


def basis_problems(basis_kind: str, basis_doc_number: str, basis_date: object) -> list[Problem]:
    """The basis of a §5 decision: how it was decided (a meeting, or a document with its number) and when."""
    problems: list[Problem] = []
    if basis_kind not in BASIS_KINDS:
        problems.append(("basis_kind", _l("请选择决定方式（会议研究或发文明确）。")))
    if basis_kind == "document" and not (basis_doc_number or "").strip():
        problems.append(("basis_doc_number", _l("发文明确的，请填写文号。")))
    if basis_date is None:
        problems.append(("basis_date", _l("请填写决定日期。")))
    return problems


# What a matter's responsibility text says while no lead is decided (§5), in the words lists use:
# "尚未明确牵头部门，待省委、省政府研究明确。", "牵头部门待明确", "待市委、市政府研究明确" …
PENDING_PHRASES = (
    re.compile(r"[尚暂]未明确牵头(?:部门|单位)?"),
    re.compile(r"牵头(?:部门|单位)[尚暂]?待(?:研究)?明确"),
    re.compile(r"待[^。；;，,\n]{0,24}研究明确"),
)


def says_lead_pending(text: str | None) -> bool:
    """Whether a matter's responsibility text says its lead is still to be decided."""
    return bool(text) and any(p.search(text) for p in PENDING_PHRASES)
