"""Hostile files and text for the layout readers (#14): each is read quickly, or refused with a clear
message next to the upload field, never a server error, a hang or a worker out of memory."""

import io
import struct
import zlib

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from registry.imports import phrases
from registry.imports.documents import read_document_source, read_text_source
from registry.imports.notation import propose_paragraphs
from registry.imports.reading import FileProblem
from tests.versions.conftest import text, upload

NOT_WORD = "不是有效的 Word（.docx）文件"

# -- phrases ---------------------------------------------------------------------------------


def test_names_of_governments_do_not_backtrack_on_repeated_separators():
    text_ = ("，" + ("区和" * 50)[:98] + "政府") * 20
    assert phrases.territorial(text_) == ([], text_)


def test_names_of_governments_are_still_read():
    assert phrases.territorial("由江东区、江西区人民政府负责落实，市生态环境局配合")[0] == ["江东区", "江西区"]
    assert phrases.territorial("和平区人民政府负责")[0] == ["和平区"]
    eleven = "、".join(f"第{n}区" for n in "一二三四五六七八九十") + "、甲乙区"
    assert phrases.territorial(f"，{eleven}人民政府")[0][-1] == "甲乙区"  # the last ten only


def test_pasted_paragraph_of_repeated_separators_is_proposed():
    source = read_text_source("一、大气污染防治\n1." + ("区和" * 170)[:318] + "政府负责。")
    assert propose_paragraphs(source).kind == "paragraphs"


def test_many_targets_in_one_text_are_read_with_short_indicators():
    found = phrases.find_targets("≥1" * 40_000)
    assert len(found) == 39_999
    assert max(len(t["indicator"]) for t in found) <= 200


@pytest.mark.parametrize(
    "pasted", ["一、大气\n" + "字" * 20_001, ("字" * 25 + "\n") * 40_000], ids=["one line", "wrapped lines"]
)
def test_too_long_pasted_paragraph_is_refused(pasted):
    with pytest.raises(FileProblem, match="文件中有段落超过 20000 个字"):
        read_text_source(pasted)


# -- Word ------------------------------------------------------------------------------------

_NUMBERING = (
    "<w:abstractNum {ns} w:abstractNumId='90'>"
    "<w:lvl w:ilvl='{ilvl}'><w:start w:val='{start}'/><w:numFmt w:val='chineseCounting'/>"
    "<w:lvlText w:val='%1、'/></w:lvl>"
    "</w:abstractNum>"
)


def _save(document) -> bytes:
    data = io.BytesIO()
    document.save(data)
    return data.getvalue()


def _numbered(ilvl="0", start="1", paragraph_ilvl="0") -> bytes:
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(_NUMBERING.format(ns=nsdecls("w"), ilvl=ilvl, start=start)))
    numbering.append(parse_xml(f"<w:num {nsdecls('w')} w:numId='90'><w:abstractNumId w:val='90'/></w:num>"))
    paragraph = document.add_paragraph("大气污染防治")
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f"<w:numPr {nsdecls('w')}><w:ilvl w:val='{paragraph_ilvl}'/><w:numId w:val='90'/></w:numPr>")
    )
    return _save(document)


@pytest.mark.parametrize(
    "numbered", [{"ilvl": "x"}, {"start": "x"}, {"paragraph_ilvl": "x"}], ids=["level", "start", "paragraph"]
)
def test_word_numbering_that_is_not_a_number_is_not_a_valid_file(numbered):
    with pytest.raises(FileProblem, match=NOT_WORD):
        read_document_source(_numbered(**numbered), "清单.docx")


@pytest.mark.parametrize(
    "numbered",
    [{"paragraph_ilvl": "-30"}, {"paragraph_ilvl": "100000000"}, {"ilvl": "-30", "start": "-30"}, {"start": "-30"}],
    ids=["negative level", "huge level", "negative definition", "negative start"],
)
def test_word_numbering_out_of_range_is_read(numbered):
    (paragraph,) = read_document_source(_numbered(**numbered), "清单.docx").paragraphs
    assert paragraph.text == "大气污染防治"


def test_word_paragraph_style_based_on_itself_is_read():
    document = docx.Document()
    for name, based_on in [("Loop", "Loop"), ("甲", "乙"), ("乙", "甲")]:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.element.append(parse_xml(f"<w:basedOn {nsdecls('w')} w:val='{based_on}'/>"))
    document.add_paragraph("一、大气污染防治", style="Loop")
    document.add_paragraph("（一）扬尘治理", style="甲")
    source = read_document_source(_save(document), "清单.docx")
    assert [(p.number, p.text) for p in source.paragraphs] == [("一、", "大气污染防治"), ("（一）", "扬尘治理")]


def _table_docx(cell_xml: str) -> bytes:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    for r in range(2):
        for c in range(2):
            table.cell(r, c).text = f"{r}{c}"
    table.cell(0, 0)._tc.get_or_add_tcPr().append(parse_xml(cell_xml.format(ns=nsdecls("w"))))
    return _save(document)


def test_word_cell_merged_down_in_the_first_row_is_read_as_itself():
    (table,) = read_document_source(_table_docx("<w:vMerge {ns}/>"), "清单.docx").tables
    assert table.rows == [(1, ["00", "01"]), (2, ["10", "11"])]


def test_word_table_merged_down_a_long_way_is_read():
    document = docx.Document()
    table = document.add_table(rows=1500, cols=2)
    table.cell(0, 0).text = "扬尘"
    for number, row in enumerate(table.rows):
        merge = "<w:vMerge {ns} w:val='restart'/>" if number == 0 else "<w:vMerge {ns}/>"
        row.cells[0]._tc.get_or_add_tcPr().append(parse_xml(merge.format(ns=nsdecls("w"))))
    (read,) = read_document_source(_save(document), "清单.docx").tables
    assert len(read.rows) == 1500 and read.rows[-1] == (1500, ["扬尘", ""])


def test_word_cell_span_that_is_not_a_number_is_not_a_valid_file():
    with pytest.raises(FileProblem, match=NOT_WORD):
        read_document_source(_table_docx("<w:gridSpan {ns} w:val='x'/>"), "清单.docx")


@pytest.mark.parametrize("spans", [("100000000",), ("-100000000", "100000000")], ids=["huge", "after negative"])
def test_word_cell_spanning_a_huge_number_of_columns_is_refused(spans):
    document = docx.Document()
    table = document.add_table(rows=1, cols=len(spans))
    for cell, span in zip(table.rows[0].cells, spans, strict=True):
        cell._tc.get_or_add_tcPr().append(parse_xml(f"<w:gridSpan {nsdecls('w')} w:val='{span}'/>"))
    with pytest.raises(FileProblem, match="表格超过 100 列"):
        read_document_source(_save(document), "清单.docx")


def test_too_long_word_paragraph_is_refused():
    document = docx.Document()
    document.add_paragraph("字" * 20_001)
    with pytest.raises(FileProblem, match="文件中有段落超过 20000 个字"):
        read_document_source(_save(document), "清单.docx")


# -- PDF -------------------------------------------------------------------------------------


def _inflating(size: int) -> bytes:
    """A zlib stream of `size` zero bytes, built without compressing them all: one block of zeros
    repeated (a full flush makes each block stand alone)."""
    chunk = bytes(16 * 1024 * 1024)
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = raw.compress(chunk) + raw.flush(zlib.Z_FULL_FLUSH)
    n = size // len(chunk)
    adler = ((n * len(chunk)) % 65521) << 16 | 1  # Adler-32 of zeros
    return b"\x78\xda" + block * n + raw.flush() + struct.pack(">I", adler)


def _bomb_pdf() -> bytes:
    """A PDF of a few KB whose page content inflates to 1 GB (compressed twice)."""
    stream = zlib.compress(_inflating(1024 * 1024 * 1024), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R >>",
        b"<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def test_pdf_that_inflates_to_gigabytes_is_refused():
    data = _bomb_pdf()
    assert len(data) < 100 * 1024
    with pytest.raises(FileProblem, match="PDF 过大或过于复杂"):
        read_document_source(data, "炸弹.pdf")


# -- the upload page -------------------------------------------------------------------------


def _hostile_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("一、大气污染防治")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0)._tc.get_or_add_tcPr().append(parse_xml(f"<w:gridSpan {nsdecls('w')} w:val='x'/>"))
    assert table._tbl.find(qn("w:tr")) is not None
    return _save(document)


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (_hostile_docx, "清单.docx", NOT_WORD),
        (lambda: _numbered(start="x"), "清单.docx", NOT_WORD),
        (lambda: _table_docx("<w:gridSpan {ns} w:val='100000000'/>"), "清单.docx", "表格超过 100 列"),
        (_bomb_pdf, "清单.pdf", "PDF 过大或过于复杂"),
    ],
    ids=["span", "numbering", "wide", "pdf bomb"],
)
def test_hostile_upload_is_refused_next_to_the_field(office, client, content, filename, message):
    response = upload(client, "970000", content(), filename)
    assert response.status_code == 200
    assert message in text(response)
