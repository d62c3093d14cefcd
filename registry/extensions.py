"""Flask extensions, created here and bound to the app in create_app()."""

import functools
import ipaddress

import click
from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect

from registry.core.db import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def client_key() -> str:
    """What a limit counts by: the client's address (behind a proxy: PROXY_FIX_X_FOR makes it the real
    one); for IPv6 its /64 network, which one subscriber is usually given whole (it could otherwise take
    a fresh address for every request)."""
    address = get_remote_address() or ""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.7 is the IPv4 client 192.0.2.7
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class Migrations:
    """Flask-Migrate, imported the first time it is used (`flask db …`, the tests' upgrade()): with
    alembic it weighs 9.5 MB, which every web worker, never migrating, would otherwise carry."""

    def init_app(self, app: Flask, directory: str) -> None:
        app.extensions["migrate"] = _MigrateOnFirstUse(app, directory)
        app.cli.add_command(_MigrateCommands("db", help="Perform database migrations."))


class _MigrateOnFirstUse:
    """Stands for Flask-Migrate's app.extensions["migrate"] until an attribute of it is asked for."""

    def __init__(self, app: Flask, directory: str):
        self._app, self._directory = app, directory

    @functools.cached_property
    def _loaded(self):
        from flask_migrate import Migrate

        Migrate(self._app, db, directory=self._directory, compare_type=True, render_as_batch=True)
        return self._app.extensions["migrate"]  # Migrate put its own in this one's place

    def __getattr__(self, name: str):
        return getattr(self._loaded, name)


class _MigrateCommands(click.Group):
    """`flask db …`: Flask-Migrate's commands, imported when one of them is run or listed."""

    def _commands(self) -> click.Group:
        from flask_migrate.cli import db as commands

        return commands

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        return self._commands().get_params(ctx)

    def invoke(self, ctx: click.Context):
        return self._commands().invoke(ctx)  # its callback (-d, -x), then the command asked for

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._commands().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._commands().get_command(ctx, name)


migrate = Migrations()


# Limits are keyed by `client_key`; stored in Redis when REDIS_URL is set, so that every app server
# counts together.
limiter = Limiter(key_func=client_key)
talisman = Talisman()
