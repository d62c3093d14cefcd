"""`flask --app wsgi registry import-list | export-list | publish`."""

import getpass
from datetime import date
from pathlib import Path

import click
from sqlalchemy import select

from registry.cli import fail, registry_cli
from registry.extensions import db
from registry.jurisdictions.models import Jurisdiction

PROGRESS_THRESHOLD = 1000


def _jurisdiction(code: str) -> Jurisdiction:
    jurisdiction = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code.strip()))
    if jurisdiction is None:
        fail(f"找不到行政区划代码「{code}」。")
    return jurisdiction


def _actor() -> str:
    try:
        return f"命令行（{getpass.getuser()}）"
    except (KeyError, OSError):
        return "命令行"


@registry_cli.command("import-list")
@click.option("--jurisdiction", "code", required=True, help="行政区划代码（6 位）")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只检查并显示将做的修改，不写入")
@click.option("--create-departments", is_flag=True, help="自动新建文件中出现而本级尚未登记的部门")
def import_list_command(code, file: Path, dry_run, create_departments):
    """从 XLSX / CSV 文件导入责任清单（全部成功或全不导入）。"""
    from registry.lists.importing import apply_import, plan_import

    jurisdiction = _jurisdiction(code)
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
                result = apply_import(plan, _actor(), progress=bar.update)
        else:
            result = apply_import(plan, _actor())
        db.session.commit()
    except ValueError as e:  # ListError and StaleEdit
        fail(f"未导入任何内容：{e}")
    click.echo(f"导入完成：{result.summary()}")


@registry_cli.command("export-list")
@click.option("--jurisdiction", "code", required=True, help="行政区划代码（6 位）")
@click.option("--version", "label", default=None, help="已发布版本的名称；不填则导出工作清单")
@click.option("--format", "fmt", required=True, type=click.Choice(["xlsx", "csv", "json"]), help="文件格式")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出文件")
def export_list_command(code, label, fmt, output: Path):
    """导出工作清单或某个已发布版本（XLSX、CSV 或 JSON）。"""
    from registry.lists.exporting import export_list
    from registry.lists.versions import version_by_label

    jurisdiction = _jurisdiction(code)
    version = None
    if label is not None:
        version = version_by_label(jurisdiction, label)
        if version is None:
            fail(f"{jurisdiction.name}没有名为「{label}」的版本。")
    content, _filename, _mimetype = export_list(jurisdiction, fmt, version)
    try:
        output.write_bytes(content)
    except OSError as e:
        fail(f"无法写入文件「{output}」：{e.strerror or e}")
    what = version.label if version else "工作清单"
    click.echo(f"已导出{jurisdiction.name}{what}到 {output}（{len(content)} 字节）。")


@registry_cli.command("publish")
@click.option("--jurisdiction", "code", required=True, help="行政区划代码（6 位）")
@click.option("--label", required=True, help="版本名称，如“2026年版”")
@click.option("--doc-number", required=True, help="发布文号")
@click.option("--effective-date", default=None, help="施行日期 YYYY-MM-DD（默认今天）")
@click.option("--publisher", default=None, help="发布机关（默认沿用上一版本的发布机关）")
def publish_command(code, label, doc_number, effective_date, publisher):
    """把工作清单发布为新版本。"""
    from registry.lists import diff, services, versions

    jurisdiction = _jurisdiction(code)
    try:
        effective = date.fromisoformat(effective_date) if effective_date else date.today()
    except ValueError:
        fail(f"施行日期「{effective_date}」格式不对，应为 YYYY-MM-DD。")
    latest = versions.latest_version(jurisdiction)
    if publisher is None:
        publisher = latest.publisher if latest else jurisdiction.name
    try:
        version = services.publish_version(
            jurisdiction,
            label=label,
            doc_number=doc_number,
            effective_date=effective,
            publisher=publisher,
            actor=_actor(),
        )
    except services.ListError as e:
        fail(str(e))
    if latest is not None:
        summary = diff.compare_versions(latest, version).plain()["summary"]
        click.echo(
            f"与「{latest.label}」相比：新增 {summary['added']} 项，删除 {summary['removed']} 项，"
            f"修改 {summary['changed']} 项（其中牵头部门变化 {summary['lead_changed']} 项）。"
        )
    db.session.commit()
    click.echo(
        f"已发布{jurisdiction.name}「{version.label}」"
        f"（{version.doc_number}，{version.effective_date.isoformat()} 施行），"
        f"事项 {version.matter_count} 项，校验值 {version.checksum}。"
    )
