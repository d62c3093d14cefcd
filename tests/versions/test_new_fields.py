"""Co-leads, territorial implementers, deadlines, targets and list-wide defaults (#14) as published:
frozen into the version, compared, shown on the public pages and in the API, exported, and read
back by the plain import format."""

import csv
import io
import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.imports.planning import apply_import, plan_import
from registry.imports.reading import read_list_file
from registry.lists import services
from registry.lists.fileformat import EXPORT_HEADER
from registry.lists.models import ALL_LOWER, ListDefault, Matter
from registry.versions import services as version_services
from registry.versions.diff import compare_versions
from registry.versions.exporting import export_list
from registry.versions.models import VersionAssignment, VersionMatter
from registry.versions.queries import version_by_label
from tests import factories

TITLE = "建筑施工扬尘污染防治"


def _matter(j, title=TITLE) -> Matter:
    return db.session.scalar(select(Matter).where(Matter.jurisdiction_id == j.id, Matter.title == title))


def _give_new_fields(j) -> Matter:
    """The matter gets 省交通运输厅 as co-lead (it cooperated before), every lower government as its
    territorial implementers, a deadline and a target; the list gets a list-wide rule."""
    m = _matter(j)
    transport = services.resolve_department(j, "省交通运输厅")
    services.update_matter(
        m,
        title=m.title,
        category=m.category,
        description=m.description,
        lead=m.lead,
        co_leads=[transport],
        cooperating=[d for d in m.cooperating if d.id != transport.id],
        citations=[(c.document, c.article) for c in m.citations],
        territorial=[ALL_LOWER],
        deadline_text="2026年6月底前",
        targets=[{"indicator": "施工工地扬尘监控覆盖率", "comparison": "≥", "value": "95", "unit": "%"}],
        actor="测试",
    )
    db.session.add(
        ListDefault(jurisdiction_id=j.id, text="以下事项均需各市人民政府落实，不再列出。", territorial=["*"])
    )
    db.session.flush()
    return m


def _publish(j, label="2025年修订版", effective=date(2025, 6, 1)):
    return version_services.publish_version(
        j, label=label, doc_number="参政办发〔2025〕9号", effective_date=effective, publisher="参考省政府", actor="测试"
    )


@pytest.fixture
def published(ref):
    """参考省 with the new fields set on one matter and a second version (in force) published."""
    m = _give_new_fields(ref)
    version = _publish(ref)
    return ref, m, version


def _visible(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def test_publishing_freezes_co_leads_territorial_deadline_targets_and_defaults(published):
    j, m, version = published
    vm = db.session.scalar(
        select(VersionMatter).where(VersionMatter.version_id == version.id, VersionMatter.matter_id == m.id)
    )
    roles = [
        (a.role, a.department_name)
        for a in db.session.scalars(
            select(VersionAssignment)
            .where(VersionAssignment.version_matter_id == vm.id)
            .order_by(VersionAssignment.position)
        )
    ]
    assert roles[:2] == [("lead", "省住房城乡建设厅"), ("co_lead", "省交通运输厅")]
    assert ("cooperating", "省交通运输厅") not in roles
    assert vm.territorial == [{"code": "*", "name": "各下级人民政府"}]
    assert vm.deadline_text == "2026年6月底前" and vm.deadline == date(2026, 6, 30)
    assert [(t["indicator"], t["comparison"], t["value"], t["unit"]) for t in vm.targets] == [
        ("施工工地扬尘监控覆盖率", "≥", 95.0, "%")
    ]
    assert version.defaults == [
        {"text": "以下事项均需各市人民政府落实，不再列出。", "territorial": [{"code": "*", "name": "各下级人民政府"}]}
    ]
    # The checksum covers the new fields: a changed deadline alone gives another checksum.
    services.update_matter(
        m,
        title=m.title,
        category=m.category,
        description=m.description,
        lead=m.lead,
        cooperating=m.cooperating,
        citations=[(c.document, c.article) for c in m.citations],
        deadline_text="2026年9月底前",
        actor="测试",
    )
    db.session.flush()
    assert _publish(j, "再版", date(2025, 7, 1)).checksum != version.checksum


def test_the_comparison_shows_a_co_lead_added_and_the_other_new_fields(published, client):
    j, m, version = published
    diff = compare_versions(version_by_label(j, "2025年版"), version)
    change = next(c for c in diff.changed if c.new.matter_id == m.id)
    assert change.co_leads_added == ["省交通运输厅"] and change.cooperating_removed == ["省交通运输厅"]
    assert not change.lead_changed
    assert {"co_leads", "territorial", "deadline", "targets"} <= set(change.other_fields)
    page = _visible(client.get(f"/jurisdictions/{j.code}/compare?from=2025年版&to=2025年修订版").get_data(as_text=True))
    assert "共同牵头部门：新增省交通运输厅" in page
    assert "完成时限：—→2026年6月底前" in page
    office = client.get(f"/api/v1/jurisdictions/{j.code}/versions/2025年版/diff/2025年修订版").get_json()
    api_change = next(c for c in office["changed"] if c["id"] == m.id)
    assert api_change["co_leads_added"] == ["省交通运输厅"] and "co_leads" in api_change["other_fields"]


def test_public_matter_page_and_api_show_the_new_fields(published, client):
    j, m, _version = published
    page = _visible(client.get(f"/matters/{m.id}").get_data(as_text=True))
    assert "共同牵头部门省交通运输厅" in page
    assert "属地落实各下级人民政府" in page
    assert "完成时限2026年6月底前（2026-06-30）" in page
    assert "施工工地扬尘监控覆盖率≥95%" in page
    assert "共同牵头部门调整为：省交通运输厅" in page  # the history says what changed
    data = client.get(f"/api/v1/matters/{m.id}").get_json()
    data = data.get("matter", data)
    assert [c["name"] for c in data["co_leads"]] == ["省交通运输厅"]
    assert data["territorial"] == [{"code": "*", "name": "各下级人民政府"}]
    assert data["deadline"] == {"text": "2026年6月底前", "date": "2026-06-30"}
    assert data["targets"][0]["indicator"] == "施工工地扬尘监控覆盖率" and data["targets"][0]["value"] == 95
    department = client.get(f"/api/v1/departments/{m.co_leads[0].id}").get_json()
    assert [x["title"] for x in department["co_lead_matters"]] == [TITLE]
    listing = client.get(f"/api/v1/matters?jurisdiction={j.code}&department={m.co_leads[0].id}&role=co_lead")
    assert [x["id"] for x in listing.get_json()["items"]] == [m.id]


def test_version_pages_show_defaults_once_and_the_table_the_new_columns(published, client):
    j, m, _version = published
    page = client.get(f"/jurisdictions/{j.code}").get_data(as_text=True)
    assert page.count("以下事项均需各市人民政府落实，不再列出。") == 1
    assert "共同牵头" in _visible(page)
    table = _visible(client.get(f"/jurisdictions/{j.code}/versions/2025年修订版/table").get_data(as_text=True))
    assert "属地落实" in table and "完成时限" in table
    assert "省住房城乡建设厅、省交通运输厅" in table  # the lead first, then its co-lead
    department = _visible(client.get(f"/departments/{m.co_leads[0].id}").get_data(as_text=True))
    assert "共同牵头事项（1项）" in department and TITLE in department


def test_the_office_version_page_shows_the_defaults_and_co_leads(published, client, auth):
    j, _m, version = published
    auth.login("ref_office", "password-123")
    page = _visible(client.get(f"/manage/versions/{version.id}").get_data(as_text=True))
    assert "全清单适用" in page and "以下事项均需各市人民政府落实，不再列出。（属地落实：各下级人民政府）" in page
    assert "共同牵头：省交通运输厅" in page


def test_a_published_default_keeps_the_lower_jurisdictions_name_it_was_published_with(ref, client, auth):
    """Reviewer #12: defaults were frozen as codes and named on reading, so renaming a city rewrote them."""
    from registry.jurisdictions.models import Jurisdiction
    from registry.lists.territorial import published_territorial

    db.session.add(ListDefault(jurisdiction_id=ref.id, text="以下事项由属地落实。", territorial=["970100"]))
    db.session.flush()
    version = _publish(ref)
    assert version.defaults == [{"text": "以下事项由属地落实。", "territorial": [{"code": "970100", "name": "参考市"}]}]
    city = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "970100"))
    city.name = "参考新市"
    db.session.flush()
    public = _visible(client.get(f"/jurisdictions/{ref.code}").get_data(as_text=True))
    assert "以下事项由属地落实。（属地落实：参考市人民政府）" in public and "参考新市" not in public
    auth.login("ref_office", "password-123")
    office = _visible(client.get(f"/manage/versions/{version.id}").get_data(as_text=True))
    assert "以下事项由属地落实。（属地落实：参考市人民政府）" in office
    # A version frozen before names were kept (codes only) is named from the jurisdictions now.
    assert published_territorial(["970100"]) == [{"code": "970100", "name": "参考新市"}]
    assert published_territorial(["*"]) == [{"code": "*", "name": "各下级人民政府"}]


def test_a_version_published_before_the_new_fields_still_displays(published, client):
    j, m, _version = published
    old = client.get(f"/jurisdictions/{j.code}/versions/2025年版")
    assert old.status_code == 200 and "以下事项均需" not in old.get_data(as_text=True)
    table = client.get(f"/jurisdictions/{j.code}/versions/2025年版/table")
    assert table.status_code == 200 and "完成时限" not in table.get_data(as_text=True)
    content, _, _ = export_list(j, "csv", version_by_label(j, "2025年版"))
    row = next(r for r in csv.reader(io.StringIO(content.decode("utf-8-sig"))) if r[2] == TITLE)
    assert row[7:] == ["", "", ""]


def test_exports_carry_the_new_columns_and_targets(published):
    j, _m, version = published
    for working in (None, version):
        content, _, _ = export_list(j, "csv", working)
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert tuple(rows[0]) == EXPORT_HEADER
        row = next(r for r in rows if r[2] == TITLE)
        assert row[3:5] == ["省住房城乡建设厅", "省生态环境厅"]
        assert row[7:] == ["省交通运输厅", "各下级人民政府", "2026年6月底前"]
    data = json.loads(export_list(j, "json", version)[0])
    item = next(x for x in data["matters"] if x["title"] == TITLE)
    assert item["co_leads"] == ["省交通运输厅"] and item["deadline_text"] == "2026年6月底前"
    assert item["targets"][0]["indicator"] == "施工工地扬尘监控覆盖率"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_reads_back_and_imports_to_the_same_matter(published, fmt):
    j, m, version = published
    content, filename, _ = export_list(j, fmt, version)
    row = next(r for r in read_list_file(content, filename).rows if r.title == TITLE)
    assert row.lead == "省住房城乡建设厅" and row.co_leads == ["省交通运输厅"]
    assert row.cooperating == ["省生态环境厅"]
    assert row.territorial == [ALL_LOWER] and row.deadline_text == "2026年6月底前"
    # Into a new province with the same departments: the same matter.
    other = factories.jurisdiction("960000", name="回读省")
    factories.jurisdiction("960100", "city", parent=other, name="回读市")
    plan = plan_import(other, content, filename, create_departments=True)
    assert plan.errors == []
    apply_import(plan, "测试")
    copy = _matter(other)
    assert copy.lead.name == "省住房城乡建设厅" and [d.name for d in copy.co_leads] == ["省交通运输厅"]
    assert [d.name for d in copy.cooperating] == ["省生态环境厅"]
    assert copy.territorial == [ALL_LOWER] and copy.deadline_text == "2026年6月底前"
    assert copy.deadline == date(2026, 6, 30)


@pytest.mark.parametrize(
    "fmt",
    [
        # The spreadsheet formats carry no targets: the import keeps a matter's targets when the file
        # has none for it (imports.planning keeps each of the four fields an empty cell leaves out).
        "csv",
        "xlsx",
        "json",
    ],
)
def test_export_imported_into_the_list_it_came_from_changes_nothing(published, fmt):
    j, _m, version = published
    content, filename, _ = export_list(j, fmt, version)
    again = plan_import(j, content, filename)
    assert again.errors == []
    assert [(x.title, x.changes) for x in again.matters if x.action != "same"] == []


def test_an_empty_cell_of_a_column_the_file_has_clears_the_field_and_a_missing_column_keeps_it(published):
    j, m, version = published
    content, filename, _ = export_list(j, "csv", version)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    mine = next(r for r in body if r[header.index("具体事项")] == TITLE)
    mine[header.index("共同牵头部门")] = ""  # the office took the co-lead out in its spreadsheet
    mine[header.index("完成时限")] = ""

    def as_csv(table) -> bytes:
        out = io.StringIO()
        csv.writer(out).writerows(table)
        return out.getvalue().encode()

    plan = plan_import(j, as_csv([header, *body]), "清单.csv")
    planned = next(p for p in plan.matters if p.title == TITLE)
    assert planned.co_leads == [] and planned.deadline_text == ""
    assert set(planned.changes) >= {"共同牵头部门", "完成时限"}
    assert planned.territorial == [ALL_LOWER]  # its cell still says 各下级人民政府

    # A file without those columns (the plain format before #14) leaves them as they are.
    keep = [header.index(h) for h in header if h not in ("共同牵头部门", "属地落实", "完成时限")]
    plain = [[r[i] for i in keep] for r in [header, *body]]
    planned = next(p for p in plan_import(j, as_csv(plain), "清单.csv").matters if p.title == TITLE)
    assert planned.co_leads == ["省交通运输厅"] and planned.deadline_text == "2026年6月底前"
    assert planned.action == "same"


def test_the_api_diff_with_the_new_fields_answers_as_documented(ref, client):
    """Reviewer #19: the diff's OpenAPI schema lacked territorial, deadline_text and targets (old and new)."""
    from registry.public.openapi import document
    from tests.public.test_api import check

    m = _give_new_fields(ref)
    gone = db.session.scalar(
        select(Matter).where(Matter.jurisdiction_id == ref.id, Matter.id != m.id).order_by(Matter.id.desc()).limit(1)
    )
    services.delete_matter(gone, actor="测试")
    services.create_matter(
        ref,
        title="新增的属地事项",
        category=m.category,
        lead=m.lead,
        territorial=["970100"],
        deadline_text="2026年底前",
        targets=[{"indicator": "达标率", "comparison": "≥", "value": "90", "unit": "%"}],
        actor="测试",
    )
    _publish(ref)
    diff = check(
        client,
        f"/api/v1/jurisdictions/{ref.code}/versions/2025年版/diff/2025年修订版",
        "/jurisdictions/{code}/versions/{label}/diff/{other_label}",
    )
    change = next(c for c in diff["changed"] if c["id"] == m.id)
    assert change["old_territorial"] == [] and change["territorial"] == [{"code": "*", "name": "各下级人民政府"}]
    assert change["old_deadline_text"] == "" and change["deadline_text"] == "2026年6月底前"
    assert change["old_targets"] == [] and change["targets"] == ["施工工地扬尘监控覆盖率≥95%"]
    [added] = diff["added"]
    assert added["territorial"] == [{"code": "970100", "name": "参考市"}] and added["targets"] == ["达标率≥90%"]
    assert [r["id"] for r in diff["removed"]] == [gone.id]
    # Every key the API gives is documented, and documented as always there.
    schemas = document()["components"]["schemas"]
    assert set(change) == set(schemas["Diff"]["properties"]["changed"]["items"]["required"])
    assert set(added) == set(schemas["DiffMatter"]["required"]) == set(diff["removed"][0])
    assert set(diff["summary"]) == set(schemas["Diff"]["properties"]["summary"]["required"])
