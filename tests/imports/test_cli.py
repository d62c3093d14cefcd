"""`registry import-list` from the command line: all or nothing, with every bad row reported.

A failing command rolls the session back, which in a test also undoes the test's own data: each
test below fails at most once, at its end."""

from sqlalchemy import func, select

from registry.extensions import db
from registry.lists.models import Matter
from tests import factories
from tests.versions.conftest import REFERENCE

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


def test_large_imports_show_progress(runner, tmp_path):
    j = factories.jurisdiction("850000", name="命令行省")
    factories.department(j, "命令行省生态环境厅", short_name="生态环境厅")
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "".join(f"{i},水,事项{i},生态环境厅,,,\n" for i in range(1, 1202)), encoding="utf-8")
    result = cli(runner, "import-list", "--jurisdiction", "850000", path)
    assert result.exit_code == 0, result.output
    assert "导入中" in result.output
    assert statuses(j) == {"assigned": 1201}
