"""The inline conventions of numbered paragraphs (#14): which numbering level holds the items and
which the category, how each item names its departments, and the list-wide rules stated once.

    1.完成…隔离防护。（牵头部门：市生态环境局；配合部门：市水利局、市自然资源和规划局）      LABELS
    2.开展…整治。牵头单位：市农业农村局；责任单位：市生态环境局                          LABELS (责任单位 per mapping)
    3.落实…要求。（市生态环境局牵头，市发展和改革委员会等参与，各区县人民政府负责落实）   POSITIONAL
    4.严控…项目。（市发展和改革委员会、市工业和信息化局牵头，市生态环境局参与）          POSITIONAL, a co-lead
    1.制定…方案。（市发展和改革委员会、市工业和信息化局。列第一位者为牵头部门，下同）    POSITIONAL, first leads
"""

import re
from collections import Counter

from registry.imports import phrases
from registry.imports.layout import Mapping, Notation, ResponsibleMeans, Source, SourceParagraph
from registry.imports.reading import ListDefaultRow, ListFile, RawRow, split_departments

_LEAD_LABEL = r"(?:牵头(?:部门|单位|领导单位)|主办(?:部门|单位))"
_LABEL_NAMES = {
    "lead": ("牵头部门", "牵头单位", "牵头领导单位", "主办部门", "主办单位", "牵头"),
    "co_lead": ("共同牵头部门", "共同牵头单位", "共同牵头"),
    "cooperating": (
        "配合部门",
        "配合单位",
        "协办单位",
        "协办部门",
        "参与单位",
        "参与部门",
        "协同部门",
        "协同单位",
        "协助单位",
        "配合",
        "参与",
        "协办",
    ),
    "responsible": ("责任单位", "责任部门", "主责单位", "主责部门"),
    "territorial": ("属地落实", "落实单位", "实施主体"),
    "deadline": ("完成时限", "完成时间", "时间节点", "时限要求"),
}
_LABEL = re.compile(
    r"(?P<label>"
    + "|".join(sorted((n for ns in _LABEL_NAMES.values() for n in ns), key=len, reverse=True))
    + r")\s*[：:]"
)
_LABELS_SEEN = re.compile(
    "(?:"
    + "|".join(n for kind, ns in _LABEL_NAMES.items() if kind not in ("deadline", "territorial") for n in ns)
    + r")\s*[：:]"
)
_FIRST_LEADS = re.compile(r"列(?:在)?第一位(?:者|的)?(?:为|是)牵头(?:部门|单位)?")
_SAME_BELOW = re.compile(r"[，,]?\s*(?:下同|以下同)")
# A list-wide rule stated once: 以下均需各区县人民政府落实，不再列出 / …，下同
_LIST_DEFAULT = re.compile(r"以下(?:均|都|各项)?(?:需|须|由)|不再(?:一一)?列出|下同")
_COOPERATING_WORDS = re.compile(r"(?:等(?:部门|单位)?)?(?:参与|配合|协助|协同|参加|协办)$")
_LEAD_WORDS = re.compile(r"(?:等(?:部门|单位)?)?(?:(?:共同)?牵头(?:负责|落实)?|负责)$")
# Words standing for no department of their own: 各有关部门, 相关单位, 各成员单位.
_NO_DEPARTMENT = re.compile(r"^(?:各)?(?:有关|相关|成员|其他)(?:部门|单位)$|^各(?:部门|单位)$")
_DEPARTMENT_WORDS = re.compile(r"牵头|参与|配合|协助|协同|[：:]")
# Clauses of a parenthesis that are no departments: a deadline, or a state (持续推进).
_NOT_DEPARTMENTS = re.compile(r"持续|长期|常态化|按年度|每年|每季度|逐年|完成$")
_ETC = re.compile(r"(?:等(?:部门|单位|有关部门|相关部门)?|等)$")
_SENTENCE = re.compile(r"[。]")
_CLAUSE = re.compile(r"[，,；;。]")
_CLOSE = {"）": "（", ")": "("}
_TITLE_END = re.compile(r"[，。；,;]")
_LEAD_LABEL_SEEN = re.compile(rf"{_LEAD_LABEL}\s*[：:]")
_RESPONSIBLE_LABEL = re.compile(r"(?:责任|主责)(?:部门|单位)\s*[：:]")


def propose_paragraphs(source: Source) -> Mapping:
    """The mapping proposed for a document: which level holds the items and which the category,
    which notation names the departments, what 责任单位 means. A document whose list is a table
    (no numbered items naming departments) is proposed as kind="table" (imports.tables reads it)."""
    texts = [p.text for p in source.paragraphs]
    # The paragraphs naming departments, by what they name them with
    carrying = [p for p in source.paragraphs if _carries_departments(p.text)]
    labelled = [p for p in carrying if _LABELS_SEEN.search(_split_departments_text(p.text)[1])]
    positional = [p for p in carrying if p not in labelled]
    if not carrying and source.tables:
        return _table_mapping(source)
    mapping = Mapping(kind="paragraphs")
    if labelled and len(labelled) >= len(positional):
        mapping.notation = Notation.LABELS
        # 责任单位 beside a 牵头单位 in the same item means the cooperating units; alone, the first leads.
        beside = alone = 0
        for text in texts:
            if _RESPONSIBLE_LABEL.search(text):
                if _LEAD_LABEL_SEEN.search(text):
                    beside += 1
                else:
                    alone += 1
        mapping.responsible_means = (
            ResponsibleMeans.COOPERATING if beside and beside >= alone else ResponsibleMeans.LEAD_FIRST
        )
    elif positional:
        mapping.notation = Notation.POSITIONAL
        mapping.responsible_means = ResponsibleMeans.LEAD_FIRST
    else:
        mapping.notation = Notation.NONE
    numbered = [p for p in source.paragraphs if p.level]
    if carrying:
        # the level most items naming departments are at (0: items without numbering)
        mapping.item_level = Counter(p.level for p in carrying).most_common(1)[0][0]
    else:
        mapping.item_level = max((p.level for p in numbered), default=0)
    # The category: the nearest level-one heading above the items (README of the layouts), i.e.
    # the highest level used above the item level.
    above = sorted({p.level for p in numbered if mapping.item_level == 0 or p.level < mapping.item_level})
    mapping.category_level = above[0] if above else 0
    return mapping


def _table_mapping(source: Source) -> Mapping:
    from registry.imports.tables import propose_table  # tables read a document's tables too

    mapping = propose_table(source)
    mapping.kind = "table"
    return mapping


def extract_paragraphs(source: Source, mapping: Mapping) -> ListFile:
    """The matters of a document's numbered paragraphs, as `RawRow`s (row = the paragraph's index),
    and its list-wide rules as `ListDefaultRow`s."""
    result = ListFile(format=source.format, encoding=source.encoding, layout="mapped")
    category = ""
    # 列第一位者为牵头部门 is stated once, at the first item or in a note before or after the list.
    first_leads = (
        mapping.notation == Notation.POSITIONAL and mapping.responsible_means == ResponsibleMeans.LEAD_FIRST
    ) or any(_FIRST_LEADS.search(p.text) for p in source.paragraphs)
    default_territorial: list[str] = []
    previous: RawRow | None = None
    for paragraph in source.paragraphs:
        level = paragraph.level
        if level and mapping.category_level and level <= mapping.category_level:
            # the category's heading, or a heading above it that starts a part without one
            category = _heading(paragraph.text) if level == mapping.category_level else ""
            previous = None
            continue
        if level != mapping.item_level or not (level or _carries_departments(paragraph.text)):
            if previous is not None and not level and _LABEL.match(paragraph.text):
                # 牵头单位：X；责任单位：Y on a line of its own, under its item
                _apply_departments(previous, paragraph.text, mapping, first_leads)
            elif previous is not None and level > mapping.item_level:
                # (1)… under 1.: part of the item's text
                previous.description += "\n" + paragraph.number + paragraph.text
            elif not level and _LIST_DEFAULT.search(paragraph.text) and not _FIRST_LEADS.search(paragraph.text):
                names = _list_default(result, paragraph.index, paragraph.text.strip("（）() "))
                default_territorial = _union(default_territorial, names)
            else:
                previous = None
            continue
        body, departments = (
            (paragraph.text.strip(), "")
            if mapping.notation == Notation.NONE
            else _split_departments_text(paragraph.text)
        )
        row = RawRow(row=paragraph.index, seq=_seq(paragraph), category=category)
        # The rules inside the parenthesis: 列第一位者为牵头部门，下同 / 以下均需…落实，不再列出
        kept = []
        for sentence in _sentences(departments):
            if _FIRST_LEADS.search(sentence):
                rest = _SAME_BELOW.sub("", _FIRST_LEADS.sub("", sentence)).strip("，,；; ")
                if rest:
                    kept.append(rest)
            elif _LIST_DEFAULT.search(sentence):
                if sentence.startswith("以下") or not _DEPARTMENT_WORDS.search(sentence):
                    names = _list_default(result, paragraph.index, sentence)
                else:
                    # （X牵头，各区县人民政府落实，下同）: this item's departments, and a rule for the rest
                    departments_part = _SAME_BELOW.sub("", sentence).strip("，,；; ")
                    names, _ = phrases.territorial(departments_part)
                    if names:
                        _list_default(result, paragraph.index, sentence)
                    kept.append(departments_part)
                default_territorial = _union(default_territorial, names)
            else:
                kept.append(sentence)
        deadline = _apply_departments(row, "。".join(kept), mapping, first_leads)
        row.description = body
        row.title = _title(body)
        row.territorial = _union(row.territorial, default_territorial)
        row.deadline_text = phrases.find_deadline(body) or deadline
        row.targets = phrases.find_targets(body)
        result.rows.append(row)
        previous = row
    return result


def _list_default(result: ListFile, index: int, text: str) -> list[str]:
    """Record a list-wide rule; the lower governments it names (the rule applies to what follows)."""
    names, _ = phrases.territorial(text)
    result.defaults.append(ListDefaultRow(row=index, text=text, territorial=names))
    return names


def _carries_departments(text: str) -> bool:
    """An unnumbered paragraph that is an item: it names its departments (not a title or a note)."""
    return bool(_split_departments_text(text)[1]) and not _FIRST_LEADS.match(text.lstrip("注：:（( "))


def _heading(text: str) -> str:
    """A category heading as written, without what follows it (（一）加强水源保护。全面开展…)."""
    return re.split(r"[。：:；;]", text.strip(), maxsplit=1)[0].rstrip("，, ").strip()


def _seq(paragraph: SourceParagraph) -> str:
    return re.sub(r"[^0-9０-９一二三四五六七八九十百零〇①-⑳]", "", paragraph.number)


def _title(body: str) -> str:
    match = _TITLE_END.search(body)
    return (body[: match.start()] if match else body).strip()


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text or "") if s.strip()]


def _union(first: list[str], second: list[str]) -> list[str]:
    if "*" in first or "*" in second:
        return ["*"]
    return first + [n for n in second if n not in first]


def _split_departments_text(text: str) -> tuple[str, str]:
    """(the sentence without the parenthesis of departments, what the parenthesis says). The
    parenthesis is the last one naming departments, usually at the end (a department's own name may
    hold one: 省发改委（省能源局））; labels written without one (…。牵头单位：X；责任单位：Y) are found too."""
    stripped = text.strip()
    for start, end in reversed(_groups(stripped)):
        inside = stripped[start + 1 : end - 1]
        if _LABEL.search(inside) or _looks_like_departments(inside):
            before, after = stripped[:start].rstrip(), stripped[end:].lstrip()
            if after[:1] in ("，", ",", "；", ";") and before.endswith(("。", "；", ";")):
                after = after[1:].lstrip()
            return (before + after).strip(), inside
    match = re.search(rf"{_LEAD_LABEL}\s*[：:]", stripped)
    if match and match.start() > 0:
        return stripped[: match.start()].strip(), stripped[match.start() :].strip()
    return stripped, ""


def _groups(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost parenthesis of the text, end after its closing mark."""
    groups, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "（(":
            if depth == 0:
                start = i
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                groups.append((start, i + 1))
    return groups


# How the name of a body ends (省发改委（省能源局） too).
_DEPARTMENT_END = re.compile(
    r"(?:局|委|厅|办|部|院|会|室|所|站|队|中心|公司|政府|处|科|行|署|社|台)(?:[（(][^（）()]*[）)])?$"
)


def _looks_like_departments(text: str) -> bool:
    """A bare list （X、Y、Z） or a positional note （X牵头，Y参与）: names of bodies, not an aside
    such as （含县级以上）."""
    if _FIRST_LEADS.search(text):
        return True
    governments, first = phrases.territorial(_SENTENCE.split(text)[0])
    names = []
    for clause in (c.strip() for c in _CLAUSE.split(first)):
        if not clause or phrases.find_deadline(clause) or _LIST_DEFAULT.search(clause):
            continue
        names += split_departments(_LEAD_WORDS.sub("", _COOPERATING_WORDS.sub("", clause)))
    names = [_ETC.sub("", n) for n in names]
    if not names:
        return bool(governments)
    return all(_DEPARTMENT_END.search(n) or _NO_DEPARTMENT.match(n) for n in names)


def _names(text: str) -> list[str]:
    found = []
    for name in split_departments(text):
        name = _ETC.sub("", name).strip()
        if name and name not in found and not _NO_DEPARTMENT.match(name):
            found.append(name)
    return found


def _apply_departments(row: RawRow, text: str, mapping: Mapping, first_leads: bool) -> str:
    """Fill lead, co_leads, cooperating and territorial of `row` from the text naming them; the
    deadline the text gives among them (（X牵头，2026年底前完成）), or ""."""
    if not text:
        return ""
    names, text = phrases.territorial(text)
    row.territorial = _union(row.territorial, names)
    if _LABEL.search(text) and mapping.notation != Notation.POSITIONAL or _LABEL.match(text):
        return _apply_labels(row, text, mapping)
    deadline = ""
    for clause in (c.strip() for c in _CLAUSE.split(text)):
        if not clause:
            continue
        if phrases.find_deadline(clause) or _NOT_DEPARTMENTS.search(clause):
            deadline = deadline or phrases.find_deadline(clause)
        elif _LEAD_WORDS.search(clause):
            _add_leads(row, _names(_LEAD_WORDS.sub("", clause)))
        elif _COOPERATING_WORDS.search(clause):
            _add_cooperating(row, _names(_COOPERATING_WORDS.sub("", clause)))
        else:
            listed = _names(clause)
            if not row.lead and (first_leads or mapping.notation == Notation.POSITIONAL):
                _add_leads(row, listed[:1])
                _add_cooperating(row, listed[1:])
            else:
                _add_cooperating(row, listed)
    return deadline


def _apply_labels(row: RawRow, text: str, mapping: Mapping) -> str:
    deadline = ""
    parts = list(_LABEL.finditer(text))
    for i, match in enumerate(parts):
        value = text[match.end() : parts[i + 1].start() if i + 1 < len(parts) else len(text)]
        value = value.strip().strip("；;，,。 ")
        label = match.group("label")
        kind = next(k for k, labels in _LABEL_NAMES.items() if label in labels)
        if kind == "deadline":
            deadline = deadline or phrases.find_deadline(value)
            continue
        names, value = phrases.territorial(value)
        row.territorial = _union(row.territorial, names)
        listed = _names(value)
        if kind == "responsible":
            kind = {
                ResponsibleMeans.COOPERATING: "cooperating",
                ResponsibleMeans.LEAD: "lead",
                ResponsibleMeans.TERRITORIAL: "territorial",
            }.get(mapping.responsible_means, "lead_first")
        if kind == "lead":
            _add_leads(row, listed)
        elif kind == "co_lead":
            _add_leads(row, listed, co=True)
        elif kind == "cooperating":
            _add_cooperating(row, listed)
        elif kind == "territorial":
            # 江东区、江西区 without 政府; 各区 / 各县（市、区） for every lower government
            row.territorial = _union(row.territorial, ["*"] if any(n.startswith("各") for n in listed) else listed)
        else:  # lead_first
            if row.lead:
                _add_cooperating(row, listed)
            else:
                _add_leads(row, listed[:1])
                _add_cooperating(row, listed[1:])
    return deadline


def _add_leads(row: RawRow, names: list[str], co: bool = False) -> None:
    for name in names:
        if not row.lead and not co:
            row.lead = name
        elif name != row.lead and name not in row.co_leads:
            row.co_leads.append(name)


def _add_cooperating(row: RawRow, names: list[str]) -> None:
    for name in names:
        if name != row.lead and name not in row.co_leads and name not in row.cooperating:
            row.cooperating.append(name)
