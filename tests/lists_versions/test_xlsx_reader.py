"""The quick XLSX reader reads what openpyxl reads (and leaves what it does not expect to openpyxl)."""

import io
from datetime import date

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from registry.lists.listfile import _openpyxl_table
from registry.lists.xlsx_reader import UnexpectedWorkbook, read_first_sheet


def workbook_bytes(fill, write_only=False):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("清单") if write_only else workbook.active
    fill(sheet)
    if not write_only:
        workbook.create_sheet("第二页")["A1"] = "不读"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def non_empty(table):
    return [(n, cells) for n, cells in table if any(cells)]


def trimmed(table):
    # openpyxl pads every row to the sheet's width; the quick reader stops at a row's last cell.
    result = []
    for n, cells in non_empty(table):
        while cells and not cells[-1]:
            cells = cells[:-1]
        result.append((n, cells))
    return result


def test_same_text_as_openpyxl():
    def fill(sheet):
        sheet.append(["序号", "事项类别", "具体事项", "牵头部门", "配合部门", "责任内容", "依据"])
        sheet.append([1, "水", "河湖长制", "水利厅", "生态环境厅\n住建厅", "  推进  ", "《水法》第十条"])
        sheet.append([2.0, "水", "=不是公式", None, None, None, None])
        sheet["C3"].data_type = "s"
        sheet["F3"] = "<甲> & 乙"
        sheet["C5"] = CellRichText(["富", TextBlock(InlineFont(b=True), "文本")])
        sheet["A6"] = 3.5
        sheet["B6"] = True
        sheet["D7"] = "只在第四列"

    data = workbook_bytes(fill)
    assert trimmed(read_first_sheet(data)) == trimmed(_openpyxl_table(data))
    rows = dict(read_first_sheet(data))
    assert rows[3] == ["2", "水", "=不是公式", "", "", "<甲> & 乙"]
    assert rows[5][2] == "富文本"
    assert rows[7] == ["", "", "", "只在第四列"]


def test_write_only_workbooks_as_the_export_makes_them():
    def fill(sheet):
        sheet.append(["序号", "具体事项"])
        for i in range(1, 4):
            sheet.append([i, f"事项{i}"])

    data = workbook_bytes(fill, write_only=True)
    assert read_first_sheet(data) == [
        (1, ["序号", "具体事项"]),
        (2, ["1", "事项1"]),
        (3, ["2", "事项2"]),
        (4, ["3", "事项3"]),
    ]


def test_dates_are_left_to_openpyxl():
    def fill(sheet):
        sheet.append(["序号", "日期"])
        sheet.append([1, date(2025, 1, 1)])

    data = workbook_bytes(fill)
    with pytest.raises(UnexpectedWorkbook):
        read_first_sheet(data)
    assert _openpyxl_table(data)[1][1] == ["1", "2025-01-01"]
