"""`flask registry reports compile`: every accepted or published report plus a volume, in parallel."""

import io

from pypdf import PdfReader


def test_compile_writes_reports_and_volume(runner, reports, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        args=["registry", "reports", "compile", "--jurisdiction", "990000", "--year", "2025", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "已输出 2 份报告和 1 册汇编" in result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        "01_省交通运输厅2025年度生态环境保护工作专题报告.pdf",  # accepted: rendered by a worker
        "02_省农业农村厅2025年度生态环境保护工作专题报告.pdf",  # published: the stored bytes
        "示例省2025年度职能部门生态环境保护工作专题报告汇编.pdf",
    ]
    assert (out / files[1]).read_bytes() == reports["省农业农村厅"].pdf_data
    accepted = PdfReader(out / files[0])
    assert "柴油货车污染治理与老旧车辆淘汰" in "".join(p.extract_text() for p in accepted.pages)
    volume = PdfReader(io.BytesIO((out / files[2]).read_bytes()))
    text = "".join(p.extract_text() for p in volume.pages)
    assert "汇编" in volume.pages[0].extract_text()
    assert "省交通运输厅2025年度" in text and "省农业农村厅2025年度" in text
    titles = [item.title for item in volume.outline if not isinstance(item, list)]
    assert "省交通运输厅2025年度生态环境保护工作专题报告" in titles


def test_compile_refuses_unknown_cycle(runner, reports, tmp_path):
    result = runner.invoke(
        args=["registry", "reports", "compile", "--jurisdiction", "990000", "--year", "2019", "--out", str(tmp_path)]
    )
    assert result.exit_code != 0 and "没有2019年度的报告周期" in result.output
