"""The report PDF: fonts, page numbers, contents, metadata, and that user content cannot make the
renderer read local files or reach the network."""

import io
import os
import re
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from markupsafe import Markup
from pypdf import PdfReader

from registry.pdf import FontMissing, StaticOnlyFetcher, check_cjk_font
from registry.reports.rendering import render_report, render_report_context, report_context

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def published(reports):
    return reports["省农业农村厅"].pdf_data


@pytest.fixture
def covered(app, reports):
    """The same report rendered for a cycle that asks for a cover, contents and bookmarks."""
    report = reports["省农业农村厅"]
    with app.test_request_context():
        report.cycle.with_cover = True
        return render_report_context(report_context(report), draft=False)


def _pdf(tmp_path, data: bytes) -> Path:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return path


def test_text_has_department_and_matter_titles(published):
    reader = PdfReader(io.BytesIO(published))
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    assert "省农业农村厅2025年度生态环境保护工作专题报告" in text
    for title in ("秸秆露天焚烧管控与综合利用", "畜禽养殖污染防治", "化肥农药减量增效", "秸秆综合利用率"):
        assert title in text


def test_only_embedded_subset_cjk_fonts(tmp_path, published):
    out = subprocess.run(["pdffonts", str(_pdf(tmp_path, published))], capture_output=True, text=True, check=True)
    rows = out.stdout.splitlines()[2:]
    assert rows
    for row in rows:
        name, emb, sub = row.split()[0], row.split()[-5], row.split()[-4]
        assert emb == "yes" and sub == "yes", row
        assert re.match(r"[A-Z]{6}\+", name), row  # subset prefix
    assert any("CJK" in row or "-GB" in row for row in rows)  # Noto CJK, or its cut (registry/pdf/fonts.py)


def _front_pages(reader: PdfReader) -> int:
    """Cover and contents: the pages before the one whose footer says — 1 — (GB/T 9704 page numbers)."""
    for index, page in enumerate(reader.pages):
        if re.search(r"—\s*1\s*—\s*$", page.extract_text()):
            return index
    raise AssertionError("no page numbered 1")


def test_page_numbers_count_body_pages_only(published, covered):
    plain = PdfReader(io.BytesIO(published))
    assert _front_pages(plain) == 0  # the default: no cover, the 版头 is on page 1
    reader = PdfReader(io.BytesIO(covered))
    front = _front_pages(reader)
    assert front == 2  # cover + contents carry no number
    body = len(reader.pages) - front
    assert body == len(plain.pages)
    assert "目录" in re.sub(r"\s+", "", reader.pages[1].extract_text())
    last = re.sub(r"\s+", "", reader.pages[-1].extract_text())
    assert last.endswith(f"—{body}—")


def test_contents_page_numbers_match_where_the_headings_are(covered):
    reader = PdfReader(io.BytesIO(covered))
    front = _front_pages(reader)
    contents = subprocess.run(
        ["pdftotext", "-layout", "-f", "2", "-l", str(front), "-", "-"],
        input=covered,
        capture_output=True,
        check=True,
    ).stdout.decode()
    entries = re.findall(r"^\s*(\S.*?)\s*\.{3,}\s*(\d+)\s*$", contents, re.M)
    assert len(entries) >= 8
    for heading, number in entries:
        page_text = re.sub(r"\s+", "", reader.pages[front + int(number) - 1].extract_text())
        assert re.sub(r"\s+", "", heading) in page_text, (heading, number)
    # the bookmarks (outline) point to the same pages
    outline = {item.title: reader.get_destination_page_number(item) for item in _flatten(reader.outline)}
    for heading, number in entries:
        assert outline[heading.strip()] == front + int(number) - 1, heading


def _flatten(outline):
    for item in outline:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def test_metadata_title_author_lang_and_pdfa(published):
    reader = PdfReader(io.BytesIO(published))
    assert reader.metadata.title == "省农业农村厅2025年度生态环境保护工作专题报告"
    assert reader.metadata.author == "省农业农村厅"
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp  # PDF/A-3b


def test_indicator_table_repeats_its_header_across_pages(app, reports):
    with app.test_request_context():
        context = report_context(reports["省生态环境厅"])
        section = context["chapters"][2]["sections"][0]
        section["indicators"] = [
            {"name": f"指标{i}", "unit": "%", "target": "1", "actual": "1", "met_label": "达标", "met_class": "ok"}
            for i in range(120)
        ]
        data = render_report_context(context, draft=False)
    reader = PdfReader(io.BytesIO(data))
    pages_with_rows = [
        p.extract_text() for p in reader.pages if "指标7" in p.extract_text() or "指标11" in p.extract_text()
    ]
    assert len(pages_with_rows) >= 2
    assert all("指标名称" in text and "是否达标" in text for text in pages_with_rows)


def test_missing_cjk_font_fails_with_a_clear_message(tmp_path):
    with pytest.raises(FontMissing, match="未安装中文字体"):
        check_cjk_font(lambda: [])
    assert check_cjk_font(lambda: ["Noto Serif CJK SC"]) == "Noto Serif CJK SC"
    # For real: fontconfig pointed at a configuration with no fonts at all.
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig></fontconfig>')
    script = textwrap.dedent(
        """
        from datetime import date
        from registry import create_app
        from registry.pdf import FontMissing, render_pdf
        app = create_app("config.TestConfig")
        with app.app_context():
            try:
                context = {"title": "t", "jurisdiction": "j", "year": 2025, "reports": [], "today": date.today()}
                render_pdf("pdf/volume.html", context)
            except FontMissing as e:
                print("FONT-MISSING", e)
            else:
                print("RENDERED")
        """
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(empty)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert "FONT-MISSING" in out.stdout, out.stderr
    assert "fonts-noto-cjk" in out.stdout


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    _Recorder.hits = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ff"
    "ff3f0005fe02fea7d6a5c40000000049454e44ae426082"
)


def test_unsafe_content_is_neither_read_nor_fetched(app, reports, http_server, tmp_path):
    from registry.reports import services
    from tests.reports.conftest import user

    port = http_server.server_address[1]
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    hostile = (
        '<p>正文<img src="file:///etc/passwd"><img src="' + secret.as_uri() + '"></p>'
        '<link rel="attachment" href="file:///etc/hostname">'
        '<a rel="attachment" href="file:///etc/hostname">附件</a>'
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/evil.css">'
        f'<img src="http://127.0.0.1:{port}/beacon.png"><img src="data:image/png;base64,iVBORw0KGgo=">'
        f'<p style="background: url(http://127.0.0.1:{port}/bg.png)">样式</p>'
    )
    sthj = reports["省生态环境厅"]
    # 1. Through the service: sanitized on save, nothing of it survives.
    section = next(s for s in sthj.sections if s.title == "总体情况")
    services.save_section(section, actor=user("sthj_editor"), expected_version=None, fields={"body": hostile})
    assert "<img" not in section.body and "<link" not in section.body and "127.0.0.1" not in section.body
    with app.test_request_context():
        render_report(sthj, draft=True)
        # 2. Worst case: raw HTML reaches the template unsanitized; the fetcher still refuses all.
        context = report_context(sthj)
        context["chapters"][0]["body"] = Markup(hostile)
        fetcher = StaticOnlyFetcher(Path(app.static_folder))
        from registry.pdf import render_pdf

        data = render_pdf("pdf/report.html", {"report": context, "draft": False, "today": None}, fetcher=fetcher)
    assert _Recorder.hits == []
    assert any(url.startswith("file:///etc/") for url in fetcher.refused)
    assert any(url.startswith(f"http://127.0.0.1:{port}/") for url in fetcher.refused)
    reader = PdfReader(io.BytesIO(data))
    assert all(not page.images for page in reader.pages)  # neither the local PNG nor anything else
    assert b"/EmbeddedFile" not in data
    assert "正文" in reader.pages[_front_pages(reader)].extract_text()  # the body's first page


def test_fetcher_serves_only_real_files_under_the_static_root(tmp_path):
    static = tmp_path / "static"
    (static / "pdf").mkdir(parents=True)
    (static / "pdf" / "ok.css").write_text("p { color: black }")
    outside = tmp_path / "outside.css"
    outside.write_text("secret")
    (static / "link.css").symlink_to(outside)
    fetcher = StaticOnlyFetcher(static)
    assert fetcher.resolve((static / "pdf" / "ok.css").as_uri()) is not None
    assert fetcher.fetch((static / "pdf" / "ok.css").as_uri()).read() == b"p { color: black }"
    for url in (
        (static / "link.css").as_uri(),  # symlink escape
        (static / "pdf").as_uri() + "/../../outside.css",  # .. escape
        "file:///etc/passwd",
        "file://remote-host" + str(static / "pdf" / "ok.css"),
        "http://127.0.0.1/x.css",
        "https://example.org/x.css",
        "data:text/css,p{}",
        "ftp://example.org/x",
    ):
        assert fetcher.resolve(url) is None, url
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_static_stylesheet_is_really_used(app, reports):
    """The one thing the fetcher lets through: our stylesheet (A4 pages, running footer)."""
    with app.test_request_context():
        data = render_report(reports["省生态环境厅"], draft=True)
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert "草稿" in reader.pages[0].extract_text()
