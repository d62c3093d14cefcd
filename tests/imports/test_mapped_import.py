"""Lists in the layouts offices publish (#14): each reference layout (tests/imports/layouts) imports into a
city to the list its expected.json gives, re-importing changes nothing, the office's correction of what a
column means changes the result, and the corrected mapping is proposed next time."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry.core.audit import AuditEntry
from registry.core.timezone import local_today
from registry.extensions import db
from registry.imports.layout import ColumnRole, Mapping, ResponsibleMeans
from registry.imports.models import ImportMapping, PendingImport
from registry.imports.planning import apply_import, plan_import
from registry.lists.models import ALL_LOWER, DepartmentAlias, Duty, ListDefault, Matter
from tests import factories
from tests.versions.conftest import text, token_of, upload

LAYOUTS = Path(__file__).resolve().parent / "layouts"
EXPECTED = json.loads((LAYOUTS / "expected.json").read_text(encoding="utf-8"))
MATTER_LAYOUTS = [name for name, expected in EXPECTED.items() if "__duties__" not in expected]


@pytest.fixture
def city():
    """示例市, whose lower jurisdictions are 江东区 and 江西区, with no departments yet."""
    province = factories.jurisdiction("890000", name="示例省")
    city = factories.jurisdiction("890100", level="city", parent=province, name="示例市")
    factories.jurisdiction("890101", level="county", parent=city, name="江东区")
    factories.jurisdiction("890102", level="county", parent=city, name="江西区")
    db.session.refresh(city)
    return city


def layout(name: str) -> bytes:
    return (LAYOUTS / name).read_bytes()


def imported(city) -> dict[str, dict]:
    """The city's matters as expected.json writes them."""
    names = {child.code: child.name for child in city.children}
    result = {}
    for m in db.session.scalars(select(Matter).where(Matter.jurisdiction_id == city.id)):
        result[m.title] = {
            "lead": m.lead.name if m.lead else None,
            "co_leads": [d.name for d in m.co_leads],
            "cooperating": [d.name for d in m.cooperating],
            "territorial": [code if code == ALL_LOWER else names[code] for code in m.territorial],
            "category": m.category,
            "deadline": m.deadline_text,
        }
    return result


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def import_file(city, name, mapping=None, actor="测试"):
    plan = plan_import(city, layout(name), name, create_departments=True, mapping=mapping)
    assert plan.errors == [], plan.errors
    return plan, apply_import(plan, actor)


@pytest.mark.parametrize("name", MATTER_LAYOUTS)
def test_each_layout_imports_to_the_expected_list_and_again_changes_nothing(city, name):
    plan, _ = import_file(city, name)
    assert plan.mapped, "a published layout goes through the mapping step"
    assert imported(city) == EXPECTED[name]

    again = plan_import(city, layout(name), name)
    assert again.errors == []
    assert not again.changes_anything, [(m.title, m.changes) for m in again.matters if m.action != "same"]
    before = audit_count()
    apply_import(again, "测试")
    assert audit_count() == before + 1  # only the import's own entry
    assert imported(city) == EXPECTED[name]


def test_a_list_by_department_imports_as_duties(city):
    plan, result = import_file(city, "07-by-department.xlsx")
    assert plan.duties is not None and plan.matters == []
    expected = EXPECTED["07-by-department.xlsx"]["__duties__"]
    duties = {}
    for duty in db.session.scalars(select(Duty).join(Duty.department).order_by(Duty.department_id, Duty.seq)):
        duties.setdefault(duty.department.name, []).append(duty.text)
    assert duties == expected
    assert result.audit_id is not None
    again = plan_import(city, layout("07-by-department.xlsx"), "07-by-department.xlsx")
    assert again.errors == [] and not again.changes_anything


def test_deadlines_read_as_dates_and_list_defaults_are_stated_once(city):
    import_file(city, "02-two-header-rows.xlsx")
    soil = db.session.scalar(select(Matter).where(Matter.title == "受污染耕地安全利用"))
    assert (soil.deadline_text, soil.deadline.isoformat()) == ("2026年12月底前", "2026-12-31")
    assert db.session.scalar(select(Matter.deadline).where(Matter.title == "建设用地土壤污染风险管控")) is None

    import_file(city, "05-inline-positional.docx")
    defaults = db.session.scalars(select(ListDefault).where(ListDefault.jurisdiction_id == city.id)).all()
    assert [d.territorial for d in defaults] == [[ALL_LOWER]]
    assert "不再列出" in defaults[0].text or "落实" in defaults[0].text
    import_file(city, "05-inline-positional.docx")
    assert db.session.scalar(select(func.count()).select_from(ListDefault)) == 1  # not added twice


def test_the_office_says_what_responsible_unit_means_and_it_is_remembered(city):
    name = "06-responsible-unit-means-cooperating.docx"
    proposal = plan_import(city, layout(name), name, create_departments=True)
    mapping = proposal.mapping
    responsible = [i for i, role in mapping.columns.items() if role == ColumnRole.RESPONSIBLE]
    lead = [i for i, role in mapping.columns.items() if role == ColumnRole.LEAD]
    assert responsible and lead

    # This office's 责任单位 are co-leads: the lead column's department leads, the others lead with it.
    corrected = Mapping.from_dict(mapping.as_dict())
    corrected.columns[responsible[0]] = ColumnRole.CO_LEAD
    import_file(city, name, corrected, actor="测试")
    straw = imported(city)["露天焚烧秸秆巡查"]
    assert straw["lead"] == "市农业农村局"
    assert straw["co_leads"] == ["市生态环境局"]
    assert straw["cooperating"] == []
    assert straw["territorial"] == ["*"]

    # The next file of the kind is proposed with the office's choice.
    again = plan_import(city, layout(name), name)
    assert again.mapping.columns[responsible[0]] == ColumnRole.CO_LEAD
    assert again.errors == [] and not again.changes_anything

    # Back to the file's meaning: the co-lead becomes a cooperating department again.
    back = Mapping.from_dict(mapping.as_dict())
    back.columns[responsible[0]] = ColumnRole.RESPONSIBLE
    back.responsible_means = ResponsibleMeans.COOPERATING
    changed = plan_import(city, layout(name), name, mapping=back)
    assert [m.changes for m in changed.to_change] == [["共同牵头部门", "配合部门"]] * 2
    apply_import(changed, "测试")
    assert imported(city) == EXPECTED[name]


def test_an_unknown_name_offers_the_closest_departments_and_the_choice_is_remembered(city):
    ecology = factories.department(city, "示例市生态环境保护局", sector="生态环境", short_name="示例市环保局")
    name = "04-inline-labels.docx"
    plan = plan_import(city, layout(name), name, create_departments=True)
    assert plan.errors == []
    assert "市生态环境局" in plan.unknown_names
    assert (ecology.id, ecology.name) in plan.unknown_names["市生态环境局"]

    mapping = plan.mapping
    mapping.names = {"市生态环境局": ecology.id}
    chosen = plan_import(city, layout(name), name, create_departments=True, mapping=mapping)
    assert "市生态环境局" not in {d.name for d in chosen.new_departments}
    apply_import(chosen, "测试")
    assert imported(city)["完成县级以上饮用水水源保护区标志设置和隔离防护"]["lead"] == "示例市生态环境保护局"
    alias = db.session.scalar(select(DepartmentAlias).where(DepartmentAlias.department_id == ecology.id))
    assert (alias.name, alias.kind) == ("市生态环境局", "written")

    # Next time the written name is matched by itself.
    again = plan_import(city, layout(name), name)
    assert again.errors == [] and not again.changes_anything


def test_an_unknown_lower_jurisdiction_is_a_row_error(city):
    csv = (
        "序号,事项类别,重点任务,牵头部门,主责单位,完成时限\n"
        "1,大气,渣土车密闭运输,市城市管理局,江北区人民政府,年底前\n"
        "2,大气,道路扬尘,市城市管理局,江东区人民政府,2026年6月底前\n"
    )
    plan = plan_import(city, csv.encode(), "list.csv", create_departments=True)
    assert plan.mapped
    assert [(e.row, e.reason) for e in plan.errors] == [(2, "属地落实「江北区」不是示例市的下级行政区划。")]


def test_the_plain_format_keeps_its_fast_path(city):
    csv = "序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据\n1,大气,餐饮油烟污染防治,市城市管理局,,,\n"
    plan = plan_import(city, csv.encode(), "list.csv", create_departments=True)
    assert plan.errors == [] and not plan.mapped and plan.layout == "standard"


def test_the_plain_format_keeps_what_a_mapped_import_gave(city):
    import_file(city, "05-inline-positional.docx")
    csv = (
        "序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据\n"
        "4,严格环境准入,严控高耗能高排放项目,市发展和改革委员会,市生态环境局,,\n"
    )
    plan = plan_import(city, csv.encode("utf-8"), "list.csv")
    assert plan.errors == []
    assert [m.action for m in plan.matters] == ["change"]  # the plain file has no responsibility text
    assert plan.matters[0].changes == ["责任内容"]
    apply_import(plan, "测试")
    assert imported(city)["严控高耗能高排放项目"]["co_leads"] == ["市工业和信息化局"]
    assert imported(city)["严控高耗能高排放项目"]["territorial"] == ["*"]


def test_the_cli_takes_a_mapping_file_and_column_options(runner, city, tmp_path):
    name = "06-responsible-unit-means-cooperating.docx"
    path = tmp_path / name
    path.write_bytes(layout(name))
    dry = runner.invoke(
        args=["registry", "import-list", "--jurisdiction", city.code, str(path), "--create-departments", "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert "试运行" in dry.output and "第 4 列「责任单位」→ responsible" in dry.output
    assert '"columns"' in dry.output  # the proposal, to copy into a mapping file

    mapping = plan_import(city, layout(name), name, create_departments=True).mapping
    responsible = next(i for i, role in mapping.columns.items() if role == ColumnRole.RESPONSIBLE)
    mapping.columns[responsible] = ColumnRole.CO_LEAD
    mapping_path = tmp_path / "mapping.json"
    mapping_path.write_text(json.dumps(mapping.as_dict(), ensure_ascii=False), encoding="utf-8")
    args = ["registry", "import-list", "--jurisdiction", city.code, str(path), "--create-departments"]
    done = runner.invoke(args=[*args, "--mapping", str(mapping_path)])
    assert done.exit_code == 0, done.output
    assert "导入完成" in done.output
    assert imported(city)["露天焚烧秸秆巡查"]["co_leads"] == ["市生态环境局"]

    # The same correction as options: the column back to 责任单位, meaning cooperating units.
    options = runner.invoke(
        args=[*args, "--column", f"{responsible + 1}=responsible", "--responsible-means", "cooperating"]
    )
    assert options.exit_code == 0, options.output
    assert imported(city) == EXPECTED[name]


def test_the_cli_refuses_a_bad_mapping_file(runner, city, tmp_path):
    path = tmp_path / "list.docx"
    path.write_bytes(layout("04-inline-labels.docx"))
    bad = tmp_path / "mapping.json"
    bad.write_text("{not json", encoding="utf-8")
    result = runner.invoke(
        args=["registry", "import-list", "--jurisdiction", city.code, str(path), "--mapping", str(bad)]
    )
    assert result.exit_code != 0 and "不是有效的映射" in result.output


def test_the_cli_refuses_a_bad_column_option(runner, city, tmp_path):
    path = tmp_path / "list.docx"
    path.write_bytes(layout("04-inline-labels.docx"))
    result = runner.invoke(
        args=["registry", "import-list", "--jurisdiction", city.code, str(path), "--column", "x=lead"]
    )
    assert result.exit_code != 0 and "--column「x=lead」应写作" in result.output


def test_the_office_corrects_the_mapping_on_the_preview_and_confirms(city, client, auth):
    factories.user("city_office", "office_admin", city)
    auth.login("city_office", "password-123")
    name = "06-responsible-unit-means-cooperating.docx"
    response = upload(client, city.code, layout(name), name, create_departments=True)
    assert response.status_code == 302
    location = response.headers["Location"]
    page = text(client.get(location))
    assert "版式识别" in page and "应用映射" in page
    assert re.search(r'<th scope="row">责任单位</th>', page)
    assert "“责任单位/主责单位”的含义" in page
    remap = location + "/mapping"

    forged = client.post(remap, data={"csrf_token": token_of(client, location), "column_3": "boss"})
    assert forged.status_code == 400
    assert "责任单位：不是有效的选择。" in re.sub(r"<[^>]+>", "", text(forged))
    assert db.session.scalar(select(PendingImport.mapping)) is None  # nothing kept from bad input

    applied = client.post(remap, data={"csrf_token": token_of(client, location), "column_3": "co_lead"})
    assert applied.status_code == 302 and applied.headers["Location"].endswith(location)
    page = text(client.get(location))
    assert "已应用映射" in page
    row = re.search(r"露天焚烧秸秆巡查</td>(.*?)</tr>", page, re.S).group(1)
    assert "市农业农村局" in row and "市生态环境局" in row and "各下级人民政府" in row

    confirm = client.post(location, data={"csrf_token": token_of(client, location)})
    assert confirm.status_code == 302
    assert imported(city)["露天焚烧秸秆巡查"]["co_leads"] == ["市生态环境局"]
    remembered = db.session.scalar(select(ImportMapping).where(ImportMapping.jurisdiction_id == city.id))
    assert remembered.kind == "table" and remembered.data["columns"]["3"] == "co_lead"

    again = upload(client, city.code, layout(name), name)
    page = text(client.get(again.headers["Location"]))
    assert "文件与工作清单一致，导入不会改变任何内容。" in page


def test_pasted_text_imports_like_a_document(city, client, auth):
    factories.user("city_office", "office_admin", city)
    auth.login("city_office", "password-123")
    pasted = (
        "一、大气污染防治\n"
        "1.开展餐饮油烟专项检查，2026年6月底前完成。（牵头部门：市城市管理局；配合部门：市生态环境局）\n"
    )
    response = client.post(
        f"/manage/{city.code}/import",
        data={"csrf_token": token_of(client, f"/manage/{city.code}/import"), "text": pasted, "create_departments": "y"},
    )
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "开展餐饮油烟专项检查" in page and "2026年6月底前" in page and "市城市管理局" in page


def test_a_list_by_department_is_previewed_and_confirmed_on_the_web(city, client, auth):
    factories.user("city_office", "office_admin", city)
    auth.login("city_office", "password-123")
    name = "07-by-department.xlsx"
    response = upload(client, city.code, layout(name), name, create_departments=True)
    location = response.headers["Location"]
    page = text(client.get(location))
    assert "部门职责（4）" in page and "负责道路运输车辆扬尘防治。" in page
    confirm = client.post(location, data={"csrf_token": token_of(client, location)})
    assert confirm.status_code == 302
    result = client.get(confirm.headers["Location"])
    assert result.status_code == 200 and "导入完成" in text(result)
    assert db.session.scalar(select(func.count()).select_from(Duty)) == 4


def test_the_office_matches_an_unknown_name_to_an_existing_department_on_the_preview(city, client, auth):
    ecology = factories.department(city, "示例市生态环境保护局", sector="生态环境", short_name="示例市环保局")
    factories.user("city_office", "office_admin", city)
    auth.login("city_office", "password-123")
    name = "04-inline-labels.docx"
    location = upload(client, city.code, layout(name), name, create_departments=True).headers["Location"]
    page = text(client.get(location))
    assert "文件中的「市生态环境局」" in page and "使用已有部门：示例市生态环境保护局" in page
    field = re.search(rf'name="(name_\d+)" type="radio" value="{ecology.id}"', page).group(1)
    applied = client.post(
        location + "/mapping",
        data={"csrf_token": token_of(client, location), field: str(ecology.id), f"{field}_text": "市生态环境局"},
    )
    assert applied.status_code == 302
    page = text(client.get(location))
    assert "文件中的「市生态环境局」" not in page
    row = re.search(r"开展乡镇级水源地环境问题排查整治</td>(.*?)</tr>", page, re.S).group(1)
    assert "示例市生态环境保护局" in row
    client.post(location, data={"csrf_token": token_of(client, location)})
    assert [a.name for a in ecology.aliases] == ["市生态环境局"]


def test_a_deadline_column_gives_a_date_and_the_year_end_is_this_year_in_beijing(city):
    csv = (
        "序号,事项类别,重点任务,牵头部门,主责单位,完成时限\n"
        "1,扬尘,渣土车密闭运输,市城市管理局,江东区人民政府,2026年9月底前完成\n"
        "2,扬尘,道路扬尘,市城市管理局,各区县人民政府,年底前\n"
    )
    plan = plan_import(city, csv.encode(), "list.csv", create_departments=True)
    assert plan.errors == []
    by_title = {m.title: m for m in plan.matters}
    assert by_title["渣土车密闭运输"].deadline.isoformat() == "2026-09-30"
    assert by_title["渣土车密闭运输"].territorial == ["890101"]
    assert by_title["道路扬尘"].deadline == date(local_today().year, 12, 31)
    assert by_title["道路扬尘"].territorial == [ALL_LOWER]
