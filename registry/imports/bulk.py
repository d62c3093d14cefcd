"""Fast bulk inserts for big imports: COPY on PostgreSQL, a plain executemany on SQLite.

The ORM unit of work, and even SQLAlchemy's per-row parameter processing, dominate when a province
imports ~100k matters with their assignments, citations and audit entries; these rows are plain
values, so they go to the driver directly, in the session's own transaction.
"""

import functools
import gc
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Table, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from registry.extensions import db

log = logging.getLogger(__name__)
_told_no_privilege = False
INSUFFICIENT_PRIVILEGE = "42501"


# -- the cyclic garbage collector ------------------------------------------------------------------

_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = True


def without_cycle_collection(fn: Callable) -> Callable:
    """Run fn with Python's cyclic garbage collector paused. Reading and planning a 100k-row file builds
    millions of small objects (cells, rows, planned matters), none in a reference cycle: the collector
    walks them again and again as they pile up and frees nothing (40 % of planning such a file; they
    are freed by reference counting as before). Threads that overlap share one pause; the collector is
    started again when the last of them is done, if it ran before."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        global _gc_holders, _gc_was_enabled
        with _gc_lock:
            if _gc_holders == 0:
                _gc_was_enabled = gc.isenabled()
                gc.disable()
            _gc_holders += 1
        try:
            return fn(*args, **kwargs)
        finally:
            with _gc_lock:
                _gc_holders -= 1
                if _gc_holders == 0 and _gc_was_enabled:
                    gc.enable()

    return wrapper


# -- inserts ---------------------------------------------------------------------------------------


def insert_rows(table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert rows (tuples in the order of `columns`) into table within the current transaction."""
    connection = db.session.connection()
    kinds = [_kind(table, c) for c in columns]
    column_list = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        import psycopg  # here, not at the top: a worker on SQLite never loads it (11 MB)

        driver = connection.connection.driver_connection
        as_json = [i for i, k in enumerate(kinds) if k == "json"]
        statement = f"COPY {table.name} ({column_list}) FROM STDIN"
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    if as_json:
                        row = list(row)
                        for i in as_json:
                            row[i] = _json(row[i])
                    copy.write_row(row)
        except psycopg.errors.IntegrityError as e:  # COPY bypasses SQLAlchemy: raise what an INSERT would
            raise IntegrityError(statement, None, e) from e
        return
    placeholders = ", ".join("?" for _ in columns)
    # Only the columns SQLite needs in another form are converted (a 100k-row import binds ≈ 4M values).
    converted = [(i, _SQLITE[k]) for i, k in enumerate(kinds) if k]
    values = []
    for row in rows:
        if converted:
            row = list(row)
            for i, convert in converted:
                row[i] = convert(row[i])
        values.append(tuple(row))
    if values:
        connection.exec_driver_sql(f"INSERT INTO {table.name} ({column_list}) VALUES ({placeholders})", values)


def _kind(table: Table, column: str) -> str:
    """How a column's values are bound on SQLite: "" as they are, else by _SQLITE."""
    type_ = table.c[column].type
    if isinstance(type_, JSON):
        return "json"
    if isinstance(type_, Boolean):
        return "bool"
    try:
        python_type = type_.python_type
    except NotImplementedError:
        return "any"
    if issubclass(python_type, datetime):
        return "datetime"
    if issubclass(python_type, date):
        return "date"
    return ""


def _sqlite(value: Any) -> Any:
    # What SQLAlchemy's SQLite types would bind: naive UTC timestamps and dates as text.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _json(value: Any) -> str:
    # As on PostgreSQL: orjson's text, the same value as json.dumps's in a fraction of the time.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


_SQLITE = {
    "json": _json,
    "bool": lambda value: None if value is None else int(value),
    "datetime": _sqlite,
    "date": _sqlite,
    "any": _sqlite,
}


def reserve_ids(table: Table, count: int) -> list[int]:
    """Take `count` fresh primary keys for rows inserted with explicit ids, safely under concurrency.

    PostgreSQL: draw them from the table's sequence. SQLite (tables with AUTOINCREMENT): advance the
    table's counter in sqlite_sequence; being a write, this also takes the database's write lock, so
    nobody else can take the same numbers before our transaction ends.
    """
    if count <= 0:
        return []
    connection = db.session.connection()
    name = table.name
    if connection.dialect.name == "postgresql":
        # The sequence is looked up once (pg_get_serial_sequence per row was most of the statement's
        # time), and the ids are read through the driver: 0.1 s for 100k ids instead of 1 s.
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name}).scalar_one()
        with connection.connection.driver_connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", (sequence, count))
            return [id_ for (id_,) in cursor.fetchall()]
    highest = f"(SELECT coalesce(max(id), 0) FROM {name})"
    params = {"n": count, "t": name}
    advance = text(f"UPDATE sqlite_sequence SET seq = max(seq, {highest}) + :n WHERE name = :t")
    if not connection.execute(advance, params).rowcount:
        connection.execute(text(f"INSERT INTO sqlite_sequence (name, seq) SELECT :t, {highest} + :n"), params)
    last = connection.execute(text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": name}).scalar_one()
    return list(range(last - count + 1, last + 1))


@contextmanager
def without_ri_triggers() -> Iterator[bool]:
    """PostgreSQL: the block's statements run with session_replication_role = replica, so the
    per-row foreign-key triggers (RI_FKey_check, one query per row and key: most of a big import's
    time) do not fire; yields True. The caller must have checked, and locked FOR KEY SHARE as those
    triggers would, every row the block's inserts refer to that this transaction did not create.

    The setting is SET LOCAL inside a savepoint and set back to DEFAULT as the block ends; if the
    block fails, rolling back the savepoint restores it too. Nothing outside the block (nor any other
    connection) runs without the triggers. No other triggers or rules exist on the tables the import
    writes (replica mode would skip them as well): see tests/imports/test_fk_fast_path.py.

    Setting the parameter needs superuser or, on PostgreSQL 15+, `GRANT SET ON PARAMETER
    session_replication_role TO <role>`. Without it, or on SQLite, yields False and the block must
    do the ordinary, trigger-checked load; the transaction is unharmed (the refused SET was in a
    savepoint that is rolled back)."""
    global _told_no_privilege
    session = db.session
    if session.connection().dialect.name != "postgresql":
        yield False
        return
    savepoint = session.begin_nested()
    try:
        session.connection().exec_driver_sql("SET LOCAL session_replication_role = replica")
    except DBAPIError as error:
        savepoint.rollback()
        if getattr(error.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        if not _told_no_privilege:
            _told_no_privilege = True
            log.info(
                "Bulk imports check foreign keys row by row: the database role may not set"
                " session_replication_role (GRANT SET ON PARAMETER session_replication_role TO <role>)."
            )
        yield False
        return
    try:
        yield True
        session.connection().exec_driver_sql("SET LOCAL session_replication_role = DEFAULT")
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
