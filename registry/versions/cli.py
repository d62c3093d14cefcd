"""`flask --app wsgi registry export-list | publish`."""

from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from registry.core.cli import cli_actor, fail, require
from registry.core.timezone import local_today
from registry.extensions import db
from registry.jurisdictions.queries import by_code
from registry.versions import services as version_services


@click.command("export-list")
@with_appcontext
@click.option("--jurisdiction", "code", required=True, help="行政区划代码（6 位）")
@click.option("--version", "label", default=None, help="已发布版本的名称；不填则导出工作清单")
@click.option("--format", "fmt", required=True, type=click.Choice(["xlsx", "csv", "json"]), help="文件格式")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出文件")
def export_list_command(code, label, fmt, output: Path):
    """导出工作清单或某个已发布版本（XLSX、CSV 或 JSON）。"""
    from registry.versions.exporting import export_list
    from registry.versions.queries import version_by_label

    jurisdiction = require(by_code(code.strip()), f"找不到行政区划代码「{code}」。")
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


@click.command("publish")
@with_appcontext
@click.option("--jurisdiction", "code", required=True, help="行政区划代码（6 位）")
@click.option("--label", required=True, help="版本名称，如“2026年版”")
@click.option("--doc-number", required=True, help="发布文号")
@click.option("--effective-date", default=None, help="施行日期 YYYY-MM-DD（默认今天）")
@click.option("--publisher", default=None, help="发布机关（默认沿用上一版本的发布机关）")
def publish_command(code, label, doc_number, effective_date, publisher):
    """把工作清单发布为新版本。"""
    from registry.core.errors import DomainError
    from registry.versions import diff
    from registry.versions import queries as versions

    jurisdiction = require(by_code(code.strip()), f"找不到行政区划代码「{code}」。")
    try:
        effective = date.fromisoformat(effective_date) if effective_date else local_today()
    except ValueError:
        fail(f"施行日期「{effective_date}」格式不对，应为 YYYY-MM-DD。")
    latest = versions.latest_version(jurisdiction)
    if publisher is None:
        publisher = latest.publisher if latest else jurisdiction.name
    try:
        version = version_services.publish_version(
            jurisdiction,
            label=label,
            doc_number=doc_number,
            effective_date=effective,
            publisher=publisher,
            actor=cli_actor(),
        )
    except DomainError as e:
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


commands = [export_list_command, publish_command]
