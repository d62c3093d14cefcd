"""Tables as offices keep them (#14, imports.layout): XLSX and CSV read into a `Source` with merged
cells carried to every cell they cover; the proposed `Mapping` of their header and columns; and the
rows a mapping gives.

Offices put a title row above the header, write two header rows (责任部门 over 牵头部门 / 配合部门),
merge the category cells, head each group with a row spanning the table (一、土壤污染防治), end with a
注： row, and name the role columns in their own words (主责单位, 协办单位, 完成时限).
"""

import functools
import re

from flask_babel import lazy_gettext as _l

from registry.imports import phrases
from registry.imports.layout import ColumnRole, Mapping, ResponsibleMeans, Source, SourceTable, Target
from registry.imports.reading import (
    HEADER,
    HEADER_ALIASES,
    HEADER_SEARCH_ROWS,
    RESPONSIBLE,
    DutyRow,
    FileProblem,
    ListFile,
    Merge,
    RawRow,
    _check_cells,
    _csv_table,
    _decode,
    _xlsx_sheet,
    split_departments,
    territorial_cell,
)

Rows = list[tuple[int, list[str]]]

# -- reading ---------------------------------------------------------------------------------


def read_table_source(data: bytes, filename: str) -> Source:
    """An XLSX (its first sheet) or a CSV as a Source of one table, every row with its spreadsheet
    row number; FileProblem when it cannot be read or is beyond the import's limits."""
    if not data or not data.strip():
        raise FileProblem(_l("文件为空。"))
    if data[:4] == b"PK\x03\x04":
        rows, merges = _xlsx_sheet(data)
        _check_cells(rows)
        spanning = _carry_merges(rows, merges)
        return Source(format="xlsx", tables=[SourceTable(rows=rows, spanning=spanning)])
    text, encoding = _decode(data)
    rows = _csv_table(text)
    _check_cells(rows)
    return Source(format="csv", encoding=encoding, tables=[SourceTable(rows=rows)])


def _carry_merges(rows: Rows, merges: list[Merge]) -> set[int]:
    """Copy each merged range's value into every cell it covers; the numbers of the rows that a
    range spans from the first used column to the last (heading, title and footnote rows)."""
    if not rows or not merges:
        return set()
    width = max(len(cells) for _, cells in rows)
    used = [i for _, cells in rows for i, cell in enumerate(cells) if cell]
    first_used, last_used = (min(used), max(used)) if used else (0, 0)
    # Clipped to the cells the sheet holds: a range may reach far beyond them.
    ranges = [
        (r0, c0, min(r1, len(rows) - 1), min(c1, width - 1))
        for (r0, c0), (r1, c1) in merges
        if r0 < len(rows) and c0 < width
    ]
    # Excel never writes overlapping ranges; many of them would copy the sheet many times over.
    if sum((r1 - r0 + 1) * (c1 - c0 + 1) for r0, c0, r1, c1 in ranges) > len(rows) * width:
        raise FileProblem(
            _l(
                "工作表的范围过大（%(rows)s 行 × %(columns)s 列），无法导入。"
                "请删除远处的空白单元格，或把清单拆成几个文件。",
                rows=len(rows),
                columns=width,
            )
        )
    spanning = set()
    for r0, c0, r1, c1 in ranges:
        value = _cell(rows[r0][1], c0)
        for r in range(r0, r1 + 1):
            cells = rows[r][1]
            cells.extend([""] * (c1 + 1 - len(cells)))
            cells[c0 : c1 + 1] = [value] * (c1 + 1 - c0)
            if c0 <= first_used and c1 >= last_used > c0:
                spanning.add(rows[r][0])
    return spanning


def _cell(cells: list[str], index: int) -> str:
    return cells[index] if 0 <= index < len(cells) else ""


# -- the proposal ----------------------------------------------------------------------------

# Header words whose role depends on the other columns (_target, _settle_roles).
_MAIN_TASK = "main_task"  # 重点任务: the category above a 具体事项 column, else the matter itself
_MEASURE = "measure"  # 工作措施: the matter's text beside a title column, else the title
_DUTY = "duty"  # 职责任务: a department's duties, in a list by department

# The plain format's columns (reading.HEADER_ALIASES) by role.
_PLAIN_ROLES = {
    "序号": ColumnRole.SEQ,
    "事项类别": ColumnRole.CATEGORY,
    "具体事项": ColumnRole.TITLE,
    "牵头部门": ColumnRole.LEAD,
    "配合部门": ColumnRole.COOPERATING,
    "责任内容": ColumnRole.DESCRIPTION,
    "依据": ColumnRole.BASIS,
    RESPONSIBLE: ColumnRole.RESPONSIBLE,
    "共同牵头部门": ColumnRole.CO_LEAD,
    "属地落实": ColumnRole.TERRITORIAL,
    "完成时限": ColumnRole.DEADLINE,
}


def _words(role: str, *words: str) -> dict[str, str]:
    return dict.fromkeys(words, role)


# Header words (without spaces and bracketed notes) and what their column means.
HEADER_WORDS: dict[str, str] = {
    **{word: _PLAIN_ROLES[plain] for word, plain in HEADER_ALIASES.items() if plain in _PLAIN_ROLES},
    **_words(ColumnRole.CATEGORY, "领域", "重点领域", "任务类别", "工作类别"),
    **_words(ColumnRole.TITLE, "工作任务", "任务名称", "具体任务", "主要事项"),
    **_words(_MAIN_TASK, "重点任务", "主要任务"),
    **_words(_MEASURE, "工作措施", "具体措施", "主要措施", "工作内容", "任务内容", "具体内容"),
    **_words(ColumnRole.LEAD, "牵头单位", "牵头责任单位", "牵头责任部门"),
    **_words(ColumnRole.CO_LEAD, "共同牵头", "共同牵头部门", "共同牵头单位"),
    **_words(ColumnRole.COOPERATING, "配合单位", "协办单位", "协办部门", "参与单位", "参与部门", "配合责任单位"),
    **_words(ColumnRole.RESPONSIBLE, "责任单位", "主责单位", "主责部门", "责任主体"),
    **_words(ColumnRole.TERRITORIAL, "属地落实", "属地责任", "属地责任单位", "属地落实单位"),
    **_words(ColumnRole.DEADLINE, "完成时限", "时间要求", "完成时间", "时限", "时限要求", "完成期限"),
    **_words(ColumnRole.BASIS, "法律依据", "法规依据", "文件依据"),
    **_words(ColumnRole.DEPARTMENT, "成员单位", "部门名称", "单位名称"),
    **_words(_DUTY, "职责任务", "职责", "主要职责", "工作职责", "职责分工", "工作任务及职责"),
}

_NOT_A_WORD = re.compile(r"[\s*＊]|[（(][^）)]*[）)]")
# The columns a header must name one of (a title row or a data row names none).
_ESSENTIAL = {
    ColumnRole.TITLE,
    _MAIN_TASK,
    _MEASURE,
    ColumnRole.LEAD,
    ColumnRole.RESPONSIBLE,
    ColumnRole.DEPARTMENT,
    _DUTY,
}


# The caches below keep short cells only: a cell may hold 20 000 characters, and 4096 of them in
# every worker would be some 160 MB.
_CACHED_CHARS = 200


def _header_word(cell: str) -> str | None:
    return _cached_header_word(cell) if len(cell) <= _CACHED_CHARS else _read_header_word(cell)


def _read_header_word(cell: str) -> str | None:
    return HEADER_WORDS.get(_NOT_A_WORD.sub("", cell))


_cached_header_word = functools.lru_cache(maxsize=4096)(_read_header_word)


def propose_table(source: Source) -> Mapping:
    """The first table with a header among its first rows: which rows form the header, what each
    column means, what its 责任单位 means, and whether it lists matters or departments' duties."""
    for index, table in enumerate(source.tables):
        start = _header_start(table.rows)
        if start is None:
            continue
        header = _header_rows(table.rows, start)
        words = _column_words(header, table.rows)
        target = _target(words)
        columns = _settle_roles(words)
        mapping = Mapping(target=target, table=index, header_rows=[n for n, _ in header], columns=columns)
        mapping.responsible_means = _responsible_means(table.rows[start + len(header) :], columns)
        return mapping
    raise _no_header()


def _no_header() -> FileProblem:
    return FileProblem(
        _l(
            "找不到表头行。第一行应为：%(header)s（或以「责任部门」一列代替牵头部门和配合部门）。",
            header="、".join(HEADER),
        ),
        1,
    )


def _header_start(rows: Rows) -> int | None:
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        words = {_header_word(cell) for cell in cells} - {None}
        if len(words) >= 2 and words & _ESSENTIAL:
            return index
    return None


def _header_rows(rows: Rows, start: int) -> Rows:
    """The header row and the rows under it that continue it (牵头部门 / 配合部门 under a merged
    责任部门): each of their cells a header word or the cell above carried down."""
    header = [rows[start]]
    for number, cells in rows[start + 1 : start + 3]:
        above = header[-1][1]
        new_words = [c for i, c in enumerate(cells) if c and c != _cell(above, i) and _header_word(c)]
        others = [c for i, c in enumerate(cells) if c and c != _cell(above, i) and not _header_word(c)]
        if not new_words or others:
            break
        header.append((number, cells))
    return header


def _column_words(header: Rows, rows: Rows) -> dict[int, str]:
    """Each column's meaning by the lowest header row that names it (牵头部门 under 责任部门)."""
    width = max(len(cells) for _, cells in rows)
    words: dict[int, str] = {}
    for column in range(width):
        found = (_header_word(_cell(cells, column)) for _, cells in reversed(header))
        words[column] = next((w for w in found if w), ColumnRole.IGNORE)
    return words


def _target(words: dict[int, str]) -> str:
    """Duties when the table names departments and no matters (序号 | 成员单位 | 职责任务, or
    责任单位 | 职责): its department column becomes DEPARTMENT."""
    if {ColumnRole.TITLE, _MAIN_TASK, _MEASURE} & set(words.values()):
        return Target.MATTERS
    if ColumnRole.DEPARTMENT in words.values():
        return Target.DUTIES
    named = [c for c, word in words.items() if word in (ColumnRole.LEAD, ColumnRole.RESPONSIBLE)]
    if _DUTY in words.values() and len(named) == 1:
        words[named[0]] = ColumnRole.DEPARTMENT
        return Target.DUTIES
    return Target.MATTERS


def _settle_roles(words: dict[int, str]) -> dict[int, str]:
    """重点任务 is the category when a column names the matters (具体事项), else the matter; 工作措施
    is the matter's text beside a title, else the title. One title column; the others are text."""
    roles = {column: ColumnRole.DESCRIPTION if word == _DUTY else word for column, word in words.items()}
    has_title = ColumnRole.TITLE in roles.values()
    has_category = ColumnRole.CATEGORY in roles.values()
    for column, word in roles.items():
        if word == _MAIN_TASK:
            if not has_title:
                roles[column], has_title = ColumnRole.TITLE, True
            else:
                roles[column] = ColumnRole.DESCRIPTION if has_category else ColumnRole.CATEGORY
                has_category = True
    for column, word in roles.items():
        if word == _MEASURE:
            roles[column] = ColumnRole.DESCRIPTION if has_title else ColumnRole.TITLE
            has_title = True
    titles = [column for column, role in roles.items() if role == ColumnRole.TITLE]
    for column in titles[1:]:
        roles[column] = ColumnRole.DESCRIPTION
    return {column: str(role) for column, role in roles.items()}


def _responsible_means(data: Rows, columns: dict[int, str]) -> str:
    """主责单位 naming governments (各区县人民政府) means who carries it out; 责任单位 beside a 牵头
    column means the cooperating units; a lone 责任部门 names the lead first (列第一位者为牵头部门)."""
    responsible = [column for column, role in columns.items() if role == ColumnRole.RESPONSIBLE]
    if responsible:
        cells = [c for _, cells in data[:200] if (c := _cell(cells, responsible[0]))]
        governments = [c for c in cells if _only_governments(c)]
        if cells and len(governments) * 2 >= len(cells):
            return ResponsibleMeans.TERRITORIAL
    if ColumnRole.LEAD in columns.values():
        return ResponsibleMeans.COOPERATING
    return ResponsibleMeans.LEAD_FIRST


# A list names the same departments and governments row after row.
_cached_territorial = functools.lru_cache(maxsize=4096)(phrases.territorial)


def _territorial(text: str) -> tuple[list[str], str]:
    return _cached_territorial(text) if len(text) <= _CACHED_CHARS else phrases.territorial(text)


def _only_governments(text: str) -> bool:
    names, rest = _territorial(text)
    return bool(names) and not split_departments(rest)


# -- extraction ------------------------------------------------------------------------------

_FOOTNOTE = re.compile(r"^(?:注|备注|附注|说明|填表说明|填报说明)\s*[0-9一二三四五六七八九十]*\s*[:：]|^注\s*[0-9]")
# 一、 / （一） / 1、 at the start of a heading row.
_HEADING_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十百]+\s*[、.．]|[（(][一二三四五六七八九十百]+[）)]|\d+\s*、)\s*"
)
_GOVERNMENT = re.compile(r"(?:人民)?政府$")
_REGION = re.compile(r"(?:区|县|市|旗|乡|镇|街道)$")
_DATE_LIKE = re.compile(r"\d{4}\s*年|\d{4}\s*[-/.]\s*\d{1,2}|\d{1,2}\s*月|年[底末内]")
# 1. / 1、 / （1） / ① starting a sub-duty: at the start of the cell, a line or after 。；
_SUB_NUMBER = re.compile(r"(?:^|(?<=[\n。；;]))\s*(?:\d{1,2}\s*[.．、](?!\d)|[（(]\d{1,2}[）)]|[①-⑳])\s*")


def extract_table(source: Source, mapping: Mapping) -> ListFile:
    """The rows under the mapped header, as the rows planning knows (one RawRow per matter, or one
    DutyRow per duty): title, blank, footnote and repeated header rows skipped; heading rows give
    the category of the rows under them when no column does."""
    if not mapping.header_rows or not 0 <= mapping.table < len(source.tables):
        raise _no_header()
    table = source.tables[mapping.table]
    result = ListFile(format=source.format, encoding=source.encoding, layout="mapped")
    if mapping.target == Target.DUTIES:
        result.duties = _duties(table, mapping)
    else:
        result.rows = _matters(table, mapping)
    return result


def _body(table: SourceTable, mapping: Mapping):
    """(row number, cells, heading) for every row under the header that is a heading or holds data;
    heading is the category a heading row gives, else None."""
    last_header = max(mapping.header_rows)
    for number, cells in table.rows:
        filled = [(i, c) for i, c in enumerate(cells) if c]
        if number <= last_header or not filled:
            continue
        if _FOOTNOTE.match(filled[0][1]) or _repeats_header(filled):
            continue
        heading = _heading(number, filled, table, mapping)
        if heading == "":
            continue  # a sentence across the table: a note, not a category
        if heading is None and all(mapping.columns.get(i) == ColumnRole.SEQ for i, _ in filled):
            continue  # an empty line, perhaps numbered
        yield number, cells, heading


def _repeats_header(filled: list[tuple[int, str]]) -> bool:
    words = [c for _, c in filled if _header_word(c)]
    return len(words) >= 2 and len(words) * 2 >= len(filled)


def _heading(number: int, filled: list[tuple[int, str]], table: SourceTable, mapping: Mapping) -> str | None:
    """The category a heading row names — a row spanning the table, or one with a single cell filled
    in its first, 序号 or 类别 column (一、土壤污染防治 → 土壤污染防治) —, "" for a note spanning the
    table, None for a row of data."""
    column, text = filled[0]
    # A range merged across most of the table, short of its last column, reads the same.
    spanning = number in table.spanning or (len(filled) > 1 and column == 0 and all(c == text for _, c in filled))
    labels = mapping.columns.get(column) in (ColumnRole.SEQ, ColumnRole.CATEGORY)
    if not spanning and (len(filled) > 1 or not (column == 0 or labels)):
        return None
    if _HEADING_NUMBER.match(text):
        return _HEADING_NUMBER.sub("", text).strip()
    if not spanning and (not labels or re.fullmatch(r"[\d.]+", text)):
        return None  # a matter with nothing but its title, or a numbered empty line
    return text if len(text) <= 30 and not text.endswith(("。", "；", ";")) else ""


def _matters(table: SourceTable, mapping: Mapping) -> list[RawRow]:
    if ColumnRole.TITLE not in mapping.columns.values():
        raise FileProblem(
            _l("表头缺少列：%(missing)s。表头应为：%(header)s。", missing="具体事项", header="、".join(HEADER)),
            max(mapping.header_rows),
        )
    rows, category = [], ""
    for number, cells, heading in _body(table, mapping):
        if heading is not None:
            category = heading
            continue
        rows.append(_matter(number, cells, mapping, category))
    return rows


def _column_texts(cells: list[str], mapping: Mapping) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for column, role in mapping.columns.items():
        if cell := _cell(cells, column):
            texts.setdefault(role, []).append(cell)
    return texts


def _matter(number: int, cells: list[str], mapping: Mapping, heading: str) -> RawRow:
    texts = _column_texts(cells, mapping)

    def first(role: str) -> str:
        return (texts.get(role) or [""])[0]

    row = RawRow(
        row=number,
        seq=first(ColumnRole.SEQ),
        category=first(ColumnRole.CATEGORY) or heading,
        title=first(ColumnRole.TITLE),
        description="\n".join(texts.get(ColumnRole.DESCRIPTION, [])),
        basis="\n".join(texts.get(ColumnRole.BASIS, [])),
    )
    _assign_departments(row, texts, mapping.responsible_means)
    words = "\n".join(t for t in (row.title, row.description) if t)
    # A 完成时限 column is the deadline; without one, the text may name it (2026年6月底前完成…).
    if ColumnRole.DEADLINE in mapping.columns.values():
        row.deadline_text = _deadline(first(ColumnRole.DEADLINE))
    else:
        row.deadline_text = phrases.find_deadline(words)
    row.targets = phrases.find_targets(words)
    return row


def _assign_departments(row: RawRow, texts: dict[str, list[str]], means: str) -> None:
    """Lead, co-leads, cooperating and territorial from the role columns; governments named in a
    department column (各乡镇人民政府) carry the matter out."""
    territorial: list[str] = []

    def names(role: str, read=None) -> list[str]:
        found = []
        for text in texts.get(role, []):
            governments, departments = (read or _departments)(text)
            territorial.extend(governments)
            found.extend(departments)
        return found

    leads = [name for text in texts.get(ColumnRole.LEAD, []) for name in split_departments(text)]
    co_leads, cooperating = names(ColumnRole.CO_LEAD), names(ColumnRole.COOPERATING)
    cooperating += names(ColumnRole.TERRITORIAL, _governments)  # a department among the governments
    if means == ResponsibleMeans.TERRITORIAL:
        cooperating += names(ColumnRole.RESPONSIBLE, _governments)
    else:
        responsible = names(ColumnRole.RESPONSIBLE)
        if means in (ResponsibleMeans.LEAD_FIRST, ResponsibleMeans.LEAD) and not leads:
            leads, responsible = responsible[:1], responsible[1:]
        (co_leads if means == ResponsibleMeans.LEAD else cooperating).extend(responsible)
    row.lead = leads[0] if leads else ""
    row.co_leads = _unique(leads[1:] + co_leads, exclude=[row.lead])
    row.cooperating = _unique(cooperating, exclude=[row.lead, *row.co_leads])
    row.territorial = ["*"] if "*" in territorial else _unique(territorial, exclude=[])


def _departments(text: str) -> tuple[list[str], list[str]]:
    """The lower governments a department cell names as such (各乡镇人民政府, 江东区人民政府), and
    its departments."""
    governments, rest = _territorial(text)
    return governments, split_departments(rest)


def _governments(text: str) -> tuple[list[str], list[str]]:
    """The lower governments a 属地落实 cell names (["*"] for all of them; 江东区人民政府 and a bare
    江东区 → 江东区), and any departments among them."""
    governments, rest = _territorial(text)
    governments, departments = list(governments), []
    for name in territorial_cell(rest):
        bare = _GOVERNMENT.sub("", name)
        (governments if bare != name or _REGION.search(bare) or name == "*" else departments).append(bare)
    return governments, departments


def _unique(names: list[str], exclude: list[str]) -> list[str]:
    return [n for n in dict.fromkeys(names) if n not in exclude]


def _deadline(text: str) -> str:
    """A 完成时限 cell as written when it names a date (2026年6月底前, 年底前, 2026-06-30); "" for a
    state (持续推进, 长期坚持)."""
    return text if phrases.find_deadline(text) or _DATE_LIKE.search(text) else ""


def _duties(table: SourceTable, mapping: Mapping) -> list[DutyRow]:
    """One DutyRow per numbered sub-duty of each department's cell (1.… 2.…), numbered from 1 for
    each department."""
    columns = mapping.columns.items()
    department = next((c for c, role in columns if role == ColumnRole.DEPARTMENT), None)
    text_columns = [c for c, role in columns if role in (ColumnRole.DESCRIPTION, ColumnRole.TITLE)]
    if department is None or not text_columns:
        raise FileProblem(
            _l(
                "表头缺少列：%(missing)s。表头应为：%(header)s。",
                missing="成员单位、职责任务",
                header="序号、成员单位、职责任务",
            ),
            max(mapping.header_rows),
        )
    duties: list[DutyRow] = []
    for number, cells, heading in _body(table, mapping):
        name = _cell(cells, department)
        if heading is not None or not name:
            continue
        seq = sum(1 for duty in duties if duty.department == name)
        for column in text_columns:
            for text in sub_duties(_cell(cells, column)):
                seq += 1
                duties.append(DutyRow(row=number, department=name, seq=seq, text=text))
    return duties


def sub_duties(text: str) -> list[str]:
    """A cell's numbered duties without their numbers (`1.负责… 2.督促…` → two), or the cell whole."""
    parts = [p.strip() for p in _SUB_NUMBER.split(text)]
    return [p for p in parts if p]
