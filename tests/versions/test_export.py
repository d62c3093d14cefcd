"""Exporting lists: the export uses the import header (and the columns #14 added, which the import
reads too), so importing it again changes nothing."""

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from registry.imports.planning import apply_import, plan_import
from registry.lists import services
from registry.lists.fileformat import EXPORT_HEADER
from registry.versions import services as version_services
from registry.versions.exporting import export_list
from registry.versions.queries import version_by_label


def change_a_lead(ref):
    from sqlalchemy import select

    from registry.extensions import db
    from registry.lists.models import Matter

    m = db.session.scalar(select(Matter).where(Matter.jurisdiction_id == ref.id, Matter.title == "燃煤锅炉综合整治"))
    services.update_matter(
        m,
        title=m.title,
        category=m.category,
        description=m.description,
        lead=services.resolve_department(ref, "省发展改革委"),
        cooperating=[services.resolve_department(ref, "省市场监管局")],
        citations=[(c.document, c.article) for c in m.citations],
        actor="测试",
    )
    db.session.flush()
    return m


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_working_list_export_imports_back_unchanged(ref, fmt):
    content, filename, _ = export_list(ref, fmt)
    assert filename.endswith(f".{fmt}")
    plan = plan_import(ref, content, filename)
    assert plan.errors == []
    assert len(plan.unchanged) == 64
    assert not plan.changes_anything


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_version_export_imports_back_unchanged_and_restores_the_version(ref, fmt):
    version = version_by_label(ref, "2025年版")
    change_a_lead(ref)  # the working list has moved on since the version
    content, filename, _ = export_list(ref, fmt, version)
    plan = plan_import(ref, content, filename)
    assert plan.errors == []
    assert [(m.title, m.changes) for m in plan.to_change] == [("燃煤锅炉综合整治", ["牵头部门", "配合部门"])]
    apply_import(plan, "测试")
    again = plan_import(ref, content, filename)
    assert not again.changes_anything  # the working list is the version again


def test_csv_has_the_export_header_and_a_bom(ref):
    content, _, mimetype = export_list(ref, "csv")
    assert content.startswith(b"\xef\xbb\xbf")
    assert mimetype.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == EXPORT_HEADER
    assert len(rows) == 65
    row = next(r for r in rows if r[2] == "建筑施工扬尘污染防治")
    assert row[3] == "省住房城乡建设厅"
    assert row[4] == "省生态环境厅、省交通运输厅"
    assert row[6] == "《中华人民共和国大气污染防治法》第六十九条"


def test_xlsx_has_the_export_header(ref):
    content, _, _ = export_list(ref, "xlsx")
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert tuple(rows[0]) == EXPORT_HEADER
    assert len(rows) == 65


def test_json_describes_the_version(ref):
    version = version_by_label(ref, "2025年版")
    content, _, _ = export_list(ref, "json", version)
    data = json.loads(content)
    assert data["version"]["label"] == "2025年版"
    assert data["version"]["checksum"] == version.checksum
    assert len(data["matters"]) == 64
    pending = [m for m in data["matters"] if m["status"] == "pending"]
    assert len(pending) == 3 and all(m["lead"] is None for m in pending)


def test_text_that_looks_like_a_formula_is_not_one(small_with_formula):
    j = small_with_formula
    csv_content, _, _ = export_list(j, "csv")
    assert "'=SUM(A1)" in csv_content.decode("utf-8-sig")
    xlsx_content, _, _ = export_list(j, "xlsx")
    sheet = load_workbook(io.BytesIO(xlsx_content)).worksheets[0]
    assert sheet["C2"].value == "=SUM(A1)" and sheet["C2"].data_type == "s"
    for content, name in ((csv_content, "a.csv"), (xlsx_content, "a.xlsx")):
        assert not plan_import(j, content, name).changes_anything


@pytest.fixture
def small_with_formula():
    from tests import factories

    j = factories.jurisdiction("860000", name="公式省")
    lead = factories.department(j, "公式省生态环境厅")
    services.create_matter(j, title="=SUM(A1)", category="其他", lead=lead, actor="测试")
    version_services.publish_version(
        j,
        label="v1",
        doc_number="1号",
        effective_date=date(2025, 1, 1),
        publisher="公式省",
        actor="测试",
    )
    return j
