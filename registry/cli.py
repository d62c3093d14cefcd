"""`flask --app wsgi registry …` commands."""

import click
from flask.cli import AppGroup

from registry.core.cli import cli_actor, fail
from registry.extensions import db
from registry.imports import cli as imports_cli
from registry.jobs.cli import jobs_cli
from registry.public import cli as public_cli
from registry.reports import cli as reports_cli
from registry.versions import cli as versions_cli

registry_cli = AppGroup("registry", help="生态环境保护责任清单登记系统的管理命令。")


@registry_cli.command("demo")
def demo_command():
    """加载演示数据（可重复执行）。"""
    from registry.demo import PASSWORD, load_demo

    logins = load_demo()
    db.session.commit()
    click.echo(f"演示数据已就绪。演示账号（密码均为 {PASSWORD}）：")
    for username, role, scope in logins:
        click.echo(f"  {username:<20} {role:<14} {scope}")


@registry_cli.command("create-jurisdiction")
@click.option("--code", required=True, help="6 位行政区划代码")
@click.option("--name", required=True, help="名称")
@click.option("--level", required=True, help="province、city 或 county（根节点为 central）")
@click.option("--parent", "parent_code", default=None, help="上级行政区划代码")
def create_jurisdiction_command(code, name, level, parent_code):
    """新建行政区划。"""
    from registry.core.errors import DomainError
    from registry.jurisdictions.services import create_jurisdiction

    try:
        jurisdiction = create_jurisdiction(
            code=code, name=name, level=level, parent_code=parent_code, actor=cli_actor()
        )
    except DomainError as e:
        fail(str(e))
    db.session.commit()
    click.echo(f"已创建行政区划 {jurisdiction.code} {jurisdiction.name}（{jurisdiction.level_label}）。")


@registry_cli.command("create-user")
@click.option("--username", required=True)
@click.option("--role", required=True, help="sysadmin、office_admin、dept_head 或 dept_editor")
@click.option("--jurisdiction", "jurisdiction_code", required=True, help="所属行政区划代码")
@click.option("--department", default=None, help="部门全称或简称（部门角色必填）")
@click.option("--display-name", default=None)
@click.password_option(help="密码（至少 8 位）")
def create_user_command(username, role, jurisdiction_code, department, display_name, password):
    """新建用户。"""
    from registry.auth.services import create_user
    from registry.core.errors import DomainError

    try:
        user = create_user(
            username=username,
            password=password,
            role=role,
            jurisdiction_code=jurisdiction_code,
            department_name=department,
            display_name=display_name,
            actor=cli_actor(),
        )
    except DomainError as e:
        fail(str(e))
    db.session.commit()
    click.echo(f"已创建用户 {user.username}（{user.role}）。")


for _command in (*imports_cli.commands, *versions_cli.commands, *public_cli.commands, *reports_cli.commands):
    registry_cli.add_command(_command)
registry_cli.add_command(jobs_cli)  # `registry jobs list|watch|tick` (a group of its own)
