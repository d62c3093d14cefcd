"""A list file is refused, with a clear Chinese message and without being unpacked into memory, when it
is larger inside than the import's limits (README, "导入的限制"): zip bombs, forged sizes, too many rows,
columns or characters. The same reader serves the web import and the CLI."""

import io
import struct
import tracemalloc
import zipfile

import pytest

from registry.imports import reading as listfile
from registry.imports.reading import FileProblem, read_list_file
from tests.conftest import csrf_token

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def _xlsx_with_sheet(sheet_xml: bytes | None = None, padding: int = 0) -> bytes:
    """A minimal XLSX; `padding` bytes of blanks inside the sheet make it a bomb (they compress ~1000:1)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="清单" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD)
            if sheet_xml:
                sheet.write(sheet_xml)
            chunk = b" " * (1024 * 1024)
            for _ in range(padding // len(chunk)):
                sheet.write(chunk)
            sheet.write(SHEET_TAIL)
    return out.getvalue()


def _inline_row(number: int, cells: list[str]) -> bytes:
    xml = "".join(f'<c t="inlineStr"><is><t>{c}</t></is></c>' for c in cells)
    return f'<row r="{number}">{xml}</row>'.encode()


HEADER_ROW = _inline_row(1, ["序号", "事项类别", "具体事项", "牵头部门", "配合部门", "责任内容", "依据"])


def _refused_within_memory(data: bytes) -> str:
    tracemalloc.start()
    try:
        with pytest.raises(FileProblem) as refused:
            read_list_file(data, "清单.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * 1024 * 1024, f"{peak / 1e6:.0f} MB of Python memory used to refuse it"
    return str(refused.value)


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = _xlsx_with_sheet(HEADER_ROW, padding=listfile.MAX_UNPACKED_BYTES + 8 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # a small upload …
    assert "解压后超过 200 MB" in _refused_within_memory(bomb)  # … refused for what it holds


def test_a_member_that_holds_more_than_it_declares_is_refused():
    bomb = _xlsx_with_sheet(HEADER_ROW, padding=64 * 1024 * 1024)
    forged = _declare_size(bomb, "xl/worksheets/sheet1.xml", 1000)
    assert "不是有效的 XLSX 文件" in _refused_within_memory(forged)


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size the archive states for `name` (local header, zip64 extra field and
    central directory), as a forger would."""
    data = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo(name)
        real = info.file_size
    encoded = name.encode()
    packed_real = struct.pack("<Q", real)
    for signature, name_offset, size_offset in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        at = data.find(signature)
        while at != -1:
            if data[at + name_offset : at + name_offset + len(encoded)] == encoded:
                if struct.unpack_from("<I", data, at + size_offset)[0] != 0xFFFFFFFF:
                    struct.pack_into("<I", data, at + size_offset, size)
                zip64 = data.find(packed_real, at, at + name_offset + len(encoded) + 64)
                if zip64 != -1:
                    data[zip64 : zip64 + 8] = struct.pack("<Q", size)
            at = data.find(signature, at + 4)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        assert z.getinfo(name).file_size == size  # the forgery took
    return bytes(data)


def test_too_many_rows_columns_or_characters_are_refused_with_the_limit(monkeypatch):
    monkeypatch.setattr(listfile, "MAX_ROWS", 50)
    rows = b"".join(_inline_row(n, [str(n), "大气", f"事项{n}", "省生态环境厅"]) for n in range(2, 100))
    assert "超过每次导入的上限 50 行" in _refused_within_memory(_xlsx_with_sheet(HEADER_ROW + rows))
    wide = _inline_row(2, ["x"] * 150)
    assert "超过上限 100 列" in _refused_within_memory(_xlsx_with_sheet(HEADER_ROW + wide))
    long_cell = _inline_row(2, ["1", "大气", "长" * 20_001, "省生态环境厅"])
    assert "第 2 行有单元格超过 20000 个字" in _refused_within_memory(_xlsx_with_sheet(HEADER_ROW + long_cell))
    csv = (
        "序号,事项类别,具体事项,牵头部门\n" + "".join(f"{n},大气,事项{n},省生态环境厅\n" for n in range(60))
    ).encode()
    with pytest.raises(FileProblem, match="上限 50 行"):
        read_list_file(csv, "清单.csv")


def test_a_small_valid_workbook_still_reads():
    row = _inline_row(2, ["1", "大气", "秸秆露天焚烧管控", "省生态环境厅", "省农业农村厅"])
    parsed = read_list_file(_xlsx_with_sheet(HEADER_ROW + row), "清单.xlsx")
    assert [(r.title, r.lead, r.cooperating) for r in parsed.rows] == [
        ("秸秆露天焚烧管控", "省生态环境厅", ["省农业农村厅"])
    ]


def test_the_web_import_shows_the_limit_next_to_the_file(client, auth, demo):
    auth.login("province_office")
    bomb = _xlsx_with_sheet(HEADER_ROW, padding=listfile.MAX_UNPACKED_BYTES + 8 * 1024 * 1024)
    url = "/manage/990000/import"
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(bomb), "炸弹.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "解压后超过 200 MB" in response.get_data(as_text=True)


def test_the_cli_import_refuses_it_too(runner, demo, tmp_path):
    path = tmp_path / "炸弹.xlsx"
    path.write_bytes(_xlsx_with_sheet(HEADER_ROW, padding=listfile.MAX_UNPACKED_BYTES + 8 * 1024 * 1024))
    result = runner.invoke(args=["registry", "import-list", "--jurisdiction", "990000", str(path)])
    assert result.exit_code != 0 and "解压后超过 200 MB" in result.output


def _far_cells(last: str) -> bytes:
    """A sheet with its header and one cell far away: a reader would build the rectangle between."""
    return HEADER_ROW + f'<row r="{last[2:]}"><c r="{last}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()


@pytest.mark.parametrize(
    ("last", "message"),
    [
        ("XFD1048576", "超过每次导入的上限"),
        ("CV200009", "工作表的范围过大"),
        ("CW10", "超过上限 100 列"),
        ("A900000", "超过每次导入的上限"),
    ],
)
def test_two_cells_far_apart_are_refused_before_the_sheet_is_built(last, message):
    data = _xlsx_with_sheet(_far_cells(last))
    assert len(data) < 4096
    assert message in _refused_within_memory(data)


def test_nul_in_a_cell_and_malformed_json_are_refused_with_the_row():
    rows = "".join(f"{n},大气,事项{n},省生态环境厅\n" for n in range(1, 300))  # past the 4 kB the decoder sniffs
    csv = f"序号,事项类别,具体事项,牵头部门\n{rows}300,大气,扬尘\x00治理,省生态环境厅\n".encode()
    with pytest.raises(FileProblem, match="第 301 行含有不可见的空字符"):
        read_list_file(csv, "清单.csv")
    nul_json = '{"matters": [{"category": "水", "title": "a\\u0000b", "lead": "水利厅"}]}'.encode()
    with pytest.raises(FileProblem, match="JSON 第 1 项含有不可见的空字符"):
        read_list_file(nul_json, "清单.json")
    numbers = b'{"matters": [{"category": "1", "title": "t", "lead": "x", "cooperating": 5}]}'
    with pytest.raises(FileProblem, match="应为文字或列表"):
        read_list_file(numbers, "清单.json")


def test_an_encrypted_archive_is_not_a_workbook():
    data = bytearray(_xlsx_with_sheet(HEADER_ROW))
    at = data.find(b"PK\x03\x04")
    while at != -1:  # set the "encrypted" flag of every member, as an encrypting zip tool does
        data[at + 6] |= 1
        at = data.find(b"PK\x03\x04", at + 4)
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 8] |= 1
        at = data.find(b"PK\x01\x02", at + 4)
    assert "不是有效的 XLSX 文件" in _refused_within_memory(bytes(data))
