"""Lists in the layouts offices really publish (#14): what a file holds once read (`Source`), how its
parts map onto the registry's fields (`Mapping`, proposed from the file and corrected by the office
on the preview), and the shared vocabulary of both.

The pipeline, each step its own module:

    data ──readers──▶ Source ──recognition.propose──▶ Mapping ──extraction.extract──▶ ListFile ──planning──▶ ImportPlan
          (tables.py, documents.py)               (office corrects it on the preview;      (RawRow per matter, or
                                                   remembered per jurisdiction)            DutyRow per duty)

- `tables.py`: XLSX and CSV into `SourceTable`s (merged cells carried to every cell they cover).
- `documents.py`: DOCX (its tables and its numbered paragraphs), PDF with a text layer (pdfplumber),
  and pasted text, into `SourceTable`s and `SourceParagraph`s.
- `recognition.py`: the proposal — header rows, what each column means, which numbering level is the
  category, which inline notation the paragraphs use, what 责任单位 means, matters or duties.
- `notation.py`: the inline conventions of numbered paragraphs (`（牵头部门：X；配合部门：Y、Z）`,
  `（X牵头，Y、Z参与）`, `牵头单位：X；责任单位：Y`, 列第一位者为牵头部门, list-wide defaults).
- `phrases.py`: deadlines (2026年6月底前, 年底前), targets (≥70%, PM2.5…36μg/m³以下, 力争…25) and
  territorial implementers (各区县人民政府, 江东区人民政府) found in text.
- `extraction.py`: applies a Mapping to a Source, giving the rows planning already knows.
"""

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class ColumnRole(StrEnum):
    """What a column of a table means."""

    SEQ = "seq"  # 序号
    CATEGORY = "category"  # 事项类别 / 领域
    TITLE = "title"  # 具体事项 / 重点任务
    DESCRIPTION = "description"  # 责任内容 / 工作措施 / 职责任务 text kept verbatim
    LEAD = "lead"  # 牵头部门 / 牵头单位
    CO_LEAD = "co_lead"  # 共同牵头
    COOPERATING = "cooperating"  # 配合部门 / 配合单位 / 协办单位 / 参与单位
    RESPONSIBLE = "responsible"  # 责任部门 / 责任单位 / 主责单位: means `Mapping.responsible_means`
    TERRITORIAL = "territorial"  # 属地落实: governments of lower jurisdictions
    BASIS = "basis"  # 依据
    DEADLINE = "deadline"  # 完成时限
    DEPARTMENT = "department"  # by-department lists: 成员单位 (the department whose duties the row lists)
    IGNORE = "ignore"


class ResponsibleMeans(StrEnum):
    """What a 责任单位 / 责任部门 / 主责单位 column or label means in this file."""

    LEAD_FIRST = "lead_first"  # the first named leads, the others cooperate (列第一位者为牵头部门)
    LEAD = "lead"  # all named lead: the first is the lead, the others co-lead
    COOPERATING = "cooperating"  # cooperating units (the lead is in its own column or label)
    TERRITORIAL = "territorial"  # the governments that carry it out (各区政府 as 主责单位)


class Notation(StrEnum):
    """How numbered paragraphs name their departments."""

    LABELS = "labels"  # （牵头部门：X；配合部门：Y、Z） / 牵头单位：X；责任单位：Y
    POSITIONAL = "positional"  # （X牵头，Y、Z参与） and 列第一位者为牵头部门
    NONE = "none"  # no departments in the text


class Target(StrEnum):
    """What the file lists."""

    MATTERS = "matters"
    DUTIES = "duties"  # 序号 | 成员单位 | 职责任务: each department's duties


@dataclass
class SourceTable:
    """One table of the file: every row as the user sees it numbered (spreadsheet row, or the table's
    own row count in a document), cells as text, merged cells already copied into every cell they
    cover. Nothing is skipped yet: recognition decides what is a title, a header or a footnote."""

    rows: list[tuple[int, list[str]]]
    name: str = ""  # sheet name, or 「表 1」
    # (row, first column, last column) of each merged range spanning a whole row: heading rows.
    spanning: set[int] = field(default_factory=set)


@dataclass
class SourceParagraph:
    """One paragraph of a document, in order. `number` is the numbering as written (`一、`, `（一）`,
    `1.`, `(1)`, or "" for none), `level` its depth (1 for 一、, 2 for （一）, 3 for 1., 4 for (1), 0 for
    none), `text` the paragraph without its numbering."""

    index: int  # 1-based position among the document's non-empty paragraphs (the 「行」 errors cite)
    number: str
    level: int
    text: str


@dataclass
class Source:
    """What a file holds once read."""

    format: str  # xlsx | csv | json | docx | pdf | text
    encoding: str = ""
    tables: list[SourceTable] = field(default_factory=list)
    paragraphs: list[SourceParagraph] = field(default_factory=list)
    # A reader that can give nothing (a scanned PDF) raises reading.FileProblem with the reason.


@dataclass
class Mapping:
    """How a Source maps onto the registry: proposed by recognition, shown on the preview, corrected
    by the office, stored with the pending import and remembered per jurisdiction (`as_dict`)."""

    kind: str = "table"  # table | paragraphs
    target: str = Target.MATTERS
    # table
    table: int = 0  # which SourceTable
    header_rows: list[int] = field(default_factory=list)  # row numbers forming the header (joined)
    columns: dict[int, str] = field(default_factory=dict)  # column index -> ColumnRole
    # paragraphs
    notation: str = Notation.LABELS
    category_level: int = 2  # the numbering level whose heading is the category (（一） in most files)
    item_level: int = 3  # the numbering level of the items (1.)
    # both
    responsible_means: str = ResponsibleMeans.LEAD_FIRST
    # Names as the file writes them that the office matched to an existing department on the preview
    # (written name -> department id); remembered as the department's aliases when the import is applied.
    names: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["columns"] = {str(k): v for k, v in self.columns.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Mapping":
        if not data:
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["columns"] = {int(k): str(v) for k, v in (known.get("columns") or {}).items()}
        known["names"] = {str(k): int(v) for k, v in (known.get("names") or {}).items()}
        return cls(**known)
