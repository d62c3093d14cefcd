"""Tables as offices keep them (#14): the reference layouts read, mapped and extracted to what
tests/imports/layouts/expected.json says; a spreadsheet with a title row, merged category cells and a
footnote gives the same rows as the plain format; CSV in GB18030; repeated headers; the limits."""

import io
import json
from dataclasses import asdict
from pathlib import Path

import pytest
from openpyxl import Workbook

from registry.imports import reading
from registry.imports.layout import ColumnRole, ResponsibleMeans, Source, SourceTable, Target
from registry.imports.reading import FileProblem, read_list_file
from registry.imports.tables import extract_table, propose_table, read_table_source
from tests.imports.test_file_limits import HEADER_ROW, _inline_row, _xlsx_with_sheet

LAYOUTS = Path(__file__).parent / "layouts"
EXPECTED = json.loads((LAYOUTS / "expected.json").read_text(encoding="utf-8"))


def _imported(data: bytes, filename: str):
    source = read_table_source(data, filename)
    return source, propose_table(source), extract_table(source, propose_table(source))


def _as_expected(rows) -> dict:
    return {
        r.title: {
            "lead": r.lead,
            "co_leads": r.co_leads,
            "cooperating": r.cooperating,
            "territorial": r.territorial,
            "category": r.category,
            "deadline": r.deadline_text,
        }
        for r in rows
    }


@pytest.mark.parametrize("name", ["01-title-merged-footnote.xlsx", "02-two-header-rows.xlsx", "03-role-columns.xlsx"])
def test_each_table_layout_gives_what_its_readme_says(name):
    _, mapping, parsed = _imported((LAYOUTS / name).read_bytes(), name)
    assert mapping.target == Target.MATTERS
    assert parsed.layout == "mapped"
    assert _as_expected(parsed.rows) == EXPECTED[name]


def test_a_list_by_department_gives_each_departments_duties():
    name = "07-by-department.xlsx"
    _, mapping, parsed = _imported((LAYOUTS / name).read_bytes(), name)
    assert mapping.target == Target.DUTIES
    assert not parsed.rows
    duties: dict[str, list[str]] = {}
    for duty in parsed.duties:
        duties.setdefault(duty.department, []).append(duty.text)
    assert duties == EXPECTED[name]["__duties__"]
    assert [(d.row, d.seq) for d in parsed.duties] == [(2, 1), (2, 2), (3, 1), (3, 2)]


def test_the_proposal_names_the_header_rows_and_what_each_column_means():
    _, title_above, parsed = _imported((LAYOUTS / "01-title-merged-footnote.xlsx").read_bytes(), "01.xlsx")
    assert title_above.header_rows == [2]
    assert [r.row for r in parsed.rows] == [3, 4, 5, 6, 7]  # the spreadsheet's own row numbers

    source, two_rows, parsed = _imported((LAYOUTS / "02-two-header-rows.xlsx").read_bytes(), "02.xlsx")
    assert two_rows.header_rows == [1, 2]
    assert two_rows.columns[2] == ColumnRole.LEAD and two_rows.columns[3] == ColumnRole.COOPERATING
    assert source.tables[0].spanning == {3, 6}  # 一、土壤污染防治 / 二、固体废物污染防治
    assert [r.row for r in parsed.rows] == [4, 5, 7, 8]

    _, role_words, parsed = _imported((LAYOUTS / "03-role-columns.xlsx").read_bytes(), "03.xlsx")
    assert role_words.columns == {
        0: ColumnRole.SEQ,
        1: ColumnRole.TITLE,  # 重点任务, with no 具体事项 beside it
        2: ColumnRole.DESCRIPTION,  # 工作措施
        3: ColumnRole.LEAD,
        4: ColumnRole.RESPONSIBLE,  # 主责单位 …
        5: ColumnRole.COOPERATING,  # 协办单位
        6: ColumnRole.DEADLINE,
    }
    assert role_words.responsible_means == ResponsibleMeans.TERRITORIAL  # … naming district governments
    assert parsed.rows[0].description == "推动汽修企业使用低挥发性有机物含量涂料。"


def test_the_mapping_survives_being_stored_and_corrected():
    source = read_table_source((LAYOUTS / "03-role-columns.xlsx").read_bytes(), "03.xlsx")
    stored = type(propose_table(source)).from_dict(json.loads(json.dumps(propose_table(source).as_dict())))
    stored.columns[2] = ColumnRole.IGNORE  # the office drops the measures column on the preview
    rows = extract_table(source, stored).rows
    assert [r.description for r in rows] == ["", "", ""]
    assert _as_expected(rows) == EXPECTED["03-role-columns.xlsx"]


def test_a_responsible_unit_column_beside_a_lead_column_means_cooperating():
    # 06's table as the Word reader gives it: 责任单位 names the cooperating units, and 各乡镇人民政府.
    table = SourceTable(
        rows=[
            (1, ["序号", "工作任务", "牵头单位", "责任单位"]),
            (2, ["1", "露天焚烧秸秆巡查", "市农业农村局", "各乡镇人民政府、市生态环境局"]),
            (3, ["2", "建筑工地扬尘在线监测", "市住房和城乡建设局", "市生态环境局"]),
        ]
    )
    source = Source(format="docx", tables=[table])
    mapping = propose_table(source)
    assert mapping.responsible_means == ResponsibleMeans.COOPERATING
    rows = extract_table(source, mapping).rows
    expected = EXPECTED["06-responsible-unit-means-cooperating.docx"]
    assert {title: {k: v for k, v in row.items() if k != "category"} for title, row in _as_expected(rows).items()} == {
        title: {k: v for k, v in row.items() if k != "category"} for title, row in expected.items()
    }

    mapping.responsible_means = ResponsibleMeans.LEAD_FIRST  # the office says it means the lead first
    mapping.columns[2] = ColumnRole.IGNORE
    assert [(r.lead, r.cooperating) for r in extract_table(source, mapping).rows] == [
        ("市生态环境局", []),
        ("市生态环境局", []),
    ]


def _workbook(rows: list[list], merges: tuple[str, ...] = ()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


PLAIN_HEADER = ["序号", "事项类别", "具体事项", "牵头部门", "配合部门", "责任内容", "依据"]
MATTERS = [
    [1, "大气", "秸秆露天焚烧管控", "省农业农村厅", "省生态环境厅、省公安厅", "组织巡查", "《大气污染防治法》"],
    [2, "大气", "扬尘污染防治", "省住房和城乡建设厅", "省交通运输厅", "", ""],
    [3, "大气", "机动车排气检验", "省公安厅", "省生态环境厅/省交通运输厅", "", ""],
    [4, "水", "入河排污口监管", "省生态环境厅", "省水利厅\n省住房和城乡建设厅", "", "《水污染防治法》"],
]


def test_a_spreadsheet_as_offices_keep_it_gives_the_rows_of_the_plain_format():
    plain = read_list_file(_workbook([PLAIN_HEADER, *MATTERS]), "清单.xlsx")
    kept = [
        ["示例省生态环境保护责任清单"],
        PLAIN_HEADER,
        *([m[0], m[1] if m[0] in (1, 4) else None, *m[2:]] for m in MATTERS),
        [],
        ["注：配合部门不分先后。"],
    ]
    data = _workbook(kept, merges=("A1:G1", "B3:B5", "A8:G8"))
    with pytest.raises(FileProblem):  # not the plain format
        read_list_file(data, "清单.xlsx")
    source, mapping, parsed = _imported(data, "清单.xlsx")
    assert mapping.header_rows == [2]
    assert source.tables[0].spanning == {1, 8}
    assert [r.row for r in parsed.rows] == [3, 4, 5, 6]
    same = [{k: v for k, v in asdict(r).items() if k != "row"} for r in parsed.rows]
    assert same == [{k: v for k, v in asdict(r).items() if k != "row"} for r in plain.rows]


def test_a_csv_in_gb18030_with_a_title_row_and_heading_rows():
    text = (
        "示例县生态环境保护工作任务分工,,,\n"
        "序号,具体事项,责任单位,完成时限\n"
        "一、大气污染防治,,,\n"
        "1,燃煤锅炉淘汰,县生态环境局、县市场监督管理局,2026年6月底前\n"
        "2,秸秆禁烧,县农业农村局；各乡镇人民政府,长期坚持\n"
        "（二）水污染防治,,,\n"
        "3,农村黑臭水体治理,县住房和城乡建设局,年底前\n"
        "备注：责任单位列第一位者为牵头单位。,,,\n"
    )
    source, mapping, parsed = _imported(text.encode("gb18030"), "分工.csv")
    assert (source.format, source.encoding) == ("csv", "gb18030")
    assert mapping.header_rows == [2]
    assert mapping.responsible_means == ResponsibleMeans.LEAD_FIRST  # a lone 责任单位
    assert [
        (r.row, r.category, r.title, r.lead, r.cooperating, r.territorial, r.deadline_text) for r in parsed.rows
    ] == [
        (4, "大气污染防治", "燃煤锅炉淘汰", "县生态环境局", ["县市场监督管理局"], [], "2026年6月底前"),
        (5, "大气污染防治", "秸秆禁烧", "县农业农村局", [], ["*"], ""),
        (7, "水污染防治", "农村黑臭水体治理", "县住房和城乡建设局", [], [], "年底前"),
    ]


def test_utf8_with_a_byte_order_mark_and_named_districts():
    text = "\ufeff序号,事项名称,牵头部门,主责单位\n1,道路扬尘,市城市管理局,江东区人民政府、江西区人民政府\n"
    source, mapping, parsed = _imported(text.encode("utf-8"), "清单.csv")
    assert source.encoding == "utf-8"
    assert mapping.columns[1] == ColumnRole.TITLE
    assert [(r.title, r.lead, r.territorial) for r in parsed.rows] == [
        ("道路扬尘", "市城市管理局", ["江东区", "江西区"])
    ]


def test_a_header_repeated_in_the_middle_is_skipped():
    rows = [
        PLAIN_HEADER,
        MATTERS[0],
        MATTERS[1],
        ["序号", "事项类别", "具体事项", "牵头部门", "配合部门", "责任内容", "依据"],  # a page break, printed
        MATTERS[2],
    ]
    _, _, parsed = _imported(_workbook(rows), "清单.xlsx")
    assert [(r.row, r.title) for r in parsed.rows] == [
        (2, "秸秆露天焚烧管控"),
        (3, "扬尘污染防治"),
        (5, "机动车排气检验"),
    ]


def test_no_header_in_the_first_rows_is_a_clear_error():
    with pytest.raises(FileProblem, match="找不到表头行"):
        propose_table(read_table_source("甲,乙\n丙,丁\n".encode(), "x.csv"))


def test_the_limits_of_the_plain_format_still_hold(monkeypatch):
    bomb = _xlsx_with_sheet(HEADER_ROW, padding=reading.MAX_UNPACKED_BYTES + 8 * 1024 * 1024)
    with pytest.raises(FileProblem, match="解压后超过 200 MB"):
        read_table_source(bomb, "清单.xlsx")
    wide = _inline_row(2, ["x"] * 150)
    with pytest.raises(FileProblem, match="超过上限 100 列"):
        read_table_source(_xlsx_with_sheet(HEADER_ROW + wide), "清单.xlsx")
    long_cell = "序号,具体事项,牵头部门\n1," + "长" * 20_001 + ",市生态环境局\n"
    with pytest.raises(FileProblem, match="第 2 行有单元格超过 20000 个字"):
        read_table_source(long_cell.encode(), "清单.csv")
    monkeypatch.setattr(reading, "MAX_ROWS", 50)
    many = "序号,具体事项,牵头部门\n" + "".join(f"{n},事项{n},市生态环境局\n" for n in range(70))
    with pytest.raises(FileProblem, match="上限 50 行"):
        read_table_source(many.encode(), "清单.csv")


def test_overlapping_merged_ranges_are_refused():
    # Excel never writes them; many would copy the sheet many times over.
    ranges = tuple(f"A1:C{n}" for n in range(2, 40))
    data = _workbook([["序号", "具体事项", "牵头部门"], ["1", "甲", "乙"]], merges=ranges)
    with pytest.raises(FileProblem, match="范围过大"):
        read_table_source(data, "清单.xlsx")


def test_responsible_units_that_all_lead_give_co_leads():
    text = "序号,具体事项,责任单位,备注\n1,高耗能项目管控,市发展和改革委员会、市工业和信息化局,\n"
    source = read_table_source(text.encode(), "清单.csv")
    mapping = propose_table(source)
    assert mapping.columns[3] == ColumnRole.IGNORE
    mapping.responsible_means = ResponsibleMeans.LEAD  # the office says: all of them lead
    [row] = extract_table(source, mapping).rows
    assert (row.lead, row.co_leads, row.cooperating) == ("市发展和改革委员会", ["市工业和信息化局"], [])


def test_a_departments_own_list_with_bracketed_numbers():
    text = "序号,责任单位,主要职责\n1,市生态环境局,（1）统一监督管理。（2）组织执法检查。\n2,市水利局,负责河湖管理。\n"
    source = read_table_source(text.encode(), "职责.csv")
    mapping = propose_table(source)
    assert mapping.target == Target.DUTIES and mapping.columns[1] == ColumnRole.DEPARTMENT
    assert [(d.row, d.department, d.seq, d.text) for d in extract_table(source, mapping).duties] == [
        (2, "市生态环境局", 1, "统一监督管理。"),
        (2, "市生态环境局", 2, "组织执法检查。"),
        (3, "市水利局", 1, "负责河湖管理。"),
    ]


def test_a_heading_merged_short_of_the_last_column_is_still_a_heading():
    rows = [PLAIN_HEADER, ["一、大气污染防治"], [1, "", *MATTERS[0][2:]], ["二、水污染防治"], [2, "", *MATTERS[3][2:]]]
    _, _, parsed = _imported(_workbook(rows, merges=("A2:F2", "A4:F4")), "清单.xlsx")
    assert [(r.row, r.category, r.title) for r in parsed.rows] == [
        (3, "大气污染防治", "秸秆露天焚烧管控"),
        (5, "水污染防治", "入河排污口监管"),
    ]


def test_a_territorial_column_names_districts_with_or_without_government():
    text = (
        "示例市任务分工表,,,\n"
        "具体事项,牵头部门,属地落实,时间要求\n"
        "道路扬尘,市城市管理局,江东区、江西区政府,2026年\n"
        "秸秆禁烧,市农业农村局,各下级人民政府,持续推进\n"
    )
    _, mapping, parsed = _imported(text.encode(), "分工.csv")
    assert mapping.columns[2] == ColumnRole.TERRITORIAL
    assert [(r.title, r.territorial, r.cooperating, r.deadline_text) for r in parsed.rows] == [
        ("道路扬尘", ["江东区", "江西区"], [], "2026年"),
        ("秸秆禁烧", ["*"], [], ""),
    ]
