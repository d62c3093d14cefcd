"""Declarative base, constraint naming convention and small column helpers."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator


def _unique_index(constraint, table) -> str:
    return "uq_" if getattr(constraint, "unique", False) else ""


# indico's convention: every index and constraint gets a name from its table and all its columns
# (a multi-column index no longer takes only the first column's name), and unique indexes say so.
NAMING_CONVENTION = {
    "unique_index": _unique_index,
    "ix": "ix_%(unique_index)s%(table_name)s_%(column_0_N_name)s",
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
        # A transaction that is to write at once (a background job recording its end) takes the
        # write lock at BEGIN: waiting for it obeys busy_timeout, while a read transaction that
        # later writes fails at once if another process wrote meanwhile (WAL's snapshot rule).
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writes_wait_their_turn() -> None:
    """Before a request that changes data (POST …) on SQLite: take the write lock at BEGIN, so that a
    request that reads and then writes waits (busy_timeout) for another process's write instead of
    failing at once with "database is locked" (WAL's snapshot rule), which a clerk would see as a
    409 on an ordinary save. PostgreSQL needs nothing: its row locks and retries cover it."""
    from flask import request

    from registry.extensions import db

    session = db.session()
    if request.method in ("GET", "HEAD", "OPTIONS") or session.in_transaction():
        return
    if db.engine.dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_immediate": True})


def lock_row(session, obj) -> None:
    """Take obj's row lock for the rest of the transaction and reload it.

    Two requests changing the same record then run one after the other, and the second sees what
    the first committed (its version, its state) before deciding anything, instead of both passing
    their checks and colliding in a constraint. PostgreSQL: SELECT … FOR UPDATE; SQLite has one
    writer at a time and ignores it."""
    from sqlalchemy.exc import InvalidRequestError
    from sqlalchemy.orm.exc import StaleDataError

    try:
        session.refresh(obj, with_for_update=True)
    except InvalidRequestError as e:  # deleted by the request that held the lock
        raise StaleDataError(f"{type(obj).__name__} was deleted meanwhile") from e


# PostgreSQL's serialization failure and deadlock; SQLite's "another writer holds the database".
_CONFLICT_SQLSTATES = {"40001", "40P01"}


def is_write_conflict(error: Exception) -> bool:
    """Whether a database error means a concurrent writer got in the way (retrying later may succeed)."""
    original = getattr(error, "orig", error)
    return getattr(original, "sqlstate", None) in _CONFLICT_SQLSTATES or "database is locked" in str(original)


def one_of(column: str, values) -> str:
    """A CHECK clause allowing exactly an enum's values: `role IN ('lead', 'cooperating')`."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class PublishedDataImmutable(Exception):
    """Raised when code tries to change or delete something published (a list version, a report)."""


def refuse_changes(model, *, published: Callable[[Any], bool] | None = None) -> None:
    """Make the ORM refuse to update or delete rows of model — all of them, or those for which
    published(row) holds as committed. Published data is fixed by publishing again, never edited.
    (Adding a child row only bumps a version counter, which is no edit.)"""

    def refuse_update(mapper, connection, target):
        if _edits_columns(mapper, target) and (published is None or published(target)):
            raise PublishedDataImmutable(f"{type(target).__name__} {target.id} 已发布，不可修改或删除")

    def refuse_delete(mapper, connection, target):
        if published is None or published(target):
            raise PublishedDataImmutable(f"{type(target).__name__} {target.id} 已发布，不可修改或删除")

    event.listen(model, "before_update", refuse_update)
    event.listen(model, "before_delete", refuse_delete)


def _edits_columns(mapper, target) -> bool:
    from sqlalchemy import inspect

    state = inspect(target)
    version = mapper.version_id_col.key if mapper.version_id_col is not None else None
    return any(
        attribute.key != version and state.attrs[attribute.key].history.has_changes()
        for attribute in mapper.column_attrs
    )


def committed_value(obj, attribute: str):
    """The attribute's value as last loaded from the database, whatever it has been set to since."""
    from sqlalchemy import inspect

    history = inspect(obj).attrs[attribute].history
    return (history.deleted or history.unchanged or history.added or [None])[0]
