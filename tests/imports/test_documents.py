"""Word, PDF and pasted text in the layouts offices publish (#14): imports.documents reads them into a
Source, imports.notation proposes the mapping and extracts the matters that expected.json gives."""

import base64
import io
import json
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from PIL import Image

from registry.imports import tables
from registry.imports.documents import read_document_source, read_text_source
from registry.imports.layout import Notation, ResponsibleMeans
from registry.imports.notation import extract_paragraphs, propose_paragraphs
from registry.imports.reading import FileProblem

LAYOUTS = Path(__file__).parent / "layouts"
EXPECTED = json.loads((LAYOUTS / "expected.json").read_text(encoding="utf-8"))

TEXT_04 = """示例市2026年水污染防治工作任务分工
一、饮用水水源保护
（一）水源地规范化建设
1.完成县级以上饮用水水源保护区标志设置和隔离防护。（牵头部门：市生态环境局；配合部门：市水利局、市自然资源和规划局）
2.开展乡镇级水源地环境问题排查整治，2026年10月底前完成。（牵头部门：市生态环境局；配合部门：市农业农村局）
二、工业水污染防治
（一）工业园区污水治理
3.推进工业园区污水集中处理设施建设。（牵头部门：市工业和信息化局；配合部门：市生态环境局、市住房和城乡建设局）
"""


def _read(name: str):
    path = next(LAYOUTS.glob(f"{name}*"))
    return path.name, read_document_source(path.read_bytes(), path.name)


def _as_expected(rows) -> dict:
    return {
        row.title: {
            "lead": row.lead,
            "co_leads": row.co_leads,
            "cooperating": row.cooperating,
            "territorial": row.territorial,
            "category": row.category,
            "deadline": row.deadline_text,
        }
        for row in rows
    }


@pytest.mark.parametrize("name", ["04", "05"])
def test_numbered_paragraphs_give_what_expected_json_says(name):
    filename, source = _read(name)
    mapping = propose_paragraphs(source)
    assert mapping.kind == "paragraphs"
    listfile = extract_paragraphs(source, mapping)
    assert listfile.layout == "mapped" and listfile.format == "docx"
    assert _as_expected(listfile.rows) == EXPECTED[filename]


def test_inline_labels_proposal_and_the_text_kept():
    _, source = _read("04")
    mapping = propose_paragraphs(source)
    assert (mapping.notation, mapping.item_level, mapping.category_level) == (Notation.LABELS, 3, 1)
    rows = extract_paragraphs(source, mapping).rows
    # The row is the paragraph the item is (the title line and the headings count).
    assert [row.row for row in rows] == [4, 5, 8]
    assert [row.seq for row in rows] == ["1", "2", "3"]
    # The responsibility text is the sentence without the parenthesis of departments.
    assert rows[1].description == "开展乡镇级水源地环境问题排查整治，2026年10月底前完成。"


def test_positional_rule_stated_once_and_the_list_wide_default():
    _, source = _read("05")
    mapping = propose_paragraphs(source)
    assert mapping.notation == Notation.POSITIONAL
    listfile = extract_paragraphs(source, mapping)
    (default,) = listfile.defaults
    assert default.text == "以下均需各区县人民政府落实，不再列出"
    assert default.territorial == ["*"]
    assert default.row == 5
    assert listfile.rows[0].description == "制定煤炭消费总量控制方案。"


def test_word_table_is_read_with_its_rows():
    filename, source = _read("06")
    (table,) = source.tables
    assert table.rows == [
        (1, ["序号", "工作任务", "牵头单位", "责任单位"]),
        (2, ["1", "露天焚烧秸秆巡查", "市农业农村局", "各乡镇人民政府、市生态环境局"]),
        (3, ["2", "建筑工地扬尘在线监测", "市住房和城乡建设局", "市生态环境局"]),
    ]
    assert source.paragraphs == []


def test_word_table_gives_what_expected_json_says():
    filename, source = _read("06")
    mapping = propose_paragraphs(source)
    assert mapping.kind == "table"
    assert mapping.responsible_means == ResponsibleMeans.COOPERATING
    listfile = tables.extract_table(source, mapping)
    assert _as_expected(listfile.rows) == EXPECTED[filename]


def test_pasted_text_gives_the_same_as_the_word_file():
    _, word = _read("04")
    pasted = read_text_source(TEXT_04)
    assert pasted.format == "text"
    assert pasted.paragraphs == word.paragraphs
    mapping = propose_paragraphs(pasted)
    assert extract_paragraphs(pasted, mapping).rows == extract_paragraphs(word, propose_paragraphs(word)).rows


def test_pasted_text_copied_from_a_pdf_joins_the_wrapped_lines():
    pasted = read_text_source(
        "一、饮用水水源保护\r\n"
        "1.开展乡镇级水源地环境问题排查整治，2026年10月底前完成。（牵头部门：市生\n"
        "态环境局；配合部门：市农业农村局）\n"
        "\n"
        "2.推进工业园区污水集中处理设施建设。\n"
    )
    assert [(p.number, p.level, p.text) for p in pasted.paragraphs] == [
        ("一、", 1, "饮用水水源保护"),
        (
            "1.",
            3,
            "开展乡镇级水源地环境问题排查整治，2026年10月底前完成。（牵头部门：市生态环境局；配合部门：市农业农村局）",
        ),
        ("2.", 3, "推进工业园区污水集中处理设施建设。"),
    ]


def _pdf(body: str) -> bytes:
    import weasyprint

    html = (
        "<html><head><style>@page{size:A4;margin:2cm} body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC';"
        "font-size:12pt} p{margin:0 0 6pt 0;text-indent:2em} td{border:1px solid #000;padding:4px}"
        "table{border-collapse:collapse}</style></head><body>" + body + "</body></html>"
    )
    return weasyprint.HTML(string=html).write_pdf()


def test_pdf_with_a_text_layer_gives_the_same_items_as_the_word_file():
    data = _pdf("".join(f"<p>{line}</p>" for line in TEXT_04.strip().splitlines()))
    source = read_document_source(data, "分工方案.pdf")
    assert source.format == "pdf"
    _, word = _read("04")
    assert source.paragraphs == word.paragraphs
    assert (
        extract_paragraphs(source, propose_paragraphs(source)).rows
        == extract_paragraphs(word, propose_paragraphs(word)).rows
    )


def test_pdf_tables_carry_merged_cells():
    data = _pdf(
        "<table><tr><td>序号</td><td>工作任务</td><td>牵头单位</td></tr>"
        "<tr><td>1</td><td rowspan='2'>露天焚烧秸秆巡查</td><td>市农业农村局</td></tr>"
        "<tr><td>2</td><td>市生态环境局</td></tr></table>"
    )
    (table,) = read_document_source(data, "表.pdf").tables
    assert table.rows == [
        (1, ["序号", "工作任务", "牵头单位"]),
        (2, ["1", "露天焚烧秸秆巡查", "市农业农村局"]),
        (3, ["2", "露天焚烧秸秆巡查", "市生态环境局"]),
    ]


def test_scanned_pdf_says_it_has_no_text_layer():
    image = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(image, "PDF")
    with pytest.raises(FileProblem) as problem:
        read_document_source(image.getvalue(), "扫描件.pdf")
    message = str(problem.value)
    assert "扫描件" in message and "没有文字层" in message and "粘贴文字" in message


def test_pdf_items_running_over_a_page_break_past_the_page_number():
    items = [
        f"{i}.开展第{i}项重点任务的排查整治工作，建立问题清单、任务清单和责任清单，明确整改时限和整改措施，"
        "确保问题整改到位。（牵头部门：市生态环境局；配合部门：市水利局、市农业农村局）"
        for i in range(1, 31)
    ]
    text = "示例市2026年水污染防治工作任务分工\n一、饮用水水源保护\n" + "\n".join(items)
    data = _pdf(
        "<style>@page{@bottom-center{content:'— ' counter(page) ' —'}}</style>"
        + "".join(f"<p>{line}</p>" for line in text.splitlines())
    )
    source = read_document_source(data, "分工方案.pdf")
    assert source.paragraphs == read_text_source(text).paragraphs
    assert len(extract_paragraphs(source, propose_paragraphs(source)).rows) == 30


def test_scanned_pdf_with_a_stamped_page_number_is_still_a_scan():
    image = io.BytesIO()
    Image.new("RGB", (400, 500), "gray").save(image, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(image.getvalue()).decode()
    data = _pdf(f"<style>@page{{@bottom-center{{content:counter(page)}}}}</style><img src='{uri}' style='width:100%'>")
    with pytest.raises(FileProblem, match="扫描件"):
        read_document_source(data, "扫描件.pdf")


def test_items_typed_with_line_breaks_in_one_word_paragraph():
    document = docx.Document()
    document.add_paragraph("一、饮用水水源保护")
    paragraph = document.add_paragraph("1.完成水源保护区标志设置。（牵头部门：市生态环境局）")
    paragraph.add_run().add_break()
    paragraph.add_run("2.开展水源地环境问题排查整治，")
    paragraph.add_run().add_break()
    paragraph.add_run("年底前完成。（牵头部门：市水利局）")
    data = io.BytesIO()
    document.save(data)
    source = read_document_source(data.getvalue(), "换行.docx")
    assert [(p.index, p.number, p.text) for p in source.paragraphs] == [
        (1, "一、", "饮用水水源保护"),
        (2, "1.", "完成水源保护区标志设置。（牵头部门：市生态环境局）"),
        (3, "2.", "开展水源地环境问题排查整治，年底前完成。（牵头部门：市水利局）"),
    ]


@pytest.mark.parametrize(
    ("data", "filename", "words"),
    [
        (b"", "a.docx", "文件为空"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.doc", ".docx"),
        (b"PK\x03\x04 not really a zip", "a.docx", "不是有效的 Word"),
        (b"%PDF-1.4 broken", "a.pdf", "PDF"),
    ],
)
def test_unreadable_files_say_why(data, filename, words):
    with pytest.raises(FileProblem) as problem:
        read_document_source(data, filename)
    assert words in str(problem.value)


# Word's own numbering (numPr): not in the text, so read from the numbering definition.
_NUMBERING = (
    "<w:abstractNum {ns} w:abstractNumId='90'>"
    "<w:lvl w:ilvl='0'><w:start w:val='1'/><w:numFmt w:val='chineseCounting'/><w:lvlText w:val='%1、'/></w:lvl>"
    "<w:lvl w:ilvl='1'><w:start w:val='1'/><w:numFmt w:val='chineseCounting'/><w:lvlText w:val='（%2）'/></w:lvl>"
    "<w:lvl w:ilvl='2'><w:start w:val='1'/><w:numFmt w:val='decimal'/><w:lvlText w:val='%3.'/></w:lvl>"
    "</w:abstractNum>"
)


def _auto_numbered_docx() -> bytes:
    document = docx.Document()
    numbering = document.part.numbering_part.element
    abstract = parse_xml(_NUMBERING.format(ns=nsdecls("w")))
    numbering.insert(0, abstract)
    numbering.append(parse_xml(f"<w:num {nsdecls('w')} w:numId='90'><w:abstractNumId w:val='90'/></w:num>"))
    for level, text in [
        (0, "饮用水水源保护"),
        (1, "水源地规范化建设"),
        (2, "完成县级以上饮用水水源保护区标志设置和隔离防护。（牵头部门：市生态环境局；配合部门：市水利局）"),
        (2, "开展乡镇级水源地环境问题排查整治，年底前完成。（牵头部门：市生态环境局）"),
        (0, "工业水污染防治"),
        (2, "推进工业园区污水集中处理设施建设。（牵头部门：市工业和信息化局）"),
    ]:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(
            parse_xml(f"<w:numPr {nsdecls('w')}><w:ilvl w:val='{level}'/><w:numId w:val='90'/></w:numPr>")
        )
    table = document.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"{r}{c}"
    table.cell(0, 0).merge(table.cell(0, 2)).text = "一、大气污染防治"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "扬尘"
    data = io.BytesIO()
    document.save(data)
    return data.getvalue()


def test_word_auto_numbering_gives_the_levels():
    source = read_document_source(_auto_numbered_docx(), "自动编号.docx")
    assert [(p.number, p.level) for p in source.paragraphs] == [
        ("一、", 1),
        ("（一）", 2),
        ("1.", 3),
        ("2.", 3),
        ("二、", 1),
        ("1.", 3),
    ]
    mapping = propose_paragraphs(source)
    rows = extract_paragraphs(source, mapping).rows
    assert [(r.category, r.title, r.lead, r.cooperating, r.deadline_text) for r in rows] == [
        ("饮用水水源保护", "完成县级以上饮用水水源保护区标志设置和隔离防护", "市生态环境局", ["市水利局"], ""),
        ("饮用水水源保护", "开展乡镇级水源地环境问题排查整治", "市生态环境局", [], "年底前"),
        ("工业水污染防治", "推进工业园区污水集中处理设施建设", "市工业和信息化局", [], ""),
    ]
    (table,) = source.tables
    assert table.rows == [
        (1, ["一、大气污染防治"] * 3),
        (2, ["扬尘", "11", "12"]),
        (3, ["扬尘", "21", "22"]),
    ]
    assert table.spanning == {1}


def test_labels_without_a_parenthesis_and_responsible_meaning_cooperating():
    source = read_text_source(
        "一、大气污染防治\n"
        "1.开展露天焚烧秸秆巡查，持续推进。牵头单位：市农业农村局；责任单位：市生态环境局、各乡镇人民政府\n"
        "2.细颗粒物浓度保持在30以下，力争25。牵头单位：市生态环境局、市气象局；责任单位：市公安局、江东区人民政府\n"
    )
    mapping = propose_paragraphs(source)
    assert (mapping.notation, mapping.responsible_means) == (Notation.LABELS, ResponsibleMeans.COOPERATING)
    first, second = extract_paragraphs(source, mapping).rows
    assert (first.lead, first.cooperating, first.territorial, first.deadline_text) == (
        "市农业农村局",
        ["市生态环境局"],
        ["*"],
        "",
    )
    assert first.description == "开展露天焚烧秸秆巡查，持续推进。"
    assert (second.lead, second.co_leads, second.cooperating, second.territorial) == (
        "市生态环境局",
        ["市气象局"],
        ["市公安局"],
        ["江东区"],
    )
    (target,) = second.targets
    assert (target["indicator"], target["value"], target["stretch_value"]) == ("细颗粒物浓度", 30.0, 25.0)


def test_positional_notes_with_a_deadline_a_rule_for_the_rest_and_a_closing_note():
    source = read_text_source(
        "以下各项任务均需各县（市、区）政府落实，不再列出。\n"
        "一、大气污染防治\n"
        "1.开展柴油货车专项执法检查。（市公安局牵头，市生态环境局、市交通运输局等参与，2026年6月底前完成）\n"
        "（1）每季度开展一次联合检查。\n"
        "二、水污染防治\n"
        "2.推进入河排污口排查整治。（市生态环境局、市水利局）\n"
        "注：括号内列第一位的为牵头单位。\n"
    )
    mapping = propose_paragraphs(source)
    assert (mapping.notation, mapping.item_level, mapping.category_level) == (Notation.POSITIONAL, 3, 1)
    listfile = extract_paragraphs(source, mapping)
    (default,) = listfile.defaults
    assert (default.row, default.territorial) == (1, ["*"])
    first, second = listfile.rows
    assert (first.lead, first.cooperating, first.deadline_text, first.territorial) == (
        "市公安局",
        ["市生态环境局", "市交通运输局"],
        "2026年6月底前",
        ["*"],
    )
    assert first.description == "开展柴油货车专项执法检查。\n（1）每季度开展一次联合检查。"
    assert (second.category, second.lead, second.cooperating) == ("水污染防治", "市生态环境局", ["市水利局"])


def test_a_rule_for_the_rest_beside_this_items_departments():
    source = read_text_source(
        "1.落实生态环境分区管控要求。（市生态环境局牵头，江东区人民政府、江西区人民政府负责落实，下同）\n"
        "2.严控高耗能高排放项目。（市发展和改革委员会牵头）\n"
    )
    listfile = extract_paragraphs(source, propose_paragraphs(source))
    assert [(r.lead, r.territorial) for r in listfile.rows] == [
        ("市生态环境局", ["江东区", "江西区"]),
        ("市发展和改革委员会", ["江东区", "江西区"]),
    ]
    assert [d.territorial for d in listfile.defaults] == [["江东区", "江西区"]]


def test_an_aside_in_parentheses_is_not_read_as_departments():
    source = read_text_source("1.完成饮用水水源保护区划定（含乡镇级）。（牵头部门：市生态环境局）\n")
    (row,) = extract_paragraphs(source, propose_paragraphs(source)).rows
    assert row.description == "完成饮用水水源保护区划定（含乡镇级）。"
    assert row.lead == "市生态环境局"


@pytest.fixture
def city_with_districts():
    from tests import factories

    province = factories.jurisdiction("980000", name="示例省")
    city = factories.jurisdiction("980100", "city", parent=province, name="示例市")
    factories.jurisdiction("980101", "county", parent=city, name="江东区")
    factories.jurisdiction("980102", "county", parent=city, name="江西区")
    return city


@pytest.mark.parametrize("name", ["04", "05", "06"])
def test_a_document_imports_into_a_city_and_importing_it_again_changes_nothing(city_with_districts, name):
    from registry.imports.planning import apply_import, plan_import

    path = next(LAYOUTS.glob(f"{name}*"))
    plan = plan_import(city_with_districts, path.read_bytes(), path.name, create_departments=True)
    assert plan.ok, plan.errors
    assert _as_expected(plan.matters) == EXPECTED[path.name]
    apply_import(plan, "测试")
    again = plan_import(city_with_districts, path.read_bytes(), path.name, create_departments=True)
    assert again.ok and not again.changes_anything


def test_unnumbered_items_under_headings_with_their_own_text():
    source = read_text_source(
        "示例市2026年大气污染防治工作要点\n"
        "一、调整能源结构。持续推进清洁取暖。\n"
        "推进燃煤锅炉综合整治。（市生态环境局负责，各有关部门配合）\n"
        "开展散煤治理，完成时限见附件。（牵头：市发展和改革委员会；配合：市市场监督管理局；完成时限：2026年10月底前）\n"
    )
    mapping = propose_paragraphs(source)
    assert (mapping.item_level, mapping.category_level) == (0, 1)
    first, second = extract_paragraphs(source, mapping).rows
    assert (first.category, first.title, first.lead, first.cooperating) == (
        "调整能源结构",
        "推进燃煤锅炉综合整治",
        "市生态环境局",
        [],
    )
    assert (second.lead, second.cooperating, second.deadline_text) == (
        "市发展和改革委员会",
        ["市市场监督管理局"],
        "2026年10月底前",
    )


def test_the_parenthesis_naming_departments_wherever_it_stands():
    source = read_text_source(
        "1.推进入河排污口整治（含乡镇级）（市生态环境局牵头，市水利局参与），2026年底前完成。\n"
        "2.完成省发改委（省能源局）交办任务。（省发改委（省能源局）牵头，省生态环境厅、各有关部门参与）\n"
    )
    first, second = extract_paragraphs(source, propose_paragraphs(source)).rows
    assert first.description == "推进入河排污口整治（含乡镇级），2026年底前完成。"
    assert (first.lead, first.cooperating, first.deadline_text) == ("市生态环境局", ["市水利局"], "2026年底前")
    assert second.description == "完成省发改委（省能源局）交办任务。"
    assert (second.lead, second.cooperating) == ("省发改委（省能源局）", ["省生态环境厅"])


def test_a_word_file_that_unpacks_too_big_is_refused(monkeypatch):
    from registry.imports import documents

    data = io.BytesIO()
    docx.Document().save(data)
    monkeypatch.setattr(documents, "MAX_UNPACKED_BYTES", 10_000)
    with pytest.raises(FileProblem, match="文件解压后超过"):
        read_document_source(data.getvalue(), "大.docx")


def test_labels_on_a_line_of_their_own_and_responsible_units_alone():
    source = read_text_source(
        "一、土壤污染防治\n"
        "1.开展耕地土壤污染状况详查。\n"
        "牵头单位：市农业农村局；配合单位：市生态环境局\n"
        "2.推进建设用地风险管控。（责任单位：市自然资源和规划局、市生态环境局）\n"
    )
    mapping = propose_paragraphs(source)
    assert (mapping.notation, mapping.responsible_means) == (Notation.LABELS, ResponsibleMeans.LEAD_FIRST)
    first, second = extract_paragraphs(source, mapping).rows
    assert (first.title, first.lead, first.cooperating) == (
        "开展耕地土壤污染状况详查",
        "市农业农村局",
        ["市生态环境局"],
    )
    assert (second.lead, second.cooperating) == ("市自然资源和规划局", ["市生态环境局"])
