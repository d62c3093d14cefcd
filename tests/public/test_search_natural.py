"""“谁负责？” as people type: words in any order and with gaps, everyday words through the synonym
table, the closest matters first, and suggestions when nothing holds the words."""

import re

import pytest

from registry.public import search, synonyms


def _titles(client, q: str, **args) -> list[str]:
    response = client.get("/search", query_string={"q": q, **args})
    assert response.status_code == 200, q
    html = response.get_data(as_text=True)
    return re.findall(r'<h2><a href="/matters/\d+">([^<]+)</a></h2>', html)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("秸秆焚烧", "秸秆露天焚烧管控与综合利用"),  # the words with a gap
        ("烧秸秆", "秸秆露天焚烧管控与综合利用"),  # another order, through the table
        ("工地扬尘", "建筑施工扬尘污染防治"),  # 工地 → 施工
        ("噪音", "建筑施工噪声污染防治"),  # 噪音 → 噪声
        ("臭水沟", "城市黑臭水体治理"),  # 臭水沟 → 黑臭水体
    ],
)
def test_everyday_queries_find_the_matter_a_person_expects(client, demo, q, expected):
    titles = _titles(client, q)
    assert expected in titles[:3], (q, titles)


def test_the_closest_matters_come_first(client, demo):
    # 秸秆焚烧: the province's title holds both words; the city's title says 秸秆禁烧 (a synonym)
    titles = _titles(client, "秸秆焚烧")
    assert titles[0] == "秸秆露天焚烧管控与综合利用"
    assert "秸秆禁烧网格化巡查" in titles
    # 臭水沟: the matters named after black and smelly water before any that only mention it
    assert _titles(client, "臭水沟")[:2] == ["城市黑臭水体治理", "城市内河黑臭水体长治久清"]
    # every noise matter holds 噪声 in its title: they come before matters that only mention noise
    noise = _titles(client, "噪音")
    named = [t for t in noise if "噪声" in t]
    assert len(named) >= 4 and noise[: len(named)] == named


def test_a_one_character_everyday_word_works_through_the_table(client, demo, tmp_path, monkeypatch):
    table = tmp_path / "synonyms.txt"
    table.write_text("# 只有“烧”\n烧→焚烧 禁烧\n", encoding="utf-8")
    monkeypatch.setenv("REGISTRY_SYNONYMS", str(table))
    assert "秸秆露天焚烧管控与综合利用" in _titles(client, "烧秸秆")[:2]
    assert "秸秆露天焚烧管控与综合利用" in _titles(client, "烧")
    # 烧 inside another word is that word, not 焚烧
    assert client.get("/api/v1/matters", query_string={"q": "烧烤"}).get_json()["total"] == 0
    # the office edits the table: the next search follows it
    table.write_text("", encoding="utf-8")
    import os

    os.utime(table, (1, 1))
    html = client.get("/search", query_string={"q": "烧"}).get_data(as_text=True)
    assert "请输入至少两个字的关键词。" in html


def test_the_table_is_data_in_the_documented_format():
    parsed = synonyms.parse("噪音→噪声\n# 注释\n臭味 异味、恶臭\n工地 -> 施工 建筑工地\n")
    assert parsed["噪音"] == ("噪声",) and "噪音" not in parsed.get("噪声", ())
    assert set(parsed["异味"]) == {"臭味", "恶臭"}
    assert parsed["工地"] == ("施工", "建筑工地")
    shipped = synonyms.parse(synonyms.DEFAULT_PATH.read_text(encoding="utf-8"))
    for word in ["噪音", "臭水沟", "工地", "烧", "垃圾", "冒黑烟", "油烟", "偷排", "污水", "臭味", "黑烟囱"]:
        assert shipped.get(word), word


def test_all_words_before_some(client, demo):
    hits = search.search_ids("秸秆 火星")
    assert hits.all_words_total == 0 and hits.some_total >= 2
    html = client.get("/search", query_string={"q": "秸秆 火星"}).get_data(as_text=True)
    assert "没有找到同时包含全部关键词的事项" in html and "秸秆露天焚烧管控与综合利用" in html
    both = search.search_ids("秸秆 综合利用")
    assert both.all_words_total >= 1 and both.some_total >= 1
    html = client.get("/search", query_string={"q": "秸秆 综合利用"}).get_data(as_text=True)
    first, rest = html.split("只包含部分关键词的事项", 1)
    assert "秸秆露天焚烧管控与综合利用" in first and "秸秆禁烧网格化巡查" in rest


def test_nothing_found_suggests_the_nearest_matters(client, demo):
    # no matter holds 臭水 and 水沟 without the table: the page names those sharing most of the query
    html = client.get("/search", query_string={"q": "河臭水体沟渠"}).get_data(as_text=True)
    assert "没有找到包含“河臭水体沟渠”的事项" in html
    nearest = html.split("相近的事项", 1)[1]
    assert re.search(r'<a href="/matters/\d+">城市黑臭水体治理</a>', nearest)
    nothing = client.get("/search", query_string={"q": "火星基地"}).get_data(as_text=True)
    assert "没有找到" in nothing and "也可以试试" in nothing and "/search?q=" in nothing.split("也可以试试")[1]


def test_the_jurisdiction_filter_holds_for_every_tier(client, demo):
    titles = _titles(client, "秸秆焚烧", jurisdiction="990100")
    assert titles == ["秸秆禁烧网格化巡查"]
    assert _titles(client, "噪音", jurisdiction="990200") == ["夜间渣土运输噪声管控"]


@pytest.mark.parametrize(
    "q",
    [
        "秸" * 5000,
        "烧" * 300,
        "。，！？……",
        "秸",
        '"',
        '"秸秆',
        "*",
        "秸秆*",
        "NEAR(秸秆 扬尘)",
        "秸秆 OR 扬尘",
        "秸秆 AND NOT 扬尘",
        "-秸秆",
        "title : 秸秆",
        "scope:j1 OR v1",
        "'; DROP TABLE matters; --",
        "秸秆 & !扬尘 | 噪声 <-> 水",
        "\\ ' \" ( ) { } ^ ~ :",
        "噪音 臭水沟 工地 烧 垃圾 偷排 冒黑烟 油烟 污水 臭味 黑烟囱 秸秆",
    ],
)
def test_hostile_queries_never_break_the_page_or_the_api(client, demo, q):
    assert client.get("/search", query_string={"q": q}).status_code == 200
    assert client.get("/search", query_string={"q": q, "jurisdiction": "990100"}).status_code == 200
    assert client.get("/api/v1/matters", query_string={"q": q}).status_code in (200, 400)


def test_some_of_the_words_only_when_fewer_than_a_page_hold_all(client, demo, monkeypatch):
    """Matters holding only some of the words are a fallback: once a page's worth holds every word,
    they are not looked for (the dearest query) nor listed."""
    assert search.search_ids("秸秆 综合利用").some_total >= 1  # one matter holds both: the rest follow
    monkeypatch.setattr(search, "SOME_WHEN_FEWER_THAN", 1)
    hits = search.search_ids("秸秆 综合利用")
    assert hits.all_words_total == 1 and hits.some_total == 0
    html = client.get("/search", query_string={"q": "秸秆 综合利用"}).get_data(as_text=True)
    assert "秸秆露天焚烧管控与综合利用" in html
    assert "只包含部分关键词的事项" not in html and "秸秆禁烧网格化巡查" not in html
