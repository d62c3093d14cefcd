"""Indicators from a spreadsheet: the preview names every bad row, the import is all or nothing, the
direction is read from the file or inferred, departments are matched as the list import matches them."""

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from registry.auth.models import User
from registry.core.audit import AuditEntry
from registry.extensions import db
from registry.imports import uploads
from registry.targets import import_sheet
from registry.targets.models import TargetIndicator
from tests import factories
from tests.targets.pages import Browser, department, jurisdiction, text

HEADER = "指标名称,单位,指标属性,基准年,基准值,目标年,目标值,力争值,牵头部门,依据规划,文号\n"
GOOD = (
    HEADER + "导入测试：细颗粒物平均浓度,微克/立方米,约束性,2020,35,2025,≤28,25,省生态环境厅,示例省生态环境规划,"
    "示政发〔2022〕1号\n"
    + "导入测试：优良天数比率,%,约束性,2020,88,2025,91.5,,省生态环境厅,示例省生态环境规划,示政发〔2022〕1号\n"
    + "导入测试：单位GDP能耗下降,%,预期性,2020,10,2025,8,,省发改委,,\n"
)


@pytest.fixture
def browser(client, auth, demo):
    return Browser(client, auth).login("province_office")


@pytest.fixture
def province(demo):
    return jurisdiction("990000")


def _upload(browser, code: str, data: bytes, filename: str = "指标.csv"):
    url = f"/manage/{code}/indicators/import"
    token = browser.hidden(url)["csrf_token"]
    return browser.client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), filename)})


def _imported(province) -> dict[str, TargetIndicator]:
    rows = db.session.scalars(
        select(TargetIndicator).where(
            TargetIndicator.jurisdiction_id == province.id, TargetIndicator.name.startswith("导入测试")
        )
    )
    return {r.name: r for r in rows}


def test_a_good_file_is_previewed_then_imported(browser, province):
    response = _upload(browser, province.code, GOOD.encode())
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = text(browser.get(preview_url))
    assert "共 3 项指标，没有发现问题" in page
    assert "越低越好" in page and "（推断）" in page  # ≤28 says it; 8 below 10 is inferred
    assert _imported(province) == {}  # the preview changes nothing
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    response = browser.post(preview_url, {})
    assert response.status_code == 302
    made = _imported(province)
    assert len(made) == 3
    pm = made["导入测试：细颗粒物平均浓度"]
    assert (pm.direction, pm.target_value, pm.stretch_value) == ("lower", 28.0, 25.0)
    assert pm.plan.doc_number == "示政发〔2022〕1号"
    assert made["导入测试：优良天数比率"].direction == "higher"
    assert made["导入测试：优良天数比率"].plan == pm.plan  # one document for both
    assert made["导入测试：单位GDP能耗下降"].direction == "lower"
    assert made["导入测试：单位GDP能耗下降"].lead_department == department("990000", "省发展和改革委员会")
    # Each indicator audited, and the new plan document.
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) - before == 4


def test_every_bad_row_is_named_and_nothing_is_imported(browser, province):
    bad = (
        HEADER
        + "导入测试：好的一行,%,约束性,2020,80,2025,90,,省生态环境厅,,\n"
        + "导入测试：坏的一行,%,重要性,二〇二〇,80,2025,90,,省不存在厅,,\n"
        + "导入测试：力争值不对,%,预期性,2020,80,2025,≥90,85,省生态环境厅,,\n"
    )
    response = _upload(browser, province.code, bad.encode())
    preview_url = response.headers["Location"]
    page = text(browser.get(preview_url))
    assert "其中 2 行有问题" in page
    assert "第 3 行" in page and "应为“约束性”或“预期性”" in page and "不是年份" in page
    assert "找不到部门「省不存在厅」" in page
    assert "第 4 行" in page and "力争值应比目标值更好" in page
    assert "确认导入" not in page
    response = browser.post(preview_url, {}, form_at=f"/manage/{province.code}/indicators/import")
    assert response.status_code == 302
    assert "文件有错误，未导入任何指标。" in browser.get(response.headers["Location"])
    assert _imported(province) == {}


def test_the_import_is_refused_whole_when_a_row_became_wrong_after_the_preview(browser, province):
    response = _upload(browser, province.code, GOOD.encode())
    preview_url = response.headers["Location"]
    token = browser.hidden(preview_url)["csrf_token"]
    # Meanwhile someone defines the second row's indicator by hand.
    factories.indicator(
        province,
        department("990000", "省生态环境厅"),
        name="导入测试：优良天数比率",
        unit="%",
        direction="higher",
        baseline=(2020, 88.0),
        target=(2025, 91.5),
    )
    response = browser.client.post(preview_url, data={"csrf_token": token})
    assert response.status_code == 302
    assert "未导入任何指标" in browser.get(response.headers["Location"])
    assert set(_imported(province)) == {"导入测试：优良天数比率"}  # the first row was not imported either


def test_a_file_without_the_columns_is_refused_at_upload(browser, province):
    response = _upload(browser, province.code, "名称,数值\n甲,1\n".encode())
    assert response.status_code == 400
    assert "表格缺少以下列" in response.get_data(as_text=True)


def test_the_upload_needs_its_csrf_token(browser, province):
    response = browser.client.post(
        f"/manage/{province.code}/indicators/import", data={"file": (io.BytesIO(GOOD.encode()), "a.csv")}
    )
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)


def test_the_template_is_an_xlsx_that_imports_as_it_is(browser, province):
    response = browser.client.get(f"/manage/{province.code}/indicators/import/template.xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]][:3] == ["指标名称", "单位", "指标属性"]
    # The example row, renamed (the demo may define PM2.5 already), imports without a problem.
    sheet["A2"] = "导入测试：模板示例"
    out = io.BytesIO()
    sheet.parent.save(out)
    plan = import_sheet.plan_sheet(province, out.getvalue(), "模板.xlsx")
    assert plan.ok, [r.errors for r in plan.rows]
    assert plan.rows[0].direction == "lower" and plan.rows[0].lead_department.name == "省生态环境厅"


def test_an_xlsx_with_a_title_row_and_a_contradicting_direction(province):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["示例省“十四五”生态环境保护主要指标"])
    sheet.append(["指标名称", "指标属性", "基准年", "基准值", "目标年", "目标值", "牵头部门", "方向"])
    sheet.append(["导入测试：安全利用率", "约束性", 2020, 90, 2025, "≥96", "省生态环境厅", "越低越好"])
    sheet.append(["导入测试：噪声达标率", "预期性", 2020, 80.5, 2025, 85, "省生态环境厅", "越高越好"])
    out = io.BytesIO()
    workbook.save(out)
    plan = import_sheet.plan_sheet(province, out.getvalue(), "指标.xlsx")
    assert plan.file_error is None
    first, second = plan.rows
    assert first.row == 3 and any("不一致" in str(e) for e in first.errors)
    assert second.errors == [] and second.baseline_value == 80.5 and not second.direction_inferred


def test_an_old_excel_file_is_refused_with_a_reason(province):
    plan = import_sheet.plan_sheet(province, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "a.xls")
    assert re.search("旧版 Excel", str(plan.file_error))


def test_cells_shown_as_percentages_are_read_as_the_percentages_shown(browser, province):
    """Excel stores 91.5% as 0.915: with the unit %, a cell formatted as a percentage is read as 91.5."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["指标名称", "单位", "指标属性", "基准年", "基准值", "目标年", "目标值", "牵头部门"])
    sheet.append(["导入测试：优良天数比率", "%", "约束性", 2020, 0.88, 2025, 0.915, "省生态环境厅"])
    sheet.append(["导入测试：达标天数", "天", "预期性", 2020, 0.5, 2025, 0.75, "省生态环境厅"])
    for cell in ("E2", "G2", "E3", "G3"):
        sheet[cell].number_format = "0.0%"
    out = io.BytesIO()
    workbook.save(out)
    response = _upload(browser, province.code, out.getvalue(), "指标.xlsx")
    page = text(browser.get(response.headers["Location"]))
    assert "91.5" in page and "0.915" not in page
    assert "请核对" not in page
    browser.post(response.headers["Location"], {})
    made = _imported(province)
    assert (made["导入测试：优良天数比率"].baseline_value, made["导入测试：优良天数比率"].target_value) == (88.0, 91.5)
    assert made["导入测试：达标天数"].target_value == 0.75  # not a % unit: as stored


def test_percentages_typed_as_fractions_are_pointed_out(browser, province):
    csv = HEADER + "导入测试：优良天数比率,%,约束性,2020,0.88,2025,0.915,,省生态环境厅,,\n"
    response = _upload(browser, province.code, csv.encode())
    page = text(browser.get(response.headers["Location"]))
    assert "以下 1 行请核对" in page and "数值似为小数形式，百分比请填写如 91.5" in page
    assert "确认导入 1 项指标" in page  # a warning, not an error: 0.9% may be meant


def test_an_indicator_import_leaves_a_list_import_in_preview(browser, province):
    office = db.session.scalar(select(User).where(User.username == "province_office"))
    listed = uploads.keep_upload(office, province, "清单.csv", "具体事项\n甲\n".encode(), create_departments=False)
    db.session.commit()
    response = _upload(browser, province.code, GOOD.encode())
    assert response.status_code == 302
    assert browser.client.get(f"/manage/{province.code}/import/{listed.token}").status_code == 200
    # Each preview takes only its own kind of upload.
    token = response.headers["Location"].rsplit("/", 1)[-1]
    assert browser.client.get(f"/manage/{province.code}/import/{token}").status_code == 404
    assert browser.client.get(f"/manage/{province.code}/indicators/import/{listed.token}").status_code == 404
    # A second indicator upload replaces the first, not the list's.
    second = _upload(browser, province.code, GOOD.encode())
    assert browser.client.get(response.headers["Location"]).status_code == 404
    assert browser.client.get(second.headers["Location"]).status_code == 200
    assert browser.client.get(f"/manage/{province.code}/import/{listed.token}").status_code == 200
