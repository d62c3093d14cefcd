"""The proposal (imports.layout): how a Source maps onto the registry — which table or paragraphs,
which row is the header, what each column means, the numbering level of the category, the inline
notation, what 责任单位 means. The readers' own proposals do the looking (tables.propose_table,
notation.propose_paragraphs); this module picks between them and brings in what the office chose
last time (ImportMapping), and describes a Source for the preview page."""

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.extensions import db
from registry.imports import notation, tables
from registry.imports.layout import ColumnRole, Mapping, Notation, ResponsibleMeans, Source, SourceTable, Target
from registry.imports.models import ImportMapping
from registry.imports.reading import FileProblem

TABLE, PARAGRAPHS = "table", "paragraphs"

ROLE_LABELS = {
    ColumnRole.SEQ: _l("序号"),
    ColumnRole.CATEGORY: _l("事项类别"),
    ColumnRole.TITLE: _l("具体事项"),
    ColumnRole.DESCRIPTION: _l("责任内容（原文照录）"),
    ColumnRole.LEAD: _l("牵头部门"),
    ColumnRole.CO_LEAD: _l("共同牵头部门"),
    ColumnRole.COOPERATING: _l("配合部门"),
    ColumnRole.RESPONSIBLE: _l("责任单位（含义见下）"),
    ColumnRole.TERRITORIAL: _l("属地落实（下级政府）"),
    ColumnRole.BASIS: _l("依据"),
    ColumnRole.DEADLINE: _l("完成时限"),
    ColumnRole.DEPARTMENT: _l("成员单位（按部门列职责）"),
    ColumnRole.IGNORE: _l("不导入"),
}
MEANS_LABELS = {
    ResponsibleMeans.LEAD_FIRST: _l("第一个为牵头部门，其余为配合部门"),
    ResponsibleMeans.LEAD: _l("均为牵头：第一个牵头，其余共同牵头"),
    ResponsibleMeans.COOPERATING: _l("配合部门（牵头部门另有一列或另有标注）"),
    ResponsibleMeans.TERRITORIAL: _l("属地落实的下级政府"),
}
NOTATION_LABELS = {
    Notation.LABELS: _l("标注式：（牵头部门：X；配合部门：Y、Z）"),
    Notation.POSITIONAL: _l("位置式：（X牵头，Y、Z参与）或“列第一位者为牵头部门”"),
    Notation.NONE: _l("文中未写部门"),
}
LEVEL_LABELS = {1: _l("一、"), 2: _l("（一）"), 3: _l("1."), 4: _l("(1)")}
TARGET_LABELS = {Target.MATTERS: _l("具体事项"), Target.DUTIES: _l("各部门职责（按部门列出）")}
# Words of a header or a label that make "what 责任单位 means" a question for the office.
RESPONSIBLE_WORDS = ("责任单位", "责任部门", "主责单位")


def kind_of(source: Source) -> str:
    """Whether a file's matters are in a table or in numbered paragraphs: the one holding more."""
    table_rows = max((len(t.rows) for t in source.tables), default=0)
    numbered = sum(1 for p in source.paragraphs if p.level)
    if table_rows >= 2 and table_rows >= numbered:
        return TABLE
    if numbered or source.paragraphs:
        return PARAGRAPHS
    if source.tables:
        return TABLE
    raise FileProblem(_l("文件中找不到表格或编号的段落，无法识别清单。"))


def propose(source: Source, remembered: Mapping | None = None, remembered_headers: list[str] | None = None) -> Mapping:
    """The mapping proposed for a Source; what the office chose last time for this kind of file
    (`remembered`, with the header it was chosen on) wins where it fits."""
    proposal = tables.propose_table(source) if kind_of(source) == TABLE else notation.propose_paragraphs(source)
    if remembered is not None and remembered.kind == proposal.kind:
        _bring_in(source, proposal, remembered, remembered_headers)
    return proposal


def _bring_in(source: Source, proposal: Mapping, remembered: Mapping, headers: list[str] | None) -> None:
    if proposal.kind == PARAGRAPHS:
        proposal.responsible_means = remembered.responsible_means
        return
    if proposal.target != remembered.target or not 0 <= proposal.table < len(source.tables):
        return
    now = column_headers(source.tables[proposal.table], proposal.header_rows)
    if headers:
        # The columns fit when every column this file names was named so last time: roles go by header text.
        by_text = {text: remembered.columns[i] for i, text in enumerate(headers) if text and i in remembered.columns}
        if not any(now) or not all(text in by_text for text in now if text):
            return
        proposal.columns = {i: by_text[text] for i, text in enumerate(now) if text}
    elif remembered.columns and max(remembered.columns) < len(now):
        proposal.columns = dict(remembered.columns)
    else:
        return
    proposal.responsible_means = remembered.responsible_means


# -- remembered mappings ---------------------------------------------------------------------------


def remembered_mapping(jurisdiction_id: int, kind: str) -> tuple[Mapping | None, list[str] | None]:
    """The mapping the office last confirmed for this kind of file, and the header it was made on."""
    row = db.session.scalar(
        select(ImportMapping).where(ImportMapping.jurisdiction_id == jurisdiction_id, ImportMapping.kind == kind)
    )
    if row is None or not isinstance(row.data, dict):
        return None, None
    try:
        mapping = Mapping.from_dict(row.data)
    except (TypeError, ValueError):
        return None, None  # stored by an older shape: propose afresh
    headers = row.data.get("headers")
    return mapping, [str(h) for h in headers] if isinstance(headers, list) else None


def mapping_to_remember(source: Source | None, mapping: Mapping) -> dict[str, Any]:
    """What ImportMapping keeps: the mapping without the file's own names (remembered as aliases),
    and the header it applies to."""
    data = mapping.as_dict()
    data["names"] = {}
    if mapping.kind == TABLE and source is not None and 0 <= mapping.table < len(source.tables):
        data["headers"] = column_headers(source.tables[mapping.table], mapping.header_rows)
    return data


# -- describing a Source for the preview ----------------------------------------------------------


@dataclass
class ColumnPreview:
    index: int
    header: str
    samples: list[str]
    role: str


def column_headers(table: SourceTable, header_rows: list[int]) -> list[str]:
    """Each column's header text: its cells in the header rows joined (责任部门/牵头部门); a merged
    cell repeated down the header counts once."""
    rows = {number: cells for number, cells in table.rows}
    width = max((len(cells) for _, cells in table.rows), default=0)
    headers = []
    for i in range(width):
        parts: list[str] = []
        for number in header_rows:
            cells = rows.get(number, [])
            text = cells[i].strip() if i < len(cells) else ""
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        headers.append("/".join(parts))
    return headers


def column_previews(source: Source, mapping: Mapping, samples: int = 3) -> list[ColumnPreview]:
    """Each column of the mapped table with its header text, a few of its cells and its role."""
    if mapping.kind != TABLE or not 0 <= mapping.table < len(source.tables):
        return []
    table = source.tables[mapping.table]
    headers = column_headers(table, mapping.header_rows)
    last_header = max(mapping.header_rows, default=0)
    body = [cells for number, cells in table.rows if number > last_header and number not in table.spanning]
    previews = []
    for i, header in enumerate(headers):
        cells = [row[i] for row in body if i < len(row) and row[i].strip()]
        shown = list(dict.fromkeys(c if len(c) <= 40 else c[:40] + "…" for c in cells))[:samples]
        previews.append(ColumnPreview(i, header, shown, mapping.columns.get(i, ColumnRole.IGNORE)))
    return previews


def header_rows_shown(source: Source, mapping: Mapping) -> list[list[str]]:
    """The header rows of the mapped table, as written."""
    if mapping.kind != TABLE or not 0 <= mapping.table < len(source.tables):
        return []
    rows = dict(source.tables[mapping.table].rows)
    return [rows[n] for n in mapping.header_rows if n in rows]


def asks_responsible_means(source: Source, mapping: Mapping) -> bool:
    """Whether the file has a 责任单位 / 主责单位 column or label, whose meaning the office chooses."""
    if mapping.kind == TABLE:
        return ColumnRole.RESPONSIBLE in mapping.columns.values()
    return any(word in p.text for p in source.paragraphs for word in RESPONSIBLE_WORDS)


def paragraph_levels(source: Source) -> list[int]:
    """The numbering levels the document uses (1 for 一、 …)."""
    return sorted({p.level for p in source.paragraphs if p.level})
