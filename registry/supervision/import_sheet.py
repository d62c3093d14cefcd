"""A ledger from a spreadsheet (#18): the table an office keeps of an inspection's feedback, one row a
task, in the usual columns 序号, 反馈问题, 整改目标, 整改措施, 责任单位, 责任人, 整改时限 (and 配合单位).
Read into a plan that the preview shows row by row with every problem, then applied all or nothing (one
transaction; each task put on its timeline and audited by services.create_task).

Departments are matched as the list import matches them (lists.naming: full name, short name, other
names, 市生态环境局 / 市住建局-style abbreviations), with "是否指…" for a name it does not know. A 责任单位
cell naming several departments means the first leads and the rest cooperate, unless the file has its
own 配合单位 column. 整改时限 is a date (a date cell, 2026-06-30, 2026年6月30日前, 2026年12月底前), a
phase (立行立改, 短期攻坚, 中期推进, 长期坚持) or both (立行立改，2026年底前). 责任人 "张三（副厅长）" or
"副厅长 张三" is split into the person and the post.
"""

import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from registry.core.audit import Actor
from registry.extensions import db
from registry.imports import phrases
from registry.imports.reading import FileProblem, split_departments
from registry.imports.tables import read_table_source
from registry.jurisdictions.models import Jurisdiction
from registry.lists import queries as list_queries
from registry.lists.models import Department
from registry.lists.naming import DepartmentNames, ambiguity_message
from registry.supervision import services
from registry.supervision.models import PHASE_LABELS, Ledger, Phase, Task

MAX_ROWS = 1000
HEADER_SEARCH_ROWS = 10

# The usual header, in order; the template adds 配合单位 after 责任单位.
COLUMNS = ("序号", "反馈问题", "整改目标", "整改措施", "责任单位", "责任人", "整改时限")
TEMPLATE_COLUMNS = ("序号", "反馈问题", "整改目标", "整改措施", "责任单位", "配合单位", "责任人", "整改时限")
REQUIRED = ("problem", "lead", "deadline")
# How offices head the columns -> the field it fills.
HEADERS = {
    "序号": "number",
    "编号": "number",
    "反馈问题": "problem",
    "问题": "problem",
    "任务": "problem",
    "整改任务": "problem",
    "存在问题": "problem",
    "问题描述": "problem",
    "督察反馈问题": "problem",
    "整改事项": "problem",
    "整改目标": "target",
    "目标": "target",
    "目标任务": "target",
    "整改措施": "measures",
    "措施": "measures",
    "具体措施": "measures",
    "主要措施": "measures",
    "责任单位": "lead",
    "牵头单位": "lead",
    "责任部门": "lead",
    "牵头部门": "lead",
    "主责单位": "lead",
    "牵头责任单位": "lead",
    "配合单位": "cooperating",
    "配合部门": "cooperating",
    "协办单位": "cooperating",
    "责任人": "person",
    "责任领导": "person",
    "牵头领导": "person",
    "整改时限": "deadline",
    "完成时限": "deadline",
    "时限": "deadline",
    "整改期限": "deadline",
    "完成时间": "deadline",
    "时限要求": "deadline",
}
LABELS = {
    "number": _l("序号"),
    "problem": _l("反馈问题"),
    "target": _l("整改目标"),
    "measures": _l("整改措施"),
    "lead": _l("责任单位"),
    "lead_department": _l("责任单位"),
    "cooperating": _l("配合单位"),
    "person": _l("责任人"),
    "responsible_person": _l("责任人"),
    "responsible_post": _l("责任人"),
    "deadline": _l("整改时限"),
    "due_date": _l("整改时限"),
    "phase": _l("整改时限"),
    "matters": _l("所属事项"),
}
# Phase words as ledgers write them (longest first where one contains another).
PHASE_WORDS = (
    ("立行立改", Phase.IMMEDIATE),
    ("立即整改", Phase.IMMEDIATE),
    ("短期攻坚", Phase.SHORT),
    ("中期推进", Phase.MEDIUM),
    ("长期坚持", Phase.LONG),
    ("长期推进", Phase.LONG),
    ("持续推进", Phase.LONG),
)
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
_CN_DAY = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]$")
_CN_MONTH_END = re.compile(r"^(\d{4})年(\d{1,2})月(?:底|末)?$")
_CN_YEAR_END = re.compile(r"^(\d{4})年(?:年)?(?:底|末)$")
_SEPARATORS = "，,；;、/ \n\r\t。："
# Words that make a part of a 责任人 cell the post, not the name.
_POST_WORDS = (
    "长",
    "主任",
    "书记",
    "委员",
    "负责人",
    "局长",
    "厅长",
    "处长",
    "科长",
    "主席",
    "秘书",
    "总",
    "副",
    "组长",
    "专员",
)
_LEAD_MARK = re.compile(r"[(（](?:牵头|牵头单位|主责)[)）]")
_OTHER_MARK = re.compile(r"[(（](?:配合|配合单位|协办)[)）]")


@dataclass
class LedgerRow:
    """One row of the file as read, with what it means and everything wrong with it."""

    row: int
    number: str = ""
    problem: str = ""
    target: str = ""
    measures: str = ""
    lead_written: str = ""
    lead_department: Department | None = None
    cooperating_written: list[str] = field(default_factory=list)
    cooperating: list[Department] = field(default_factory=list)
    person: str = ""
    post: str = ""
    deadline_written: str = ""
    due_date: date | None = None
    phase: str | None = None
    errors: list[str | LazyString] = field(default_factory=list)

    def data(self) -> services.TaskData:
        return services.TaskData(
            number=self.number,
            problem=self.problem,
            target=self.target,
            measures=self.measures,
            lead_department=self.lead_department,
            cooperating=list(self.cooperating),
            responsible_person=self.person,
            responsible_post=self.post,
            due_date=self.due_date,
            phase=self.phase,
        )

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS[self.phase] if self.phase else ""


@dataclass
class LedgerPlan:
    rows: list[LedgerRow] = field(default_factory=list)
    title: str = ""  # the title row above the header, if the file has one
    file_error: str | LazyString | None = None

    @property
    def bad_rows(self) -> list[LedgerRow]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and self.file_error is None and not self.bad_rows


# -- cells --------------------------------------------------------------------------------------------


def parse_deadline(text: str) -> tuple[date | None, str | None, bool]:
    """A 整改时限 cell: (the date, the phase, whether it was understood). Blank: (None, None, True)."""
    plain = unicodedata.normalize("NFKC", text or "").strip()
    if not plain:
        return None, None, True
    # The first phase written is the task's (立行立改、长期坚持: act now, and keep at it).
    found = sorted((plain.index(word), value) for word, value in PHASE_WORDS if word in plain)
    phase = found[0][1] if found else None
    for word, _value in PHASE_WORDS:
        plain = plain.replace(word, " ")
    rest = plain.strip(_SEPARATORS).strip()
    if not rest:
        return None, phase, phase is not None
    due = _date(rest)
    return due, phase, due is not None


def _date(text: str) -> date | None:
    if match := _ISO.match(text.strip()):  # a date cell: 2026-06-30 (00:00:00)
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    text = re.sub(r"\s+", "", text)
    found = phrases.find_deadline(text)
    if found and found == text.removesuffix("完成").removesuffix("完成整改"):
        return phrases.deadline_date(found, None)
    if found and text.startswith(found):
        return phrases.deadline_date(found, None)
    text = text.removesuffix("前").removesuffix("之").removesuffix("以")
    try:
        if match := _ISO.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _CN_DAY.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _CN_YEAR_END.match(text):
            return date(int(match[1]), 12, 31)
        if match := _CN_MONTH_END.match(text):
            return phrases.deadline_date(f"{match[1]}年{match[2]}月底前", None)
    except ValueError:  # 2026-02-30
        return None
    return None


def split_person(text: str) -> tuple[str, str]:
    """A 责任人 cell as (name, post): 张三（副厅长）, 副厅长 张三, 张三 副厅长, 张三."""
    plain = unicodedata.normalize("NFKC", text or "").strip()
    if not plain:
        return "", ""
    bracket = re.fullmatch(r"(.+?)\((.+)\)", plain)
    if bracket:
        return bracket[1].strip(), bracket[2].strip()
    parts = plain.split()
    if len(parts) == 2:
        first, second = parts
        if _is_post(first) and not _is_post(second):
            return second, first
        if _is_post(second) and not _is_post(first):
            return first, second
    return plain, ""


def _is_post(text: str) -> bool:
    return len(text) > 3 or any(word in text for word in _POST_WORDS)


def _header(cell: str) -> str:
    plain = re.sub(r"[\s*＊]", "", unicodedata.normalize("NFKC", cell))
    plain = re.sub(r"\(.*\)$", "", plain)  # 整改时限(日期)
    return HEADERS.get(plain, "")


# -- the file -----------------------------------------------------------------------------------------


def plan_sheet(jurisdiction: Jurisdiction, data: bytes, filename: str = "") -> LedgerPlan:
    """Read a ledger file for the jurisdiction: every row with its problems (nothing written)."""
    plan = LedgerPlan()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or filename.lower().endswith(".xls"):
        plan.file_error = _l("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。")
        return plan
    try:
        source = read_table_source(data, filename)
    except FileProblem as problem:
        plan.file_error = problem.message
        return plan
    rows = source.tables[0].rows if source.tables else []
    header_at = None
    columns: dict[str, int] = {}
    for position, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [_header(c) for c in cells]
        if "problem" in keys or ("lead" in keys and "deadline" in keys):
            header_at = position
            for index, key in enumerate(keys):
                if not key:
                    continue
                if key in columns:
                    plan.file_error = _l(
                        "表头中“%(column)s”一类的列出现了两次（第 %(a)d 列和第 %(b)d 列），请只保留一列。",
                        column=LABELS[key],
                        a=columns[key] + 1,
                        b=index + 1,
                    )
                    return plan
                columns[key] = index
            break
    if header_at is None:
        plan.file_error = _l(
            "找不到表头：第一行（或标题下的一行）应有“反馈问题”“责任单位”“整改时限”等列，请下载模板对照。"
        )
        return plan
    missing = [str(LABELS[k]) for k in REQUIRED if k not in columns]
    if missing:
        plan.file_error = _l("表格缺少以下列：%(columns)s。", columns="、".join(missing))
        return plan
    for _number, cells in rows[:header_at]:
        filled = [c.strip() for c in cells if c.strip()]
        if filled and not plan.title:
            plan.title = filled[0][:200]
    body = [(n, cells) for n, cells in rows[header_at + 1 :] if any(c.strip() for c in cells)]
    if not body:
        plan.file_error = _l("表格中没有任务（表头下没有内容）。")
        return plan
    if len(body) > MAX_ROWS:
        plan.file_error = _l("一次最多导入 %(max)d 项任务，请把表格拆成几个文件。", max=MAX_ROWS)
        return plan
    names = DepartmentNames(jurisdiction.id)
    numbers: dict[str, int] = {}
    for number, cells in body:

        def cell(key: str, cells: list[str] = cells) -> str:
            index = columns.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        row = _read_row(jurisdiction, number, cell, names, separate_cooperating="cooperating" in columns)
        if row.number:
            if row.number in numbers:
                row.errors.append(_l("序号：与第 %(row)d 行的序号相同。", row=numbers[row.number]))
            else:
                numbers[row.number] = number
        plan.rows.append(row)
    return plan


def _read_row(
    jurisdiction: Jurisdiction, number: int, cell, names: DepartmentNames, *, separate_cooperating: bool
) -> LedgerRow:
    row = LedgerRow(
        row=number,
        number=cell("number"),
        problem=cell("problem"),
        target=cell("target"),
        measures=cell("measures"),
    )
    had_error: set[str] = set()

    def fail(key: str, message) -> None:
        had_error.add(key)
        row.errors.append(_l("%(column)s：%(message)s", column=LABELS[key], message=message))

    if not row.problem:
        fail("problem", _l("没有填写问题（任务）。"))
    written = split_departments(cell("lead"))
    leads = [_LEAD_MARK.sub("", w) for w in written if _LEAD_MARK.search(w)]
    others = [_OTHER_MARK.sub("", _LEAD_MARK.sub("", w)) for w in written if not _LEAD_MARK.search(w)]
    ordered = leads + others
    if ordered:
        row.lead_written = ordered[0]
    cooperating_written = ordered[1:] if not separate_cooperating else []
    if separate_cooperating:
        cooperating_written += [n for n in split_departments(cell("cooperating")) if n not in ordered[:1]]
        if len(ordered) > 1:
            fail("lead", _l("只能写一个牵头（责任）单位；配合单位请写在“配合单位”列。"))
    row.cooperating_written = list(dict.fromkeys(cooperating_written))
    if not row.lead_written:
        fail("lead", _l("没有填写责任单位。"))
    else:
        found, message = _department(jurisdiction, names, row.lead_written)
        if message:
            fail("lead", message)
        row.lead_department = found
    for name in row.cooperating_written:
        found, message = _department(jurisdiction, names, name)
        if message:
            fail("cooperating", message)
        elif found is not None and found not in row.cooperating:
            row.cooperating.append(found)
    row.person, row.post = split_person(cell("person"))
    row.deadline_written = cell("deadline")
    row.due_date, row.phase, understood = parse_deadline(row.deadline_written)
    if not understood:
        fail(
            "deadline",
            _l(
                "“%(text)s”无法识别：请写日期（如 2026年6月30日前、2026年12月底前、2026-06-30）"
                "或整改阶段（立行立改、短期攻坚、中期推进、长期坚持）。",
                text=row.deadline_written,
            ),
        )
    elif not row.deadline_written:
        fail("deadline", _l("没有填写整改时限（日期或整改阶段）。"))
    for error in services.task_problems(jurisdiction, row.data()):
        column = {"lead_department": "lead", "due_date": "deadline", "phase": "deadline"}.get(error.field, error.field)
        if column in ("problem", "lead", "deadline") and column in had_error:
            continue
        if column == "cooperating" and "cooperating" in had_error:
            continue
        fail(column if column in LABELS else "problem", str(error))
    return row


def _department(
    jurisdiction: Jurisdiction, names: DepartmentNames, written: str
) -> tuple[Department | None, str | LazyString | None]:
    """The jurisdiction's department a name means, or why none (with the closest names offered)."""
    found = names.match(written)
    if found is None:
        candidates = names.ambiguous(written)
        if candidates:
            return None, ambiguity_message(written, candidates)
        closest = "、".join(name for _id, name in names.closest(written))
        unknown = dict(department=written, jurisdiction=jurisdiction.name)
        if closest:
            return None, _l(
                "找不到部门「%(department)s」：%(jurisdiction)s没有以此为全称、简称或其他名称的部门。是否指：%(names)s？",
                names=closest,
                **unknown,
            )
        return None, _l(
            "找不到部门「%(department)s」：%(jurisdiction)s没有以此为全称、简称或其他名称的部门。", **unknown
        )
    if not found.active:
        return None, _l("「%(department)s」已撤销，请写现在的部门。", department=found.name)
    return db.session.get(Department, found.id), None


def apply_sheet(ledger: Ledger, plan: LedgerPlan, *, actor: Actor) -> list[Task]:
    """Add every task of a plan without problems to the ledger (the view commits, or rolls all back)."""
    if not plan.ok:
        raise ValueError("a plan with problems is never applied")
    return [services.create_task(ledger, row.data(), actor=actor) for row in plan.rows]


# -- files to download --------------------------------------------------------------------------------


def _workbook(title: str, rows: list[list], columns: tuple[str, ...] = COLUMNS) -> bytes:
    """A ledger as offices keep it: a title row across the table, the header, the rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "整改台账"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(list(columns))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(values)
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    widths = {"序号": 6, "反馈问题": 40, "整改目标": 30, "整改措施": 44, "责任单位": 24, "配合单位": 22, "责任人": 18}
    for index, name in enumerate(columns):
        sheet.column_dimensions["ABCDEFGH"[index]].width = widths.get(name, 18)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_workbook(jurisdiction: Jurisdiction) -> bytes:
    """The import template: a title row, the header and two example rows (an XLSX)."""
    departments = list_queries.departments(jurisdiction)
    lead = next((d.name for d in departments if "生态环境" in d.name), departments[0].name if departments else "")
    other = next((d.name for d in departments if d.name != lead), "")
    return _workbook(
        f"{jurisdiction.name}生态环境保护督察反馈问题整改台账",
        [
            [
                1,
                "（示例，导入前请删除）部分建成区黑臭水体返黑返臭，污水管网建设滞后。",
                "2026年底前消除建成区黑臭水体。",
                "1.全面排查污水管网；2.实施截污纳管和雨污分流改造。",
                lead,
                other,
                "张三（副局长）",
                "2026年12月底前",
            ],
            [
                2,
                "（示例，导入前请删除）秸秆露天焚烧时有发生。",
                "秸秆露天焚烧火点同比下降。",
                "落实网格化巡查，推进秸秆综合利用。",
                lead,
                other,
                "副局长 李四",
                "长期坚持",
            ],
        ],
        TEMPLATE_COLUMNS,
    )
