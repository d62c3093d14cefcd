"""The parts of a report that make its PDF an official document after GB/T 9704-2012 (党政机关公文格式):
发文机关标志, 发文字号, 主送机关, 落款 and 成文日期, and the 版记 (抄送, 印发机关 and 印发日期); and the
attachments embedded in the PDF/A-3 as associated files.

Everything returned is plain data (strings, dates, bytes): the batch compiler sends it to worker
processes as it is, and the template never sees an ORM object.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer

from registry.core.timezone import local_date
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction, Level
from registry.lists.models import Department
from registry.reports.models import AnnualReport, RecipientRole, ReportAttachment, ReportRecipient, ReportState

# A department listed as 「省农业农村厅」 within 示例省 is 「示例省农业农村厅」 on paper: the list leaves the
# place implied, an official document names it in full.
_PLACE_PREFIX = {Level.PROVINCE: "省", Level.CITY: "市", Level.COUNTY: "县"}


def full_department_name(name: str, jurisdiction_name: str, level: str) -> str:
    """The department's full name as a 发文机关标志, 落款 or 抄送 entry names it."""
    prefix = _PLACE_PREFIX.get(level)
    if prefix and name.startswith(prefix) and jurisdiction_name.endswith(prefix):
        return jurisdiction_name + name[len(prefix) :]
    # County-level 区 (a city's district) names its departments 「区…」 as well.
    if level == Level.COUNTY and name.startswith("区") and jurisdiction_name.endswith("区"):
        return jurisdiction_name + name[1:]
    return name


def party_and_government(jurisdiction_name: str, level: str) -> str:
    """主送机关 of a department's report: the same-level 党委 and 政府 (§11: 向本级党委和政府报告)."""
    if level == Level.CENTRAL:
        return "中共中央、国务院"
    # 自治区、自治州、自治县 and the like write the committee out in full; 省、市、县、区 abbreviate it.
    committee = f"中共{jurisdiction_name}委员会" if "自治" in jurisdiction_name else f"中共{jurisdiction_name}委"
    return f"{committee}、{jurisdiction_name}人民政府"


def chinese_date(value: date | None) -> str:
    """A date as official documents write it: 2026年3月1日 (Arabic numerals, no leading zeros)."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _department_label(department: Department) -> str:
    jurisdiction = department.jurisdiction
    return full_department_name(department.name, jurisdiction.name, jurisdiction.level)


def _recipients(report: AnnualReport) -> tuple[list[Jurisdiction], list[Department]]:
    """Who it goes to and who is copied: as sent (stored at submission), or for a draft as it would be."""
    from registry.reports.services import recipients_for

    if report.state != ReportState.DRAFT and report.recipients:
        rows = [(r.recipient_role, r.jurisdiction, r.department) for r in report.recipients]
    else:
        rows = recipients_for(report)
    to = [j for role, j, _ in rows if role == RecipientRole.TO and j is not None]
    cc = [d for role, _, d in rows if role == RecipientRole.CC and d is not None]
    # The upper-level competent department first, then the same-level ones (GB/T 9704: 上级、平级、下级).
    own = report.cycle.jurisdiction_id
    cc.sort(key=lambda d: (d.jurisdiction_id == own, d.sort_order, d.id))
    return to, cc


def official_parts(report: AnnualReport, *, attachment_data: bool = True) -> dict[str, Any]:
    """The report-level keys of the PDF context (版头, 主送, 落款, 版记, cover option, attachments).

    `attachment_data=False` leaves the files' bytes out (the 汇编 lists attachments, embeds none).
    """
    report = db.session.scalar(
        select(AnnualReport)
        .where(AnnualReport.id == report.id)
        .options(
            selectinload(AnnualReport.recipients).selectinload(ReportRecipient.department),
            selectinload(AnnualReport.recipients).selectinload(ReportRecipient.jurisdiction),
        )
    )
    cycle, department = report.cycle, report.department
    jurisdiction = cycle.jurisdiction
    issuer = full_department_name(department.name, jurisdiction.name, jurisdiction.level)
    to, cc = _recipients(report)
    draft = report.state in (ReportState.DRAFT, ReportState.RETURNED)
    # 成文日期: the day the head signed it off, i.e. submitted it; the document was issued (印发) to
    # its recipients that day too. A draft has neither yet.
    signed = None if draft else local_date(report.submitted_at)
    return {
        "issuer": issuer,
        "doc_number": report.doc_number or "",
        "addressees": "、".join(party_and_government(j.name, j.level) for j in to),
        "copies": [_department_label(d) for d in cc],
        "signed_date": signed,
        "signed_date_text": chinese_date(signed),
        "printed_by": issuer,
        "with_cover": bool(cycle.with_cover),
        "attachments": attachments_payload(report.id, with_data=attachment_data),
    }


def attachments_payload(report_id: int, *, with_data: bool = True) -> list[dict[str, Any]]:
    """The report's attachments as plain values; with their bytes when the PDF is to embed them."""
    query = select(ReportAttachment).where(ReportAttachment.report_id == report_id).order_by(ReportAttachment.id)
    if with_data:
        query = query.options(undefer(ReportAttachment.data))
    rows = db.session.scalars(query).all()
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, a in enumerate(rows, start=1):
        entry: dict[str, Any] = {
            "number": number,
            "filename": a.filename,
            "title": a.title or "",
            "size": a.size,
            "sha256": a.sha256,
            "content_type": a.content_type,
            "uploaded_at": a.uploaded_at,
            "embed_name": _unique_name(a.filename, seen),
        }
        if with_data:
            entry["data"] = bytes(a.data)
        result.append(entry)
    return result


def _unique_name(filename: str, seen: set[str]) -> str:
    """The name of an embedded file: two attachments called 「方案.pdf」 become 「方案.pdf」 and 「方案 (2).pdf」."""
    name, n = filename, 1
    stem, dot, ext = filename.rpartition(".")
    while name in seen:
        n += 1
        name = f"{stem} ({n}).{ext}" if dot and stem else f"{filename} ({n})"
    seen.add(name)
    return name


def pdf_attachments(attachments: list[dict[str, Any]]) -> list[Any]:
    """WeasyPrint attachments (associated files of the PDF/A-3) of the entries that carry their bytes."""
    import io

    from weasyprint import Attachment

    files = []
    for a in attachments:
        if "data" not in a:
            continue
        when = a.get("uploaded_at") or datetime(2000, 1, 1)  # stored in UTC, as the PDF dates are written
        files.append(
            Attachment(
                file_obj=io.BytesIO(a["data"]),
                name=a["embed_name"],
                description=a["title"] or a["filename"],
                created=when,
                modified=when,
            )
        )
    return files
