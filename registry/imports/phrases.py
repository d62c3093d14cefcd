"""Phrases found inside a task's text (#14): deadlines (2026年6月底前, 年底前), targets (≥70%,
PM2.5平均浓度控制在36μg/m³以下, 力争25) and the governments that carry a task out (各区县人民政府,
江东区人民政府).

Only clear cases are read: a phrase that could mean two things is left in the text, never guessed.
The text itself is always kept verbatim by the caller.
"""

import calendar
import re
from datetime import date
from typing import Any

# -- deadlines -------------------------------------------------------------------------------

_DIGIT = "0-9０-９"
_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")

# 2026年10月底前, 2026年12月31日前, 6月底前, 2027年底前, 年底前, 2026年6月30日之前, 2026年年底前
_DEADLINE = re.compile(
    rf"(?:(?P<year>[{_DIGIT}]{{4}})年)?"
    rf"(?:(?P<month>[{_DIGIT}]{{1,2}})月(?:(?P<day>[{_DIGIT}]{{1,2}})[日号]|(?P<month_end>底|末))"
    r"|(?P<year_end>年?[底末]))"
    r"(?:之前|以前|前)"
)


def find_deadline(text: str) -> str:
    """The date-like deadline phrase as written (`2026年10月底前`, `年底前`), or "" when the text has
    none or only a state (持续推进, 长期坚持, 持续开展, 常态化)."""
    for match in _DEADLINE.finditer(text or ""):
        phrase = match.group(0)
        # 年底前 needs its 年: a bare 底前 is no date (水底前…).
        if match.group("year_end") and not match.group("year") and not phrase.startswith("年"):
            continue
        return phrase
    return ""


def deadline_date(phrase: str, year: int | None) -> date | None:
    """The last day a deadline phrase names: `2026年6月底前` → 2026-06-30; `年底前` → the 31 December
    of `year` (the list's year) when one is given, else None; None for anything else."""
    match = _DEADLINE.fullmatch((phrase or "").strip())
    if not match:
        return None
    parts = {k: (v.translate(_FULLWIDTH) if v else v) for k, v in match.groupdict().items()}
    the_year = int(parts["year"]) if parts["year"] else year
    if the_year is None:
        return None
    try:
        if parts["year_end"]:
            return date(the_year, 12, 31)
        month = int(parts["month"])
        if parts["day"]:
            return date(the_year, month, int(parts["day"]))
        return date(the_year, month, calendar.monthrange(the_year, month)[1])
    except ValueError:  # 2026年13月底前, 2月30日前
        return None


# -- targets ---------------------------------------------------------------------------------

_NUMBER = rf"[{_DIGIT}]+(?:[.．][{_DIGIT}]+)?"
# Units as lists write them; the longest first so 微克/立方米 wins over 米.
_UNITS = sorted(
    [
        "%",
        "％",
        "‰",
        "μg/m³",
        "μg/m3",
        "µg/m³",
        "µg/m3",
        "ug/m³",
        "ug/m3",
        "微克/立方米",
        "mg/m³",
        "mg/m3",
        "毫克/立方米",
        "mg/L",
        "mg/l",
        "毫克/升",
        "分贝",
        "dB",
        "dB(A)",
        "万吨",
        "吨",
        "万千瓦",
        "千瓦",
        "蒸吨/小时",
        "公顷",
        "万亩",
        "亩",
        "平方公里",
        "平方千米",
        "km²",
        "公里",
        "千米",
        "万立方米",
        "立方米",
        "吨/日",
        "万吨/日",
        "个",
        "座",
        "家",
        "处",
        "条",
        "天",
        "项",
        "次",
        "辆",
        "台",
        "户",
        "人",
    ],
    key=len,
    reverse=True,
)
_UNIT = "(?:" + "|".join(re.escape(u) for u in _UNITS) + ")"

# A verb and the comparison it means when no 以上 / 以下 follows ("" = not clear on its own).
_VERBS = {
    "不低于": "≥",
    "不少于": "≥",
    "不小于": "≥",
    "不高于": "≤",
    "不超过": "≤",
    "不大于": "≤",
    "不多于": "≤",
    "达到": "≥",
    "提高到": "≥",
    "提高至": "≥",
    "提升到": "≥",
    "提升至": "≥",
    "控制在": "≤",
    "降低到": "≤",
    "降低至": "≤",
    "下降到": "≤",
    "下降至": "≤",
    "降至": "≤",
    "低于": "<",
    "高于": ">",
    "大于": ">",
    "小于": "<",
    "保持在": "",
    "稳定在": "",
    "维持在": "",
}
_SYMBOLS = {"≥": "≥", "≧": "≥", ">=": "≥", "≤": "≤", "≦": "≤", "<=": "≤", "＞": ">", ">": ">", "＜": "<", "<": "<"}
_SYMBOLS.update({"=": "=", "＝": "="})
_SUFFIXES = {"以上": "≥", "及以上": "≥", "以下": "≤", "及以下": "≤", "以内": "≤"}

_COMPARE = "|".join(re.escape(k) for k in sorted([*_VERBS, *_SYMBOLS], key=len, reverse=True))
_SUFFIX = "|".join(re.escape(k) for k in sorted(_SUFFIXES, key=len, reverse=True))
_TARGET = re.compile(
    rf"(?P<compare>{_COMPARE})\s*(?P<value>{_NUMBER})(?![0-9０-９.．])(?!\s*[年月日号届])\s*(?P<unit>{_UNIT})?\s*(?P<suffix>{_SUFFIX})?"
    # 力争25 / 力争达到95%以上, right after the target
    rf"(?:[，,；;]?\s*力争(?:{_COMPARE})?\s*(?P<stretch>{_NUMBER})\s*(?P<stretch_unit>{_UNIT})?\s*(?:{_SUFFIX})?)?"
)
# Where the indicator's words begin: after the last clause mark before the comparison.
_CLAUSE_MARK = re.compile(r"[，。；;,：:、（）()\n]")
# An indicator is a few words: 城市生活垃圾回收利用率, 细颗粒物（PM2.5）平均浓度.
_INDICATOR_WINDOW = 200
_LEADING_WORDS = re.compile(r"^(?:确保|力争|要|使|推动|全面|基本|到\d{4}年(?:底)?|全市|全省|全县|全区)+")


def _number(text: str) -> float:
    return float(text.translate(_FULLWIDTH))


def find_targets(text: str) -> list[dict[str, Any]]:
    """The quantified targets in a task's text, each as {indicator, comparison (≥ ≤ < > = or ""),
    value, unit, stretch_value, text (the words read)}: `城市生活垃圾回收利用率≥70%`,
    `PM2.5平均浓度控制在36μg/m³以下`, `细颗粒物浓度保持在30以下，力争25`."""
    text = text or ""
    found = []
    for match in _TARGET.finditer(text):
        compare = match.group("compare")
        suffix = match.group("suffix")
        if compare in _SYMBOLS:
            comparison = _SYMBOLS[compare]  # ≥70%以上 still means ≥
        elif suffix and _VERBS[compare] not in ("<", ">"):
            comparison = _SUFFIXES[suffix]
        else:
            comparison = _VERBS[compare]
        # The clause mark is looked for only just before the comparison: looking through all the
        # text before each of many comparisons takes quadratic time.
        start = max(0, match.start() - _INDICATOR_WINDOW)
        before = text[start : match.start()]
        marks = list(_CLAUSE_MARK.finditer(before))
        if marks:
            before = before[marks[-1].end() :]
            start += marks[-1].end()
        indicator = _LEADING_WORDS.sub("", before.strip())
        if not indicator and not match.group("unit") and not suffix:
            # 达到3 with neither words nor a unit: not clearly a target
            continue
        unit = match.group("unit") or ""
        stretch = match.group("stretch")
        found.append(
            {
                "indicator": indicator,
                "comparison": comparison,
                "value": _number(match.group("value")),
                "unit": unit.replace("％", "%"),
                "stretch_value": _number(stretch) if stretch else None,
                "text": text[start : match.end()].strip(),
            }
        )
    return found


# -- territorial implementers ----------------------------------------------------------------

# Every lower government: 各区县人民政府, 各县（市、区）人民政府, 各区政府, 各乡镇人民政府, 县（市、区）政府.
_LOWER_UNITS = (
    r"(?:区县|县区|县市区|市县区|区（县）|县（市、区）|县\(市、区\)|县（市）|县（区）|市（县、区）|市、县（区）|市县|区|县|"
    r"乡镇|乡（镇）|镇|乡|街道|乡镇（街道）|镇（街道）|区县（市）|县（市、区、旗）)"
)
_ALL_LOWER = re.compile(
    rf"(?:各{_LOWER_UNITS}|(?:县（市、区）|县\(市、区\)|区县|县市区|市县区|乡镇|乡（镇）)(?=(?:人民)?政府))"
    r"(?:人民)?政府(?:（管委会）|\(管委会\))?(?:、(?:街道办事处|管委会))?"
)
# Named governments: 江东区人民政府, 江东区、江西区人民政府 (after a clause mark or at the start).
_DUTY_WORDS = r"(?:负责(?:组织)?落实|负责实施|具体落实|组织实施|负责|落实)?"
_EVERY = re.compile(_ALL_LOWER.pattern + _DUTY_WORDS)
# The names are looked for just before each 政府 (a bounded window: searching the whole text from
# every clause mark takes quadratic time on a long cell of 、-separated names).
_GOVERNMENT = re.compile(r"(?:人民)?政府" + _DUTY_WORDS)
_BEFORE_NAMES = re.compile(r"[，。；、,;（(：:\s和及与]")
_NAME_PREFIXES = ("由", "请", "督促", "指导")
_NAME_END = frozenset("区县市旗")
_MAX_NAMES = 10
_BOUNDARY = re.compile(r"[，。；、,;（(：:\s]")
_WINDOW = 100
_LEFTOVER = re.compile(r"^[，,、；;。\s]+|[，,、；;\s]+$")


def territorial(text: str) -> tuple[list[str], str]:
    """The lower governments the text names as carrying the task out — ["*"] for every one of them
    (各区县人民政府, 县（市、区）政府负责落实), else their names as written (江东区人民政府 → 江东区) —
    and the text with those phrases taken out."""
    text = text or ""
    names: list[str] = []
    rest = text
    if _EVERY.search(rest):
        names = ["*"]
        rest = _EVERY.sub("", rest)
    spans = []
    for government in _GOVERNMENT.finditer(rest):
        start = max(0, government.start() - _WINDOW)
        window = rest[start : government.start()]
        if start:  # begin the window at a clause mark, not inside a name
            cut = _BOUNDARY.search(window)
            window, start = (window[cut.end() :], start + cut.end()) if cut else ("", government.start())
        match = _named_before(window)
        if not match:
            continue
        begin, found = match
        spans.append((start + begin, government.end()))
        for name in found:
            # 市人民政府 is the list's own government, not a lower one.
            if len(name) >= 2 and name not in names and names != ["*"]:
                names.append(name)
    for begin, end in reversed(spans):
        rest = rest[:begin] + rest[end:]
    if names:
        rest = _tidy(rest)
    return names, rest


def _named_before(window: str) -> tuple[int, list[str]] | None:
    """Where the names of governments that end the window begin (at its start or after a clause
    mark or 和/及/与, past a 由/请/督促/指导), and the names (up to ten, 、和及与 between them): the
    leftmost such place. Counted from the end (the fewest names the rest can be read as), in time
    linear in the window, where a regular expression backtracks exponentially on 区和区和…."""
    length = len(window)
    never = _MAX_NAMES + 1
    # fewest[i]: the fewest names window[i:] reads as (never when it does not read as names).
    fewest = [never] * (length + 1)
    for i in range(length - 1, -1, -1):
        if not _CJK.match(window, i):
            continue
        best = never
        for end in range(i + 2, min(i + 9, length) + 1):  # a name is 2 to 9 characters
            if not _CJK.match(window, end - 1):
                break
            if window[end - 1] not in _NAME_END:
                continue
            if end == length:
                best = 1
                break
            if window[end] in "、和及与":
                best = min(best, 1 + fewest[end + 1])
        fewest[i] = best
    for begin in range(length):
        if begin and not _BEFORE_NAMES.match(window, begin - 1):
            continue
        for prefix in (*_NAME_PREFIXES, ""):
            if window.startswith(prefix, begin) and fewest[begin + len(prefix)] <= _MAX_NAMES:
                return begin, _split_names(window, begin + len(prefix), fewest)
    return None


def _split_names(window: str, i: int, fewest: list[int]) -> list[str]:
    """The names from i on, each as short as leaves the rest readable (江东区和江西区 is two names,
    和平区 one)."""
    names: list[str] = []
    while True:
        budget = _MAX_NAMES - len(names)
        for end in range(i + 2, min(i + 9, len(window)) + 1):
            if not _CJK.match(window, end - 1):
                break
            if window[end - 1] not in _NAME_END:
                continue
            if end == len(window):
                return [*names, window[i:end]]
            if window[end] in "、和及与" and 1 + fewest[end + 1] <= budget:
                names.append(window[i:end])
                i = end + 1
                break
        else:
            return [*names, window[i:]]  # not reached: fewest says the rest reads as names


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _tidy(text: str) -> str:
    """Punctuation left over where a phrase was taken out: doubled marks, marks at either end."""
    text = re.sub(r"([，,、；;])\s*(?=[，,、；;。）)])", "", text)
    text = re.sub(r"([（(])\s*[，,、；;]+", r"\1", text)
    text = re.sub(r"[，,、；;]+\s*([）)])", r"\1", text)
    text = re.sub(r"([。])[，,、；;]+", r"\1", text)
    return _LEFTOVER.sub("", text)
