"""Reading the cell values of a workbook's first sheet, fast.

openpyxl builds a cell object per value and spends most of a 100k-row import there; a list file only
needs the text of each cell, which the sheet XML holds directly (or via the shared strings table).
Anything unexpected raises, and the caller falls back to openpyxl.
"""

import functools
import html
import io
import posixpath
import re
import zipfile
from xml.etree.ElementTree import iterparse

# Larger decompressed parts than this are refused (a 100k-row list's sheet is ~30 MB).
MAX_PART_BYTES = 400 * 1024 * 1024
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class UnexpectedWorkbook(Exception):
    """The workbook is not laid out as expected; openpyxl will have a go."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _open(archive: zipfile.ZipFile, name: str):
    info = archive.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise UnexpectedWorkbook(f"{name} too large")
    return archive.open(info)


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    with _open(archive, "xl/workbook.xml") as f:
        sheet = next((el for _, el in iterparse(f) if _local(el.tag) == "sheet"), None)
    if sheet is None:
        raise UnexpectedWorkbook("no sheet")
    rel_id = sheet.get(_REL) or next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
    with _open(archive, "xl/_rels/workbook.xml.rels") as f:
        for _, el in iterparse(f):
            if _local(el.tag) == "Relationship" and el.get("Id") == rel_id:
                target = el.get("Target", "")
                return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    raise UnexpectedWorkbook("sheet relationship missing")


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    try:
        part = _open(archive, "xl/sharedStrings.xml")
    except KeyError:
        return []
    strings = []
    with part as f:
        for _, el in iterparse(f):
            if _local(el.tag) == "si":
                strings.append(_string_item(el))
                el.clear()
    return strings


def _string_item(si) -> str:
    # Plain <t>, or rich text runs <r><t>…</t></r>; phonetic hints (<rPh>) are not part of the text.
    parts = []
    for child in si:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


_DATE_FORMAT_IDS = {*range(14, 23), 45, 46, 47}
_DATE_CODE = re.compile(r"[ymdhs]", re.I)


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell styles that show numbers as dates (openpyxl turns those into dates)."""
    try:
        part = _open(archive, "xl/styles.xml")
    except KeyError:
        return set()
    custom: dict[int, str] = {}
    formats: list[int] = []
    in_cell_xfs = False
    with part as f:
        for event, el in iterparse(f, events=("start", "end")):
            name = _local(el.tag)
            if name == "cellXfs":
                in_cell_xfs = event == "start"
            elif event == "end" and name == "numFmt":
                # Drop quoted literals and colours before looking for date letters.
                code = re.sub(r'"[^"]*"|\[[^]]*\]', "", el.get("formatCode", ""))
                custom[int(el.get("numFmtId", "0"))] = code
            elif event == "end" and name == "xf" and in_cell_xfs:
                formats.append(int(el.get("numFmtId", "0")))
    return {
        i
        for i, fmt in enumerate(formats)
        if fmt in _DATE_FORMAT_IDS or (fmt in custom and _DATE_CODE.search(custom[fmt]))
    }


@functools.cache
def _letters_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _column_index(reference: str) -> int:
    return _letters_index(reference.rstrip("0123456789"))


def _number(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else text


# The sheet XML that spreadsheet programs write is regular enough for regular expressions, which run
# in C: ten times quicker than an element-by-element parse. Anything else goes to openpyxl.
_ROW = re.compile(r"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_CELL = re.compile(r"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTRIBUTE = re.compile(r'\b([rts])="([^"]*)"')
_VALUE = re.compile(r"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_TEXT = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>", re.S)
_EMPTY_TEXT = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?/>")


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text


def read_first_sheet(data: bytes) -> list[tuple[int, list[str]]]:
    """(row number, cell texts) for every row of the first sheet that has a cell."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        strings = _shared_strings(archive)
        date_styles = _date_styles(archive)
        with _open(archive, _first_sheet_path(archive)) as f:
            xml = f.read().decode("utf-8")
    if "<![CDATA[" in xml or "<!--" in xml:
        raise UnexpectedWorkbook("CDATA or comments in the sheet")
    rows: list[tuple[int, list[str]]] = []
    next_row = 1
    for row in _ROW.finditer(xml):
        number = int(dict(_ATTRIBUTE.findall(row.group(1))).get("r") or next_row)
        next_row = number + 1
        cells: dict[int, str] = {}
        for cell in _CELL.finditer(row.group(2) or ""):
            attributes = dict(_ATTRIBUTE.findall(cell.group(1)))
            reference = attributes.get("r")
            column = _column_index(reference) if reference else (max(cells) + 1 if cells else 0)
            kind, inner = attributes.get("t", "n"), cell.group(2) or ""
            if kind == "inlineStr":
                cells[column] = _unescape("".join(_TEXT.findall(inner))).strip()
                continue
            value = _VALUE.search(inner)
            if value is None:
                cells[column] = ""
                continue
            value = value.group(1)
            if kind == "s":
                text = strings[int(value)]
            elif kind == "n":
                if date_styles and int(attributes.get("s", "0")) in date_styles:
                    raise UnexpectedWorkbook("a date cell")  # openpyxl turns those into dates
                text = _number(value)
            elif kind == "b":
                text = "True" if value == "1" else "False"  # as str() of openpyxl's bool
            else:  # str (a formula's text result), e (an error)
                text = _unescape(value)
            cells[column] = text.strip()
        if cells:
            rows.append((number, [cells.get(i, "") for i in range(max(cells) + 1)]))
    if not rows and "<sheetData" in xml and "<row" in xml:
        raise UnexpectedWorkbook("rows not recognised")
    return rows
