"""`flask --app wsgi registry import-list`."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from registry.core.cli import cli_actor, fail, require
from registry.core.errors import DomainError
from registry.extensions import db
from registry.jurisdictions.queries import by_code

PROGRESS_THRESHOLD = 1000


@click.command("import-list")
@with_appcontext
@click.option("--jurisdiction", "code", required=True, help="行政区划代码（6 位）")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只检查并显示将做的修改，不写入")
@click.option("--create-departments", is_flag=True, help="自动新建文件中出现而本级尚未登记的部门")
def import_list_command(code, file: Path, dry_run, create_departments):
    """从 XLSX / CSV 文件导入责任清单（全部成功或全不导入）。"""
    from registry.imports.planning import apply_import, plan_import

    jurisdiction = require(by_code(code.strip()), f"找不到行政区划代码「{code}」。")
    try:
        data = file.read_bytes()
    except OSError as e:
        fail(f"无法读取文件「{file}」：{e.strerror or e}")
    plan = plan_import(jurisdiction, data, file.name, create_departments=create_departments)
    click.echo(f"{jurisdiction.name}（{jurisdiction.code}）← {file.name}")
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
