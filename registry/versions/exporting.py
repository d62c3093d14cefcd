"""Exporting the working list or a published version as XLSX, CSV or JSON.

CSV and XLSX use the import header (fileformat.HEADER) followed by 共同牵头部门, 属地落实 and 完成时限
(fileformat.EXPORT_HEADER), which the import reads too, so an exported file imported again changes
nothing; the JSON export is read back by the importer too.
"""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction
from registry.lists.fileformat import EXPORT_HEADER, Basis, format_basis
from registry.lists.models import Department, Role
from registry.lists.queries import working_matters
from registry.lists.territorial import lower_names, territorial_plain, territorial_text
from registry.versions.models import ListVersion, VersionAssignment, VersionMatter

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
WORKING_LABEL = "工作清单"
# Spreadsheet programs run a cell that starts like a formula; CSV cells get a quote in front.
_FORMULA_START = ("=", "+", "-", "@")


@dataclass
class ExportRow:
    seq: int
    category: str
    title: str
    lead: str | None
    cooperating: list[str]
    description: str
    basis: list[Basis]
    status: str
    delegated_to: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    co_leads: list[str] = field(default_factory=list)
    territorial: list[dict[str, str]] = field(default_factory=list)  # [{"code", "name"}], code "*" for all
    deadline_text: str = ""
    targets: list[dict[str, Any]] = field(default_factory=list)

    def cells(self) -> list[Any]:
        return [
            self.seq,
            self.category,
            self.title,
            self.lead or "",
            "、".join(self.cooperating),
            self.description,
            format_basis(self.basis),
            "、".join(self.co_leads),
            territorial_text(self.territorial),
            self.deadline_text,
        ]

    def plain(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "category": self.category,
            "title": self.title,
            "status": self.status,
            "lead": self.lead,
            "cooperating": self.cooperating,
            "description": self.description,
            "basis": [{"title": b.title, "doc_number": b.doc_number, "article": b.article} for b in self.basis],
            "delegated_to": self.delegated_to,
            "co_leads": self.co_leads,
            "territorial": self.territorial,
            "deadline_text": self.deadline_text,
            "targets": self.targets,
        }


def working_rows(jurisdiction: Jurisdiction) -> list[ExportRow]:
    """The working list's matters as export rows (a few bulk queries)."""
    names = dict(
        db.session.execute(
            select(Department.id, Department.name).where(Department.jurisdiction_id == jurisdiction.id)
        ).all()
    )
    lower = lower_names(jurisdiction.id)
    return [
        ExportRow(
            seq=m.seq,
            category=m.category,
            title=m.title,
            lead=names[m.lead_id] if m.lead_id else None,
            cooperating=[names[i] for i in m.cooperating_ids],
            description=m.description,
            basis=m.basis,
            status=m.status,
            delegated_to=({"code": m.delegated_to_code, "name": m.delegated_to_name} if m.delegated_to_name else None),
            co_leads=[names[i] for i in m.co_lead_ids],
            territorial=territorial_plain(m.territorial, lower),
            deadline_text=m.deadline_text,
            targets=m.targets,
        )
        for m in working_matters(jurisdiction.id)
    ]


def version_rows(version: ListVersion) -> list[ExportRow]:
    """A published version's matters as export rows, as frozen at publication."""
    vm, va = VersionMatter.__table__, VersionAssignment.__table__
    lead: dict[int, str] = {}
    cooperating: dict[int, list[str]] = {}
    co_leads: dict[int, list[str]] = {}
    for matter_row_id, name, role in db.session.execute(
        select(va.c.version_matter_id, va.c.department_name, va.c.role)
        .where(va.c.version_id == version.id)
        .order_by(va.c.version_matter_id, va.c.position, va.c.id)
    ):
        if role == Role.LEAD:
            lead[matter_row_id] = name
        elif role == Role.CO_LEAD:
            co_leads.setdefault(matter_row_id, []).append(name)
        else:
            cooperating.setdefault(matter_row_id, []).append(name)
    rows = db.session.execute(
        select(
            vm.c.id,
            vm.c.seq,
            vm.c.category,
            vm.c.title,
            vm.c.description,
            vm.c.status,
            vm.c.basis,
            vm.c.delegated_to_code,
            vm.c.delegated_to_name,
            vm.c.territorial,
            vm.c.deadline_text,
            vm.c.targets,
        )
        .where(vm.c.version_id == version.id)
        .order_by(vm.c.seq, vm.c.id)
    ).all()
    return [
        ExportRow(
            seq=seq,
            category=category,
            title=title,
            lead=lead.get(id_),
            cooperating=cooperating.get(id_, []),
            description=description,
            basis=[Basis(b.get("title", ""), b.get("doc_number", ""), b.get("article", "")) for b in basis or []],
            status=status,
            delegated_to={"code": code, "name": name} if name else None,
            co_leads=co_leads.get(id_, []),
            territorial=list(territorial or []),
            deadline_text=deadline_text or "",
            targets=list(targets or []),
        )
        for id_, seq, category, title, description, status, basis, code, name, territorial, deadline_text, targets in (
            rows
        )
    ]


def to_csv(rows: list[ExportRow]) -> bytes:
    """UTF-8 with a BOM, so that Excel opens it with the right encoding."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    for row in rows:
        writer.writerow([_csv_safe(c) for c in row.cells()])
    return out.getvalue().encode("utf-8-sig")


def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# The 说明 sheet's explanation of each column (the first sheet keeps exactly the import header).
COLUMN_NOTES = (
    ("序号", "事项在清单中的顺序号。"),
    ("事项类别", "事项所属类别。"),
    ("具体事项", "生态环境保护具体事项的名称。"),
    ("牵头部门", "牵头部门全称；为空的事项为待明确牵头部门事项或已交由下级研究明确。"),
    ("配合部门", "配合部门全称，多个部门以顿号（、）分隔。"),
    ("责任内容", "牵头部门和配合部门承担的责任。"),
    ("依据", "法律法规和政策文件依据，多条以分号（；）分隔，格式为《文件名》条款（文号）。"),
    ("共同牵头部门", "与牵头部门共同牵头的部门全称，多个部门以顿号（、）分隔。"),
    ("属地落实", "负责落实的下级行政区划，多个以顿号（、）分隔；“各下级人民政府”指全部下级。"),
    ("完成时限", "清单原文所写的完成时限。"),
)


@dataclass(frozen=True)
class FileFacts:
    """Which list a file is: written into the XLSX's document properties and its 说明 sheet."""

    jurisdiction: str
    label: str
    doc_number: str = ""
    publisher: str = ""
    effective_date: date | None = None
    published_at: datetime | None = None
    source_url: str = ""

    @property
    def title(self) -> str:
        return f"{self.jurisdiction}生态环境保护责任清单（{self.label}）"


def file_facts(jurisdiction: Jurisdiction, version: ListVersion | None, source_url: str = "") -> FileFacts:
    """The facts of a version (or of the unpublished working list) for its downloaded file."""
    if version is None:
        return FileFacts(jurisdiction.name, WORKING_LABEL, source_url=source_url)
    return FileFacts(
        jurisdiction=jurisdiction.name,
        label=version.label,
        doc_number=version.doc_number,
        publisher=version.publisher,
        effective_date=version.effective_date,
        published_at=version.published_at,
        source_url=source_url,
    )


def _describe(workbook, facts: FileFacts) -> None:
    """Document properties and the 说明 sheet: a file saved to disk still says which version it is."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    effective = facts.effective_date.isoformat() if facts.effective_date else ""
    props = workbook.properties
    props.title = facts.title
    props.subject = facts.doc_number or facts.label
    props.keywords = "；".join(
        v for v in (facts.label, facts.doc_number, f"生效日期 {effective}" if effective else "") if v
    )
    props.description = "。".join(
        v
        for v in (
            facts.title,
            f"文号：{facts.doc_number}" if facts.doc_number else "未发布的工作清单，不是正式公布的版本",
            f"生效日期：{effective}" if effective else "",
            f"来源：{facts.source_url}" if facts.source_url else "",
        )
        if v
    )
    props.creator = facts.publisher or facts.jurisdiction
    if facts.published_at is not None:
        # Document properties hold UTC without a zone; the database gives naive UTC or an aware time.
        at = facts.published_at
        props.created = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    sheet = workbook.create_sheet("说明")
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 90
    bold = Font(bold=True)

    def heading(text: str) -> list:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        return [cell]

    sheet.append(heading(facts.title))
    for name, value in (
        ("地区", facts.jurisdiction),
        ("版本", facts.label),
        ("文号", facts.doc_number or "—"),
        ("发布机关", facts.publisher or "—"),
        ("生效日期", effective or "—"),
        ("来源", facts.source_url or "—"),
    ):
        sheet.append([name, value])
    sheet.append([])
    sheet.append(heading("各列说明"))
    for name, note in COLUMN_NOTES:
        sheet.append([name, note])


def to_xlsx(rows: list[ExportRow], sheet_title: str = "责任清单", facts: FileFacts | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31] or "责任清单")
    for letter, width in zip("ABCDEFGHIJ", (6, 10, 36, 22, 40, 60, 50, 30, 30, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in EXPORT_HEADER:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_safe(sheet, v) for v in row.cells()])
    if facts is not None:
        _describe(workbook, facts)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_safe(sheet, value: Any) -> Any:
    # openpyxl writes a string starting with "=" as a formula: keep such text a plain string.
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def to_json(rows: list[ExportRow], meta: dict[str, Any]) -> bytes:
    payload = {**meta, "matters": [r.plain() for r in rows]}
    return json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")


def export_list(
    jurisdiction: Jurisdiction, fmt: str, version: ListVersion | None = None, source_url: str = ""
) -> tuple[bytes, str, str]:
    """(content, download file name, mimetype) of the working list, or of a version when given;
    source_url is the page the file comes from, written into an XLSX's 说明 sheet."""
    if fmt not in FORMATS:
        raise ValueError(f"不支持的导出格式「{fmt}」，可选：{'、'.join(FORMATS)}。")
    rows = version_rows(version) if version is not None else working_rows(jurisdiction)
    label = version.label if version is not None else WORKING_LABEL
    if fmt == "csv":
        content = to_csv(rows)
    elif fmt == "xlsx":
        content = to_xlsx(rows, f"{jurisdiction.name}{label}", file_facts(jurisdiction, version, source_url))
    else:
        content = to_json(rows, _meta(jurisdiction, version))
    return content, f"{jurisdiction.code}-{jurisdiction.name}-{label}.{fmt}", FORMATS[fmt]


def _meta(jurisdiction: Jurisdiction, version: ListVersion | None) -> dict[str, Any]:
    return {
        "format": "responsibility-list/1",
        "jurisdiction": {"code": jurisdiction.code, "name": jurisdiction.name},
        "version": (
            {
                "label": version.label,
                "doc_number": version.doc_number,
                "effective_date": version.effective_date.isoformat(),
                "publisher": version.publisher,
                "checksum": version.checksum,
                "withdrawn": version.withdrawn,
            }
            if version is not None
            else None
        ),
        "columns": list(EXPORT_HEADER),
    }
