"""The one seam where SQLite and PostgreSQL differ: a ``Dialect`` per backend.

The unit of work picks its engine's dialect once (``dialect_for``) and hands it to
its repositories, which ask it for what their backend does its own way:

* ``insert`` — the backend's ``INSERT … ON CONFLICT`` construct (``Upsert``);
* ``instant``, ``day``, ``instant_text`` — how an instant or a date goes to the
  driver, and how a raw read selects an instant (SQLite keeps instants as
  fixed-width UTC text, PostgreSQL as ``timestamptz``);
* ``upsert``, ``bulk_upsert`` — writing ready rows by key: on SQLite one
  ``executemany`` of positional tuples on the driver, on PostgreSQL SQLAlchemy's
  ``executemany`` or, for many rows, ``COPY`` into a staging table;
* ``read`` — a read-only ``SELECT`` straight on the driver connection;
* ``for_update``, ``lock_row``, ``lock_named`` — locks: a SQLite write unit holds the
  database's lock from ``BEGIN IMMEDIATE`` on, so SQLite takes none of its own;
  PostgreSQL locks rows (creating a missing one first) and names (advisory locks).

The hot paths on SQLite — the list page and the sync's bulk upserts — hand SQL text
compiled once from Core constructs, with ready positional values, to the driver
(``exec_driver_sql``), the values converted by hand exactly as the column types would:
SQLAlchemy's per-row parameter processing costs about as much as SQLite's own insert.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Date,
    MetaData,
    Select,
    Table,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import sqlite

from kiosk.store.errors import raise_driver_error
from kiosk.store.models import to_sqlite_text
from kiosk.store.repositories.base import CHUNK, Upsert, chunks


def _same(value: Any) -> Any:
    return value


class Dialect(ABC):
    """What one backend does its own way (see the module's note); one instance per
    backend, shared by every unit of work on it, holding its compiled statements."""

    name: str
    #: An aware instant as the driver takes it for an instant column (naive refused).
    instant: Callable[[datetime], Any]
    #: A date as the driver takes it for a date column.
    day: Callable[[date], Any]

    @abstractmethod
    def insert(self, table: Table) -> Any:
        """The backend's ``INSERT`` construct, with ``on_conflict_do_update``."""

    @abstractmethod
    def instant_text(self, column: Any) -> ColumnElement[Any]:
        """What a raw read selects for an instant column: the fixed-width UTC text that
        SQLite stores (``to_sqlite_text``), so that one parse reads it from either
        backend: ``datetime.fromisoformat(text + "+00:00")``."""

    @abstractmethod
    def upsert(self, conn: Connection, upsert: Upsert, rows: Sequence[tuple[Any, ...]]) -> None:
        """Rows by key: tuples in ``upsert.columns`` order, values as ``instant`` and
        ``day`` give them; nothing at all for no rows."""

    @abstractmethod
    def bulk_upsert(self, conn: Connection,
                    *parts: tuple[Upsert, Sequence[tuple[Any, ...]]]) -> None:
        """Many rows of one table, in one or more shapes (an ``Upsert`` each, the same
        keys, the same columns given or cleared); a key is in one part only. Within a
        part, a key given twice ends with its last row."""

    @abstractmethod
    def read(self, conn: Connection, stmt: Select[Any], params: Mapping[str, Any]
             ) -> list[Any]:
        """The rows of a read-only ``stmt`` with a ``LIMIT`` (a page), as the driver
        gives them (instants by ``instant_text``), read on the driver connection: the
        engine's statement machinery costs as much as a small indexed read."""

    @abstractmethod
    def for_update(self, stmt: Select[Any]) -> Select[Any]:
        """``stmt`` locking the rows it reads until the transaction ends."""

    @abstractmethod
    def lock_row(self, conn: Connection, table: Table, new: Mapping[str, Any],
                 stmt: Select[Any]) -> Any:
        """The row ``stmt`` reads (or ``None``), locked until the transaction ends; a
        row lock needs a row, so where one is taken a missing row is inserted as ``new``
        first."""

    @abstractmethod
    def lock_named(self, conn: Connection, scope: str, key: str) -> None:
        """Serialise the transactions that name ``(scope, key)``, until each ends."""


class SqliteDialect(Dialect):
    """SQLite: positional tuples on the driver; no locks beyond the write unit's own
    (``BEGIN IMMEDIATE`` holds the database's write lock from the unit's start)."""

    name = "sqlite"
    #: Fixed-width UTC text, the form ``UtcDateTime`` stores (text order = time order).
    instant = staticmethod(to_sqlite_text)

    def __init__(self) -> None:
        dialect = sqlite.dialect()
        day = Date().dialect_impl(dialect).bind_processor(dialect)
        assert day is not None
        self.day = day  # what the Date type stores on SQLite (ISO text), from SQLAlchemy
        self._upsert_sql: dict[Upsert, str] = {}
        #: id(statement) → (SQL text, the driver's positional values from the params).
        self._read_sql: dict[int, tuple[str, Callable[[Mapping[str, Any]], Any]]] = {}

    def insert(self, table: Table) -> Any:
        return sqlite.insert(table)

    def instant_text(self, column: Any) -> ColumnElement[Any]:
        stored: ColumnElement[Any] = column
        return stored

    def upsert(self, conn: Connection, upsert: Upsert, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        sql = self._upsert_sql.get(upsert)
        if sql is None:
            compiled = upsert.statement(self).compile(dialect=conn.dialect,
                                                      column_keys=list(upsert.columns))
            if tuple(compiled.positiontup or ()) != upsert.columns:  # pragma: no cover
                raise RuntimeError(f"unexpected parameter order in the {upsert.table.name} upsert")
            sql = self._upsert_sql[upsert] = str(compiled)
        if len(rows) <= CHUNK:
            conn.exec_driver_sql(sql, list(rows))
            return
        for chunk in chunks(rows, CHUNK):
            conn.exec_driver_sql(sql, list(chunk))

    def read(self, conn: Connection, stmt: Select[Any], params: Mapping[str, Any]
             ) -> list[Any]:
        """Inside the unit's transaction; failures are translated as the engine's
        ``handle_error`` hook would."""
        cached = self._read_sql.get(id(stmt))
        if cached is None:
            # SQLite's compiler adds an ``OFFSET ?`` of its own to a LIMIT; a literal 0
            # keeps the driver's values exactly the statement's parameters.
            compiled = stmt.offset(literal_column("0")).compile(dialect=conn.dialect)
            names = list(compiled.positiontup or ())
            if len(names) < 2 or not set(names) <= set(params):  # pragma: no cover
                raise RuntimeError("a raw read takes two parameters or more, and a LIMIT")
            cached = self._read_sql[id(stmt)] = (str(compiled), itemgetter(*names))
        sql, values = cached
        driver: Any = conn.connection.driver_connection
        try:
            rows: list[Any] = driver.execute(sql, values(params)).fetchall()
        except sqlite3.Error as error:
            raise_driver_error(error, sql, sqlite3.Error)
        return rows

    def bulk_upsert(self, conn: Connection,
                    *parts: tuple[Upsert, Sequence[tuple[Any, ...]]]) -> None:
        for upsert, rows in parts:
            self.upsert(conn, upsert, rows)

    # The write unit's ``BEGIN IMMEDIATE`` holds the database's write lock: no lock of
    # a row or a name could add anything.

    def for_update(self, stmt: Select[Any]) -> Select[Any]:
        return stmt

    def lock_row(self, conn: Connection, table: Table, new: Mapping[str, Any],
                 stmt: Select[Any]) -> Any:
        return conn.execute(stmt).first()

    def lock_named(self, conn: Connection, scope: str, key: str) -> None:
        return


class PostgresDialect(Dialect):
    """PostgreSQL: SQLAlchemy's ``executemany`` or ``COPY`` for writes; row locks with
    ``SELECT … FOR UPDATE``, named locks with transaction-scoped advisory locks. Its
    SQLAlchemy dialect and psycopg are imported on first use: with them come the
    asyncpg dialect and asyncio, ~35 ms of a SQLite kiosk's start for nothing (issue 18,
    ``ready_ms``)."""

    name = "postgresql"

    _LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended("
                 "CAST(:scope AS text) || ':' || current_schema() || ':' || :key, 0))")

    def __init__(self) -> None:
        self._read_sql: dict[int, str] = {}
        #: (table, columns, keys, only changed) → the staged rows' merge, compiled once.
        self._merge_sql: dict[tuple[Any, ...], str] = {}

    def insert(self, table: Table) -> Any:
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)

    day = staticmethod(_same)

    @staticmethod
    def instant(at: datetime) -> Any:
        if at.utcoffset() is None:
            raise ValueError("datetime without a time zone")
        return at

    def instant_text(self, column: Any) -> ColumnElement[Any]:
        """In UTC whatever the session's time zone. The server formats the text faster
        than psycopg reads a ``timestamptz`` and Python moves it to UTC."""
        utc = func.timezone(literal_column("'UTC'"), column)
        text_ = func.to_char(utc, literal_column("'YYYY-MM-DD\"T\"HH24:MI:SS.US'"))
        return text_.label(f"{column.name}_utc")

    def upsert(self, conn: Connection, upsert: Upsert, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        stmt, columns = upsert.statement(self), upsert.columns
        for chunk in chunks(rows, CHUNK):
            conn.execute(stmt, [dict(zip(columns, row, strict=True)) for row in chunk])

    def bulk_upsert(self, conn: Connection,
                    *parts: tuple[Upsert, Sequence[tuple[Any, ...]]]) -> None:
        """``COPY`` into a temporary table, then one ``INSERT … SELECT … ON CONFLICT``
        into the table (issue 18, ``pg_sync_ratio``).

        SQLAlchemy's ``executemany`` spent ~30 µs of Python per document on parameter
        processing; ``COPY`` takes the rows in C (~4 µs) and the server does the upsert
        in one statement. That statement must not meet a key twice, so within a part
        one row of a key is kept, the one writing them in order leaves (``latest``).
        The staging table is made in the transaction that uses it and dropped at its
        end (so it always has the table's current columns, defaults included: what a
        part's ``cleared`` columns take), emptied after each use within it.
        """
        parts = tuple((upsert, rows) for upsert, rows in parts if rows)
        if not parts:
            return
        first = parts[0][0]
        stage = f"kiosk_{first.table.name}_in"
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} "
                             f"(LIKE {first.table.name} INCLUDING DEFAULTS) ON COMMIT DROP")
        for upsert, rows in parts:
            _copy(conn, f"COPY {stage} ({', '.join(upsert.columns)}) FROM STDIN",
                  upsert.latest(rows))
        conn.exec_driver_sql(self._merge(conn, first, stage))
        conn.exec_driver_sql(f"TRUNCATE {stage}")

    def _merge(self, conn: Connection, upsert: Upsert, stage: str) -> str:
        """The staged rows into the table: ``upsert``'s statement (its columns and
        cleared ones, only changed rows rewritten) with ``SELECT … FROM`` the staging
        table for ``VALUES``; compiled once."""
        table = upsert.table
        names = [c.name for c in table.columns if c.name in (*upsert.columns, *upsert.cleared)]
        key = (table.name, tuple(names), upsert.keys, upsert.only_changed, upsert.newer)
        sql = self._merge_sql.get(key)
        if sql is None:
            staged = Table(stage, MetaData(), *(Column(c.name, c.type) for c in table.columns))
            insert = self.insert(table).from_select(names, select(*(staged.c[n] for n in names)))
            new = {name: insert.excluded[name] for name in names if name not in upsert.keys}
            stmt = insert.on_conflict_do_update(index_elements=list(upsert.keys), set_=new,
                                                where=upsert.condition(insert, new))
            sql = self._merge_sql[key] = str(stmt.compile(dialect=conn.dialect))
        return sql

    def read(self, conn: Connection, stmt: Select[Any], params: Mapping[str, Any]
             ) -> list[Any]:
        """When the read is its unit's first statement — a screen asking for a page — it
        runs in autocommit: a single read sees the same committed rows inside a
        transaction or not (READ COMMITTED), and the unit's ``BEGIN`` and ``ROLLBACK``
        were two more round trips (issue 18, ``pg_open_query_ratio``). Failures are
        translated as the engine's ``handle_error`` hook would."""
        import psycopg
        from psycopg.pq import TransactionStatus

        sql = self._read_sql.get(id(stmt))
        if sql is None:
            sql = self._read_sql[id(stmt)] = str(stmt.compile(dialect=conn.dialect))
        driver: Any = conn.connection.driver_connection
        try:
            if driver.info.transaction_status != TransactionStatus.IDLE:
                rows: list[Any] = driver.execute(sql, params).fetchall()
                return rows
            driver.autocommit = True
            try:
                rows = driver.execute(sql, params).fetchall()
            finally:
                driver.autocommit = False
        except psycopg.Error as error:
            raise_driver_error(error, sql, psycopg.Error)
        return rows

    def for_update(self, stmt: Select[Any]) -> Select[Any]:
        return stmt.with_for_update()

    def lock_row(self, conn: Connection, table: Table, new: Mapping[str, Any],
                 stmt: Select[Any]) -> Any:
        keys = [c.name for c in table.primary_key.columns]
        conn.execute(self.insert(table).values(**new).on_conflict_do_nothing(index_elements=keys))
        return conn.execute(stmt.with_for_update()).first()

    def lock_named(self, conn: Connection, scope: str, key: str) -> None:
        """A transaction-scoped advisory lock, per schema, so that two stores in one
        database do not wait on each other."""
        conn.execute(self._LOCK, {"scope": scope, "key": key})


def _copy(conn: Connection, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """``rows`` through the driver's ``COPY … FROM STDIN``; failures translated as the
    engine's ``handle_error`` hook would."""
    driver: Any = conn.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except Exception as error:
        import psycopg

        if not isinstance(error, psycopg.Error):
            raise
        raise_driver_error(error, sql, psycopg.Error)


_DIALECTS: dict[str, Dialect] = {"sqlite": SqliteDialect(), "postgresql": PostgresDialect()}


def dialect_for(name: str) -> Dialect:
    """The dialect of an engine's backend (``Engine.dialect.name``)."""
    try:
        return _DIALECTS[name]
    except KeyError:
        raise ValueError(f"unsupported database backend: {name}") from None
