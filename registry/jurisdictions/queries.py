"""Read-only look-ups of the jurisdiction tree."""

from sqlalchemy import select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction


def by_code(code: str) -> Jurisdiction | None:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))


def tree() -> list[tuple[Jurisdiction, int]]:
    """Every jurisdiction with its depth, parents before their children, by code."""
    everything = db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.code)).all()
    children: dict[int | None, list[Jurisdiction]] = {}
    for j in everything:
        children.setdefault(j.parent_id, []).append(j)
    result: list[tuple[Jurisdiction, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for j in children.get(parent_id, []):
            result.append((j, depth))
            walk(j.id, depth + 1)

    walk(None, 0)
    return result
