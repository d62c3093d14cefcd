"""The PDFs' typefaces cut down to GB 2312 (registry/pdf/fonts.py, built by `make test` and `make run`): reports are
set in them, and a character outside the cut is still drawn, by the full Noto face."""

import subprocess
from datetime import date

from registry.pdf import fonts, render_pdf


def _fonts_and_text(tmp_path, pdf: bytes) -> tuple[str, str]:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return listing, text


def test_the_cut_keeps_gb2312_and_the_symbols_lists_use():
    kept = set(fonts.characters())
    assert {"生", "态", "环", "境", "厅", "鑫"} <= kept  # GB 2312 hanzi, common and rare
    assert {"℃", "≥", "≤", "①", "Ⅱ", "μ", "³", "—", "…", "“", "〔", "〕", "（", "）", "Ａ"} <= kept
    assert "镕" not in kept and "喆" not in kept  # outside GB 2312: left to the full face


def test_reports_are_set_in_the_cut_faces(app, reports, tmp_path):
    listing, text = _fonts_and_text(tmp_path, reports["省农业农村厅"].pdf_data)
    assert "Registry-Serif-GB" in listing and "Registry-Sans-GB" in listing, (
        "the cut faces are missing: `make test` builds them into build/fonts\n" + listing
    )
    assert "Noto-Serif-CJK-SC" not in listing  # nothing outside the cut in this report: no full face loaded
    assert "省农业农村厅" in text


def test_a_character_outside_the_cut_is_drawn_by_the_full_face(app, tmp_path):
    context = {
        "title": "关于朱镕基同志题词的说明",
        "jurisdiction": "示例省",
        "year": 2025,
        "reports": [],
        "today": date(2026, 1, 5),
    }
    with app.test_request_context():
        pdf = render_pdf("pdf/volume.html", context)
    listing, text = _fonts_and_text(tmp_path, pdf)
    assert "镕" in text  # drawn, not a box
    assert "Registry-Serif-GB" in listing and "Noto-Serif-CJK-SC" in listing  # the full face only for 镕
