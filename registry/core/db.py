"""Declarative base, constraint naming convention and small column helpers."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        if value is not None and dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    if _is_sqlite(dbapi_connection):
        # Let SQLAlchemy, not the driver, begin transactions, so SAVEPOINTs work (SQLAlchemy docs,
        # "Serializable isolation / Savepoints / Transactional DDL"); enforce foreign keys.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")


def lock_row(session, obj) -> None:
    """Take obj's row lock for the rest of the transaction and reload it.

    Two requests changing the same record then run one after the other, and the second sees what
    the first committed (its version, its state) before deciding anything, instead of both passing
    their checks and colliding in a constraint. PostgreSQL: SELECT … FOR UPDATE; SQLite has one
    writer at a time and ignores it."""
    session.refresh(obj, with_for_update=True)


# PostgreSQL's serialization failure and deadlock; SQLite's "another writer holds the database".
_CONFLICT_SQLSTATES = {"40001", "40P01"}


def is_write_conflict(error: Exception) -> bool:
    """Whether a database error means a concurrent writer got in the way (retrying later may succeed)."""
    original = getattr(error, "orig", error)
    return getattr(original, "sqlstate", None) in _CONFLICT_SQLSTATES or "database is locked" in str(original)
