"""What every domain's commands share: failing cleanly and naming the actor."""

import getpass

import click

from registry.extensions import db


def fail(message: str) -> None:
    db.session.rollback()
    raise click.ClickException(message)


def require(value, message: str):
    """value, unless it is None: then fail with message."""
    if value is None:
        fail(message)
    return value


def cli_actor() -> str:
    """Who the audit log names for a command: the operating-system user at the terminal."""
    try:
        return f"命令行（{getpass.getuser()}）"
    except (KeyError, OSError):
        return "命令行"
