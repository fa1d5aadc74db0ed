"""Turning driver failures into ``StoreError`` with a plain message.

SQLAlchemy's messages quote SQL and bound values, and bound values can be personal
data (names, login digests), so the message of a ``StoreError`` is one of a few fixed
sentences. Engines are also made with ``hide_parameters=True``. The only exception
chained behind a ``StoreError`` is the driver's own (``database is locked``), which
carries neither the statement nor its parameters.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import ExceptionContext

from kiosk.services.ports import StoreError

BUSY = "The database is busy (locked by another process); try again shortly."
NO_SPACE = "The database is out of disk space."
UNREACHABLE = "The database cannot be reached."
FAILED = "The database failed; nothing of the last change was kept."

# Programming mistakes stay what they are: hiding them as "the store failed" would
# send people looking at the disk instead of the code.
_BUGS = (sa_exc.IntegrityError, sa_exc.ProgrammingError, sa_exc.DataError)

# PostgreSQL SQLSTATE classes and codes.
_PG_BUSY = {"55P03", "40001", "40P01", "57014"}  # lock not available, serialisation, deadlock,
#                                                   statement timeout
_PG_NO_SPACE = {"53100"}


def classify(error: BaseException) -> str:
    """The plain message for a driver error."""
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if sqlstate:
        if sqlstate in _PG_BUSY:
            return BUSY
        if sqlstate in _PG_NO_SPACE:
            return NO_SPACE
        if sqlstate.startswith("08") or sqlstate.startswith("57P"):
            return UNREACHABLE
        return FAILED
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):  # SQLite's own result code, low byte the primary one
        primary = code & 0xFF
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return BUSY
        if primary == sqlite3.SQLITE_FULL:
            return NO_SPACE
        if primary == sqlite3.SQLITE_CANTOPEN:
            return UNREACHABLE
        return FAILED
    text = str(error).lower()  # an error raised before SQLite (no result code)
    if "locked" in text or "busy" in text:
        return BUSY
    if "disk is full" in text or "no space" in text:
        return NO_SPACE
    if "unable to open" in text or "connection" in text or "could not connect" in text:
        return UNREACHABLE
    return FAILED


def store_error_for(error: BaseException) -> StoreError | None:
    """A ``StoreError`` for failures of the store itself, ``None`` for bugs and the rest."""
    if isinstance(error, StoreError):
        return error
    if isinstance(error, sa_exc.DBAPIError):
        if isinstance(error, _BUGS):
            return None
        return StoreError(classify(error.orig if error.orig is not None else error))
    if isinstance(error, sa_exc.TimeoutError):  # connection pool exhausted
        return StoreError(BUSY)
    return None


def on_handle_error(context: ExceptionContext) -> None:
    """Engine ``handle_error`` hook: raise ``StoreError`` in place of the driver error."""
    sa_error = context.sqlalchemy_exception
    if sa_error is None or not isinstance(sa_error, sa_exc.DBAPIError):
        return
    replacement = store_error_for(sa_error)
    if replacement is not None:
        raise replacement from None


@contextmanager
def translating() -> Iterator[None]:
    """Catch what the engine hook cannot see (pool time-outs, errors outside execution)."""
    try:
        yield
    except (sa_exc.DBAPIError, sa_exc.TimeoutError) as error:
        replacement = store_error_for(error)
        if replacement is None:
            raise
        raise replacement from None


def raise_driver_error(error: Exception, statement: str, dbapi_error: type[Exception]) -> NoReturn:
    """Raise for an error of a statement sent to the driver directly, not through the engine.

    The same outcome as the engine's ``handle_error`` hook: ``StoreError`` with a plain
    message for failures of the store, SQLAlchemy's wrapper for bugs.
    """
    wrapped = sa_exc.DBAPIError.instance(statement, None, error, dbapi_error, hide_parameters=True)
    replacement = store_error_for(wrapped)
    if replacement is not None:
        raise replacement from None
    raise wrapped from error
