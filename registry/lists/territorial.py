"""Territorial implementers (属地落实) and deadlines (完成时限) of matters as people read them: the lower
jurisdictions' governments by name, all of them as one phrase, and the date a deadline text names."""

from datetime import date
from typing import Any

from sqlalchemy import select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.models import ALL_LOWER

# How lists write "every lower government" (以下均需…落实); also what the export writes for ALL_LOWER.
ALL_LOWER_LABEL = "各下级人民政府"
# Other spellings of it a file may use (read back by the plain import format).
ALL_LOWER_SPELLINGS = frozenset({ALL_LOWER, ALL_LOWER_LABEL, "各下级政府", "各级人民政府", "各下级"})


def territorial_plain(codes: list[str] | None, names: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Codes (or ALL_LOWER) as published: [{"code", "name"}], in the order given; `names` (code →
    name, lower_names()) spares a query per matter when many are shown."""
    codes = list(codes or ())
    if not codes:
        return []
    if ALL_LOWER in codes:
        return [{"code": ALL_LOWER, "name": ALL_LOWER_LABEL}]
    if names is None:
        query = select(Jurisdiction.code, Jurisdiction.name).where(Jurisdiction.code.in_(codes))
        names = {code: name for code, name in db.session.execute(query)}
    return [{"code": code, "name": names.get(code, code)} for code in codes]


def published_territorial(items: list[Any] | None, names: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Territorial implementers as a published version froze them ([{"code", "name"}], names as they
    were then). Versions frozen before names were kept hold codes only: those are named now."""
    items = list(items or ())
    if all(isinstance(i, dict) for i in items):
        return [{"code": str(i.get("code") or ""), "name": str(i.get("name") or i.get("code") or "")} for i in items]
    return territorial_plain([i.get("code") if isinstance(i, dict) else str(i) for i in items], names)


def lower_names(jurisdiction_id: int) -> dict[str, str]:
    """Code → name of the jurisdictions directly below one (those its matters' 属地落实 name)."""
    query = select(Jurisdiction.code, Jurisdiction.name).where(Jurisdiction.parent_id == jurisdiction_id)
    return {code: name for code, name in db.session.execute(query)}


def territorial_text(items: list[dict[str, Any]] | None) -> str:
    """Published territorial implementers as one cell of text (各下级人民政府, or 甲区、乙区)."""
    return "、".join(str(i.get("name") or i.get("code") or "") for i in items or ())


def deadline_of(text: str, year: int | None = None) -> date | None:
    """The date a 完成时限 text names (2026年6月底前 → 2026-06-30; 年底前 only with the list's `year`),
    read by the import's phrase reader (imports.phrases); None when the text names no date."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        from registry.imports import phrases
    except ImportError:  # the phrase reader is part of the import: without it, no date is read
        return None
    find, read = getattr(phrases, "find_deadline", None), getattr(phrases, "deadline_date", None)
    if find is None or read is None:
        return None
    found = read(find(text) or text, year)
    return found if isinstance(found, date) else None
