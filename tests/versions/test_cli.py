"""`registry export-list` and `publish` from the command line.

A failing command rolls the session back, which in a test also undoes the test's own data: each
test below fails at most once, at its end."""

import json

from registry.versions.queries import version_by_label
from tests import factories
from tests.versions.conftest import REFERENCE

HEADER = "序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据\n"


def cli(runner, *args):
    return runner.invoke(args=["registry", *map(str, args)])


def test_publish_and_export_round_trip(runner, tmp_path):
    j = factories.jurisdiction("850000", name="命令行省")
    cli(runner, "import-list", "--jurisdiction", "850000", REFERENCE, "--create-departments")
    published = cli(
        runner,
        "publish",
        "--jurisdiction",
        "850000",
        "--label",
        "2026年版",
        "--doc-number",
        "命政办发〔2026〕1号",
        "--effective-date",
        "2026-01-01",
        "--publisher",
        "命令行省人民政府",
    )
    assert published.exit_code == 0, published.output
    version = version_by_label(j, "2026年版")
    assert version.matter_count == 64 and version.effective_date.isoformat() == "2026-01-01"
    assert version.checksum in published.output

    for fmt in ("xlsx", "csv", "json"):
        out = tmp_path / f"v.{fmt}"
        result = cli(
            runner, "export-list", "--jurisdiction", "850000", "--version", "2026年版", "--format", fmt, "-o", out
        )
        assert result.exit_code == 0, result.output
        again = cli(runner, "import-list", "--jurisdiction", "850000", out, "--dry-run")
        assert again.exit_code == 0, again.output
        assert "新增 0 项，修改 0 项，不变 64 项" in again.output
    assert len(json.loads((tmp_path / "v.json").read_text())["matters"]) == 64

    working = tmp_path / "w.csv"
    result = cli(runner, "export-list", "--jurisdiction", "850000", "--format", "csv", "-o", working)
    assert result.exit_code == 0 and working.read_bytes().startswith(b"\xef\xbb\xbf")


def test_export_of_an_unknown_version(ref, runner, tmp_path):
    result = cli(
        runner,
        "export-list",
        "--jurisdiction",
        "970000",
        "--version",
        "无此版",
        "--format",
        "csv",
        "-o",
        tmp_path / "x",
    )
    assert result.exit_code != 0 and "没有名为「无此版」的版本" in result.output


def test_publish_refuses_a_duplicate_label(ref, runner):
    duplicate = cli(runner, "publish", "--jurisdiction", "970000", "--label", "2025年版", "--doc-number", "2号")
    assert duplicate.exit_code != 0 and "版本「2025年版」已存在" in duplicate.output


def test_publish_refuses_a_bad_date(ref, runner):
    bad_date = cli(
        runner,
        "publish",
        "--jurisdiction",
        "970000",
        "--label",
        "新",
        "--doc-number",
        "3号",
        "--effective-date",
        "2026/1/1",
    )
    assert bad_date.exit_code != 0 and "格式不对" in bad_date.output
