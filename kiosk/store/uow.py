"""The unit of work: one transaction on one Core ``Connection``, with every repository on it.

Repositories speak Core and driver SQL only, so the unit holds a plain ``Connection``
rather than an ORM ``Session``: no identity map, no session transaction to build for a
screenful of rows. The connection is checked out of the pool on first use and goes back
to it at ``commit()``/``rollback()`` and at the end of the block.
"""

from __future__ import annotations

import contextlib
from functools import cached_property
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from kiosk.services.ports import (
    AccountRepository,
    AuditRepository,
    DocumentRepository,
    OutboxRepository,
    PatientRepository,
    StaffRepository,
    SyncStateRepository,
)
from kiosk.store.errors import store_error_for, translating
from kiosk.store.repositories import (
    SqlAccountRepository,
    SqlAuditRepository,
    SqlDocumentRepository,
    SqlOutboxRepository,
    SqlPatientRepository,
    SqlStaffRepository,
    SqlSyncStateRepository,
)
from kiosk.store.repositories.dialects import Dialect, dialect_for


class SqlAlchemyUnitOfWork:
    """One transaction; leaving the ``with`` block without ``commit()`` rolls back.

    A write unit begins at ``__enter__`` (SQLite: ``BEGIN IMMEDIATE``), so the store's
    write lock is held from the first read: read-modify-write sequences such as the
    wrong-code count cannot interleave with another kiosk's. A read unit begins
    lazily with the first statement. After ``commit()`` the unit may be used again;
    the next statement opens a new transaction of the same kind.
    """

    def __init__(self, bind: Engine, *, write: bool = False, dialect: Dialect | None = None
                 ) -> None:
        self._bind = bind
        self._write = write
        self._connection: Connection | None = None
        # What differs between the backends (kiosk.store.repositories.dialects); the store
        # picks it once for its engine.
        self._dialect = dialect or dialect_for(bind.dialect.name)

    # Repositories are made on first use: a unit usually needs one of the seven, and a
    # list page's unit is a tenth of a millisecond in all (bench: open_query_ratio).

    @cached_property
    def patients(self) -> PatientRepository:
        return SqlPatientRepository(self, self._dialect)

    @cached_property
    def documents(self) -> DocumentRepository:
        return SqlDocumentRepository(self, self._dialect)

    @cached_property
    def sync_state(self) -> SyncStateRepository:
        return SqlSyncStateRepository(self, self._dialect)

    @cached_property
    def accounts(self) -> AccountRepository:
        return SqlAccountRepository(self, self._dialect)

    @cached_property
    def audit(self) -> AuditRepository:
        return SqlAuditRepository(self, self._dialect)

    @cached_property
    def outbox(self) -> OutboxRepository:
        return SqlOutboxRepository(self, self._dialect)

    @cached_property
    def staff(self) -> StaffRepository:
        return SqlStaffRepository(self, self._dialect)

    @property
    def write(self) -> bool:
        return self._write

    def connection(self) -> Connection:
        """The unit's connection, in a transaction; the first call checks out and begins."""
        conn = self._connection
        if conn is not None:
            return conn
        with translating():
            conn = self._bind.connect()
            try:
                conn.begin()  # the engine's ``begin`` hook picks BEGIN or BEGIN IMMEDIATE
            except BaseException:
                conn.close()
                raise
        self._connection = conn
        return conn

    def __enter__(self) -> Self:
        if self._write:
            self.connection()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._connection = self._connection, None
        if conn is None:
            return
        try:
            conn.close()  # rolls back whatever was not committed
        except Exception as close_error:
            replacement = store_error_for(close_error)
            if exc is None:  # do not mask the error that ended the block
                if replacement is None:
                    raise
                raise replacement from None

    def commit(self) -> None:
        self._end(commit=True)

    def rollback(self) -> None:
        self._end(commit=False)

    def _end(self, *, commit: bool) -> None:
        """End the transaction and give the connection back (as a ``Session`` would)."""
        conn, self._connection = self._connection, None
        if conn is None:
            return
        try:
            with translating():
                if commit:
                    conn.commit()
                else:
                    conn.rollback()
        except BaseException:
            _close_quietly(conn)  # a failed COMMIT is rolled back when the pool takes it
            raise
        with translating():
            conn.close()


def _close_quietly(conn: Connection) -> None:
    with contextlib.suppress(Exception):  # the error that brought us here is the one to report
        conn.close()
