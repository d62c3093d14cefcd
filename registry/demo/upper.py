"""Demo of the upper list moving (#14): 示例省's 2024 list worded two matters otherwise than its 2025
list, and 江川市's list still follows the 2024 one. So jiangchuan_office's workbench says 上级清单已更新
and its page lists the two reworded province matters with 江川市's corresponding matters: the
straw-burning matter linked to the province's (upper_matter_id), the black-odorous-water matter found
by similarity. Idempotent: nothing happens once the province or the city has published."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from registry.core import audit
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists import services, upper
from registry.lists.models import Matter
from registry.versions.models import ListVersion

ACTOR = "演示数据"
JIANGCHUAN = "990100"
# The province's matters as its 2024 list worded them (the 2025 list words them as the reference file does).
EARLIER = {
    "城市黑臭水体治理": "推进城市黑臭水体整治，基本消除城市建成区黑臭水体。",
    "秸秆露天焚烧管控与综合利用": "组织秸秆禁烧巡查，推进秸秆综合利用。",
}
# 江川市's matter linked to the province's matter it follows.
LINKED = ("秸秆禁烧网格化巡查", "秸秆露天焚烧管控与综合利用")


def _matter(jurisdiction: Jurisdiction, title: str) -> Matter | None:
    return db.session.scalar(select(Matter).where(Matter.jurisdiction_id == jurisdiction.id, Matter.title == title))


def _has_versions(jurisdiction: Jurisdiction) -> bool:
    return db.session.scalar(select(ListVersion.id).where(ListVersion.jurisdiction_id == jurisdiction.id)) is not None


def _reword(matter: Matter, description: str) -> None:
    services.update_matter(
        matter,
        title=matter.title,
        category=matter.category,
        description=description,
        lead=matter.lead,
        cooperating=matter.cooperating,
        citations=[(c.document, c.article) for c in matter.citations],
        actor=ACTOR,
    )


@contextmanager
def earlier_wording(province: Jurisdiction) -> Iterator[None]:
    """Within: the province's matters read as its 2024 list had them (only before its first version)."""
    if _has_versions(province):
        yield
        return
    later = {}
    for title, text in EARLIER.items():
        if (matter := _matter(province, title)) is not None:
            later[title] = matter.description
            _reword(matter, text)
    yield
    for title, text in later.items():
        _reword(_matter(province, title), text)


def follow_earlier(city: Jurisdiction) -> None:
    """江川市's list follows the province's 2024 list (before the city first publishes)."""
    if city.code != JIANGCHUAN or _has_versions(city) or upper.follow_of(city) is not None:
        return
    earlier = db.session.scalar(
        select(ListVersion).where(ListVersion.jurisdiction_id == city.parent_id, ListVersion.label == "2024年版")
    )
    if earlier is None:
        return
    upper.set_follow(city, earlier, actor=ACTOR)
    mine, theirs = _matter(city, LINKED[0]), _matter(city.parent, LINKED[1])
    if mine is not None and theirs is not None and mine.upper_matter_id is None:
        before = {"upper_matter": None}
        mine.upper_matter_id = theirs.id
        db.session.flush()
        audit.record(
            ACTOR,
            "update",
            mine,
            jurisdiction_id=city.id,
            before=before,
            after={"upper_matter": theirs.id},
            summary=f"关联上级事项「{theirs.title}」",
        )
