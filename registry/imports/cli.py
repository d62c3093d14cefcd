"""`flask --app wsgi registry import-list`."""

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from registry.core.cli import cli_actor, fail, require
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jurisdictions.queries import by_code

PROGRESS_THRESHOLD = 1000


def _column_option(values: tuple[str, ...]) -> dict[int, str]:
    from registry.imports.layout import ColumnRole

    columns = {}
    for value in values:
        number, _, role = value.partition("=")
        number, role = number.strip(), role.strip()
        if not number.isdigit() or int(number) < 1 or role not in set(ColumnRole):
            fail(
                f"--column「{value}」应写作 列号=含义（列号从 1 起），如 3=lead；"
                f"含义可选：{'、'.join(r.value for r in ColumnRole)}。"
            )
        columns[int(number) - 1] = role
    return columns


def _mapping_file(path: Path):
    from registry.imports.layout import Mapping

    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return Mapping.from_dict(data)
    except OSError as e:
        fail(f"无法读取映射文件「{path}」：{e.strerror or e}")
    except (ValueError, TypeError, AttributeError) as e:
        fail(f"映射文件「{path}」不是有效的映射（应为 --dry-run 显示的 JSON）：{e}")


def _show_mapping(plan) -> None:
    """The mapping a layout was read with, as a table and as the JSON --mapping takes."""
    from registry.imports import recognition

    mapping = plan.mapping
    click.echo("版式识别：")
    if mapping.kind == "table":
        for column in recognition.column_previews(plan.source, mapping, samples=2):
            samples = "、".join(column.samples)
            role = recognition.ROLE_LABELS.get(column.role, column.role)
            click.echo(f"  第 {column.index + 1} 列「{column.header}」→ {column.role}（{role}）  例：{samples}")
    else:
        click.echo(f"  段落：{recognition.NOTATION_LABELS.get(mapping.notation, mapping.notation)}")
        click.echo(f"  事项类别取自编号「{recognition.LEVEL_LABELS.get(mapping.category_level, '')}」一级")
    click.echo(
        f"  责任单位的含义：{mapping.responsible_means}（{recognition.MEANS_LABELS[mapping.responsible_means]}）"
    )
    click.echo("映射（可存为 mapping.json，用 --mapping 指定）：")
    click.echo(json.dumps(mapping.as_dict(), ensure_ascii=False))


@click.command("import-list")
@with_appcontext
@click.option("--jurisdiction", "code", required=True, help="行政区划代码（6 位）")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只检查并显示将做的修改和版式识别结果，不写入")
@click.option("--create-departments", is_flag=True, help="自动新建文件中出现而本级尚未登记的部门")
@click.option(
    "--mapping", "mapping_path", type=click.Path(dir_okay=False, path_type=Path), help="版式映射 JSON（--dry-run 显示）"
)
@click.option(
    "--column", "columns", multiple=True, help="某列的含义：列号=含义（列号从 1 起），如 4=cooperating；可多次"
)
@click.option(
    "--responsible-means",
    type=click.Choice(["lead_first", "lead", "cooperating", "territorial"]),
    help="“责任单位/主责单位”的含义",
)
def import_list_command(code, file: Path, dry_run, create_departments, mapping_path, columns, responsible_means):
    """从 XLSX / CSV / Word / PDF 文件导入责任清单（全部成功或全不导入）。"""
    from registry.imports.jobs import estimated_rows
    from registry.imports.planning import apply_import, plan_import

    jurisdiction = require(by_code(code.strip()), f"找不到行政区划代码「{code}」。")
    try:
        data = file.read_bytes()
    except OSError as e:
        fail(f"无法读取文件「{file}」：{e.strerror or e}")
    mapping = _mapping_file(mapping_path) if mapping_path else None
    corrections = _column_option(columns)
    if estimated_rows(data) > PROGRESS_THRESHOLD:  # a large file: a bar while its rows are checked
        with click.progressbar(length=1, label="检查中") as bar:

            def checked(done: int, rows: int) -> None:
                bar.length = rows
                bar.update(done - bar.pos)

            plan = plan_import(
                jurisdiction, data, file.name, create_departments=create_departments, mapping=mapping, progress=checked
            )
            bar.update(bar.length - bar.pos)
    else:
        plan = plan_import(jurisdiction, data, file.name, create_departments=create_departments, mapping=mapping)
    if (corrections or responsible_means) and plan.mapping is None and not plan.errors:
        fail("该文件为本系统的表格格式，无需指定各列含义。")
    if (corrections or responsible_means) and plan.mapping is not None:
        mapping = plan.mapping
        mapping.columns.update(corrections)
        if responsible_means:
            mapping.responsible_means = responsible_means
        plan = plan_import(jurisdiction, data, file.name, create_departments=create_departments, mapping=mapping)
    click.echo(f"{jurisdiction.name}（{jurisdiction.code}）← {file.name}")
    if plan.mapping is not None and (dry_run or plan.errors):
        _show_mapping(plan)
    if plan.errors:
        for error in plan.errors:
            where = f"第 {error.row} 行" if error.row else "文件"
            click.echo(f"  {where}：{error.reason}", err=True)
        fail(f"文件有 {len(plan.errors)} 处错误，未导入任何内容。")
    click.echo(plan.summary())
    for new in plan.new_departments:
        click.echo(f"  新建部门：{new.name}（系统：{new.sector}）")
    if dry_run:  # planning wrote nothing; the session ends without a commit
        click.echo("试运行：未写入任何内容。")
        return
    if not plan.changes_anything:
        click.echo("没有需要修改的内容。")
        return
    try:
        if len(plan.matters) > PROGRESS_THRESHOLD:
            with click.progressbar(length=len(plan.matters), label="导入中") as bar:
                result = apply_import(plan, cli_actor(), progress=bar.update)
        else:
            result = apply_import(plan, cli_actor())
        db.session.commit()
    except DomainError as e:
        fail(f"未导入任何内容：{e}")
    click.echo(f"导入完成：{result.summary()}")


commands = [import_list_command]
