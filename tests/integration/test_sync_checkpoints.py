"""A sync run in ``kiosk sync``'s own process (no worker processes: the source has no
streams, or they are switched off) on a real SQLite file whose units leave the WAL to
the sync: it checkpoints from a thread while it writes and once at its end, as it does
for its workers (issue 18, ``ingest_ratio``), and every batch lands (R-SYNC-1)."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.services.clock import SystemClock
from kiosk.services.ports import SourceBatch
from kiosk.services.sync import SyncService
from kiosk.store.database import open_store
from tests.integration.test_store_contract import doc, patient


class _TwoBatches:
    """The second batch only once a checkpoint has run while the first was written."""

    def __init__(self, checkpointed: threading.Event) -> None:
        self.checkpointed = checkpointed

    def changes(self, cursor: str | None) -> Iterator[SourceBatch]:
        yield SourceBatch(patients=[patient("emr-1")],
                          documents=[doc(f"a{i}") for i in range(200)], cursor="1")
        assert self.checkpointed.wait(10), "no checkpoint while the sync wrote"
        yield SourceBatch(documents=[doc(f"b{i}") for i in range(200)], cursor="2")


def test_a_sync_run_here_checkpoints_while_it_writes_and_at_its_end(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    store = open_store(f"sqlite:///{path}", autocheckpoint=False)  # as kiosk sync's
    store.upgrade()
    during, threads = threading.Event(), set()
    calls: list[str] = []

    def checkpoint() -> None:
        calls.append(threading.current_thread().name)
        store.checkpoint()
        if threading.current_thread() is not threading.main_thread():
            during.set()

    schema_only = path.stat().st_size
    try:
        report = SyncService(_TwoBatches(during), store.uow_factory, SystemClock(),
                             checkpoint=checkpoint).run()  # type: ignore[arg-type]
        # Before the store is closed (closing the last connection checkpoints too): the
        # documents are in the database file itself, not only in its WAL.
        in_file = path.stat().st_size
    finally:
        store.dispose()
    threads.update(calls)
    assert report.error is None and (report.batches, report.documents) == (2, 400)
    assert "sync-checkpoints" in threads  # from its thread, while it wrote
    assert calls[-1] == threading.main_thread().name  # and once more at its end
    assert in_file > schema_only + 400 * 100
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (400,)


def test_a_failing_checkpoint_neither_stops_the_sync_nor_replaces_its_outcome(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A checkpoint that fails (here: a bug, not a ``StoreError``) is logged and left to
    the next one; every batch still lands and the report is the sync's own."""
    store = open_store(f"sqlite:///{tmp_path / 'cache.sqlite3'}", autocheckpoint=False)
    store.upgrade()
    during = threading.Event()

    def broken() -> None:
        during.set()
        raise RuntimeError("a checkpoint bug")

    try:
        with caplog.at_level(logging.WARNING, logger="kiosk.services.sync_workers"):
            report = SyncService(_TwoBatches(during), store.uow_factory, SystemClock(),
                                 checkpoint=broken).run()  # type: ignore[arg-type]
        with store.uow_factory() as uow:
            assert uow.documents.count_all() == 400
    finally:
        store.dispose()
    assert report.error is None and report.documents == 400
    assert "sync checkpoint failed" in caplog.text
