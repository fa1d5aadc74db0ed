"""Filling the cache from the EMR source (R-SYNC-1..5, R-SHOW-6).

A batch and its cursor commit in one transaction, so a crash between batches loses
nothing and a crash inside one keeps nothing of it; the store upserts by id, so a batch
read twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.domain.documents import Document
from kiosk.services.ports import (
    Clock,
    CountingSource,
    EmrSource,
    PagedSnapshotSource,
    Rejected,
    SourceBatch,
    StoreError,
    StreamingSource,
    SyncLock,
    Timeout,
    Unavailable,
    UnitOfWork,
    UnitOfWorkFactory,
    UpstreamError,
)
from kiosk.services.session import Session
from kiosk.services.sync_workers import (
    NoSyncWorkers,
    RefreshWorker,
    SyncWorkers,
    checkpoints,
)

log = logging.getLogger(__name__)

STREAM = "emr"
#: The most documents a sign-in refresh writes in one transaction (a FHIR page is 500).
REFRESH_CHUNK = 500


@dataclass(slots=True)
class SyncReport:
    batches: int = 0
    patients: int = 0
    documents: int = 0
    withdrawn: int = 0
    rejected: int = 0
    error: str | None = None  # the upstream or store failure that stopped the run
    skipped: bool = False  # another worker holds the store's sync lock

    def counts(self) -> dict[str, int]:
        """What was applied (a worker process reports these to the sync)."""
        return {name: getattr(self, name) for name in _COUNTED}

    def add(self, counts: dict[str, int]) -> None:
        for name in _COUNTED:
            setattr(self, name, getattr(self, name) + counts.get(name, 0))


_COUNTED = ("batches", "patients", "documents", "withdrawn", "rejected")


@dataclass(slots=True)
class RefreshReport:
    refreshed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class SyncService:
    """``workers``: run the source's streams in worker processes (``kiosk sync`` on a
    multi-core PC, see ``sync_workers``); without them, or for a source that has no
    streams, batches are applied here one after another. ``refresher``: run the
    sign-in refresh in a process of its own (the kiosk's, see ``RefreshWorker``);
    without it, or when it cannot start, the refresh runs here. ``checkpoint``: the
    store's units do not checkpoint their own writes (``kiosk sync``'s store); a sync run
    here calls this from a thread every ``CHECKPOINT_EVERY`` seconds and once at its end,
    as this process does for its workers."""

    def __init__(
        self,
        source: EmrSource,
        uow: UnitOfWorkFactory,
        clock: Clock,
        lock: SyncLock | None = None,
        workers: SyncWorkers | None = None,
        refresher: RefreshWorker | None = None,
        checkpoint: Callable[[], None] | None = None,
    ) -> None:
        self._source = source
        self._uow = uow
        self._clock = clock
        self._lock = lock
        self._workers = workers
        self._refresher = refresher
        self._checkpoint = checkpoint

    def pending(self) -> int | None:
        """Records the source holds past the stored cursor, when it can tell."""
        if not isinstance(self._source, CountingSource):
            return None
        with self._uow() as uow:
            cursor = uow.sync_state.get_cursor(STREAM)
        try:
            return self._source.pending(cursor)
        except UpstreamError:
            return None

    def cached_documents(self) -> int:
        with self._uow() as uow:
            return uow.documents.count_all()

    def run(self, max_batches: int | None = None) -> SyncReport:
        """Apply source changes since the stored cursor; one worker per store (R-SYNC-5)."""
        report = SyncReport()
        if self._lock is not None and not self._lock.try_acquire():
            report.skipped = True
            log.info("sync skipped: another worker holds the lock")
            return report
        started = self._clock.now()
        try:
            with self._uow() as uow:
                cursor = uow.sync_state.get_cursor(STREAM)
            if max_batches is None and self._run_streams(cursor, report):
                if report.error is None:
                    self._completed(started)
                return report
            with checkpoints(self._checkpoint):
                for batch in self._source.changes(cursor):
                    self._apply(batch, report)
                    if max_batches is not None and report.batches >= max_batches:
                        break
                else:  # read to the end, not cut short by max_batches
                    self._completed(started)
        except (UpstreamError, StoreError) as err:
            report.error = f"{type(err).__name__}: {err}"
            log.warning("sync stopped: %s", report.error)
        finally:
            if self._lock is not None:
                self._lock.release()
        return report

    def _completed(self, started: datetime) -> None:
        """Every change the source had when the run began is in the cache now: each
        cached EMR's data is at least that fresh (R-SHOW-6), touched by the run or not."""
        with self._uow(write=True) as uow:
            uow.sync_state.set_last_complete_sync(started)
            uow.commit()

    def _run_streams(self, cursor: str | None, report: SyncReport) -> bool:
        """The streams in worker processes; False when this process must do the work."""
        if self._workers is None or not isinstance(self._source, StreamingSource):
            return False
        if cursor is None:
            # The row the workers lock to merge their parts into (PostgreSQL: FOR
            # UPDATE finds no row to lock before the first batch ever).
            with self._uow(write=True) as uow:
                uow.sync_state.set_cursor(STREAM, None)
                uow.commit()
        try:
            self._workers.run(self._source.streams(cursor), self._clock, report)
        except NoSyncWorkers as err:
            log.warning("sync runs in this process: %s", err)
            return False
        if report.error:
            log.warning("sync stopped: %s", report.error)
        return True

    def _apply(self, batch: SourceBatch, report: SyncReport) -> None:
        apply_batch(self._uow, self._clock, batch, report)
        log_rejects(batch.rejected)

    def refresh(self, emr_ids: Iterable[str]) -> RefreshReport:
        """R-SYNC-2: bring the signed-in user's EMRs up to date; failures leave the cache."""
        result = RefreshReport()
        pending = list(emr_ids)
        for n, emr_id in enumerate(pending):
            try:
                self._refresh_emr(emr_id)
                result.refreshed.append(emr_id)
            except (UpstreamError, StoreError) as err:
                log.warning("refresh of an EMR failed: %s", type(err).__name__)
                result.failed.append(emr_id)
                if isinstance(err, (Timeout, Unavailable)):
                    # The source is down or hung, not this EMR: asking again for each of
                    # the others would hold the refresh for one timeout per EMR (R-KSK-5).
                    result.failed.extend(pending[n + 1 :])
                    break
        return result

    def _refresh_emr(self, emr_id: str) -> None:
        """One EMR's snapshot, written as it is read, in transactions of at most
        ``REFRESH_CHUNK`` documents (issue 18, ``open_field_ms``): whoever else writes
        — the audit append of an EMR opened meanwhile — waits for one of them, not for
        the whole EMR. The last transaction drops the cached documents the source no
        longer has (R-SYNC-3), records the rejects and marks the EMR synced: a refresh
        that fails before it leaves the EMR stale (R-SHOW-6), its documents written so
        far each a valid upstream document.

        Only documents cached before the refresh began can be dropped: one that a full
        sync running meanwhile adds after the source's page was read is not in the
        snapshot, and the sync's cursor has passed it, so dropping it would lose it
        until the next full resync. The other way round, a document cached before the
        refresh began and gone when its page is written was withdrawn meanwhile by a
        full sync (its entry in error): the page, read earlier, does not bring it back
        (``_still_cached``); nor does an older version of one the sync rewrote replace
        it (``Document.updated``). A patient cached before and gone was withdrawn, with
        the EMR's documents: the refresh then writes nothing more of that EMR."""
        source = self._source
        with self._uow() as uow:
            before = uow.documents.ids_of_emr(emr_id)
            had_patient = uow.patients.get(emr_id) is not None
        parts = (source.snapshot_pages(emr_id) if isinstance(source, PagedSnapshotSource)
                 else iter([source.snapshot(emr_id)]))
        seen: set[str] = set()
        rejected: list[Rejected] = []
        for part in parts:
            foreign = sum(1 for d in part.documents if d.emr_id != emr_id)
            if foreign:
                raise ValueError(f"{foreign} document(s) of another EMR in a snapshot")
            documents = part.documents
            for at in range(0, max(1, len(documents)), REFRESH_CHUNK):
                chunk = documents[at : at + REFRESH_CHUNK]
                if not chunk and part.patient is None:
                    continue
                with self._uow(write=True) as uow:
                    if had_patient and uow.patients.get(emr_id) is None:
                        # A full sync withdrew the patient (and the EMR's documents)
                        # after this snapshot was read: nothing of it is written back.
                        log.info("refresh stopped: the EMR was withdrawn meanwhile")
                        return
                    if part.patient is not None and at == 0:
                        uow.patients.upsert_many([part.patient])
                    uow.documents.upsert_many(_still_cached(uow, chunk, before))
                    uow.commit()
            seen.update(d.doc_id for d in documents)
            rejected.extend(part.rejected)
        now = self._clock.now()
        gone = before - seen
        with self._uow(write=True) as uow:
            uow.documents.delete_many(sorted(gone))
            uow.sync_state.add_rejects(rejected, now)
            uow.sync_state.mark_emr_synced([emr_id], now)
            uow.commit()
        log_rejects(rejected)

    def refresh_session(self, session: Session) -> RefreshReport:
        """R-SYNC-2 / R-SHOW-6 at sign-in: refresh the session's EMRs and remember which
        could not be refreshed, so their cards say «Данные на …»."""
        emr_ids = [g.emr_id for g in session.grants]
        report = self._refresh_elsewhere(emr_ids)
        if report is None:
            report = self.refresh(emr_ids)
        with session.lock:
            session.stale_emrs = set(report.failed)
        return report

    def prepare_refresh(self) -> None:
        """Get the refresh's process ready before the first sign-in needs it."""
        if self._refresher is not None:
            self._refresher.warm()

    def _refresh_elsewhere(self, emr_ids: list[str]) -> RefreshReport | None:
        if self._refresher is None or not emr_ids:
            return None
        try:
            return self._refresher.run(emr_ids, self._clock)
        except NoSyncWorkers as err:
            log.warning("refresh runs in this process: %s", err)
            return None


def _still_cached(uow: UnitOfWork, chunk: Sequence[Document],
                  before: set[str]) -> Sequence[Document]:
    """``chunk`` without the documents that were cached when the refresh began and are
    not now: a full sync withdrew them after the refresh's page was read. Asked in the
    unit that writes the chunk (on SQLite it holds the write lock already)."""
    were = [d.doc_id for d in chunk if d.doc_id in before]
    if not were:
        return chunk
    held = uow.documents.cached(were)
    if len(held) == len(were):
        return chunk
    return [d for d in chunk if d.doc_id not in before or d.doc_id in held]


def apply_batch(
    uow_factory: UnitOfWorkFactory, clock: Clock, batch: SourceBatch, report: SyncReport,
    merge_cursor: Callable[[str | None, str | None], str | None] | None = None,
) -> None:
    """One batch and its cursor in one transaction (R-SYNC-1); ``merge_cursor`` folds a
    stream's part of the cursor into the stored one, under the row's lock."""
    now = clock.now()
    with uow_factory(write=True) as uow:
        uow.patients.upsert_many(batch.patients)
        uow.documents.upsert_many(batch.documents)
        uow.documents.delete_many(batch.withdrawn)
        uow.patients.delete_many(batch.withdrawn_patients)
        uow.sync_state.add_rejects(batch.rejected, now)
        # No per-EMR sync time here: a batch brings some EMRs up to date, a completed run
        # all of them (SyncService._completed), a sign-in refresh one (refresh).
        cursor = batch.cursor
        if merge_cursor is not None:
            cursor = merge_cursor(uow.sync_state.get_cursor(STREAM, for_update=True), cursor)
        uow.sync_state.set_cursor(STREAM, cursor)
        uow.sync_state.set_last_sync(now)
        uow.commit()
    report.add({"batches": 1, "patients": len(batch.patients),
                "documents": len(batch.documents), "withdrawn": len(batch.withdrawn),
                "rejected": len(batch.rejected)})


def log_rejects(rejects: list[Rejected]) -> None:
    for r in rejects:
        log.warning("rejected record %s: %s", r.source_id, r.reason)
