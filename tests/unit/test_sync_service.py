"""Sync with fakes: batches with cursor, withdrawals, rejects, the lock (R-SYNC-1..5)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from kiosk.services.ports import Rejected, SourceBatch
from kiosk.services.sync import STREAM, SyncService
from tests.fakes import FakeClock, FakeSource, FakeStore, document, patient


class OneHolderLock:
    held = False

    def try_acquire(self) -> bool:
        if OneHolderLock.held:
            return False
        OneHolderLock.held = True
        return True

    def release(self) -> None:
        OneHolderLock.held = False


def batches() -> list[SourceBatch]:
    return [
        SourceBatch(patients=[patient("e1")],
                    documents=[document("d1", "e1"), document("d2", "e1")]),
        SourceBatch(documents=[document("d3", "e1")], withdrawn=["d1"],
                    rejected=[Rejected("DocumentReference/x", "no creation date")]),
    ]


def test_r_sync_1_batches_commit_with_cursor() -> None:
    """R-SYNC-1: each batch lands with its cursor; a re-run applies nothing twice."""
    store, src = FakeStore(), FakeSource()
    src.batches = batches()
    sync = SyncService(src, store, FakeClock())
    report = sync.run()
    assert (report.batches, report.documents) == (2, 3)
    assert store.data.cursors[STREAM] == "2"
    assert sorted(store.data.documents) == ["d2", "d3"]
    again = sync.run()
    assert again.batches == 0
    assert sorted(store.data.documents) == ["d2", "d3"]


def test_r_sync_1_crash_mid_run_resumes_without_loss() -> None:
    """R-SYNC-1: stopping after batch 1 and resuming ends where a clean run ends."""
    store, src = FakeStore(), FakeSource()
    src.batches = batches()
    SyncService(src, store, FakeClock()).run(max_batches=1)
    assert store.data.cursors[STREAM] == "1"
    SyncService(src, store, FakeClock()).run()
    clean = FakeStore()
    src2 = FakeSource()
    src2.batches = batches()
    SyncService(src2, clean, FakeClock()).run()
    assert store.data.documents == clean.data.documents


def test_r_sync_3_withdrawn_leaves_cache() -> None:
    """R-SYNC-3: an entered-in-error document leaves the cache."""
    store, src = FakeStore(), FakeSource()
    src.batches = batches()
    SyncService(src, store, FakeClock()).run()
    assert "d1" not in store.data.documents


def test_r_sync_4_rejects_logged_rest_goes_in(caplog: pytest.LogCaptureFixture) -> None:
    """R-SYNC-4: a rejected record is logged with its reason; the batch's others land."""
    caplog.set_level(logging.WARNING)
    store, src = FakeStore(), FakeSource()
    src.batches = batches()
    SyncService(src, store, FakeClock()).run()
    assert "d3" in store.data.documents
    assert [r.reason for r, _ in store.data.rejects] == ["no creation date"]
    assert "no creation date" in caplog.text


def test_r_sync_5_second_worker_exits_cleanly() -> None:
    """R-SYNC-5: while one worker holds the store's lock, another skips."""
    lock = OneHolderLock()
    assert lock.try_acquire()
    try:
        report = SyncService(FakeSource(), FakeStore(), FakeClock(), lock=OneHolderLock()).run()
        assert report.skipped
    finally:
        lock.release()


def test_r_ksk_5_source_down_is_reported_not_raised() -> None:
    """R-KSK-5: the source down stops the run with a typed error text; the cache stays."""
    store, src = FakeStore(), FakeSource()
    src.batches = batches()
    SyncService(src, store, FakeClock()).run()
    before = dict(store.data.documents)
    src.down = True
    report = SyncService(src, store, FakeClock()).run()
    assert report.error is not None and report.error.startswith("Unavailable")
    assert store.data.documents == before


def test_r_sync_2_refresh_marks_sync_time() -> None:
    """R-SYNC-2: a sign-in refresh replaces the EMR's documents and stamps its sync time."""
    store, src = FakeStore(), FakeSource()
    from kiosk.services.ports import EmrSnapshot

    clock = FakeClock(datetime(2026, 11, 27, 9, tzinfo=UTC))
    src.snapshots["e1"] = EmrSnapshot(patient("e1"), [document("n1", "e1")])
    with store() as uow:
        uow.documents.upsert_many([document("old", "e1")])
        uow.commit()
    report = SyncService(src, store, clock).refresh(["e1"])
    assert report.refreshed == ["e1"]
    assert sorted(store.data.documents) == ["n1"]
    assert store.data.synced["e1"] == clock.now()


def test_r_show_6_a_completed_run_stamps_when_it_began_and_a_cut_run_does_not() -> None:
    """R-SHOW-6: a run that read every change stamps the moment it began (each cached
    EMR is at least that fresh, touched by the run or not); a run cut short by the
    source or by ``max_batches`` leaves the last complete time as it was."""
    store, src = FakeStore(), FakeSource()
    src.batches = batches()
    clock = FakeClock(datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
    assert SyncService(src, store, clock).run(max_batches=1).error is None
    assert store.data.last_complete_sync is None
    began = clock.now()
    assert SyncService(src, store, clock).run().error is None
    assert store.data.last_complete_sync == began
    assert store.data.synced == {}  # no per-EMR stamps from batches
    clock.advance(hours=24)
    src.down = True
    assert SyncService(src, store, clock).run().error is not None
    assert store.data.last_complete_sync == began
    src.down = False
    clock.advance(hours=1)
    assert SyncService(src, store, clock).run().batches == 0  # nothing new: still complete
    assert store.data.last_complete_sync == clock.now()
