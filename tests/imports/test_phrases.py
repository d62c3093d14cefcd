"""Deadlines, targets and territorial implementers read from a task's text (#14, imports.phrases)."""

from datetime import date

import pytest

from registry.imports.phrases import deadline_date, find_deadline, find_targets, territorial


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("开展乡镇级水源地环境问题排查整治，2026年10月底前完成。", "2026年10月底前"),
        ("年底前完成整改。", "年底前"),
        ("2026年6月底前建成投运", "2026年6月底前"),
        ("2027年底前基本消除劣V类水体", "2027年底前"),
        ("6月底前完成摸底排查", "6月底前"),
        ("2026年12月31日前完成验收", "2026年12月31日前"),
    ],
)
def test_deadline_phrase_is_found_as_written(text, phrase):
    assert find_deadline(text) == phrase


@pytest.mark.parametrize("text", ["持续推进", "长期坚持", "持续开展巡查", "常态化开展执法检查", "推进水底前期清淤", ""])
def test_states_are_not_deadlines(text):
    assert find_deadline(text) == ""


@pytest.mark.parametrize(
    ("phrase", "year", "day"),
    [
        ("2026年6月底前", None, date(2026, 6, 30)),
        ("2026年10月底前", 2025, date(2026, 10, 31)),
        ("2027年底前", None, date(2027, 12, 31)),
        ("2026年12月31日前", None, date(2026, 12, 31)),
        ("年底前", 2026, date(2026, 12, 31)),
        ("年底前", None, None),
        ("6月底前", 2028, date(2028, 6, 30)),
        ("2028年2月底前", None, date(2028, 2, 29)),
        ("6月底前", None, None),
        ("持续推进", 2026, None),
        ("2026年13月底前", None, None),
    ],
)
def test_deadline_date_is_the_last_day_named(phrase, year, day):
    assert deadline_date(phrase, year) == day


def test_target_with_a_symbol():
    (target,) = find_targets("到2025年，城市生活垃圾回收利用率≥70%。")
    assert target == {
        "indicator": "城市生活垃圾回收利用率",
        "comparison": "≥",
        "value": 70.0,
        "unit": "%",
        "stretch_value": None,
        "text": "城市生活垃圾回收利用率≥70%",
    }


def test_target_controlled_below_with_its_unit():
    (target,) = find_targets("PM2.5平均浓度控制在36μg/m³以下。")
    assert (target["indicator"], target["comparison"], target["value"], target["unit"]) == (
        "PM2.5平均浓度",
        "≤",
        36.0,
        "μg/m³",
    )
    assert target["stretch_value"] is None


def test_target_with_a_stretch_value():
    (target,) = find_targets("细颗粒物浓度保持在30以下，力争25")
    assert (target["indicator"], target["comparison"], target["value"], target["stretch_value"]) == (
        "细颗粒物浓度",
        "≤",
        30.0,
        25.0,
    )
    assert target["text"] == "细颗粒物浓度保持在30以下，力争25"


def test_target_reached_or_above():
    (target,) = find_targets("达到90%以上")
    assert (target["comparison"], target["value"], target["unit"]) == ("≥", 90.0, "%")
    (target,) = find_targets("地表水优良水体比例达到90%以上。")
    assert target["indicator"] == "地表水优良水体比例"


@pytest.mark.parametrize(
    "text", ["淘汰35蒸吨/小时以下燃煤锅炉。", "达到国家标准", "完成县级以上饮用水水源保护区标志设置", "持续推进"]
)
def test_no_target_is_invented(text):
    assert find_targets(text) == []


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("各区县人民政府负责落实", ""),
        ("各县（市、区）人民政府", ""),
        ("各区政府", ""),
        ("各乡镇人民政府、市生态环境局", "市生态环境局"),
        ("市生态环境局牵头，县（市、区）政府负责落实", "市生态环境局牵头"),
    ],
)
def test_every_lower_government(text, rest):
    assert territorial(text) == (["*"], rest)


def test_named_lower_governments():
    assert territorial("江东区人民政府、江西区人民政府") == (["江东区", "江西区"], "")
    assert territorial("市水利局牵头，江东区人民政府负责落实") == (["江东区"], "市水利局牵头")
    assert territorial("江东区、江西区人民政府") == (["江东区", "江西区"], "")


def test_departments_alone_are_not_territorial():
    assert territorial("市生态环境局、市水利局") == ([], "市生态环境局、市水利局")


def test_more_ways_of_writing_a_deadline():
    assert find_deadline("2026年6月底以前完成") == "2026年6月底以前"
    assert deadline_date("2026年6月底以前", None) == date(2026, 6, 30)
    # 2026年前 could be the end of 2025 or of 2026: not read
    assert find_deadline("2026年前完成") == ""


@pytest.mark.parametrize("text", ["排放量控制在2025年水平", "力争达到2026年目标"])
def test_a_year_is_not_a_target_value(text):
    assert find_targets(text) == []


def test_every_lower_government_written_with_parentheses():
    assert territorial("各区（县）人民政府负责") == (["*"], "")
