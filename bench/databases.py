"""The two databases a run measures: a SQLite file under bench/data/ and the PostgreSQL database
`bench` on 127.0.0.1:5432 (created and dropped by the run)."""

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_NAME = os.environ.get("BENCH_PG_NAME", "bench")  # province scale; other scales get a suffix


@dataclass(frozen=True)
class Database:
    kind: str  # "sqlite" | "postgresql"
    url: str  # SQLAlchemy URL (driver included)
    env_url: str  # DATABASE_URL as config.py reads it (gunicorn)
    name: str = ""  # the PostgreSQL database name

    @property
    def label(self) -> str:
        return "SQLite" if self.kind == "sqlite" else "PostgreSQL"


def postgres_server() -> str | None:
    """The PostgreSQL server's version string, or None when it does not answer (a psql client need not
    be installed)."""
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
        engine.dispose()
    except SQLAlchemyError:  # refused, unknown host, bad credentials: not available
        return None
    return f"PostgreSQL {version}"


def sqlite(scale: str) -> Database:
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"bench-{scale}.db"
    return Database("sqlite", f"sqlite:///{path}", f"sqlite:///{path}")


def postgresql(scale: str = "province") -> Database:
    name = PG_NAME if scale == "province" else f"{PG_NAME}_{scale}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    return Database("postgresql", url, url.replace("postgresql+psycopg://", "postgresql://", 1), name)


def drop(database: Database) -> None:
    if database.kind == "sqlite":
        path = Path(database.url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)'))
    engine.dispose()


def create(database: Database) -> None:
    """An empty database with the schema built by the project's own migrations."""
    drop(database)
    if database.kind == "postgresql":
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database.name}"'))
        engine.dispose()
    from flask_migrate import upgrade

    app = make_app(database)
    with app.app_context():
        upgrade()
        from registry.extensions import db

        db.engine.dispose()


def exists(database: Database) -> bool:
    if database.kind == "sqlite":
        return Path(database.url.removeprefix("sqlite:///")).exists()
    engine = create_engine(PG_ADMIN_URL)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database.name}).scalar()
    engine.dispose()
    return bool(found)


def make_app(database: Database):
    import config
    from registry import create_app

    bench_config = type(
        "BenchConfig", (config.Config,), {"SQLALCHEMY_DATABASE_URI": database.url, "SECRET_KEY": "bench"}
    )
    return create_app(bench_config)


def analyze(database: Database) -> None:
    """Fresh planner statistics after the bulk load, as a DBA would have (autovacuum does it later)."""
    engine = create_engine(database.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if database.kind == "postgresql":
            conn.execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    engine.dispose()
