"""Reading documents (#14): a Word file's numbered paragraphs and tables, a PDF's text layer and
tables, and pasted text, into a `layout.Source`.

The numbering a paragraph is written with gives its level (一、 1, （一） 2, 1. 3, (1) 4); Word's automatic
numbering is not in the text, so its level comes from the numbering definition (or the list level).
"""

import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from registry.imports import pdf_child
from registry.imports.layout import Source, SourceParagraph, SourceTable
from registry.imports.reading import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_ENTRIES,
    FileProblem,
)

MAX_PARAGRAPHS = 50_000
MAX_PDF_PAGES = 500
# How long reading a PDF may take (its child process is also limited in processor time and memory).
PDF_SECONDS = 60

_CN = "一二三四五六七八九十百零〇"
# (level, pattern): the numbering as written at the start of a paragraph.
_NUMBERINGS = [
    (1, re.compile(rf"^([{_CN}]+)\s*[、．.]\s*")),
    (2, re.compile(rf"^[（(]\s*([{_CN}]+)\s*[）)]\s*[、．.]?\s*")),
    (3, re.compile(r"^([0-9０-９]+)\s*(?:[、．]|\.(?![0-9]))\s*")),
    (4, re.compile(r"^(?:[（(]\s*[0-9０-９]+\s*|[0-9０-９]+)[）)]\s*")),
    (5, re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*")),
]


def split_numbering(text: str) -> tuple[str, int, str]:
    """(numbering as written, its level, the text after it); ("", 0, text) when not numbered."""
    text = text.strip()
    for level, pattern in _NUMBERINGS:
        match = pattern.match(text)
        if match and match.end() < len(text):
            return match.group(0).strip(), level, text[match.end() :].strip()
    return "", 0, text


def read_document_source(data: bytes, filename: str = "") -> Source:
    """A DOCX or PDF upload as a Source; FileProblem when it cannot be read (a scanned PDF among them)."""
    if not data or not data.strip():
        raise FileProblem(_l("文件为空。"))
    name = (filename or "").lower()
    if data[:5] == b"%PDF-":
        return _pdf_source(data)
    if data[:4] == b"PK\x03\x04":
        return _docx_source(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".doc"):
        raise FileProblem(_l("不支持旧版 Word（.doc）文件，请在 Word 中另存为 .docx 后再导入。"))
    if name.endswith(".pdf"):
        raise FileProblem(_l("无法读取文件：不是有效的 PDF 文件。"))
    raise FileProblem(_l("无法读取文件：不是有效的 Word（.docx）文件。"))


def read_text_source(text: str) -> Source:
    """Pasted text (from Word, or copied out of a PDF) as a Source of numbered paragraphs."""
    lines = [line.strip() for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return Source(format="text", paragraphs=_paragraphs(_join_wrapped(line for line in lines if line)))


def _paragraphs(texts: Iterable[str]) -> list[SourceParagraph]:
    found = []
    for text in texts:
        number, level, rest = split_numbering(_paragraph_text(text))
        found.append(SourceParagraph(index=len(found) + 1, number=number, level=level, text=rest))
        if len(found) > MAX_PARAGRAPHS:
            raise FileProblem(_l("文件的段落超过 %(max)s 段，无法导入。请拆分后分别导入。", max=MAX_PARAGRAPHS))
    return found


# A line ends a paragraph when it ends a sentence (or a parenthesis of departments).
_PARAGRAPH_END = tuple("。！？；：）)」”")
# Lines shorter than this were not cut by the page's width: a title, a heading.
_WRAPPED_WIDTH = 20


def _join_wrapped(lines: Iterable[str]) -> list[str]:
    """Lines of text copied from a page, joined where a sentence runs on to the next line."""
    joined: list[str] = []
    for line in lines:
        if (
            joined
            and not split_numbering(line)[1]
            and not joined[-1].endswith(_PARAGRAPH_END)
            and len(joined[-1]) >= _WRAPPED_WIDTH
        ):
            joined[-1] = _paragraph_text(joined[-1] + line)  # too long: refused before it grows more
        else:
            joined.append(line)
    return joined


def _numbered_pieces(text: str) -> list[str]:
    """A paragraph's lines, split where a line starts with its own numbering, else joined."""
    pieces: list[str] = []
    for line in (line.strip() for line in text.split("\n")):
        if not line:
            continue
        if pieces and not split_numbering(line)[1]:
            pieces[-1] += line
        else:
            pieces.append(line)
    return pieces


# -- DOCX ------------------------------------------------------------------------------------


def _docx_source(data: bytes) -> Source:
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        too_big = FileProblem(
            _l(
                "文件解压后超过 %(mb)s MB，无法导入。请把清单拆成几个文件分别导入。",
                mb=MAX_UNPACKED_BYTES // (1024 * 1024),
            )
        )
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_ENTRIES or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise too_big
            if "word/document.xml" not in archive.namelist():
                raise FileProblem(_l("无法读取文件：不是有效的 Word（.docx）文件。"))
            # Inflated a chunk at a time, as reading does for XLSX: a member holding more than it
            # declares stops at the declared size and fails its checksum.
            for member in members:
                with archive.open(member) as stream:
                    while stream.read(1024 * 1024):
                        pass
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        _check_tables(body, qn)
        blocks = list(document.iter_inner_content())
        # Everything below reads what the file says (numbering, merged cells), so a damaged or
        # hostile file fails here too; it is not a valid Word file.
        numbering = _WordNumbering(document, qn)
        texts: list[tuple[str, int, str]] = []
        tables: list[SourceTable] = []
        for block in blocks:
            if isinstance(block, Paragraph):
                text = block.text.strip()
                if not text:
                    continue
                _paragraph_text(text)
                auto = numbering.number(block)
                if auto is not None:
                    number, level = auto
                    text = text.replace("\n", "")
                    texts.append((number, level, split_numbering(text)[2] if split_numbering(text)[1] else text))
                else:
                    # Items typed one after another with line breaks (Shift+Enter) in one paragraph
                    texts.extend(split_numbering(piece) for piece in _numbered_pieces(text))
            elif isinstance(block, Table):
                tables.append(_docx_table(block, len(tables) + 1))
            if len(texts) > MAX_PARAGRAPHS:
                raise FileProblem(_l("文件的段落超过 %(max)s 段，无法导入。请拆分后分别导入。", max=MAX_PARAGRAPHS))
    except FileProblem:
        raise
    except Exception as e:  # python-docx and lxml raise many kinds on a damaged file
        raise FileProblem(_l("无法读取文件：不是有效的 Word（.docx）文件。")) from e
    paragraphs = [
        SourceParagraph(index=i, number=number, level=level, text=text)
        for i, (number, level, text) in enumerate(texts, start=1)
    ]
    return Source(format="docx", tables=tables, paragraphs=paragraphs)


def _check_tables(body, qn) -> None:
    """Refuse tables wider or longer than an import takes, before their cells are laid out (a cell
    spanning 100 000 000 columns would be laid out as that many)."""
    for rows, tr in enumerate(body.iter(qn("w:tr")), start=1):
        if rows > MAX_ROWS:
            raise FileProblem(_l("Word 文件的表格超过 %(max)s 行，无法导入。请拆分后分别导入。", max=MAX_ROWS))
        columns = max(tr.grid_before, 0)
        for tc in tr.tc_lst:
            columns += max(tc.grid_span, 0)  # a negative span would let the next one be huge
            if columns > MAX_COLUMNS:
                raise FileProblem(_l("Word 文件的表格超过 %(max)s 列，无法导入。请只保留清单的各列。", max=MAX_COLUMNS))


def _docx_table(table, number: int) -> SourceTable:
    """A Word table's rows; a merged cell's text in every grid cell it covers (across its columns,
    and down the rows it is merged into)."""
    from docx.table import _Cell

    rows: list[tuple[int, list[str]]] = []
    spanning: set[int] = set()
    above: dict[int, tuple[object, str]] = {}  # the row above: grid column -> (cell, its text)
    for row_number, tr in enumerate(table._tbl.tr_lst, start=1):
        grid: dict[int, tuple[object, str]] = {}
        offset = tr.grid_before
        cells: list[tuple[object, str]] = []
        for tc in tr.tc_lst:
            span = tc.grid_span
            own = None
            for k in range(span):
                if tc.vMerge == "continue" and offset + k in above:
                    cell = above[offset + k]  # merged down from the row above
                else:
                    own = own or (tc, _cell_text(_Cell(tc, table).text))
                    cell = own
                grid[offset + k] = cell
                cells.append(cell)
            offset += span
        above = grid
        rows.append((row_number, [text for _, text in cells]))
        if len(cells) > 1 and all(cell[0] is cells[0][0] for cell in cells):
            spanning.add(row_number)
    return SourceTable(rows=rows, name=str(_l("表 %(n)s", n=number)), spanning=spanning)


def _paragraph_text(text: str) -> str:
    if len(text) > MAX_CELL_CHARS:
        raise FileProblem(_l("文件中有段落超过 %(max)s 个字，请检查该段落。", max=MAX_CELL_CHARS))
    return text


def _cell_text(text: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_CELL_CHARS:
        raise FileProblem(_l("表格中有单元格超过 %(max)s 个字，请检查该表格。", max=MAX_CELL_CHARS))
    return text


_CN_DIGITS = "零一二三四五六七八九"


def _chinese_number(n: int) -> str:
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def _level(value: str) -> int:
    """A list level as Word has them, 0 to 8 (a file may say anything)."""
    return min(max(int(value), 0), 8)


class _WordNumbering:
    """Word's automatic numbering (numPr): the number a paragraph shows, counted as Word counts it,
    and its level from how the number is written (一、 / （一） / 1. / (1)), else from the list level."""

    def __init__(self, document, qn):
        self.qn = qn
        self.formats: dict[tuple[str, int], tuple[str, str, int]] = {}  # (numId, ilvl) -> fmt, lvlText, start
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {}
        for definition in root.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in definition.findall(qn("w:lvl")):
                fmt = lvl.find(qn("w:numFmt"))
                text = lvl.find(qn("w:lvlText"))
                start = lvl.find(qn("w:start"))
                levels[_level(lvl.get(qn("w:ilvl"), "0"))] = (
                    fmt.get(qn("w:val"), "decimal") if fmt is not None else "decimal",
                    text.get(qn("w:val"), "") if text is not None else "",
                    max(0, int(start.get(qn("w:val"), "1"))) if start is not None else 1,
                )
            abstract[definition.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is None:
                continue
            for ilvl, spec in abstract.get(ref.get(qn("w:val")), {}).items():
                self.formats[(num.get(qn("w:numId")), ilvl)] = spec

    def _num_pr(self, paragraph):
        qn = self.qn
        ppr = paragraph._p.pPr
        num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
        if num_pr is None:
            style = paragraph.style
            seen = set()  # a style based on itself, or on a style based on it
            while style is not None and num_pr is None and style.style_id not in seen:
                seen.add(style.style_id)
                style_ppr = style.element.find(qn("w:pPr"))
                num_pr = style_ppr.find(qn("w:numPr")) if style_ppr is not None else None
                style = style.base_style
        return num_pr

    def number(self, paragraph) -> tuple[str, int] | None:
        num_pr = self._num_pr(paragraph)
        if num_pr is None:
            return None
        qn = self.qn
        num_id_el, ilvl_el = num_pr.find(qn("w:numId")), num_pr.find(qn("w:ilvl"))
        num_id = num_id_el.get(qn("w:val")) if num_id_el is not None else None
        if not num_id or num_id == "0":
            return None
        ilvl = _level(ilvl_el.get(qn("w:val"), "0")) if ilvl_el is not None else 0
        fmt, lvl_text, start = self.formats.get((num_id, ilvl), ("decimal", f"%{ilvl + 1}.", 1))
        if fmt in ("bullet", "none"):
            return None  # a bulleted list: no numbering level
        counters = self.counters.setdefault(num_id, [])
        while len(counters) <= ilvl:
            counters.append(0)
        counters[ilvl] += 1
        del counters[ilvl + 1 :]
        value = counters[ilvl] + start - 1
        shown = _chinese_number(value) if fmt.startswith(("chinese", "ideograph", "japanese")) else str(value)
        written = re.sub(rf"%{ilvl + 1}", shown, lvl_text)
        written = re.sub(r"%[1-9]", "", written) or shown
        _, level, _ = split_numbering(written + "X")
        return written, level or ilvl + 1


# -- PDF -------------------------------------------------------------------------------------


def _pdf_source(data: bytes) -> Source:
    scanned = FileProblem(_l("这份 PDF 是扫描件，没有文字层，无法读取。请上传 Word/Excel 文件，或粘贴文字。"))
    found = _pdf_in_child(data)
    problem = found.get("problem")
    if problem == pdf_child.TOO_MANY_PAGES:
        raise FileProblem(_l("PDF 超过 %(max)s 页，无法导入。请拆分后分别导入。", max=MAX_PDF_PAGES))
    if problem == pdf_child.CELL_TOO_LONG:
        raise FileProblem(_l("表格中有单元格超过 %(max)s 个字，请检查该表格。", max=MAX_CELL_CHARS))
    if problem == pdf_child.INVALID:
        raise FileProblem(_l("无法读取文件：不是有效的 PDF 文件。"))
    if problem == pdf_child.DAMAGED:
        raise FileProblem(_l("无法读取文件：PDF 已损坏或已加密。"))
    if problem:
        raise _pdf_too_large()
    lines, characters, images = found["lines"], found["characters"], found["images"]
    tables: list[SourceTable] = []
    previous_columns = 0
    for table in found["tables"]:
        rows, columns = table["rows"], table["columns"]
        # A table the page break cut in two goes on as the same table.
        if table["first_on_page"] and tables and columns == previous_columns:
            last = tables[-1]
            offset = len(last.rows)
            last.rows.extend((offset + n, cells) for n, cells in enumerate(rows, start=1))
        else:
            tables.append(SourceTable(rows=list(enumerate(rows, start=1)), name=str(_l("表 %(n)s", n=len(tables) + 1))))
        previous_columns = columns
    # A scan has no text, or only what the scanner stamped on it (a page number) beside its images.
    if not characters or (images and characters < 40 and len(lines) < 3 and not tables):
        raise scanned
    paragraphs = _paragraphs(_join_page_lines(lines))
    if not paragraphs and not tables:
        raise scanned
    return Source(format="pdf", tables=tables, paragraphs=paragraphs)


def _pdf_too_large() -> FileProblem:
    return FileProblem(_l("PDF 过大或过于复杂，无法读取。请改用 Word/Excel 文件，或粘贴文字。"))


def _pdf_in_child(data: bytes) -> dict:
    """What imports.pdf_child reads from the PDF, in a child process under limits on its memory and
    time (a small PDF can inflate to gigabytes); too large when the child dies or overruns."""
    command = [sys.executable, "-I", pdf_child.__file__, str(MAX_PDF_PAGES), str(MAX_CELL_CHARS)]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=PDF_SECONDS, check=False)
    except subprocess.TimeoutExpired as e:
        raise _pdf_too_large() from e
    if done.returncode != 0:
        raise _pdf_too_large()
    try:
        return json.loads(done.stdout)
    except ValueError as e:
        raise _pdf_too_large() from e


def _join_page_lines(lines: list[dict]) -> list[str]:
    """Lines into paragraphs: a line starts a paragraph when it is numbered, indented (a first line,
    a centred title), after a gap, or after a line that ends a sentence; else it runs on (also
    across a page break)."""
    if not lines:
        return []
    left = min(line["x0"] for line in lines)
    joined: list[str] = []
    for line in lines:
        text = line["text"]
        new = line["gap"] or line["x0"] - left > line["size"] * 1.2
        if joined and not new and not split_numbering(text)[1] and not joined[-1].endswith(_PARAGRAPH_END):
            joined[-1] = _paragraph_text(joined[-1] + text)
        else:
            joined.append(text)
    return joined
