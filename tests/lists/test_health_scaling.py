"""Look-alike matter titles on the list health page (清单体检) are found without comparing every pair of
titles, and are exactly the pairs that comparing every pair finds. Behaviour only: the timing at
5,000 matters is measured by `bench/health.py`, never asserted here."""

import html
import random
import re
from itertools import combinations
from types import SimpleNamespace

from sqlalchemy import select

from bench.vocab import TitleMaker
from registry.extensions import db
from registry.lists import services
from registry.lists.models import Matter
from registry.lists.queries import duplicate_pairs, looks_duplicate, normalise_title, similar_title_pairs
from tests.lists.conftest import jurisdiction

# Flagged: (category, title, title).
NEAR = [
    ("大气", "工业园区扬尘综合整治", "工业园区扬尘排查整治"),  # 16 of 20 characters alike: ratio 0.8
    ("大气", "餐饮油烟污染治理", "城区餐饮油烟污染治理工作"),  # one contains the other
    ("水", "农村黑臭水体 整治（试点）", "农村黑臭水体整治试点"),  # the same once spaces and brackets go
]
# Not flagged.
DISTINCT = [
    ("土壤", "城区扬尘综合整治", "城区扬尘排查整治"),  # 12 of 16 alike: ratio 0.75, under the threshold
    ("固体废物", "工业园区危险废物综合整治", "农村生活垃圾综合整治"),  # only the action in common
    ("噪声", "扬尘", "施工扬尘"),  # too short to count as contained
]


def all_pairs(items) -> list:
    """The former check, as the reference: every pair of titles of a category compared."""
    by_category: dict[str, list] = {}
    for item in items:
        by_category.setdefault(item.category, []).append(item)
    return [
        (a, b)
        for group in by_category.values()
        for a, b in combinations(group, 2)
        if looks_duplicate(normalise_title(a.title), normalise_title(b.title))
    ]


def flagged_on_page(page: str) -> set[frozenset[str]]:
    section = page.split("名称疑似重复的事项")[1]
    rows = re.findall(r"<tr><td>[^<]*</td><td><a [^>]*>([^<]*)</a></td><td><a [^>]*>([^<]*)</a></td></tr>", section)
    return {frozenset((html.unescape(a), html.unescape(b))) for a, b in rows}


def test_near_duplicates_are_flagged_and_distinct_titles_are_not(browser):
    province = jurisdiction("990000")
    for category, *titles in NEAR + DISTINCT:
        for title in titles:
            services.create_matter(province, title=title, category=category, actor="测试")
    db.session.commit()

    browser.login("province_office")
    flagged = flagged_on_page(browser.get("/manage/990000/health"))

    for _, a, b in NEAR:
        assert frozenset((a, b)) in flagged, (a, b)
    for _, a, b in DISTINCT:
        assert frozenset((a, b)) not in flagged, (a, b)
    # And exactly what comparing every pair of the jurisdiction's titles finds, demo matters included.
    everything = db.session.scalars(
        select(Matter).where(Matter.jurisdiction_id == province.id).order_by(Matter.seq, Matter.id)
    ).all()
    assert flagged == {frozenset((a.title, b.title)) for a, b in all_pairs(everything)}


def test_a_generated_list_gives_the_pairs_and_order_of_comparing_every_pair():
    """Titles built like the benchmark's (场所 + 对象 + 举措, many look-alikes), with normalisation
    noise, repeated characters and very short titles mixed in."""
    rng = random.Random(3)
    made = TitleMaker(rng).titles(600)
    items = [SimpleNamespace(id=n, category=category, title=title) for n, (category, title, _) in enumerate(made)]
    for n, item in enumerate(rng.sample(items, 60), start=len(items)):
        variant = rng.choice([f"{item.title} （试点）", f"全省{item.title}工作", item.title[2:], item.title[:3]])
        items.append(SimpleNamespace(id=n, category=item.category, title=variant))
    items += [
        SimpleNamespace(id=len(items) + k, category="水", title=title)
        for k, title in enumerate(["水水水污染", "水污染水水", "（）", "—", "ac", "abc", "Ａｃ"])
    ]
    rng.shuffle(items)

    found = duplicate_pairs(items)

    assert len(found) > 50
    assert [(a.id, b.id) for a, b in found] == [(a.id, b.id) for a, b in all_pairs(items)]


def test_similar_title_pairs_agrees_with_every_pair_on_random_titles():
    rng = random.Random(11)
    for _ in range(400):
        alphabet = "甲乙丙丁戊"[: rng.randint(2, 5)]
        titles = [
            "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 12])))
            for _ in range(rng.randint(1, 30))
        ]
        expected = [(i, j) for i, j in combinations(range(len(titles)), 2) if looks_duplicate(titles[i], titles[j])]
        assert similar_title_pairs(titles) == expected, titles
