"""The kiosk's store opened after its service graph is built (issue 18, ``ready_ms``), on
real SQLite files and the local PostgreSQL: nothing is touched until the store is
opened or used; it opens once, at the schema's head; one that cannot be opened keeps
nothing and is tried again at the next use (a kiosk started before its database serves
once it answers); the sync lock still excludes a second sync (R-SYNC-5)."""

from __future__ import annotations

import pickle
import threading
from pathlib import Path

import pytest

from kiosk.domain.documents import DocKind
from kiosk.services.ports import StoreError, SyncLock, UnitOfWorkFactory
from kiosk.store.database import SCHEMA_HEAD, open_store
from kiosk.store.deferred import DeferredStore, StoreOpener
from tests.integration.test_store_contract import doc


def test_nothing_is_opened_until_the_store_is_used(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    store = DeferredStore(f"sqlite:///{path}")
    opener = store.opener()
    assert not store.opened and not path.exists()
    assert pickle.loads(pickle.dumps(opener)) == opener  # a refresh process opens its own
    assert opener == StoreOpener(f"sqlite:///{path}", autocheckpoint=False)
    assert "cache.sqlite3" not in repr(opener)  # a PostgreSQL URL may hold a password

    factory: UnitOfWorkFactory = store.uow_factory
    with factory(write=True) as uow:  # the first unit opens it, at the schema's head
        uow.documents.upsert_many([doc("d1", emr_id="e1")])
        uow.commit()
    assert store.opened and path.exists()
    assert store.open().current_revision() == SCHEMA_HEAD
    with open_store(f"sqlite:///{path}") as other, other.uow_factory() as uow:
        assert uow.documents.cached(["d1", "d2"]) == {"d1"}  # what it wrote is in the file
    store.dispose()


def test_a_store_that_cannot_open_is_tried_again_at_the_next_use(tmp_path: Path) -> None:
    """Its folder is missing (a disk not mounted yet): a plain ``StoreError``, nothing
    kept; once the folder is there, the next use opens the store."""
    folder = tmp_path / "not-yet"
    store = DeferredStore(f"sqlite:///{folder / 'cache.sqlite3'}")
    with pytest.raises(StoreError):
        store.open()
    assert not store.opened
    with pytest.raises(StoreError), store.uow_factory() as uow:
        uow.documents.count_visible("e1")
    folder.mkdir()
    with store.uow_factory() as uow:
        assert uow.documents.count_visible("e1") == dict.fromkeys(DocKind, 0)
    store.ping()
    store.checkpoint()
    store.dispose()


def test_threads_that_use_it_at_once_share_one_open(tmp_path: Path) -> None:
    store = DeferredStore(f"sqlite:///{tmp_path / 'cache.sqlite3'}")
    opened: list[object] = []
    start = threading.Barrier(4)

    def use() -> None:
        start.wait()
        opened.append(store.open())

    threads = [threading.Thread(target=use) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(opened) == 4 and all(s is opened[0] for s in opened)
    store.dispose()


def test_threads_that_waited_on_a_failed_open_share_its_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store that does not answer costs its time-out once, not once per thread that
    waited for it (the kiosk's pool has four); the next use after that tries again."""
    from kiosk.store import database

    calls: list[int] = []
    entered, gate = threading.Event(), threading.Event()
    real_open = database.open_store

    def open_store(url: str, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            entered.set()
            assert gate.wait(10)  # the first attempt hangs, as on a dead server
            raise StoreError("The database cannot be reached.")
        return real_open(url, **kwargs)

    monkeypatch.setattr(database, "open_store", open_store)
    store = DeferredStore(f"sqlite:///{tmp_path / 'cache.sqlite3'}")
    store._lock = _CountingLock()  # tells when the waiters are at the lock
    errors: list[BaseException] = []

    def use() -> None:
        try:
            store.open()
        except StoreError as err:
            errors.append(err)

    threads = [threading.Thread(target=use) for _ in range(4)]
    threads[0].start()
    assert entered.wait(10)
    for t in threads[1:]:
        t.start()
    for _ in range(1000):
        if store._lock.arrived == 4:
            break
        threading.Event().wait(0.01)
    assert store._lock.arrived == 4
    gate.set()
    for t in threads:
        t.join(10)
    assert len(calls) == 1  # one attempt for four threads
    assert [str(e) for e in errors] == ["The database cannot be reached."] * 4
    assert store.open() is store.open()  # the next use opens it
    assert len(calls) == 2
    store.dispose()


class _CountingLock:
    """A lock that counts the threads that have come to it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = threading.Lock()
        self.arrived = 0

    def __enter__(self) -> None:
        with self._count:
            self.arrived += 1
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def test_a_disposed_store_opens_no_more(tmp_path: Path) -> None:
    """Shutdown: ``dispose`` waits for nobody, and nothing is opened after it."""
    path = tmp_path / "cache.sqlite3"
    never = DeferredStore(f"sqlite:///{path}")
    never.dispose()
    with pytest.raises(StoreError):
        never.open()
    assert not path.exists()
    store = DeferredStore(f"sqlite:///{path}")
    store.open()
    store.dispose()
    with pytest.raises(StoreError), store.uow_factory() as uow:
        uow.documents.count_visible("e1")


def test_its_sync_lock_excludes_a_second_sync_r_sync_5(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cache.sqlite3'}"
    store = DeferredStore(url)
    lock: SyncLock = store.sync_lock()
    lock.release()  # never acquired: nothing to release
    assert not store.opened
    assert lock.try_acquire()
    assert store.opened
    with open_store(url) as other:
        second = other.sync_lock()
        assert not second.try_acquire()
        lock.release()
        assert second.try_acquire()
        second.release()
    store.dispose()


@pytest.mark.postgres
def test_postgresql_opens_at_first_use_and_a_dead_server_is_a_store_error(
    pg_schema_url: str,
) -> None:
    dead = DeferredStore("postgresql+psycopg://kiosk@127.0.0.1:1/test?connect_timeout=2")
    with pytest.raises(StoreError):
        dead.ping()
    assert not dead.opened
    store = DeferredStore(pg_schema_url)
    try:
        with store.uow_factory() as uow:
            assert uow.documents.count_visible("nobody") == dict.fromkeys(DocKind, 0)
        assert store.opened
    finally:
        store.dispose()
