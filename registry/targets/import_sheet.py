"""Indicators from a spreadsheet (issue #19): an office's table of its plan's targets, one row an
indicator, read into a plan that the preview shows row by row with every problem, then applied all or
nothing (one transaction, each indicator and each new plan document audited by its service).

Departments are matched as the list import matches them (lists.naming: full name, short name, other
names, 省发改委-style abbreviations). The direction may be left out: "≤28" / "≥96" in the target cell
says it, else a target below the baseline means lower is better.
"""

import io
import re
import unicodedata
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from registry.core.audit import Actor
from registry.extensions import db
from registry.imports.reading import FileProblem
from registry.imports.tables import read_table_source
from registry.jurisdictions.models import Jurisdiction
from registry.lists import queries as list_queries
from registry.lists.models import Department
from registry.lists.naming import DepartmentNames, ambiguity_message
from registry.lists.services import get_or_create_document
from registry.targets import services
from registry.targets.forms import NotANumber, number_from, year_from
from registry.targets.models import Binding, Direction, TargetIndicator

MAX_ROWS = 500
HEADER_SEARCH_ROWS = 10
PERCENT_UNITS = {"%", "百分比", "百分点"}
VALUE_KEYS = ("baseline_value", "target_value", "stretch_value")

# The template's header, in order (the columns a file must or may have).
COLUMNS = (
    "指标名称",
    "单位",
    "指标属性",
    "基准年",
    "基准值",
    "目标年",
    "目标值",
    "力争值",
    "牵头部门",
    "依据规划",
    "文号",
    "方向",
    "指标说明",
)
REQUIRED = ("name", "binding", "baseline_year", "baseline_value", "target_year", "target_value", "lead")
# How offices head the columns -> the field it fills.
HEADERS = {
    "指标名称": "name",
    "指标": "name",
    "名称": "name",
    "单位": "unit",
    "计量单位": "unit",
    "指标属性": "binding",
    "属性": "binding",
    "指标性质": "binding",
    "基准年": "baseline_year",
    "基准年份": "baseline_year",
    "基期年": "baseline_year",
    "基准值": "baseline_value",
    "基期值": "baseline_value",
    "现状值": "baseline_value",
    "目标年": "target_year",
    "目标年份": "target_year",
    "目标值": "target_value",
    "力争值": "stretch_value",
    "力争目标": "stretch_value",
    "牵头部门": "lead",
    "牵头单位": "lead",
    "责任部门": "lead",
    "依据规划": "plan",
    "规划": "plan",
    "规划名称": "plan",
    "依据": "plan",
    "文号": "plan_number",
    "规划文号": "plan_number",
    "方向": "direction",
    "指标方向": "direction",
    "指标说明": "description",
    "说明": "description",
    "统计口径": "description",
}
LABELS = {
    "name": _l("指标名称"),
    "unit": _l("单位"),
    "binding": _l("指标属性"),
    "direction": _l("方向"),
    "baseline_year": _l("基准年"),
    "baseline_value": _l("基准值"),
    "target_year": _l("目标年"),
    "target_value": _l("目标值"),
    "stretch_value": _l("力争值"),
    "lead_department": _l("牵头部门"),
    "lead": _l("牵头部门"),
    "plan": _l("依据规划"),
    "plan_number": _l("文号"),
    "description": _l("指标说明"),
    "matters": _l("关联事项"),
}
_BINDINGS = {"约束性": Binding.BINDING, "约束": Binding.BINDING, "预期性": Binding.EXPECTED, "预期": Binding.EXPECTED}
_DIRECTIONS = {
    "越低越好": Direction.LOWER,
    "越小越好": Direction.LOWER,
    "低": Direction.LOWER,
    "下降": Direction.LOWER,
    "负向": Direction.LOWER,
    "≤": Direction.LOWER,
    "lower": Direction.LOWER,
    "越高越好": Direction.HIGHER,
    "越大越好": Direction.HIGHER,
    "高": Direction.HIGHER,
    "上升": Direction.HIGHER,
    "正向": Direction.HIGHER,
    "≥": Direction.HIGHER,
    "higher": Direction.HIGHER,
}
# A sign written before the target value, and the direction it states.
_SIGNS = (
    ("<=", Direction.LOWER),
    (">=", Direction.HIGHER),
    ("≤", Direction.LOWER),
    ("≦", Direction.LOWER),
    ("≥", Direction.HIGHER),
    ("≧", Direction.HIGHER),
    ("<", Direction.LOWER),
    (">", Direction.HIGHER),
    ("不高于", Direction.LOWER),
    ("不超过", Direction.LOWER),
    ("不低于", Direction.HIGHER),
)


@dataclass
class SheetRow:
    """One row of the file as read, with what it means and everything wrong with it."""

    row: int
    name: str = ""
    unit: str = ""
    binding: str = ""
    direction: str = ""
    direction_inferred: bool = False
    baseline_year: int | None = None
    baseline_value: float | None = None
    target_year: int | None = None
    target_value: float | None = None
    stretch_value: float | None = None
    lead_written: str = ""
    lead_department: Department | None = None
    plan_title: str = ""
    plan_number: str = ""
    description: str = ""
    errors: list[str | LazyString] = field(default_factory=list)
    # What looks wrong but may be right (the preview shows it; the row is imported all the same).
    warnings: list[str | LazyString] = field(default_factory=list)

    def data(self) -> services.IndicatorData:
        return services.IndicatorData(
            name=self.name,
            unit=self.unit,
            direction=self.direction,
            binding=self.binding,
            baseline_year=self.baseline_year,
            baseline_value=self.baseline_value,
            target_year=self.target_year,
            target_value=self.target_value,
            stretch_value=self.stretch_value,
            lead_department=self.lead_department,
            description=self.description,
        )

    @property
    def plan_label(self) -> str:
        if not self.plan_title:
            return ""
        return f"《{self.plan_title}》（{self.plan_number}）" if self.plan_number else f"《{self.plan_title}》"


@dataclass
class SheetPlan:
    rows: list[SheetRow] = field(default_factory=list)
    file_error: str | LazyString | None = None

    @property
    def bad_rows(self) -> list[SheetRow]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and self.file_error is None and not self.bad_rows

    @property
    def warned_rows(self) -> list[SheetRow]:
        return [r for r in self.rows if r.warnings and not r.errors]


def _percent_cells(data: bytes) -> set[tuple[int, int]]:
    """The (row number, column index from 0) of the first sheet's cells formatted as a percentage
    (91.5% is stored as 0.915). calamine, which reads the values, does not say how a cell is shown."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        try:
            return {
                (cell.row, cell.column - 1)
                for row in workbook.worksheets[0].iter_rows(max_row=MAX_ROWS + HEADER_SEARCH_ROWS + 1)
                for cell in row
                if isinstance(cell.value, int | float) and "%" in (getattr(cell, "number_format", None) or "")
            }
        finally:
            workbook.close()
    except Exception:  # noqa: BLE001 — calamine read the values; without the formats they are read as typed
        return set()


def _is_percent(unit: str) -> bool:
    return unicodedata.normalize("NFKC", unit).strip() in PERCENT_UNITS


def _header(cell: str) -> str:
    plain = re.sub(r"[\s*＊]", "", unicodedata.normalize("NFKC", cell))
    plain = re.sub(r"\(.*\)$", "", plain)  # 基准值(2020年)
    return HEADERS.get(plain, "")


def _find_header(rows: list[tuple[int, list[str]]]) -> tuple[int, dict[str, int]] | None:
    for position, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for index, cell in enumerate(cells):
            key = _header(cell)
            if key and key not in columns:
                columns[key] = index
        if "name" in columns:
            return position, columns
    return None


def _target(text: str) -> tuple[float | None, str]:
    """The target value and the direction a sign before it states ("" for none)."""
    plain = unicodedata.normalize("NFKC", text).strip()
    for sign, direction in _SIGNS:
        if plain.startswith(sign):
            return number_from(plain[len(sign) :]), direction
    return number_from(plain), ""


def plan_sheet(jurisdiction: Jurisdiction, data: bytes, filename: str = "") -> SheetPlan:
    """Read a file of indicators for the jurisdiction: every row with its problems (nothing written)."""
    plan = SheetPlan()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or filename.lower().endswith(".xls"):
        plan.file_error = _l("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。")
        return plan
    try:
        source = read_table_source(data, filename)
    except FileProblem as problem:
        plan.file_error = problem.message
        return plan
    rows = source.tables[0].rows if source.tables else []
    found = _find_header(rows)
    if found is None:
        plan.file_error = _l("找不到表头：第一行（或标题下的一行）应有“指标名称”等列，请下载模板对照。")
        return plan
    position, columns = found
    missing = [str(LABELS[k]) for k in REQUIRED if k not in columns]
    if missing:
        plan.file_error = _l("表格缺少以下列：%(columns)s。", columns="、".join(missing))
        return plan
    body = [(n, cells) for n, cells in rows[position + 1 :] if any(c.strip() for c in cells)]
    if not body:
        plan.file_error = _l("表格中没有指标（表头下没有内容）。")
        return plan
    if len(body) > MAX_ROWS:
        plan.file_error = _l("一次最多导入 %(max)d 项指标，请把表格拆成几个文件。", max=MAX_ROWS)
        return plan
    names = DepartmentNames(jurisdiction.id)
    seen: dict[str, int] = {}
    unit_at = columns.get("unit", -1)
    units = [cells[unit_at] for _n, cells in body if 0 <= unit_at < len(cells)]
    percent_cells = _percent_cells(data) if source.format == "xlsx" and any(map(_is_percent, units)) else set()
    for number, cells in body:

        def cell(key: str, cells: list[str] = cells) -> str:
            index = columns.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        shown_as_percent = {key for key in VALUE_KEYS if (number, columns.get(key)) in percent_cells}
        row = _read_row(jurisdiction, number, cell, names, shown_as_percent)
        if row.name:
            if row.name in seen:
                row.errors.append(_l("与第 %(row)d 行的指标同名。", row=seen[row.name]))
            else:
                seen[row.name] = number
        plan.rows.append(row)
    return plan


def _read_row(
    jurisdiction: Jurisdiction, number: int, cell, names: DepartmentNames, shown_as_percent: set[str] = frozenset()
) -> SheetRow:
    row = SheetRow(row=number, name=cell("name"), unit=cell("unit"), description=cell("description"))
    errors = row.errors
    had_error: set[str] = set()

    def fail(key: str, message) -> None:
        had_error.add(key)
        errors.append(_l("%(column)s：%(message)s", column=LABELS[key], message=message))

    binding = cell("binding")
    if binding:
        row.binding = _BINDINGS.get(unicodedata.normalize("NFKC", binding).strip(), "")
        if not row.binding:
            fail("binding", _l("应为“约束性”或“预期性”，不是“%(text)s”。", text=binding))
    for key in ("baseline_year", "target_year"):
        try:
            setattr(row, key, year_from(cell(key)))
        except NotANumber:
            fail(key, _l("“%(text)s”不是年份（如 2025）。", text=cell(key)))
    for key in ("baseline_value", "stretch_value"):
        text = cell(key).removeprefix("力争") if key == "stretch_value" else cell(key)
        try:
            setattr(row, key, number_from(text))
        except NotANumber:
            fail(key, _l("“%(text)s”不是数值。", text=cell(key)))
    signed = ""
    try:
        row.target_value, signed = _target(cell("target_value"))
    except NotANumber:
        fail("target_value", _l("“%(text)s”不是数值（可写作 28、≤28 或 ≥96）。", text=cell("target_value")))
    _percent_values(row, shown_as_percent)
    written = cell("direction")
    if written:
        row.direction = _DIRECTIONS.get(unicodedata.normalize("NFKC", written).strip().lower(), "")
        if not row.direction:
            fail("direction", _l("应为“越低越好”或“越高越好”，不是“%(text)s”。", text=written))
        elif signed and signed != row.direction:
            fail("direction", _l("与目标值前的“≤”“≥”不一致。"))
    elif signed:
        row.direction = signed
    elif row.target_value is not None and row.baseline_value is not None:
        row.direction = Direction.LOWER if row.target_value < row.baseline_value else Direction.HIGHER
        row.direction_inferred = True
    elif "target_value" not in had_error and "baseline_value" not in had_error:
        row.direction = Direction.HIGHER  # no values to judge by: the problems below name them
        row.direction_inferred = True
    row.lead_written = cell("lead")
    if row.lead_written:
        found = names.match(row.lead_written)
        if found is None:
            candidates = names.ambiguous(row.lead_written)
            if candidates:
                fail("lead", ambiguity_message(row.lead_written, candidates))
            else:
                closest = "、".join(name for _id, name in names.closest(row.lead_written))
                unknown = dict(department=row.lead_written, jurisdiction=jurisdiction.name)
                if closest:
                    message = _l(
                        "找不到部门「%(department)s」：%(jurisdiction)s没有以此为全称、简称或其他名称的部门。"
                        "是否指：%(names)s？",
                        names=closest,
                        **unknown,
                    )
                else:
                    message = _l(
                        "找不到部门「%(department)s」：%(jurisdiction)s没有以此为全称、简称或其他名称的部门。",
                        **unknown,
                    )
                fail("lead", message)
        elif not found.active:
            fail("lead", _l("「%(department)s」已撤销，请写现在的牵头部门。", department=found.name))
        else:
            row.lead_department = db.session.get(Department, found.id)
    row.plan_title, row.plan_number = cell("plan").strip("《》 "), cell("plan_number")
    if row.plan_number and not row.plan_title:
        fail("plan", _l("写了文号，请同时写规划文件的名称。"))
    if len(row.plan_title) > 300:
        fail("plan", _l("名称不能超过300字。"))
    if len(row.plan_number) > 100:
        fail("plan_number", _l("文号不能超过100字。"))
    if len(row.description) > 2000:
        fail("description", _l("不能超过2000字。"))
    for key, message in services.problems(jurisdiction, row.data()):
        column = "lead" if key == "lead_department" else key
        if column not in had_error and not (key == "direction" and had_error & {"target_value", "baseline_value"}):
            fail(column, message)
    return row


def _percent_values(row: SheetRow, shown_as_percent: set[str]) -> None:
    """For a unit of %: a cell shown as 91.5% holds 0.915, so it is read as 91.5; values that all look
    like fractions (0.915 typed as a number) are pointed out on the preview."""
    if not _is_percent(row.unit):
        return
    for key in shown_as_percent:
        if getattr(row, key) is not None:
            setattr(row, key, round(getattr(row, key) * 100, 9))
    values = [v for v in (row.baseline_value, row.target_value, row.stretch_value) if v is not None]
    if row.baseline_value is not None and row.target_value is not None and all(abs(v) <= 1 for v in values):
        row.warnings.append(_l("数值似为小数形式，百分比请填写如 91.5（而不是 0.915）。"))


def apply_sheet(jurisdiction: Jurisdiction, plan: SheetPlan, *, actor: Actor) -> list[TargetIndicator]:
    """Define every indicator of a plan without problems (the view commits, or rolls all back)."""
    if not plan.ok:
        raise ValueError("a plan with problems is never applied")
    made = []
    for row in plan.rows:
        data = row.data()
        if row.plan_title:
            data.plan = get_or_create_document(
                jurisdiction, title=row.plan_title, doc_number=row.plan_number, actor=actor
            )
        made.append(services.create_indicator(jurisdiction, data, actor=actor))
    return made


def template_workbook(jurisdiction: Jurisdiction) -> bytes:
    """The import template: the header and one example row (an XLSX)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    departments = list_queries.departments(jurisdiction)
    lead = next((d.name for d in departments if "生态环境" in d.name), departments[0].name if departments else "")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "目标指标"
    sheet.append(list(COLUMNS))
    sheet.append(
        [
            "细颗粒物（PM2.5）平均浓度",
            "微克/立方米",
            "约束性",
            2020,
            35,
            2025,
            "≤28",
            25,
            lead,
            "生态环境保护“十四五”规划",
            "",
            "越低越好",
            "城市环境空气质量监测点位年均浓度",
        ]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJKLM", (28, 14, 10, 8, 8, 8, 8, 8, 20, 30, 20, 10, 30), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
