"""Reading list files in the spreadsheet format (DESIGN.md "List import format"), shared by import and export.

One row per matter under the header `序号, 事项类别, 具体事项, 牵头部门, 配合部门, 责任内容, 依据`,
or the common layout with one `责任部门` column whose first-named department leads. Files are XLSX,
CSV (UTF-8 with or without BOM, or GB18030) or the JSON this system exports.
"""

import csv
import functools
import io
import json
import operator
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from registry.core.errors import DomainError
from registry.imports.layout import Source
from registry.lists.fileformat import EXTRA_HEADER, HEADER, Basis, format_basis, parse_basis  # noqa: F401  (part of reading's interface)
from registry.lists.models import ALL_LOWER
from registry.lists.territorial import ALL_LOWER_SPELLINGS

RESPONSIBLE = "责任部门"

# Header spellings seen in offices' spreadsheets, mapped to the column they mean.
HEADER_ALIASES = {
    "序号": "序号",
    "编号": "序号",
    "事项类别": "事项类别",
    "类别": "事项类别",
    "具体事项": "具体事项",
    "事项名称": "具体事项",
    "牵头部门": "牵头部门",
    "配合部门": "配合部门",
    "责任内容": "责任内容",
    "依据": "依据",
    "法律法规及政策依据": "依据",
    "法律法规依据": "依据",
    "政策依据": "依据",
    "责任部门": RESPONSIBLE,
    # Columns the export adds (fileformat.EXTRA_HEADER), read back so that export → import round-trips.
    "共同牵头部门": "共同牵头部门",
    "共同牵头单位": "共同牵头部门",
    "属地落实": "属地落实",
    "完成时限": "完成时限",
}

# How many rows from the top to search for the header (a title row may sit above it).
HEADER_SEARCH_ROWS = 10

# What one file may hold (README, "导入的限制"), checked before the cells are read: an XLSX of a
# megabyte can unpack to gigabytes.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
MAX_ROWS = 200_000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 20_000


class FileProblem(DomainError):
    """The file as a whole cannot be read (format, encoding, header); `row` is where, when known."""

    def __init__(self, message: str | LazyString, row: int | None = None):
        super().__init__(message)
        self.row = row


class LayoutProblem(FileProblem):
    """The file is not in the plain import format (a Word document, a PDF, merged cells, another
    header): the import reads it again as a Source and maps it (imports.layout). The message says
    what the plain format expected, for when no layout is recognized either."""


@dataclass
class RawRow:
    """One data row of the file, cells as text, departments split but not yet resolved."""

    row: int  # as the user sees it: spreadsheet row number, or item number in JSON
    seq: str = ""
    category: str = ""
    title: str = ""
    lead: str = ""
    cooperating: list[str] = field(default_factory=list)
    description: str = ""
    basis: str | list[Basis] = ""
    # Found in the layouts offices publish (#14, imports.layout); empty in the plain format.
    co_leads: list[str] = field(default_factory=list)
    territorial: list[str] = field(default_factory=list)  # lower jurisdictions' names as written, or ["*"]
    deadline_text: str = ""
    targets: list[dict[str, Any]] = field(default_factory=list)  # phrases.TargetPhrase as dicts
    # Which of co_leads, territorial, deadline_text, targets the plain format's row states (its file
    # has the column, or its JSON item the key): then an empty value clears the matter's, else keeps it.
    carries: tuple[str, ...] = ()


@dataclass
class DutyRow:
    """One duty of a department, from a list by department (序号 | 成员单位 | 职责任务)."""

    row: int
    department: str
    seq: int
    text: str


@dataclass
class ListDefaultRow:
    """A list-wide rule stated once (以下均需县（市、区）政府落实，不再列出)."""

    row: int
    text: str
    territorial: list[str] = field(default_factory=list)


@dataclass
class ListFile:
    format: str  # xlsx | csv | json | docx | pdf | text
    encoding: str = ""
    layout: str = "standard"  # standard | responsible (单列「责任部门」) | mapped (imports.layout)
    rows: list[RawRow] = field(default_factory=list)
    duties: list[DutyRow] = field(default_factory=list)
    defaults: list[ListDefaultRow] = field(default_factory=list)


_TO_ONE_SEPARATOR = str.maketrans({c: "、" for c in "，,；;/\r\n"})


# A list names the same few dozen departments and cites the same documents row after row: the
# parsers below remember the cells they have seen (a 100k-row import parses ≈ 300k cells).


def split_departments(text: str) -> list[str]:
    return list(_split_departments(text or ""))


@functools.lru_cache(maxsize=4096)
def _split_departments(text: str) -> tuple[str, ...]:
    # str.translate + split: several times quicker than a regex split.
    return tuple(p for p in (p.strip() for p in text.translate(_TO_ONE_SEPARATOR).split("、")) if p)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# -- reading ---------------------------------------------------------------------------------


def read_list_file(data: bytes, filename: str = "") -> ListFile:
    """Parse an uploaded file into raw rows; FileProblem when it cannot be read at all."""
    if not data or not data.strip():
        raise FileProblem(_l("文件为空。"))
    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        if _zip_kind(data) == "docx":
            raise LayoutProblem(_l("Word 文档按其版式识别。"))
        return _rows_from_table(_xlsx_table(data), "xlsx", "")
    if data[:5] == b"%PDF-":
        raise LayoutProblem(_l("PDF 文件按其版式识别。"))
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and name.endswith(".doc"):
        raise FileProblem(_l("不支持旧版 Word（.doc）文件，请在 Word 中另存为 .docx 后再导入。"))
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".xls"):
        raise FileProblem(_l("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。"))
    if name.endswith(".xlsx"):
        raise FileProblem(_l("无法读取文件：不是有效的 XLSX 文件。"))
    if name.endswith((".docx", ".pdf")):
        raise FileProblem(_l("无法读取文件：不是有效的 %(kind)s 文件。", kind=name.rsplit(".", 1)[-1].upper()))
    text, encoding = _decode(data)
    if text.lstrip().startswith(("{", "[")):
        return _rows_from_json(text, encoding)
    return _rows_from_table(_csv_table(text), "csv", encoding)


def _zip_kind(data: bytes) -> str:
    """docx or xlsx, by the archive's entries (its directory only is read); "" when neither."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist()[:MAX_ZIP_ENTRIES])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return ""
    if "word/document.xml" in names:
        return "docx"
    return "xlsx" if "xl/workbook.xml" in names else ""


def read_source(data: bytes, filename: str = "") -> Source:
    """Read a file in any layout offices publish into a Source (imports.layout), by its content:
    XLSX or DOCX (a zip, told apart by its entries), PDF, else text: a CSV table, or pasted text."""
    if not data or not data.strip():
        raise FileProblem(_l("文件为空。"))
    from registry.imports import documents, tables  # they read with this module's helpers

    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        if _zip_kind(data) == "docx":
            return documents.read_document_source(data, filename)
        return tables.read_table_source(data, filename)
    if data[:5] == b"%PDF-":
        return documents.read_document_source(data, filename)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        if name.endswith(".doc"):
            raise FileProblem(_l("不支持旧版 Word（.doc）文件，请在 Word 中另存为 .docx 后再导入。"))
        raise FileProblem(_l("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。"))
    text, _encoding = _decode(data)
    if text.lstrip().startswith(("{", "[")):
        raise FileProblem(_l("JSON 文件应为本系统导出的格式（含 matters 数组）。"))
    if name.endswith(".csv") or (not name.endswith(".txt") and _looks_tabular(text)):
        return tables.read_table_source(data, filename)
    return documents.read_text_source(text)


def _looks_tabular(text: str) -> bool:
    """Whether text is a CSV or tab-separated table rather than prose (pasted from a PDF): most of its
    first lines have a comma or a tab."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    return bool(lines) and sum(1 for line in lines if "," in line or "\t" in line) * 2 > len(lines)


def _decode(data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:4096]:
        raise FileProblem(_l("无法读取文件：文件格式不明，请使用 XLSX 或 CSV 文件。"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), ("utf-8" if encoding == "utf-8-sig" else encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(_l("无法读取文件：文字编码无法识别，请以 UTF-8 或 GB18030 编码保存。"))


def _xlsx_table(data: bytes) -> list[tuple[int, list[str]]]:
    """The first sheet's cells as text, numbered as Excel numbers its rows."""
    table, merges = _xlsx_sheet(data)
    if merges:  # merged category cells, a title across the table: a layout
        raise LayoutProblem(_l("表格含有合并单元格，按其版式识别。"))
    return table


# A merged range: ((first row, first column), (last row, last column)), counted from 0.
Merge = tuple[tuple[int, int], tuple[int, int]]


def _xlsx_sheet(data: bytes) -> tuple[list[tuple[int, list[str]]], list[Merge]]:
    """The first sheet's cells as text, numbered as Excel numbers its rows, and its merged ranges.

    Read with calamine (a Rust reader): openpyxl builds an object per cell and took most of the
    time of a 100k-row import.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    _check_unpacked_size(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        _check_shape(sheet.total_height, sheet.total_width)
        rows = sheet.to_python(skip_empty_area=False)
        merges = sheet.merged_cell_ranges or []
    except FileProblem:
        raise  # a ValueError too, but already the reason to give
    except (CalamineError, ValueError, IndexError) as e:
        raise FileProblem(_l("无法读取文件：不是有效的 XLSX 文件。")) from e
    # Most cells are text: strip them inline (a call per cell costs a second on 100k rows).
    table = [
        (number, [v.strip() if type(v) is str else cell_text(v) for v in values])
        for number, values in enumerate(rows, start=1)
    ]
    return table, merges


def _check_unpacked_size(data: bytes) -> None:
    """Refuse an XLSX that unpacks to more than MAX_UNPACKED_BYTES, before anything reads it.

    The sizes the archive declares are checked first; then every member is inflated (and dropped)
    a chunk at a time, which stops at the declared size and fails the checksum when a member holds
    more than it declares, so a forged header does not get a bomb past."""
    too_big = FileProblem(
        _l(
            "文件解压后超过 %(mb)s MB，无法导入。请把清单拆成几个文件分别导入。",
            mb=MAX_UNPACKED_BYTES // (1024 * 1024),
        )
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_ENTRIES or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise too_big
            for member in members:
                sheet = _SheetExtent() if member.filename.startswith("xl/worksheets/") else None
                with archive.open(member) as stream:
                    while chunk := stream.read(1024 * 1024):
                        if sheet is not None:
                            sheet.see(chunk)
                if sheet is not None:
                    _check_shape(sheet.rows, sheet.columns)
                    # Columns up to Z are not looked at one by one: count them as 26.
                    if sheet.cells > MAX_CELLS or sheet.rows * max(sheet.columns, 26) > MAX_AREA:
                        raise FileProblem(
                            _l(
                                "工作表的范围过大（%(rows)s 行 × %(columns)s 列），无法导入。"
                                "请删除远处的空白单元格，或把清单拆成几个文件。",
                                rows=sheet.rows,
                                columns=max(sheet.columns, 26),
                            )
                        )
    except FileProblem:
        raise  # a ValueError too, but already the reason to give
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,  # a compression method zipfile does not know
        EOFError,
        ValueError,
        RuntimeError,  # an encrypted member
        zlib.error,
    ) as e:
        raise FileProblem(_l("无法读取文件：不是有效的 XLSX 文件。")) from e


# A sheet's cells name their place (r="CV200009"); a reader builds the whole rectangle up to the last
# one, so two cells far apart in a file of a kilobyte cost gigabytes. The places are read from the XML
# as it is inflated: rows of 6 digits or more, and columns of two letters or more, are rare enough in
# a real list to be looked at one by one; everything else is within the limits anyway.
# The patterns start with their literal (r=") so that the regex engine skips ahead to it: with a
# leading \s it tried every byte, a second per 100 MB. Any attribute ending in r counts too (safe side).
_FAR_ROW = re.compile(rb'r="[A-Z]{0,3}([0-9]{6,})"')
_WIDE_COLUMN = re.compile(rb'r="([A-Z]{2,})[0-9]*"')
MAX_CELLS = 5_000_000
# The rectangle a reader builds (≈ 50 bytes a cell): 200,000 rows of up to 50 columns.
MAX_AREA = 10_000_000


class _SheetExtent:
    """The last row and column a worksheet's XML names, and how many rows and cells it holds."""

    def __init__(self):
        self.rows = self.columns = self.cells = self.row_tags = 0
        self._tail = b""

    def see(self, chunk: bytes) -> None:
        text = self._tail + chunk
        self._tail = chunk[-64:]  # a reference cut between two chunks is seen whole in the next
        for match in _FAR_ROW.finditer(text):
            self.rows = max(self.rows, int(match.group(1)))
        for match in _WIDE_COLUMN.finditer(text):
            index = 0
            for letter in match.group(1):
                index = index * 26 + letter - 64
            self.columns = max(self.columns, index)
        # Rows and cells without a reference take the next place: count them too.
        self.row_tags += chunk.count(b"<row")
        self.rows = max(self.rows, self.row_tags)
        self.cells += chunk.count(b"<c ") + chunk.count(b"<c>") + chunk.count(b"<c/")


def _check_shape(rows: int, columns: int) -> None:
    if rows > MAX_ROWS + HEADER_SEARCH_ROWS:
        raise FileProblem(
            _l("文件有 %(rows)s 行，超过每次导入的上限 %(max)s 行。请拆分后分别导入。", rows=rows, max=MAX_ROWS)
        )
    if columns > MAX_COLUMNS:
        raise FileProblem(
            _l("文件有 %(columns)s 列，超过上限 %(max)s 列。请只保留清单的各列。", columns=columns, max=MAX_COLUMNS)
        )


def _check_cells(table: list[tuple[int, list[str]]]) -> None:
    _check_shape(len(table), max((len(cells) for _, cells in table), default=0))
    for number, cells in table:  # map and join: the loops run in C (100k rows)
        if cells and max(map(len, cells)) > MAX_CELL_CHARS:
            raise FileProblem(
                _l("第 %(row)s 行有单元格超过 %(max)s 个字，请检查该行。", row=number, max=MAX_CELL_CHARS), number
            )
        if "\x00" in "".join(cells):
            raise FileProblem(_l("第 %(row)s 行含有不可见的空字符（NUL），请检查该行。", row=number), number)


def _csv_table(text: str) -> list[tuple[int, list[str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        # Row numbers count records, as Excel shows a quoted multi-line cell in one row.
        return [
            (number, [_unquote(c.strip()) if c[:1] == "'" else c.strip() for c in cells])
            for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)
        ]
    except csv.Error as e:
        raise FileProblem(_l("无法读取 CSV 文件：%(error)s", error=str(e))) from e


def _unquote(cell: str) -> str:
    # The export puts a quote before text that a spreadsheet would take for a formula.
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@") else cell


def _normal_header(cell: str) -> str:
    return HEADER_ALIASES.get(re.sub(r"[\s*＊]", "", cell), "")


def _rows_from_table(table: list[tuple[int, list[str]]], fmt: str, encoding: str) -> ListFile:
    _check_cells(table)
    header_at = None
    for index, (_, cells) in enumerate(table[:HEADER_SEARCH_ROWS]):
        if "具体事项" in {_normal_header(c) for c in cells}:
            header_at = index
            break
    if header_at is None:
        raise LayoutProblem(
            _l(
                "找不到表头行。第一行应为：%(header)s（或以「责任部门」一列代替牵头部门和配合部门）。",
                header="、".join(HEADER),
            ),
            1,
        )
    header_row, header_cells = table[header_at]
    columns: dict[str, int] = {}
    for position, cell in enumerate(header_cells):
        name = _normal_header(cell)
        if name and name not in columns:
            columns[name] = position
    layout = "standard" if "牵头部门" in columns else "responsible"
    missing = [c for c in ("事项类别", "具体事项") if c not in columns]
    if "牵头部门" not in columns and RESPONSIBLE not in columns:
        missing.append("牵头部门")
    if missing:
        raise LayoutProblem(
            _l("表头缺少列：%(missing)s。表头应为：%(header)s。", missing="、".join(missing), header="、".join(HEADER)),
            header_row,
        )

    # Each row is read with one itemgetter: short rows are padded to the header's width, and a column
    # the file lacks reads the "" appended to every row (index -1).
    named_column = "牵头部门" if layout == "standard" else RESPONSIBLE
    fields = ("序号", "事项类别", "具体事项", named_column, "配合部门", "责任内容", "依据", *EXTRA_HEADER)
    width = max(columns.values()) + 1
    read = operator.itemgetter(*(columns.get(name, -1) for name in fields))
    seq_column = columns.get("序号")

    result = ListFile(format=fmt, encoding=encoding, layout=layout)
    extra_fields = dict(zip(EXTRA_HEADER, ("co_leads", "territorial", "deadline_text"), strict=True))
    carries = tuple(extra_fields[name] for name in EXTRA_HEADER if name in columns)
    for number, cells in table[header_at + 1 :]:
        if not (any(cells) if seq_column is None else any(cells[:seq_column]) or any(cells[seq_column + 1 :])):
            continue  # an empty line (perhaps numbered) is no matter
        padded = [*cells, *[""] * (width - len(cells)), ""]
        seq, category, title, named, cooperating, description, basis, co_leads, territorial, deadline = read(padded)
        if layout == "standard":
            # Several names in 牵头部门 stay as written: the plan reports them.
            lead, cooperating = named, split_departments(cooperating)
        else:
            departments = split_departments(named)
            lead, cooperating = (departments[0] if departments else ""), departments[1:]
        result.rows.append(
            RawRow(
                row=number,
                seq=seq,
                category=category,
                title=title,
                lead=lead.strip(),
                cooperating=cooperating,
                description=description,
                basis=basis,
                co_leads=split_departments(co_leads) if co_leads else [],
                territorial=territorial_cell(territorial) if territorial else [],
                deadline_text=deadline,
                carries=carries,
            )
        )
    return result


def territorial_cell(text: str) -> list[str]:
    """A 属地落实 cell as RawRow holds it: ["*"] for every lower government, else the names written."""
    if text.strip() in ALL_LOWER_SPELLINGS:
        return [ALL_LOWER]
    return split_departments(text)


def _json_details(item: dict[str, Any]) -> dict[str, Any]:
    """Co-leads, territorial implementers, deadline and targets as the JSON export writes them."""
    co_leads, territorial, targets = item.get("co_leads") or [], item.get("territorial") or [], item.get("targets")
    return {
        "co_leads": (
            split_departments(co_leads)
            if isinstance(co_leads, str)
            else [cell_text(c) for c in co_leads if cell_text(c)]
            if isinstance(co_leads, list)
            else []
        ),
        "territorial": (
            territorial_cell(territorial)
            if isinstance(territorial, str)
            else [
                ALL_LOWER
                if isinstance(t, dict) and t.get("code") == ALL_LOWER
                else cell_text(t.get("name"))
                if isinstance(t, dict)
                else cell_text(t)
                for t in territorial
            ]
            if isinstance(territorial, list)
            else []
        ),
        "deadline_text": cell_text(item.get("deadline_text")),
        "targets": [t for t in targets if isinstance(t, dict)] if isinstance(targets, list) else [],
    }


def _rows_from_json(text: str, encoding: str) -> ListFile:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as e:
        raise FileProblem(_l("无法读取 JSON 文件：第 %(line)s 行格式有误。", line=e.lineno)) from e
    items = payload.get("matters") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise FileProblem(_l("JSON 文件中没有事项列表（应有 matters 数组）。"))
    if len(items) > MAX_ROWS:
        raise FileProblem(
            _l("文件有 %(items)s 项，超过每次导入的上限 %(max)s 项。请拆分后分别导入。", items=len(items), max=MAX_ROWS)
        )
    result = ListFile(format="json", encoding=encoding)
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise FileProblem(_l("JSON 第 %(item)s 项不是对象。", item=number), number)
        cooperating = item.get("cooperating") or []
        basis = item.get("basis") or []
        if not isinstance(cooperating, str | list) or not isinstance(basis, str | list):
            raise FileProblem(_l("JSON 第 %(item)s 项的配合部门或依据应为文字或列表。", item=number), number)
        result.rows.append(
            RawRow(
                row=number,
                seq=cell_text(item.get("seq")),
                category=cell_text(item.get("category")),
                title=cell_text(item.get("title")),
                lead=cell_text(item.get("lead")),
                cooperating=(
                    split_departments(cooperating)
                    if isinstance(cooperating, str)
                    else [cell_text(c) for c in cooperating if cell_text(c)]
                ),
                description=cell_text(item.get("description")),
                basis=(
                    basis
                    if isinstance(basis, str)
                    else [
                        Basis(
                            cell_text(b.get("title")).strip("《》"),
                            cell_text(b.get("doc_number")),
                            cell_text(b.get("article")),
                        )
                        for b in basis
                        if isinstance(b, dict)
                    ]
                ),
                **_json_details(item),
                carries=tuple(key for key in ("co_leads", "territorial", "deadline_text", "targets") if key in item),
            )
        )
        row = result.rows[-1]
        texts = [row.seq, row.category, row.title, row.lead, row.description, *row.cooperating]
        texts += [row.basis] if isinstance(row.basis, str) else [b.text for b in row.basis]
        if any(len(t) > MAX_CELL_CHARS for t in texts):
            raise FileProblem(
                _l("JSON 第 %(item)s 项有内容超过 %(max)s 个字，请检查该项。", item=number, max=MAX_CELL_CHARS), number
            )
        if any("\x00" in t for t in texts):
            raise FileProblem(_l("JSON 第 %(item)s 项含有不可见的空字符（NUL），请检查该项。", item=number), number)
    return result
