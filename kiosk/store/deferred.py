"""A store opened when it is first needed, and what opens a store in another process.

Nothing here imports SQLAlchemy: the kiosk builds its service graph with a
``DeferredStore`` and opens it right after, in a worker, while Welcome already takes a
sign-in (issue 18, ``ready_ms``). Importing SQLAlchemy and the store's modules is ~60 %
of the graph's build (230–250 ms of the ~330 ms between Welcome's paint and a sign-in
that can start, on a 2-vCPU EPYC); a patient typing a login does not wait for it.

A failed open keeps nothing, and the next use tries again: a kiosk started before its
PostgreSQL server (a clinic coming back after a power cut) serves once the server
answers, instead of saying it cannot start until someone restarts it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kiosk.services.ports import SyncLock, UnitOfWork, UnitOfWorkFactory

if TYPE_CHECKING:
    from kiosk.store.database import Store

DEFAULT_BUSY_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class StoreOpener:
    """``OpenStore`` of ``kiosk.services.sync_workers``: plain values, so it pickles."""

    url: str = field(repr=False)  # may hold a PostgreSQL password
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    autocheckpoint: bool = True

    def __call__(self) -> tuple[UnitOfWorkFactory, Callable[[], None]]:
        from kiosk.store.database import open_store

        store = open_store(self.url, busy_timeout=self.busy_timeout,
                           autocheckpoint=self.autocheckpoint)
        return store.uow_factory, store.dispose


class DeferredStore:
    """The parts of ``Store`` a service graph uses, the store itself opened (and brought
    to the schema's head) by ``open()`` or at the first unit of work, ping, checkpoint
    or sync lock. Thread-safe: a second caller waits for the first one's open."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._lock = threading.Lock()
        self._store: Store | None = None

    @property
    def opened(self) -> bool:
        return self._store is not None

    def open(self) -> Store:
        """The open store; ``StoreError`` (or ``ValueError`` for a URL no store can have)
        when it cannot be opened now — nothing is kept, the next call tries again."""
        store = self._store
        if store is not None:
            return store
        with self._lock:
            if self._store is None:
                from kiosk.store.database import open_store

                opened = open_store(self._url)
                try:
                    opened.upgrade()
                except BaseException:
                    opened.dispose()
                    raise
                self._store = opened
            return self._store

    def uow_factory(self, *, write: bool = False) -> UnitOfWork:
        return self.open().uow_factory(write=write)

    def opener(self) -> StoreOpener:
        """What opens this store in a sync worker process (see ``Store.opener``)."""
        return StoreOpener(self._url, DEFAULT_BUSY_TIMEOUT, autocheckpoint=False)

    def sync_lock(self) -> SyncLock:
        return _DeferredSyncLock(self)

    def checkpoint(self) -> None:
        self.open().checkpoint()

    def ping(self) -> None:
        self.open().ping()

    def dispose(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.dispose()


class _DeferredSyncLock:
    """The store's sync lock, made when it is first asked for (R-SYNC-5)."""

    def __init__(self, store: DeferredStore) -> None:
        self._store = store
        self._lock: SyncLock | None = None

    def try_acquire(self) -> bool:
        if self._lock is None:
            self._lock = self._store.open().sync_lock()
        return self._lock.try_acquire()

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
