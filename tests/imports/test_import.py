"""Importing a list from a spreadsheet: plan first, then all or nothing."""

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from registry.core.audit import AuditEntry
from registry.core.errors import DomainError
from registry.extensions import db
from registry.imports.planning import apply_import, guess_sector, plan_import
from registry.lists import services
from registry.lists.models import Citation, Department, Matter, PolicyDocument
from registry.lists.services import StaleEdit
from registry.versions.exporting import export_list
from tests import factories

REFERENCE = Path(__file__).resolve().parents[2] / "registry" / "demo" / "example-province-matters.csv"
HEADER = "序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据\n"


@pytest.fixture
def empty():
    return factories.jurisdiction("880000", name="空省")


@pytest.fixture
def small():
    """A jurisdiction with three departments (full and short names) and no matters."""
    j = factories.jurisdiction("870000", name="小省")
    services.create_department(j, name="小省生态环境厅", short_name="生态环境厅", sector="生态环境", actor="测试")
    services.create_department(j, name="小省水利厅", short_name="水利厅", sector="水利", actor="测试")
    services.create_department(j, name="小省住房和城乡建设厅", short_name="住建厅", sector="住房城乡建设", actor="测试")
    return j


def status_counts(jurisdiction):
    rows = db.session.execute(
        select(Matter.status, func.count()).where(Matter.jurisdiction_id == jurisdiction.id).group_by(Matter.status)
    ).all()
    return dict(rows)


def matter(jurisdiction, title):
    return db.session.scalar(select(Matter).where(Matter.jurisdiction_id == jurisdiction.id, Matter.title == title))


def audit_count():
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_reference_file_into_empty_jurisdiction_gives_61_assigned_and_3_pending(empty):
    plan = plan_import(empty, REFERENCE.read_bytes(), "example.csv", create_departments=True)
    assert plan.errors == []
    assert len(plan.to_create) == 64
    assert {d.name for d in plan.new_departments} >= {"省生态环境厅", "省发展改革委", "省林业局"}
    result = apply_import(plan, "测试")
    assert (result.created, result.changed) == (64, 0)
    assert status_counts(empty) == {"assigned": 61, "pending": 3}

    m = matter(empty, "建筑施工扬尘污染防治")
    assert m.lead.name == "省住房城乡建设厅"
    assert [d.name for d in m.cooperating] == ["省生态环境厅", "省交通运输厅"]
    assert [c.label for c in m.citations] == ["《中华人民共和国大气污染防治法》第六十九条"]
    forestry = db.session.scalar(select(Department).where(Department.name == "省林业局"))
    assert forestry.sector == "林草"


def test_reimporting_the_same_file_changes_nothing(empty):
    apply_import(plan_import(empty, REFERENCE.read_bytes(), create_departments=True), "测试")
    before = audit_count()
    again = plan_import(empty, REFERENCE.read_bytes())
    assert again.errors == []
    assert not again.changes_anything
    assert len(again.unchanged) == 64
    result = apply_import(again, "测试")
    assert (result.created, result.changed, result.unchanged) == (0, 0, 64)
    assert audit_count() == before + 1  # only the import summary
    assert db.session.scalar(select(func.count()).select_from(Matter).where(Matter.jurisdiction_id == empty.id)) == 64


def test_import_is_audited(small):
    before = audit_count()
    csv = HEADER + "1,水,河湖长制,水利厅,生态环境厅,推进河湖长制。,《中华人民共和国水法》第十条\n"
    apply_import(plan_import(small, csv.encode()), "张三")
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.id > 0).order_by(AuditEntry.id)).all()[before:]
    assert [(e.action, e.entity_type) for e in entries] == [
        ("create", "policy_documents"),
        ("create", "matters"),
        ("import", "jurisdictions"),
    ]
    assert entries[1].after["lead"] == "小省水利厅"
    assert entries[1].after["basis"] == ["《中华人民共和国水法》第十条"]
    assert entries[1].actor_name == "张三"
    assert "新增 1 项" in entries[2].summary


def test_one_bad_row_among_good_ones_changes_nothing_and_names_the_row(small):
    csv = (
        HEADER
        + "1,水,河湖长制,水利厅,生态环境厅,,\n"
        + "2,水,城市黑臭水体治理,住建厅,不存在的局,,\n"
        + "3,水,水源地保护,生态环境厅,水利厅,,\n"
    )
    plan = plan_import(small, csv.encode())
    assert [(e.row, e.reason) for e in plan.errors] == [
        (3, "找不到部门「不存在的局」：小省没有以此为全称、简称或其他名称的部门。")
    ]
    with pytest.raises(DomainError):
        apply_import(plan, "测试")
    assert status_counts(small) == {}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("1,水,河湖长制,水利厅,水利厅,,", "「小省水利厅」已是牵头部门，不能同时作为配合部门。"),
        ("1,水,河湖长制,小省水利厅,水利厅,,", "「小省水利厅」已是牵头部门，不能同时作为配合部门。"),
        ("1,水,,水利厅,,,", "具体事项为空。"),
        ("1,,河湖长制,水利厅,,,", "事项类别为空。"),
        ("1,水,河湖长制,水利厅、住建厅,,,", "牵头部门只能填写一个部门（「水利厅、住建厅」），其余请填入配合部门。"),
        ("1,水,河湖长制,水利厅,住建厅、住建厅,,", "配合部门「小省住房和城乡建设厅」重复。"),
        ("1,水,河湖长制,未知厅,,,", "找不到部门「未知厅」：小省没有以此为全称、简称或其他名称的部门。"),
    ],
)
def test_bad_rows_are_reported_with_their_reason(small, row, reason):
    plan = plan_import(small, (HEADER + row + "\n").encode())
    assert plan.errors == [(2, reason)]


def test_duplicate_matter_in_the_file_names_both_rows(small):
    csv = HEADER + "1,水,河湖长制,水利厅,,,\n2,水,水源地保护,生态环境厅,,,\n3,水,河湖长制,住建厅,,,\n"
    plan = plan_import(small, csv.encode())
    assert plan.errors == [(4, "具体事项「河湖长制」与第 2 行重复。")]


def test_every_bad_row_is_reported(small):
    csv = HEADER + "1,水,甲,未知厅,,,\n2,,乙,水利厅,,,\n3,水,丙,水利厅,,,\n4,水,,水利厅,,,\n"
    plan = plan_import(small, csv.encode())
    assert [e.row for e in plan.errors] == [2, 3, 5]


def test_a_retired_department_cannot_take_a_matter(small):
    water = services.resolve_department(small, "水利厅")
    water.active = False
    db.session.flush()
    plan = plan_import(small, (HEADER + "1,水,河湖长制,水利厅,,,\n").encode())
    assert plan.errors == [(2, "部门「小省水利厅」已撤销，不能承担事项。")]


def test_departments_of_another_jurisdiction_are_unknown_here(small, empty):
    factories.department(empty, "空省水利厅", sector="水利")
    plan = plan_import(small, (HEADER + "1,水,河湖长制,空省水利厅,,,\n").encode())
    assert plan.errors == [(2, "找不到部门「空省水利厅」：小省没有以此为全称、简称或其他名称的部门。")]


@pytest.mark.parametrize(
    ("content", "filename", "reason"),
    [
        (b"", "x.csv", "文件为空。"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "x.xls", "不支持旧版 Excel"),
        (b"PK\x03\x04garbage", "x.xlsx", "不是有效的 XLSX 文件"),
        (b"\x89PNG\r\n\x1a\n\0\0\0", "x.png", "文件格式不明"),
        ("名称,部门\n甲,乙\n".encode(), "x.csv", "找不到表头行"),
        ("序号,具体事项,牵头部门\n1,甲,乙\n".encode(), "x.csv", "表头缺少列：事项类别"),
        ("序号,事项类别,具体事项\n1,水,甲\n".encode(), "x.csv", "表头缺少列：牵头部门"),
        (HEADER.encode(), "x.csv", "文件中没有任何事项行"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(small, content, filename, reason):
    plan = plan_import(small, content, filename)
    assert len(plan.errors) == 1
    assert reason in plan.errors[0].reason
    assert plan.matters == []


def test_gb18030_csv(small):
    csv = HEADER + "1,水,河湖长制,水利厅,生态环境厅；住建厅,推进河湖长制。,\n"
    plan = plan_import(small, csv.encode("gb18030"), "gbk.csv")
    assert plan.errors == []
    assert plan.encoding == "gb18030"
    apply_import(plan, "测试")
    m = matter(small, "河湖长制")
    assert m.lead.short_name == "水利厅"
    assert [d.short_name for d in m.cooperating] == ["生态环境厅", "住建厅"]
    assert m.description == "推进河湖长制。"


def test_utf8_with_bom(small):
    csv = "\ufeff" + HEADER + "1,水,河湖长制,水利厅,,,\n"
    plan = plan_import(small, csv.encode("utf-8"))
    assert plan.errors == [] and len(plan.to_create) == 1


COLUMNS = HEADER.strip().split(",")
# A row with two cooperating departments on two lines of one cell, and two documents cited.
RIVER = [1, "水", "河湖长制", "水利厅", "生态环境厅\n住建厅", "推进", "《中华人民共和国水法》第十条；《河道管理条例》"]


def xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_with_a_title_row_and_line_breaks(small):
    content = xlsx(
        [
            ["小省生态环境保护责任清单"],
            COLUMNS,
            RIVER,
            [None, None, None, None, None, None, None],
            [2.0, "水", "水源地保护", None, None, None, None],
            [3, "水", "", "水利厅", None, None, None],
        ]
    )
    plan = plan_import(small, content, "list.xlsx")
    assert plan.format == "xlsx"
    assert plan.errors == [(6, "具体事项为空。")]  # spreadsheet row numbers, counting the title row
    content = xlsx([COLUMNS, RIVER, [2, "水", "水源地保护", None, None, None, None]])
    apply_import(plan_import(small, content, "list.xlsx"), "测试")
    m = matter(small, "河湖长制")
    assert [d.short_name for d in m.cooperating] == ["生态环境厅", "住建厅"]
    assert [c.label for c in m.citations] == ["《中华人民共和国水法》第十条", "《河道管理条例》"]
    assert matter(small, "水源地保护").status == "pending"


def test_single_responsible_department_column(small):
    csv = "序号,事项类别,具体事项,责任部门,责任内容\n1,水,河湖长制,水利厅、生态环境厅/住建厅,推进\n2,水,水源地保护,,\n"
    plan = plan_import(small, csv.encode())
    assert plan.layout == "responsible"
    assert plan.errors == []
    apply_import(plan, "测试")
    m = matter(small, "河湖长制")
    assert m.lead.short_name == "水利厅"
    assert [d.short_name for d in m.cooperating] == ["生态环境厅", "住建厅"]
    assert matter(small, "水源地保护").status == "pending"


def test_columns_in_another_order_short_rows_and_notes_past_the_header(small):
    # No 序号 and no 依据 column; one row stops early, another has a note in a column without a header.
    csv = (
        "具体事项,牵头部门,事项类别,配合部门,责任内容\n"
        "河湖长制,水利厅,水,住建厅,推进河湖长制,备注：旧表\n"
        "水源地保护,生态环境厅,水\n"
    )
    plan = plan_import(small, csv.encode())
    assert plan.errors == []
    apply_import(plan, "测试")
    m = matter(small, "河湖长制")
    assert (m.category, m.lead.short_name, m.description) == ("水", "水利厅", "推进河湖长制")
    assert [d.short_name for d in m.cooperating] == ["住建厅"]
    assert m.citations == []
    other = matter(small, "水源地保护")
    assert (other.category, other.lead.short_name, other.description, other.cooperating) == ("水", "生态环境厅", "", [])


def test_separators_between_cooperating_departments(small):
    csv = HEADER + '1,水,河湖长制,水利厅,"生态环境厅，住建厅",,\n2,水,水源地保护,水利厅,"生态环境厅;住建厅",,\n'
    apply_import(plan_import(small, csv.encode()), "测试")
    for title in ("河湖长制", "水源地保护"):
        assert [d.short_name for d in matter(small, title).cooperating] == ["生态环境厅", "住建厅"]


def test_basis_with_document_numbers_and_articles(small):
    basis = (
        "《关于推动职能部门做好生态环境保护工作的意见》（环督察〔2022〕58号）第十九条；"
        "《中华人民共和国水法》第十条（一）"
    )
    csv = HEADER + f"1,水,河湖长制,水利厅,,,{basis}\n"
    apply_import(plan_import(small, csv.encode()), "测试")
    m = matter(small, "河湖长制")
    assert [(c.document.title, c.document.doc_number, c.article) for c in m.citations] == [
        ("关于推动职能部门做好生态环境保护工作的意见", "环督察〔2022〕58号", "第十九条"),
        ("中华人民共和国水法", "", "第十条（一）"),
    ]


def test_documents_are_shared_not_duplicated(small):
    services.get_or_create_document(small, title="中华人民共和国水法", actor="测试")
    csv = HEADER + "1,水,甲,水利厅,,,《中华人民共和国水法》第一条\n2,水,乙,水利厅,,,《中华人民共和国水法》第二条\n"
    apply_import(plan_import(small, csv.encode()), "测试")
    count = select(func.count()).select_from(PolicyDocument).where(PolicyDocument.jurisdiction_id == small.id)
    assert db.session.scalar(count) == 1
    assert db.session.scalar(select(func.count()).select_from(Citation)) >= 2


def test_changes_are_detected_per_field_and_applied(small):
    csv = HEADER + "1,水,河湖长制,水利厅,生态环境厅,推进,《中华人民共和国水法》\n2,水,水源地保护,生态环境厅,,,\n"
    apply_import(plan_import(small, csv.encode()), "测试")
    m = matter(small, "河湖长制")
    lock = m.lock_version
    changed = HEADER + "1,水,河湖长制,住建厅,生态环境厅,推进落实,《中华人民共和国水法》第五条\n"
    plan = plan_import(small, changed.encode())
    assert [(p.title, p.action, p.changes) for p in plan.matters] == [
        ("河湖长制", "change", ["责任内容", "牵头部门", "依据"])
    ]
    assert plan.to_change[0].old_lead == "小省水利厅"
    assert plan.untouched == ["水源地保护"]
    assert "另有 1 项文件未列出，保持不动" in plan.summary()
    apply_import(plan, "测试")
    m = matter(small, "河湖长制")
    assert m.lead.short_name == "住建厅"
    assert m.description == "推进落实"
    assert [c.article for c in m.citations] == ["第五条"]
    assert m.lock_version == lock + 1  # an edit form opened before the import is now stale
    assert matter(small, "水源地保护") is not None  # absent from the file, left alone
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "matters", AuditEntry.entity_id == m.id)
        .order_by(AuditEntry.id.desc())
    )
    assert entry.action == "update"
    assert entry.before["lead"] == "小省水利厅" and entry.after["lead"] == "小省住房和城乡建设厅"


def test_an_empty_lead_makes_an_assigned_matter_pending(small):
    apply_import(plan_import(small, (HEADER + "1,水,河湖长制,水利厅,,,\n").encode()), "测试")
    apply_import(plan_import(small, (HEADER + "1,水,河湖长制,,,,\n").encode()), "测试")
    m = matter(small, "河湖长制")
    assert m.status == "pending" and m.lead is None


def test_unknown_departments_are_created_when_asked(small):
    csv = HEADER + "1,水,河湖长制,小省水务局,小省城市管理局、未分类办公室,,\n"
    plan = plan_import(small, csv.encode(), create_departments=True)
    assert plan.errors == []
    assert [(d.name, d.sector) for d in plan.new_departments] == [
        ("小省水务局", "水利"),
        ("小省城市管理局", "城市管理"),
        ("未分类办公室", "其他"),
    ]
    result = apply_import(plan, "测试")
    assert result.departments_created == ["小省水务局", "小省城市管理局", "未分类办公室"]
    assert matter(small, "河湖长制").lead.name == "小省水务局"


def test_sector_guess():
    assert guess_sector("省发展和改革委员会") == "发展改革"
    assert guess_sector("市场监督管理局") == "市场监管"
    assert guess_sector("某某办公室") == "其他"


def test_matters_created_by_import_are_numbered_after_existing_ones(small):
    lead = services.resolve_department(small, "水利厅")
    services.create_matter(small, title="已有事项", category="水", lead=lead, seq=7, actor="测试")
    apply_import(plan_import(small, (HEADER + ",水,新事项,水利厅,,,\n").encode()), "测试")
    assert matter(small, "新事项").seq == 8


def test_plan_made_before_someone_else_edits_is_refused(small):
    apply_import(plan_import(small, (HEADER + "1,水,河湖长制,水利厅,,,\n").encode()), "测试")
    plan = plan_import(small, (HEADER + "1,水,河湖长制,住建厅,,,\n").encode())
    m = matter(small, "河湖长制")
    services.update_matter(
        m,
        title=m.title,
        category=m.category,
        description="别人改过",
        lead=m.lead,
        expected_version=m.lock_version,
        actor="测试",
    )
    db.session.flush()
    with pytest.raises(StaleEdit):
        apply_import(plan, "测试")
    db.session.expire_all()
    assert matter(small, "河湖长制").lead.short_name == "水利厅"


def test_a_matter_added_with_the_same_title_after_the_preview_refuses_the_import(small):
    plan = plan_import(small, (HEADER + "1,水,新的河湖事项,水利厅,,,\n2,水,另一事项,住建厅,,,\n").encode())
    assert plan.errors == []
    lead = services.resolve_department(small, "生态环境厅")
    services.create_matter(small, title="新的河湖事项", category="水", lead=lead, actor="别人")  # meanwhile
    db.session.flush()
    with pytest.raises(StaleEdit, match="有同名事项新增"):
        apply_import(plan, "测试")
    db.session.expire_all()
    assert matter(small, "另一事项") is None
    assert matter(small, "新的河湖事项").lead.short_name == "生态环境厅"


def delegate_one(province, city):
    pending = db.session.scalar(select(Matter).where(Matter.jurisdiction_id == province.id, Matter.status == "pending"))
    services.delegate_matter(pending, to=city, basis_kind="meeting", basis_date=date(2025, 3, 1), actor="测试")
    db.session.flush()
    return pending


def test_delegated_matters_round_trip_and_refuse_a_lead(province, city):
    delegated = delegate_one(province, city)
    content, _, _ = export_list(province, "csv")
    plan = plan_import(province, content, "p.csv")
    assert plan.errors == [] and not plan.changes_anything
    changed = content.decode("utf-8-sig").replace(f"{delegated.title},,", f"{delegated.title},省生态环境厅,")
    plan = plan_import(province, changed.encode(), "p.csv")
    assert len(plan.errors) == 1
    assert "已交由江川市研究明确" in plan.errors[0].reason
