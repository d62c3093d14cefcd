"""Jurisdictions as the public reads them (by code, by id, the tree, ancestors)."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.public.cache import remembered
from registry.versions.models import (
    ListVersion,
)

# -- jurisdictions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class JurisdictionRef:
    """What a request needs of a jurisdiction before it knows whether to render."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None

    def load(self) -> Jurisdiction:
        """The ORM object, for rendering (templates walk its parents and children)."""
        return db.session.get(Jurisdiction, self.id)


_JURISDICTION_COLUMNS = (
    Jurisdiction.id,
    Jurisdiction.code,
    Jurisdiction.name,
    Jurisdiction.level,
    Jurisdiction.parent_id,
)


# Every jurisdiction, once a publication: a page looks its own and its parents up in these maps
# instead of querying each (a country has a few thousand jurisdictions, a few hundred KB).


@remembered
def _every_jurisdiction() -> tuple[dict[str, JurisdictionRef], dict[int, JurisdictionRef]]:
    refs = [JurisdictionRef(*row) for row in db.session.execute(select(*_JURISDICTION_COLUMNS))]
    return {r.code: r for r in refs}, {r.id: r for r in refs}


def by_jurisdiction(rows) -> dict[int, tuple[dict[str, Any], ...]]:
    """Rows whose first column is `jurisdiction_id` as {jurisdiction id: (the rest of each row as a
    dict, in the rows' order)}: what a map per publication keeps."""
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        values = dict(row._mapping)
        found.setdefault(values.pop("jurisdiction_id"), []).append(values)
    return {jid: tuple(values) for jid, values in found.items()}


def jurisdiction_ref(code: str) -> JurisdictionRef | None:
    """A jurisdiction by code (cached under the publication token)."""
    return _every_jurisdiction()[0].get(code)


def jurisdiction_ref_by_id(jurisdiction_id: int) -> JurisdictionRef | None:
    return _every_jurisdiction()[1].get(jurisdiction_id)


def ancestor_refs(jurisdiction_id: int) -> list[JurisdictionRef]:
    """Parents from the nearest up to the root, like Jurisdiction.ancestors()."""
    result: list[JurisdictionRef] = []
    node = jurisdiction_ref_by_id(jurisdiction_id)
    while node is not None and node.parent_id is not None and len(result) < 16:
        node = jurisdiction_ref_by_id(node.parent_id)
        if node is not None:
            result.append(node)
    return result


@remembered
def jurisdiction_tree() -> list[dict[str, Any]]:
    """Every jurisdiction with its depth and whether it has a published version, parents first."""
    rows = db.session.execute(
        select(Jurisdiction.id, Jurisdiction.code, Jurisdiction.name, Jurisdiction.level, Jurisdiction.parent_id)
    ).all()
    published = set(db.session.scalars(select(ListVersion.jurisdiction_id).distinct()))
    children: dict[int | None, list] = {}
    for row in sorted(rows, key=lambda r: r.code):
        children.setdefault(row.parent_id, []).append(row)
    result: list[dict[str, Any]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for r in children.get(parent_id, []):
            result.append(
                {
                    "id": r.id,
                    "code": r.code,
                    "name": r.name,
                    "level": r.level,
                    "depth": depth,
                    "published": r.id in published,
                }
            )
            walk(r.id, depth + 1)

    walk(None, 0)
    return result


def jurisdiction_plain(j: "Jurisdiction | JurisdictionRef") -> dict[str, str]:
    return {"code": j.code, "name": j.name}


@remembered
def published_jurisdiction_options() -> tuple[dict[str, Any], ...]:
    """The places a search can be narrowed to (those with a published list), parents first."""
    return tuple(j for j in jurisdiction_tree() if j["published"])
