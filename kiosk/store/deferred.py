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

from kiosk.services.ports import StoreError, SyncLock, UnitOfWork, UnitOfWorkFactory

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
    or sync lock.

    Thread-safe. A caller that waited while another's open failed gets that failure
    rather than a second attempt of its own: a PostgreSQL server that does not answer
    costs its connect timeout once, not once per waiting thread. ``dispose`` does not
    wait for an open in progress (shutdown on the GUI thread); that open then closes
    what it opened, and the store opens no more.
    """

    def __init__(self, url: str, *, autocheckpoint: bool = True) -> None:
        self._url = url
        self._autocheckpoint = autocheckpoint  # see ``open_store``
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._finished = 0  # attempts to open that have ended, in failure or not
        self._failure: Exception | None = None
        self._closed = False

    @property
    def opened(self) -> bool:
        return self._store is not None and not self._closed

    def open(self) -> Store:
        """The open store; ``StoreError`` (or ``ValueError`` for a URL no store can have)
        when it cannot be opened now — nothing is kept, the next call tries again."""
        store = self._store
        if store is not None and not self._closed:
            return store
        finished = self._finished
        with self._lock:
            if self._closed:
                raise StoreError(CLOSED)
            if self._store is not None:
                return self._store
            failure = self._failure
            if finished != self._finished and failure is not None:  # the attempt waited for
                if isinstance(failure, StoreError):
                    raise StoreError(*failure.args) from None
                raise failure
            self._failure = None  # this attempt's outcome, whatever ends it
            try:
                opened = self._open_now()
            except Exception as err:
                self._failure = err
                raise
            finally:
                self._finished += 1
            self._failure = None
            self._store = opened
        if self._closed:  # disposed while it opened: ``dispose`` may not have seen it
            opened.dispose()
            raise StoreError(CLOSED)
        return opened

    def _open_now(self) -> Store:
        from kiosk.store.database import open_store

        opened = open_store(self._url, autocheckpoint=self._autocheckpoint)
        try:
            # A store that does not answer fails here, once, rather than after
            # ``upgrade`` has taken it for one without a schema and gone to Alembic.
            opened.ping()
            opened.upgrade()
        except BaseException:
            opened.dispose()
            raise
        return opened

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
        self._closed = True
        store = self._store
        if store is not None:
            store.dispose()


#: ``StoreError``'s message once the kiosk has closed its store (it is shutting down).
CLOSED = "The store is closed: the kiosk is shutting down."


class _DeferredSyncLock:
    """The store's sync lock, made when it is first asked for (R-SYNC-5)."""

    def __init__(self, store: DeferredStore) -> None:
        self._store = store
        self._made = threading.Lock()
        self._lock: SyncLock | None = None

    def try_acquire(self) -> bool:
        with self._made:  # two threads at once must share one lock, not make two
            if self._lock is None:
                self._lock = self._store.open().sync_lock()
            lock = self._lock
        return lock.try_acquire()

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
