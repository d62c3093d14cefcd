"""The report PDF as an official document after GB/T 9704-2012: 版头 with the 发文机关标志 and 发文字号,
主送机关, 落款, the 版记 with 抄送 and 印发 at the foot of the last page; embedded fonts only; the
attachments embedded as associated files; the cycle's cover option."""

import hashlib
import io
import re
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from registry.core.audit import AuditEntry
from registry.core.timezone import local_date
from registry.extensions import db
from registry.reports import services
from registry.reports.models import ReportAttachment, ReportingCycle
from registry.reports.official import chinese_date, full_department_name, party_and_government
from registry.reports.rendering import render_report
from tests.reports.conftest import post, user

DOC_NUMBER = "示交函〔2026〕15号"
SHEET = "地区,柴油货车淘汰量\n示例市,1200\n".encode()


def _attach(report, filename: str, title: str, data: bytes) -> None:
    """An attachment as the upload stored it (the report is past the stage where uploads are allowed)."""
    report.attachments.append(
        ReportAttachment(
            filename=filename,
            title=title,
            content_type="text/csv",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
        )
    )
    db.session.flush()


def _layout(pdf: bytes, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return subprocess.run(
        ["pdftotext", "-layout", *pages, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def published_jtt(reports):
    """省交通运输厅's accepted report, with a 发文字号 and an attachment, published by its head."""
    report = reports["省交通运输厅"]
    report.doc_number = DOC_NUMBER
    _attach(report, "柴油货车淘汰统计.csv", "2025年柴油货车淘汰情况统计表", SHEET)
    services.publish_report(report, actor=user("jtt_head"))
    db.session.flush()
    return report


def test_published_report_has_the_parts_of_an_official_document(published_jtt, tmp_path):
    pdf = published_jtt.pdf_data
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    first = _flat(_layout(pdf, 1, 1))
    # 版头: 发文机关标志 (the department's full name + 文件), 发文字号; then 标题 and 主送机关.
    assert first.startswith("示例省交通运输厅文件" + DOC_NUMBER)
    assert "省交通运输厅2025年度生态环境保护工作专题报告中共示例省委、示例省人民政府：一、总体情况" in first
    assert "目录" not in _flat(_layout(pdf))  # the cycle has no cover option: no cover, no contents
    # 落款: the department and the day the head submitted it, in Chinese form, in Beijing time.
    signed = chinese_date(local_date(published_jtt.submitted_at))
    assert re.fullmatch(r"20\d\d年[1-9]\d?月[1-9]\d?日", signed)
    text = _flat(_layout(pdf))
    assert f"示例省交通运输厅{signed}" in text
    # 版记 at the foot of the last page: 抄送 the upper-level competent department and the same-level
    # ecology-environment department; 印发机关 and 印发日期; then only the page number.
    last = _layout(pdf, pages, pages)
    assert re.search(r"抄送：交通运输部，示例省生态环境厅。", last)
    assert re.search(rf"示例省交通运输厅\s+{signed}印发\s+—\s*{pages}\s*—\s*$", last)
    # 附件说明 before the 落款, and the 附件清单 with the file's title, name, size and SHA-256.
    assert "附件：2025年柴油货车淘汰情况统计表" in text
    listed = _flat("".join(PdfReader(io.BytesIO(pdf)).pages[-1].extract_text()))
    assert "附件清单" in listed and hashlib.sha256(SHEET).hexdigest() in listed
    assert "柴油货车淘汰统计.csv" in listed and str(len(SHEET)) in listed


def test_published_pdf_embeds_its_fonts_and_its_attachments(published_jtt, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(published_jtt.pdf_data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts  # emb = yes, every one
    families = " ".join(rows)
    assert "Registry-Serif-GB" in families and "Registry-Sans-GB" in families  # 仿宋-style body, 黑体 headings
    assert "AR-PL-KaitiM-GB" in families  # 楷体 for （一） headings
    listing = subprocess.run(["pdfdetach", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    assert "1 embedded files" in listing and "柴油货车淘汰统计.csv" in listing
    out = tmp_path / "files"
    out.mkdir()
    subprocess.run(["pdfdetach", "-saveall", "-o", str(out), str(path)], check=True, capture_output=True)
    assert (out / "柴油货车淘汰统计.csv").read_bytes() == SHEET  # the very bytes uploaded
    # PDF/A-3 associated file: the catalogue's /AF names it, with its description (the title).
    reader = PdfReader(path)
    spec = reader.trailer["/Root"]["/AF"][0].get_object()
    assert spec["/Desc"] == "2025年柴油货车淘汰情况统计表" and spec["/AFRelationship"] == "/Unspecified"
    # The first and last pages render (looked at by eye while building: /tmp/shots/pdf/).
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True)
    assert list(tmp_path.glob("p*.png"))


def test_draft_preview_leaves_the_doc_number_blank_and_computes_the_recipients(app, reports):
    sthj = reports["省生态环境厅"]
    assert not sthj.doc_number and not sthj.recipients
    with app.test_request_context():
        pdf = render_report(sthj, draft=True)
    text = _flat(_layout(pdf))
    assert text.startswith("示例省生态环境厅文件（报送时填写）")
    assert "中共示例省委、示例省人民政府：" in text
    # The ecology department itself: copied to the upper-level one only.
    assert "抄送：生态环境部。" in text and "印发" not in text.split("抄送")[1]  # no date yet


def test_cover_option_adds_cover_contents_and_bookmarks(app, reports):
    nync = reports["省农业农村厅"]
    with app.test_request_context():
        plain = PdfReader(io.BytesIO(render_report(nync, draft=False)))
        nync.cycle.with_cover = True
        covered = PdfReader(io.BytesIO(render_report(nync, draft=False)))
    assert "目录" not in _flat("".join(p.extract_text() for p in plain.pages))
    assert not plain.outline
    assert len(covered.pages) == len(plain.pages) + 2
    assert "目录" in _flat(covered.pages[1].extract_text())
    titles = [item.title for item in covered.outline if not isinstance(item, list)]
    assert "目录" in titles and "一、总体情况" in titles
    # The official document follows the cover and contents unchanged.
    assert _flat(covered.pages[2].extract_text()).startswith("示例省农业农村厅文件")


def test_office_opens_a_cycle_with_the_cover_option(client, auth, demo):
    auth.login("province_office")
    page = client.get("/reports/cycles/new").get_data(as_text=True)
    assert "报告 PDF 加封面、目录和书签" in page
    response = post(
        client,
        "/reports/cycles/new",
        {"year": "2027", "deadline": "2028-03-31", "with_cover": "y"},
        form_page="/reports/cycles/new",
    )
    assert response.status_code == 302
    cycle = db.session.scalar(select(ReportingCycle).where(ReportingCycle.year == 2027))
    assert cycle.with_cover is True
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.entity_type == "reporting_cycles", AuditEntry.entity_id == cycle.id)
    )
    assert entry.after["with_cover"] is True
    page = client.get(f"/reports/cycles/{cycle.id}").get_data(as_text=True)
    assert "公文格式，带封面、目录和书签" in page
    # Unticked (the default): plain official documents.
    post(client, "/reports/cycles/new", {"year": "2028", "deadline": "2029-03-31"}, form_page="/reports/cycles/new")
    assert db.session.scalar(select(ReportingCycle.with_cover).where(ReportingCycle.year == 2028)) is False


def test_batch_compile_embeds_attachments_of_accepted_reports(runner, reports, tmp_path):
    """The worker processes get the attachments' bytes as plain data; the 汇编 lists and embeds none."""
    _attach(reports["省交通运输厅"], "统计表.csv", "统计表", SHEET)
    out = tmp_path / "out"
    result = runner.invoke(
        args=["registry", "reports", "compile", "--jurisdiction", "990000", "--year", "2025", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    accepted = out / "01_省交通运输厅2025年度生态环境保护工作专题报告.pdf"
    listing = subprocess.run(["pdfdetach", "-list", str(accepted)], capture_output=True, text=True, check=True)
    assert "统计表.csv" in listing.stdout
    volume = next(out.glob("*汇编.pdf"))
    listing = subprocess.run(["pdfdetach", "-list", str(volume)], capture_output=True, text=True, check=True)
    assert "0 embedded files" in listing.stdout
    assert "统计表.csv" in _flat("".join(p.extract_text() for p in PdfReader(volume).pages))


@pytest.mark.parametrize(
    ("name", "jurisdiction", "level", "full"),
    [
        ("省农业农村厅", "示例省", "province", "示例省农业农村厅"),
        ("江川市生态环境局", "江川市", "city", "江川市生态环境局"),
        ("市水利局", "江川市", "city", "江川市水利局"),
        ("县农业农村局", "安宁县", "county", "安宁县农业农村局"),
        ("区住房城乡建设局", "东湖区", "county", "东湖区住房城乡建设局"),
        ("生态环境部", "中央", "central", "生态环境部"),
    ],
)
def test_full_department_names(name, jurisdiction, level, full):
    assert full_department_name(name, jurisdiction, level) == full


def test_addressees_and_dates():
    assert party_and_government("示例省", "province") == "中共示例省委、示例省人民政府"
    assert party_and_government("江川市", "city") == "中共江川市委、江川市人民政府"
    assert party_and_government("广西壮族自治区", "province") == "中共广西壮族自治区委员会、广西壮族自治区人民政府"
    assert party_and_government("中央", "central") == "中共中央、国务院"
    assert chinese_date(date(2026, 3, 1)) == "2026年3月1日" and chinese_date(None) == ""
