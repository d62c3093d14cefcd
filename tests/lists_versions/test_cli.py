"""`registry import-list`, `export-list` and `publish` from the command line.

A failing command rolls the session back, which in a test also undoes the test's own data: each
test below fails at most once, at its end."""

import json

from sqlalchemy import func, select

from registry.extensions import db
from registry.lists.models import Matter
from registry.versions.queries import version_by_label
from tests import factories
from tests.lists_versions.conftest import REFERENCE

HEADER = "序号,事项类别,具体事项,牵头部门,配合部门,责任内容,依据\n"


def statuses(j):
    rows = db.session.execute(
        select(Matter.status, func.count()).where(Matter.jurisdiction_id == j.id).group_by(Matter.status)
    )
    return dict(rows.all())


def cli(runner, *args):
    return runner.invoke(args=["registry", *map(str, args)])


def test_unknown_departments_fail_the_import(runner):
    j = factories.jurisdiction("850000", name="命令行省")
    refused = cli(runner, "import-list", "--jurisdiction", "850000", REFERENCE)
    assert refused.exit_code != 0
    assert "第 2 行：找不到部门「省生态环境厅」" in refused.output
    assert "未导入任何内容" in refused.output
    assert statuses(j) == {}


def test_import_reference_file_with_created_departments_then_again(runner):
    j = factories.jurisdiction("850000", name="命令行省")
    args = ["import-list", "--jurisdiction", "850000", REFERENCE]
    dry = cli(runner, *args, "--create-departments", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "新增 64 项" in dry.output and "试运行" in dry.output
    assert statuses(j) == {}

    done = cli(runner, *args, "--create-departments")
    assert done.exit_code == 0, done.output
    assert "导入完成：新增 64 项" in done.output
    assert statuses(j) == {"assigned": 61, "pending": 3}

    again = cli(runner, *args)
    assert again.exit_code == 0, again.output
    assert "新增 0 项，修改 0 项，不变 64 项" in again.output
    assert "没有需要修改的内容" in again.output


def test_one_bad_row_fails_the_whole_import(runner, tmp_path):
    j = factories.jurisdiction("850000", name="命令行省")
    factories.department(j, "命令行省生态环境厅", short_name="生态环境厅")
    path = tmp_path / "list.csv"
    path.write_text(HEADER + "1,水,甲,生态环境厅,,,\n2,水,乙,无此厅,,,\n3,水,丙,生态环境厅,,,\n", encoding="gb18030")
    result = cli(runner, "import-list", "--jurisdiction", "850000", path)
    assert result.exit_code == 1
    assert "第 3 行：找不到部门「无此厅」" in result.output
    assert statuses(j) == {}


def test_unknown_jurisdiction(runner, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("hello", encoding="utf-8")
    unknown = cli(runner, "import-list", "--jurisdiction", "123456", path)
    assert unknown.exit_code != 0 and "找不到行政区划代码「123456」" in unknown.output


def test_missing_file(runner, tmp_path):
    factories.jurisdiction("850000", name="命令行省")
    missing = cli(runner, "import-list", "--jurisdiction", "850000", tmp_path / "no.csv")
    assert missing.exit_code != 0 and "无法读取文件" in missing.output


def test_file_without_header(runner, tmp_path):
    factories.jurisdiction("850000", name="命令行省")
    path = tmp_path / "x.csv"
    path.write_text("hello", encoding="utf-8")
    header = cli(runner, "import-list", "--jurisdiction", "850000", path)
    assert header.exit_code != 0 and "找不到表头行" in header.output


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


def test_large_imports_show_progress(runner, tmp_path):
    j = factories.jurisdiction("850000", name="命令行省")
    factories.department(j, "命令行省生态环境厅", short_name="生态环境厅")
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "".join(f"{i},水,事项{i},生态环境厅,,,\n" for i in range(1, 1202)), encoding="utf-8")
    result = cli(runner, "import-list", "--jurisdiction", "850000", path)
    assert result.exit_code == 0, result.output
    assert "导入中" in result.output
    assert statuses(j) == {"assigned": 1201}
