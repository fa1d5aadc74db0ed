"""``kiosk sync``'s streams, each read and written by a worker process, against the
simulator over loopback HTTP and a real SQLite file (R-SYNC-1, R-SYNC-3, R-SYNC-4)."""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import kiosk.services.sync_workers as sync_workers
from kiosk.app import SYNC_WORKER_PRELOAD
from kiosk.services.clock import SystemClock
from kiosk.services.sync import SyncReport, SyncService
from kiosk.services.sync_workers import SyncWorkers
from kiosk.sim.server import SimServer
from kiosk.store.database import Store, open_store
from kiosk.upstream.fhir import FhirSource, load_cursor

TIMEOUT = (0.5, 2.0)


def _store(path: Path) -> Store:
    store = open_store(f"sqlite:///{path}")
    store.upgrade()
    return store


def _sync(sim: SimServer, store: Store, workers: bool, processes: int | None = None
          ) -> SyncReport:
    with FhirSource(sim.fhir_url, TIMEOUT, page_size=25) as source:
        pool = (SyncWorkers(store.opener(), SYNC_WORKER_PRELOAD, store.checkpoint, processes)
                if workers else None)
        return SyncService(source, store.uow_factory, SystemClock(), store.sync_lock(),
                           pool).run()


def _contents(path: Path) -> tuple[list[tuple], list[tuple], dict]:
    with sqlite3.connect(path) as conn:
        docs = conn.execute("SELECT * FROM documents ORDER BY doc_id").fetchall()
        patients = conn.execute("SELECT * FROM patients ORDER BY emr_id").fetchall()
        (cursor,) = conn.execute("SELECT cursor FROM sync_cursors WHERE stream = 'emr'").fetchone()
    return docs, patients, load_cursor(cursor)


def _no_workers_left() -> bool:
    return not [p for p in multiprocessing.active_children() if p.name == "kiosk-sync-stream"]


@pytest.mark.parametrize("processes", [None, 1, 3])
def test_workers_fill_the_cache_exactly_as_one_process_does_R_SYNC_1(
    sim: SimServer, tmp_path: Path, processes: int | None
):
    """By default one worker per CPU takes the streams in turn; one worker takes all
    three one after another, three take one each: every stream is applied once."""
    one, many = _store(tmp_path / "one.db"), _store(tmp_path / "many.db")
    by_one = _sync(sim, one, workers=False)
    by_many = _sync(sim, many, workers=True, processes=processes)
    assert by_many.error is None
    assert (by_many.documents, by_many.patients, by_many.withdrawn) == \
        (by_one.documents, by_one.patients, by_one.withdrawn)
    docs, patients, cursor = _contents(tmp_path / "many.db")
    assert (docs, patients, cursor) == _contents(tmp_path / "one.db")
    assert {d[0] for d in docs} == {d.doc_id for d in sim.population.documents()
                                    if not d.withdrawn}
    assert set(cursor) == {"Patient", "DocumentReference", "DiagnosticReport"}
    assert _no_workers_left()


def test_a_second_run_reads_only_what_changed_R_SYNC_1_R_SYNC_3(sim: SimServer, tmp_path: Path):
    store = _store(tmp_path / "k.db")
    assert _sync(sim, store, workers=True).error is None
    sim.withdraw_document("DiagnosticReport/x-1001-lab-recent")
    doc = sim.document("DocumentReference/x-1001-exam-recent")
    assert doc is not None
    from dataclasses import replace

    sim.upsert_document(replace(doc, text="Исправленный текст"))
    again = _sync(sim, store, workers=True)
    assert again.error is None
    assert again.documents <= 4  # the change and each type's boundary record
    with sqlite3.connect(tmp_path / "k.db") as conn:
        text = conn.execute("SELECT text FROM documents WHERE doc_id = ?",
                            ("DocumentReference/x-1001-exam-recent",)).fetchone()
        gone = conn.execute("SELECT 1 FROM documents WHERE doc_id = ?",
                            ("DiagnosticReport/x-1001-lab-recent",)).fetchone()
    assert text == ("Исправленный текст",)
    assert gone is None


def test_an_outage_in_one_stream_stops_the_sync_and_keeps_what_was_committed_R_SYNC_1(
    sim: SimServer, tmp_path: Path, monkeypatch
):
    """DiagnosticReport's second page fails: the sync reports the upstream error, every
    batch committed before stays, no worker is left, and the next run completes."""
    search = sim.fhir_search

    def failing(rtype: str, query, malformed: bool):
        if rtype == "DiagnosticReport" and "_after" in query:
            return 503, b'{"resourceType":"OperationOutcome"}'
        return search(rtype, query, malformed)

    monkeypatch.setattr(sim, "fhir_search", failing)
    store = _store(tmp_path / "k.db")
    report = _sync(sim, store, workers=True)
    assert report.error is not None and report.error.startswith("Unavailable")
    assert _no_workers_left()
    docs, _, cursor = _contents(tmp_path / "k.db")
    reports = {d[0] for d in docs if d[0].startswith("DiagnosticReport/")}
    assert 0 < len(reports) <= 25  # its first page, and nothing after the failure
    assert "DiagnosticReport" in cursor

    monkeypatch.setattr(sim, "fhir_search", search)
    assert _sync(sim, store, workers=True).error is None
    docs, _, _ = _contents(tmp_path / "k.db")
    assert {d[0] for d in docs} == {d.doc_id for d in sim.population.documents()
                                    if not d.withdrawn}


def test_rejected_records_are_logged_by_the_caller_R_SYNC_4(
    sim: SimServer, tmp_path: Path, caplog
):
    sim.set_fault("fhir", malformed_records=True)
    with caplog.at_level(logging.WARNING):
        report = _sync(sim, _store(tmp_path / "k.db"), workers=True)
    assert report.rejected > 0 and report.documents > 0
    lines = [r for r in caplog.records if r.getMessage().startswith("rejected record ")]
    assert len(lines) == report.rejected


def test_sync_runs_in_its_own_process_when_no_worker_can_start_R_SYNC_1(
    sim: SimServer, tmp_path: Path, monkeypatch, caplog
):
    """A box where processes cannot be forked (a process limit, a frozen build without
    its hook) still syncs everything, in one process, and says so in the log."""

    class NoForkContext:
        Pipe = staticmethod(multiprocessing.Pipe)
        Event = staticmethod(multiprocessing.Event)
        Value = staticmethod(multiprocessing.Value)

        class Process:
            def __init__(self, **kwargs: object) -> None:
                pass

            def start(self) -> None:
                raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(sync_workers, "_forkserver", lambda preload: NoForkContext)
    report = _sync(sim, _store(tmp_path / "k.db"), workers=True)
    assert report.error is None
    docs, _, _ = _contents(tmp_path / "k.db")
    assert {d[0] for d in docs} == {d.doc_id for d in sim.population.documents()
                                    if not d.withdrawn}
    assert "sync runs in this process" in caplog.text


def test_one_worker_that_started_takes_every_stream_when_the_next_cannot_R_SYNC_1(
    sim: SimServer, tmp_path: Path, monkeypatch, caplog
):
    """A process limit reached after the first worker: that worker takes the three
    streams one after another; the sync completes, and the log says with how many."""
    real = sync_workers._forkserver(SYNC_WORKER_PRELOAD)

    class OneForkContext:
        Pipe = staticmethod(real.Pipe)
        Event = staticmethod(real.Event)
        Value = staticmethod(real.Value)
        started = 0

        @classmethod
        def Process(cls, **kwargs: object) -> object:
            cls.started += 1
            if cls.started == 1:
                return real.Process(**kwargs)

            class Refused:
                def start(self) -> None:
                    raise BlockingIOError(11, "Resource temporarily unavailable")

            return Refused()

    monkeypatch.setattr(sync_workers, "_forkserver", lambda preload: OneForkContext)
    with caplog.at_level(logging.WARNING):
        report = _sync(sim, _store(tmp_path / "k.db"), workers=True, processes=3)
    assert report.error is None
    docs, _, cursor = _contents(tmp_path / "k.db")
    assert {d[0] for d in docs} == {d.doc_id for d in sim.population.documents()
                                    if not d.withdrawn}
    assert set(cursor) == {"Patient", "DocumentReference", "DiagnosticReport"}
    assert "sync with 1 worker process(es) (BlockingIOError)" in caplog.text
    assert _no_workers_left()


def test_sync_runs_in_its_own_process_when_every_worker_dies_at_once_R_SYNC_1(
    sim: SimServer, tmp_path: Path, caplog
):
    """Workers that start but die before their first batch (a frozen build missing a
    module, say) leave the sync to its own process: everything arrives, the log says
    why, and no worker is left."""
    store = _store(tmp_path / "k.db")
    dying = SyncWorkers(functools.partial(os._exit, 3), SYNC_WORKER_PRELOAD, store.checkpoint)
    with FhirSource(sim.fhir_url, TIMEOUT, page_size=25) as source, \
            caplog.at_level(logging.WARNING):
        report = SyncService(source, store.uow_factory, SystemClock(), store.sync_lock(),
                             dying).run()
    assert report.error is None
    docs, _, _ = _contents(tmp_path / "k.db")
    assert {d[0] for d in docs} == {d.doc_id for d in sim.population.documents()
                                    if not d.withdrawn}
    assert "sync runs in this process: every worker process stopped" in caplog.text
    assert _no_workers_left()


def test_the_report_sums_what_the_workers_wrote(sim: SimServer, tmp_path: Path):
    """The report counts each stream's batches once (the sum over the workers)."""
    store = _store(tmp_path / "k.db")
    report = _sync(sim, store, workers=True)
    docs, patients, _ = _contents(tmp_path / "k.db")
    assert report.patients == len(patients)
    assert report.documents == len(docs)
    assert report.batches >= 3  # a batch at least per stream


def test_the_workers_leave_checkpoints_to_the_sync_process(sim: SimServer, tmp_path: Path):
    """The workers' connections never copy the WAL into the database (the sync's own
    process does, on their behalf and once more at the end): without that the database
    file would still be empty of documents when the sync returns."""
    path = tmp_path / "k.db"
    store = _store(path)
    schema_only = path.stat().st_size
    worker_uow, close = store.opener()()
    with worker_uow(write=True) as uow:
        uow.sync_state.set_cursor("probe", "x" * 200_000)
        uow.commit()
    close()
    assert path.stat().st_size == schema_only  # all of it still in the WAL
    store.checkpoint()
    assert path.stat().st_size > schema_only + 200_000

    synced = _store(tmp_path / "synced.db")
    before = (tmp_path / "synced.db").stat().st_size
    assert _sync(sim, synced, workers=True).error is None
    docs, _, _ = _contents(tmp_path / "synced.db")
    assert (tmp_path / "synced.db").stat().st_size > before + sum(len(d[7]) for d in docs)


def test_a_stream_stopped_early_lets_its_next_page_arrive_first(sim: SimServer, monkeypatch):
    """A worker told to stop after a batch closes its stream while the next page is on
    its way: the page's thread is done before the HTTP session closes (no two threads
    on one session, no thread left). The next page is held until the close begins: on
    loopback it could otherwise arrive before the test looks (seen under load)."""
    import threading

    def ahead() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "fhir-fetch-ahead"]

    gate = threading.Event()
    fetch_body = FhirSource._fetch_body

    def held(self: FhirSource, *args: Any, **kwargs: Any) -> bytes:
        if threading.current_thread().name == "fhir-fetch-ahead":
            gate.wait(30)
        return fetch_body(self, *args, **kwargs)

    monkeypatch.setattr(FhirSource, "_fetch_body", held)

    left_at_close: list[int] = []
    close = FhirSource.close

    def watched_close(self: FhirSource) -> None:
        left_at_close.append(len(ahead()))
        close(self)

    monkeypatch.setattr(FhirSource, "close", watched_close)
    with FhirSource(sim.fhir_url, TIMEOUT, page_size=5) as source:
        stream = next(s for s in source.streams(None) if s.rtype == "DocumentReference")
    batches = stream.changes()
    assert next(batches).documents
    assert ahead()  # the next page is on its way
    left_at_close.clear()
    gate.set()  # it goes on now, while the stream closes: the close waits for it
    batches.close()
    assert left_at_close == [0]
    assert not ahead()
