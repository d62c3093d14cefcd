"""What every domain's commands share: failing cleanly, finding a jurisdiction, naming the actor."""

import getpass

import click
from sqlalchemy import select

from registry.extensions import db


def fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


def jurisdiction_or_fail(code: str):
    from registry.jurisdictions.models import Jurisdiction

    jurisdiction = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code.strip()))
    if jurisdiction is None:
        fail(f"找不到行政区划代码「{code}」。")
    return jurisdiction


def cli_actor() -> str:
    """Who the audit log names for a command: the operating-system user at the terminal."""
    try:
        return f"命令行（{getpass.getuser()}）"
    except (KeyError, OSError):
        return "命令行"
