"""XLSX cells are read as the text a user sees in Excel, with Excel's row numbers."""

import io
from datetime import date

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from registry.imports.reading import FileProblem, _xlsx_table


def workbook_bytes(fill, write_only=False):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("清单") if write_only else workbook.active
    fill(sheet)
    if not write_only:
        workbook.create_sheet("第二页")["A1"] = "不读"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_cells_read_as_text_with_excel_row_numbers():
    def fill(sheet):
        sheet.append(["序号", "事项类别", "具体事项", "牵头部门", "配合部门", "责任内容", "依据"])
        sheet.append([1, "水", "河湖长制", "水利厅", "生态环境厅\n住建厅", "  推进  ", "《水法》第十条"])
        sheet.append([2.0, "水", "=不是公式", None, None, None, None])
        sheet["C3"].data_type = "s"
        sheet["F3"] = "<甲> & 乙"
        sheet["C5"] = CellRichText(["富", TextBlock(InlineFont(b=True), "文本")])
        sheet["A6"] = 3.5
        sheet["A7"] = date(2025, 1, 1)

    rows = dict(_xlsx_table(workbook_bytes(fill)))
    assert rows[2][:5] == ["1", "水", "河湖长制", "水利厅", "生态环境厅\n住建厅"]
    assert rows[3][:6] == ["2", "水", "=不是公式", "", "", "<甲> & 乙"]
    assert not any(rows[4])  # an empty row keeps its number
    assert rows[5][2] == "富文本"
    assert rows[6][0] == "3.5"
    assert rows[7][0] == "2025-01-01"
    assert all("不读" not in cells for cells in rows.values())  # the first sheet only


def test_write_only_workbooks_as_the_export_makes_them():
    def fill(sheet):
        sheet.append(["序号", "具体事项"])
        for i in range(1, 4):
            sheet.append([i, f"事项{i}"])

    assert _xlsx_table(workbook_bytes(fill, write_only=True)) == [
        (1, ["序号", "具体事项"]),
        (2, ["1", "事项1"]),
        (3, ["2", "事项2"]),
        (4, ["3", "事项3"]),
    ]


def test_a_broken_workbook_is_a_clear_error():
    with pytest.raises(FileProblem, match="不是有效的 XLSX 文件"):
        _xlsx_table(b"PK\x03\x04 not really a zip")
