"""The unit of work: one transaction on one ``Session``, with every repository on it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session

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


class SqlAlchemyUnitOfWork:
    """One transaction; leaving the ``with`` block without ``commit()`` rolls back.

    A write unit begins at ``__enter__`` (SQLite: ``BEGIN IMMEDIATE``), so the store's
    write lock is held from the first read: read-modify-write sequences such as the
    wrong-code count cannot interleave with another kiosk's. A read unit begins
    lazily with the first statement. After ``commit()`` the unit may be used again;
    the next statement opens a new transaction of the same kind.
    """

    def __init__(self, bind: Engine, *, write: bool = False) -> None:
        self._write = write
        self._session = Session(bind=bind, autoflush=False, expire_on_commit=False)
        dialect = bind.dialect.name
        self.patients: PatientRepository = SqlPatientRepository(self._session, dialect)
        self.documents: DocumentRepository = SqlDocumentRepository(self._session, dialect)
        self.sync_state: SyncStateRepository = SqlSyncStateRepository(self._session, dialect)
        self.accounts: AccountRepository = SqlAccountRepository(self._session, dialect)
        self.audit: AuditRepository = SqlAuditRepository(self._session, dialect)
        self.outbox: OutboxRepository = SqlOutboxRepository(self._session, dialect)
        self.staff: StaffRepository = SqlStaffRepository(self._session, dialect)

    @property
    def write(self) -> bool:
        return self._write

    def __enter__(self) -> Self:
        if self._write:
            try:
                with translating():
                    self._session.connection()
            except BaseException:
                self._session.close()
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._session.close()  # rolls back whatever was not committed
        except Exception as close_error:
            replacement = store_error_for(close_error)
            if exc is None:  # do not mask the error that ended the block
                if replacement is None:
                    raise
                raise replacement from None

    def commit(self) -> None:
        with translating():
            self._session.commit()

    def rollback(self) -> None:
        with translating():
            self._session.rollback()
