"""The audit log as a clerk reads it: Chinese labels, names instead of ids and codes, rich text shown
as a text diff (never its HTML), one row per entry. Only presentation: the entries stay as written."""

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from html.parser import HTMLParser
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from registry.core.audit import ACTION_LABELS, ENTITY_LABELS, FIELD_LABELS, AuditEntry
from registry.core.permissions import ROLE_LABELS
from registry.extensions import db
from registry.jurisdictions.models import LEVEL_LABELS, Jurisdiction
from registry.lists.models import ALL_LOWER, STATUS_LABELS, Department, Duty, Matter, PolicyDocument, Unit

# Fields whose values are prose (rich text in reports): shown as a diff of their text.
TEXT_FIELDS = {"description", "text", "progress", "measures", "problems", "plans", "body", "comment", "reason"}
# Past this many characters a run of unchanged text is shortened to its ends.
CONTEXT = 24
# A created record's prose is shown up to this many characters.
PREVIEW = 160
# A deleted or inserted stretch is shown up to this many characters.
LONGEST_CHANGE = 300
# Texts less alike than this are shown as replaced whole; unchanged slivers this short between two
# changes are folded into them.
REWRITTEN = 0.4
SLIVER = 2
UNIT_KIND_LABELS = {"internal": "内设机构", "affiliated": "直属单位"}


@dataclass
class Change:
    label: str
    kind: str  # "value": before → after; "text": segments; "list": removed and added items
    before: str | None = None
    after: str = ""
    segments: list[tuple[str, str]] = field(default_factory=list)  # ("equal" | "insert" | "delete", text)
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)


@dataclass
class Row:
    entry: AuditEntry
    action: str
    entity: str
    name: str
    url: str | None
    filter_key: str | None  # "type:id", to narrow the log to this record
    changes: list[Change]


# -- rich text to plain text ---------------------------------------------------------------------------

_BLOCKS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "br" or tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("· ")

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(value: str) -> str:
    """The words of stored rich text: tags dropped, entities decoded, one line per paragraph."""
    if "<" not in value and "&" not in value:
        return value.strip()
    parser = _Text()
    parser.feed(value)
    parser.close()
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.parts).split("\n")]
    return "\n".join(line for line in lines if line)


# Latin words and numbers stay whole; each Chinese character is a word of its own.
_TOKENS = re.compile(r"[A-Za-z0-9_.%]+|\s+|.", re.S)


def text_diff(before: str, after: str) -> list[tuple[str, str]]:
    """Deletions and insertions between two texts, unchanged stretches shortened to their ends."""
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < REWRITTEN:
        # A rewrite, not an edit: matching scattered characters would only make noise.
        return _shorten([s for s in (("delete", before), ("insert", after)) if s[1]])
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(("insert", "".join(b[j1:j2])))
    return _shorten(_merge(segments))


def _merge(segments: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Fold a sliver of unchanged text between two changes into them, so that a rewritten sentence
    reads as one deletion and one insertion rather than a comb of single characters."""
    out = list(segments)
    changed = True
    while changed:
        changed = False
        for i in range(1, len(out) - 1):
            op, text = out[i]
            if op == "equal" and len(text) <= SLIVER and out[i - 1][0] != "equal" and out[i + 1][0] != "equal":
                left, right = out[: i - 1], out[i + 2 :]
                deleted = "".join(t for o, t in out[i - 1 : i + 2] if o in ("delete", "equal"))
                inserted = "".join(t for o, t in out[i - 1 : i + 2] if o in ("insert", "equal"))
                middle = [("delete", deleted), ("insert", inserted)]
                out = left + [s for s in middle if s[1]] + right
                changed = True
                break
    # Neighbouring deletions and insertions: all deletions first, then all insertions.
    result: list[tuple[str, str]] = []
    for op, text in out:
        if op != "equal" and result and result[-1][0] != "equal":
            run = [result.pop()]
            while result and result[-1][0] != "equal":
                run.insert(0, result.pop())
            run.append((op, text))
            deleted = "".join(t for o, t in run if o == "delete")
            inserted = "".join(t for o, t in run if o == "insert")
            result += [s for s in (("delete", deleted), ("insert", inserted)) if s[1]]
        else:
            result.append((op, text))
    return result


def _shorten(segments: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for index, (op, text) in enumerate(segments):
        if op == "equal" and len(text) > 2 * CONTEXT:
            first, last = index == 0, index == len(segments) - 1
            head = "" if first else text[:CONTEXT]
            tail = "" if last else text[-CONTEXT:]
            text = f"{head}…{tail}"
        elif op != "equal" and len(text) > LONGEST_CHANGE:
            text = text[:LONGEST_CHANGE] + "…"
        out.append((op, text))
    return out


# -- values ----------------------------------------------------------------------------------------


class _Names:
    """Names for the codes a page of entries mentions, looked up once per page."""

    def __init__(self) -> None:
        self.jurisdictions: dict[str, str] | None = None

    def jurisdiction(self, code: str) -> str:
        if self.jurisdictions is None:
            rows = db.session.execute(select(Jurisdiction.code, Jurisdiction.name))
            self.jurisdictions = {code: name for code, name in rows}
        return self.jurisdictions.get(code, code)


def _codes(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [c for c in re.split(r"[、,，\s]+", str(value or "")) if c]


def _show(key: str, value: Any, names: _Names) -> str:
    """One recorded value as words."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if key in ("delegated_to", "parent"):
        return "、".join(names.jurisdiction(code) for code in _codes(value))
    if key == "territorial" and isinstance(value, str):  # one code of a matter's 属地落实 list
        return _("各下级人民政府") if value == ALL_LOWER else _("%(name)s人民政府", name=names.jurisdiction(value))
    labels = {
        "status": STATUS_LABELS,
        "role": ROLE_LABELS,
        "level": LEVEL_LABELS,
        "kind": UNIT_KIND_LABELS,
        "state": _report_states(),
    }.get(key)
    if labels and isinstance(value, str) and value in labels:
        return _(labels[value])
    if key in ("checksum", "sha256") and isinstance(value, str) and len(value) > 16:
        return value[:16] + "…"
    if key == "size" and isinstance(value, int):
        return _("%(kb)s KB", kb=max(1, round(value / 1024)))
    if isinstance(value, dict):
        return _indicator(value) if "target" in value else "；".join(f"{k}：{v}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_show(key, v, names) for v in value)
    if isinstance(value, str) and key in TEXT_FIELDS:
        return plain_text(value)
    return str(value)


def _indicator(row: dict[str, Any]) -> str:
    met = {True: _("达标"), False: _("未达标")}.get(row.get("met"), "")
    unit = row.get("unit") or ""
    text = _(
        "%(name)s：目标 %(target)s%(unit)s，实际 %(actual)s%(unit)s",
        name=row.get("name", ""),
        target=row.get("target") or "—",
        actual=row.get("actual") or "—",
        unit=unit,
    )
    return f"{text}（{met}）" if met else text


def _report_states() -> dict[str, str]:
    from registry.reports.models import STATE_LABELS

    return STATE_LABELS


def _changes(entry: AuditEntry, names: _Names) -> list[Change]:
    created = entry.before is None
    changes = []
    for key, before, after in entry.changes():
        label = _(FIELD_LABELS[key]) if key in FIELD_LABELS else key
        if isinstance(before, list) or isinstance(after, list):
            old = [_show(key, v, names) for v in before or []]
            new = [_show(key, v, names) for v in after or []]
            if created:
                if new:
                    changes.append(Change(label, "value", after="、".join(new)))
            else:
                removed, added = [v for v in old if v not in new], [v for v in new if v not in old]
                changes.append(Change(label, "list", removed=removed, added=added))
            continue
        old, new = _show(key, before, names), _show(key, after, names)
        if created and new == "—":
            continue  # a new record's empty fields say nothing
        if key in TEXT_FIELDS and not created and (len(old) > CONTEXT or len(new) > CONTEXT):
            old_text = "" if before in (None, "") else old
            new_text = "" if after in (None, "") else new
            changes.append(Change(label, "text", segments=text_diff(old_text, new_text)))
        elif created:
            changes.append(Change(label, "value", after=new if len(new) <= PREVIEW else new[:PREVIEW] + "…"))
        else:
            # Nothing before (a comment added, a field first filled): only the new value, marked new.
            changes.append(Change(label, "value", before="" if old == "—" else old, after=new))
    return changes


# -- which record ------------------------------------------------------------------------------------


def _load(model, ids: set[int], *options) -> dict[int, Any]:
    if not ids:
        return {}
    return {obj.id: obj for obj in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options))}


def _records(entries: list[AuditEntry]) -> dict[tuple[str, int], tuple[str, str | None]]:
    """(entity_type, id) → (name, link) for the records a page of entries is about."""
    from registry.auth.models import User
    from registry.reports.models import (
        AnnualReport,
        CooperationReminder,
        ReportAttachment,
        ReportingCycle,
        ReportSection,
    )
    from registry.versions.models import ListVersion

    ids: dict[str, set[int]] = {}
    for e in entries:
        if e.entity_id is not None:
            ids.setdefault(e.entity_type, set()).add(e.entity_id)
    found: dict[tuple[str, int], tuple[str, str | None]] = {}

    def put(kind: str, model, describe, *options) -> None:
        for obj_id, obj in _load(model, ids.get(kind, set()), *options).items():
            found[(kind, obj_id)] = describe(obj)

    put("matters", Matter, lambda m: (m.title, url_for("lists.matter", matter_id=m.id)))
    put("departments", Department, lambda d: (d.name, url_for("lists.department", department_id=d.id)))
    put(
        "units",
        Unit,
        lambda u: (f"{u.department.name} · {u.name}", url_for("lists.department", department_id=u.department_id)),
        joinedload(Unit.department),
    )
    put(
        "duties",
        Duty,
        lambda d: (
            _("%(department)s 第%(seq)s条职责", department=d.department.name, seq=d.seq),
            url_for("lists.department", department_id=d.department_id),
        ),
        joinedload(Duty.department),
    )
    put("policy_documents", PolicyDocument, lambda d: (d.label, None))
    put("list_versions", ListVersion, lambda v: (v.label, url_for("versions.show", version_id=v.id)))
    put("jurisdictions", Jurisdiction, lambda j: (j.name, url_for("lists.jurisdiction", code=j.code)))
    put("users", User, lambda u: (f"{u.display_name}（{u.username}）", None))
    put(
        "reporting_cycles",
        ReportingCycle,
        lambda c: (_("%(year)s年度报告周期", year=c.year), url_for("reports.cycle", cycle_id=c.id)),
    )
    put("annual_reports", AnnualReport, lambda r: (r.title, url_for("reports.report", report_id=r.id)))
    put(
        "report_sections",
        ReportSection,
        lambda s: (
            f"{s.report.title} · {s.title}",
            url_for("reports.report", report_id=s.report_id, _anchor=f"s{s.id}"),
        ),
        joinedload(ReportSection.report),
    )
    put(
        "report_attachments",
        ReportAttachment,
        lambda a: (f"{a.report.title} · {a.filename}", url_for("reports.report", report_id=a.report_id)),
        joinedload(ReportAttachment.report),
    )
    put(
        "cooperation_reminders",
        CooperationReminder,
        lambda r: (_("%(lead)s提醒%(to)s", lead=r.from_department.name, to=r.to_department.name), None),
        joinedload(CooperationReminder.from_department),
        joinedload(CooperationReminder.to_department),
    )
    return found


def _recorded_name(entry: AuditEntry) -> str:
    """A deleted record's name, from what the entry recorded of it."""
    data = entry.before or entry.after or {}
    for key in ("title", "name", "label", "username", "filename"):
        if data.get(key):
            return str(data[key])
    return ""


def present(entries: list[AuditEntry]) -> list[Row]:
    """A page of entries as the log shows them."""
    names, records = _Names(), _records(entries)
    rows = []
    for e in entries:
        name, url = records.get((e.entity_type, e.entity_id), (None, None))
        if name is None:
            recorded = _recorded_name(e)
            name = _("%(name)s（已删除）", name=recorded) if recorded and e.entity_id else recorded
        rows.append(
            Row(
                entry=e,
                action=_(ACTION_LABELS[e.action]) if e.action in ACTION_LABELS else e.action,
                entity=_(ENTITY_LABELS[e.entity_type]) if e.entity_type in ENTITY_LABELS else e.entity_type,
                name=name,
                url=url,
                filter_key=f"{e.entity_type}:{e.entity_id}" if e.entity_id is not None else None,
                changes=_changes(e, names),
            )
        )
    return rows
