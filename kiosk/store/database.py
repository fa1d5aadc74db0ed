"""Opening a store: engine set-up per backend, the unit-of-work factory, the sync lock.

Nothing here runs at import time; ``open_store`` builds everything, so importing
the package costs no connection and no file.
"""

from __future__ import annotations

import contextlib
import os
import select
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry

from kiosk.services.ports import StoreError, SyncLock
from kiosk.store.deferred import DEFAULT_BUSY_TIMEOUT, StoreOpener
from kiosk.store.errors import on_handle_error, raise_driver_error, translating
from kiosk.store.locks import FileSyncLock, PgAdvisorySyncLock
from kiosk.store.repositories.dialects import dialect_for
from kiosk.store.uow import SqlAlchemyUnitOfWork

#: The newest schema revision this kiosk ships (``migrations/versions``). Kept here so
#: that a kiosk whose store is at it never imports Alembic; a test holds it equal to
#: Alembic's own head, so a new migration cannot be shipped without it.
SCHEMA_HEAD = "0003"

#: Execution option that makes the SQLite ``begin`` hook take the write lock.
WRITE_OPTION = "kiosk_write"

_PG_MIGRATE_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtextextended('kiosk.migrate:' || current_schema(), 0))"
)

DEFAULT_CONNECT_TIMEOUT = 5


class Store:
    """An opened store. ``uow_factory`` is what services receive (``UnitOfWorkFactory``)."""

    def __init__(
        self, engine: Engine, sync_lock_path: Path | None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    ) -> None:
        self.engine = engine
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})
        self._sync_lock_path = sync_lock_path
        self.busy_timeout = busy_timeout  # SQLite's; what opener() hands on
        self._dialect = dialect_for(engine.dialect.name)

    @property
    def url(self) -> URL:
        return self.engine.url

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def uow_factory(self, *, write: bool = False) -> SqlAlchemyUnitOfWork:
        """A new unit of work; ``write=True`` locks for writing from the start."""
        return SqlAlchemyUnitOfWork(self._write_engine if write else self.engine, write=write,
                                    dialect=self._dialect)

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` in one transaction (DDL is transactional on both).

        Two kiosks starting at once must not both try to create the tables: SQLite
        runs the migration under ``BEGIN IMMEDIATE``, PostgreSQL under a transaction
        advisory lock per schema; the second one then finds the schema at head.

        A store already at the shipped head — every start of a kiosk but the first
        after an update — is recognised by one query (``at_head``), without importing
        Alembic: a no-op upgrade cost the kiosk's start 75–85 ms and 17 MB (issue 18,
        ``ready_ms``). Anything else (no schema yet, an older one, one this kiosk does
        not know) goes to Alembic as before.
        """
        if revision in ("head", SCHEMA_HEAD) and self.at_head():
            return
        from kiosk.store import migrate  # Alembic is only needed when migrating

        with translating(), self._write_engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(_PG_MIGRATE_LOCK)
            migrate.upgrade_connection(conn, revision)

    def at_head(self) -> bool:
        """True when the schema's revision is exactly ``SCHEMA_HEAD`` (one query; a store
        without the revision table, a new one, is not at head)."""
        try:
            with translating(), self.engine.connect() as conn:
                rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        except (StoreError, DBAPIError):
            return False  # no revision table yet, or unreadable: Alembic will tell
        return [tuple(row) for row in rows] == [(SCHEMA_HEAD,)]

    def current_revision(self) -> str | None:
        from kiosk.store import migrate

        with translating(), self.engine.connect() as conn:
            return migrate.current_connection(conn)

    def opener(self) -> StoreOpener:
        """What opens this store again in a sync worker process (``OpenStore``).

        The workers' SQLite connections never checkpoint the WAL: the sync's own process,
        idle while they work, does it (``checkpoint``). A checkpoint copies ~32 MiB from
        the WAL into the database, and in the worker of the biggest stream it was a
        tenth of the sync's longest path (docs/performance.md).
        """
        return StoreOpener(self.url.render_as_string(hide_password=False), self.busy_timeout,
                           autocheckpoint=False)

    def checkpoint(self) -> None:
        """Copy what the WAL holds into the database, without waiting for anyone
        (SQLite's ``PASSIVE`` checkpoint; nothing to do on PostgreSQL)."""
        if self.dialect != "sqlite":
            return
        with translating(), self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def sync_lock(self) -> SyncLock:
        """A new, not yet acquired lock object; hold one per sync worker (R-SYNC-5)."""
        if self._sync_lock_path is not None:
            return FileSyncLock(self._sync_lock_path)
        return PgAdvisorySyncLock(self.engine)

    def ping(self) -> None:
        """Raise ``StoreError`` unless the database answers a trivial query."""
        with translating(), self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.dispose()


def open_store(
    url: str | URL, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, autocheckpoint: bool = True
) -> Store:
    """Open a store on a SQLite file (``sqlite:///path``) or PostgreSQL (``postgresql+psycopg://``).

    ``busy_timeout`` (seconds) is how long a SQLite unit waits for another process's
    write lock before it fails with ``StoreError``. ``autocheckpoint=False``: this
    process's SQLite connections leave checkpoints to another (see ``Store.opener``).
    Connections are made lazily; call ``ping()`` to check the database now.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _open_sqlite(parsed, busy_timeout, autocheckpoint)
    if backend == "postgresql":
        return _open_postgresql(parsed)
    raise ValueError(f"unsupported database backend: {backend}")


def _open_sqlite(url: URL, busy_timeout: float, autocheckpoint: bool) -> Store:
    import sqlite3  # the driver the engine loads anyway; only SQLite stores need it here

    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        # Each pooled connection would see its own empty database, and a sync lock on
        # a file next to it would be meaningless.
        raise ValueError("the SQLite store needs a file path (sqlite:///path/to/kiosk.db)")
    path = Path(database)
    if not path.exists() and path.parent.is_dir():
        # Create it private: the cache holds names and medical documents. SQLite gives
        # the -wal and -shm files the same permissions. (A missing directory is left
        # for the first connection to report as a StoreError.)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    # The default pool for a file (QueuePool, no pre-ping: a file does not go away under
    # an open connection); last in, first out so that the connection with the warmest
    # page cache serves the next unit. Reset on return stays a rollback: it is what ends
    # a transaction whose COMMIT failed.
    engine = create_engine(url, hide_parameters=True, pool_use_lifo=True)
    busy_ms = max(0, int(busy_timeout * 1000))

    def on_connect(dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
        # The driver must not open transactions on its own: we emit BEGIN ourselves,
        # choosing IMMEDIATE for write units (the pysqlite recipe of SQLAlchemy's docs).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            # Checkpoint the WAL every ~32 MiB rather than every 4 MiB: a sync batch of
            # 5,000 documents is ~5 MiB, and a checkpoint after every batch costs as much
            # as its inserts. Durability is unchanged (each batch still commits).
            cursor.execute(f"PRAGMA wal_autocheckpoint = {8192 if autocheckpoint else 0}")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    def on_begin(conn: Any) -> None:
        # Straight to the driver: BEGIN is sent for every unit of work, and a statement
        # through the engine costs more than a small query. Failures are translated
        # exactly as the engine's ``handle_error`` hook would translate them.
        statement = "BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "BEGIN"
        try:
            conn.connection.driver_connection.execute(statement)
        except sqlite3.Error as error:
            raise_driver_error(error, statement, sqlite3.Error)

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    event.listen(engine, "handle_error", on_handle_error)
    return Store(engine, path.with_name(path.name + ".sync-lock"), busy_timeout)


def _open_postgresql(url: URL) -> Store:
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = DEFAULT_CONNECT_TIMEOUT
    # No ``pool_pre_ping``: it sent ``SELECT 1`` and waited for the answer at every
    # checkout, a round trip (0.27 ms) on every unit of work, a quarter of a list page's
    # (issue 18, ``pg_open_query_ratio``). A pooled connection the server has closed — a
    # restart, a terminated backend, an idle timeout — is found at checkout without a
    # round trip instead (``_closed_by_server``) and replaced; one that fails later fails
    # its unit with ``StoreError``, and the pool then replaces every connection it holds.
    engine = create_engine(url, hide_parameters=True, connect_args=connect_args)
    event.listen(engine, "checkout", _replace_if_closed)
    event.listen(engine, "handle_error", on_handle_error)
    return Store(engine, None)


def _closed_by_server(dbapi_conn: Any) -> bool:
    """Whether the server has given up this idle pooled connection, asked of the socket.

    An idle connection's socket has nothing to read unless the server sent something
    unasked: when it closes a connection (shutdown, ``pg_terminate_backend``, an idle
    timeout) it sends the reason and then end-of-file. Anything readable, or a closed or
    broken connection, counts as closed: at worst a healthy one is replaced.
    """
    try:
        if dbapi_conn.closed or dbapi_conn.broken:
            return True
        readable, _, _ = select.select([dbapi_conn.pgconn.socket], [], [], 0)
    except Exception:  # no socket any more: psycopg's OperationalError, OSError, ValueError
        return True
    return bool(readable)


def _replace_if_closed(dbapi_conn: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
    """The pool's ``checkout`` hook: ``DisconnectionError`` makes the pool drop this
    connection and check out another (a new one if need be)."""
    if _closed_by_server(dbapi_conn):
        raise DisconnectionError("the server closed this pooled connection")


__all__ = ["Store", "StoreError", "StoreOpener", "open_store"]
