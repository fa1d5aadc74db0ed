"""One sync worker per store (R-SYNC-5).

The lock is outside the database transaction on purpose: a sync runs many short
transactions (one per batch) and must keep the lock across all of them, and a crash
must free it without anyone cleaning up. A ``flock`` dies with its file descriptor and
a PostgreSQL session lock dies with its connection, so both are released by the
kernel or the server when the worker process goes away.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from kiosk.store.errors import translating


class FileSyncLock:
    """SQLite: an exclusive, non-blocking ``flock`` on ``<db>.sync-lock``.

    ``flock`` locks belong to the open file description, so two ``FileSyncLock``
    objects exclude each other even inside one process, as two workers should.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None


# Keyed by schema as well, so that two stores sharing one database are independent.
_PG_KEY = "hashtextextended('kiosk.sync:' || current_schema(), 0)"
_PG_TRY = text(f"SELECT pg_try_advisory_lock({_PG_KEY})")
_PG_UNLOCK = text(f"SELECT pg_advisory_unlock({_PG_KEY})")


class PgAdvisorySyncLock:
    """PostgreSQL: a session advisory lock on a connection kept open until release."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return True
        with translating():
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                got = bool(conn.execute(_PG_TRY).scalar())
            except BaseException:
                conn.close()
                raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(_PG_UNLOCK)
        except Exception:  # closing an invalidated connection frees the lock anyway
            conn.invalidate()
        finally:
            conn.close()

    @property
    def held(self) -> bool:
        return self._conn is not None
