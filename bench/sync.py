"""``sync_ratio`` and ``ingest_ratio``: documents per second into an empty SQLite cache.

Three contenders over the same documents, in turns within each run:

* baseline — raw ``sqlite3`` ``executemany`` of the ready row tuples into the same
  schema (created by the store's migration), one transaction;
* sync — ``SyncService.run()`` as ``kiosk sync`` runs it, with the real ``FhirSource``
  against the simulator in another process over loopback HTTP, each search fetched,
  decoded, parsed and written with its cursor by a worker process (one per CPU);
* ingest — ``SyncService.run()`` over the same batches already parsed (a list source):
  the store's share of the sync.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.common import Sizes, Timer, median
from bench.simproc import SimProcess

#: Sync pages: the FHIR maximum the source accepts, with a body cap that fits them
#: (~1 KB per document; 1 MiB would stop at ~1000). See docs/performance.md.
PAGE_SIZE = 5000
MAX_PAGE_BYTES = 16 * 1024 * 1024

COLUMNS = ("doc_id", "emr_id", "kind", "created_at", "title", "organization", "performer",
           "text", "version", "radiology", "visible")


def _rows(batches: list) -> list[tuple]:
    from kiosk.store.models import to_sqlite_text

    return [
        (d.doc_id, d.emr_id, d.kind.value, to_sqlite_text(d.created_at), d.title,
         d.organization, d.performer, d.text, d.version, 1 if d.radiology else 0,
         1 if d.visible else 0)
        for b in batches for d in b.documents
    ]


class _ListSource:
    def __init__(self, batches: list) -> None:
        self.batches = batches

    def changes(self, cursor: str | None) -> Iterator:
        yield from self.batches

    def snapshot(self, emr_id: str):
        raise NotImplementedError


def _fresh_store(folder: Path, name: str):
    from kiosk.store.database import open_store

    path = folder / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm", ".sync-lock"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    store = open_store(f"sqlite:///{path}")
    store.upgrade()
    return store, path


def run(sizes: Sizes, page_size: int = PAGE_SIZE, max_page_bytes: int = MAX_PAGE_BYTES) -> dict:
    from kiosk.app import SYNC_WORKER_PRELOAD
    from kiosk.services.clock import SystemClock
    from kiosk.services.sync import SyncService
    from kiosk.services.sync_workers import SyncWorkers
    from kiosk.upstream.fhir import FhirSource

    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-sync-"))
    try:
        with SimProcess(sizes.sync_docs) as sim:
            fhir_url = sim.info["fhir_url"]

            def source() -> FhirSource:
                return FhirSource(fhir_url, (5.0, 30.0), page_size, max_page_bytes)

            with source() as src:
                batches = list(src.changes(None))
            rows = _rows(batches)
            n_docs = len(rows)
            sql = (f"INSERT INTO documents ({', '.join(COLUMNS)}) "
                   f"VALUES ({', '.join('?' * len(COLUMNS))})")

            def baseline() -> float:
                store, path = _fresh_store(folder, "raw")
                store.dispose()
                conn = sqlite3.connect(path, isolation_level=None)
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                with Timer() as t:
                    conn.execute("BEGIN")
                    conn.executemany(sql, rows)
                    conn.execute("COMMIT")
                conn.close()
                return n_docs / t.seconds

            def through_service(src_factory, in_workers: bool) -> float:
                store, _ = _fresh_store(folder, "svc")
                src = src_factory()
                # As `kiosk sync` runs it: the searches read and written by worker processes.
                workers = (SyncWorkers(store.opener(), SYNC_WORKER_PRELOAD, store.checkpoint)
                           if in_workers else None)
                try:
                    service = SyncService(src, store.uow_factory, SystemClock(), store.sync_lock(),
                                          workers)
                    with Timer() as t:
                        report = service.run()
                finally:
                    close = getattr(src, "close", None)
                    if close:
                        close()
                    store.dispose()
                if report.error or report.documents != n_docs:
                    raise RuntimeError(f"sync went wrong: {report}")
                return n_docs / t.seconds

            base, synced, ingested = [], [], []
            for i in range(sizes.runs):
                order = [0, 1, 2] if i % 2 == 0 else [2, 1, 0]
                for which in order:
                    if which == 0:
                        base.append(baseline())
                    elif which == 1:
                        synced.append(through_service(source, True))
                    else:
                        ingested.append(through_service(lambda: _ListSource(batches), False))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "sync_ratio": median([s / b for s, b in zip(synced, base, strict=True)]),
        "ingest_ratio": median([s / b for s, b in zip(ingested, base, strict=True)]),
        "detail": {
            "documents": n_docs,
            "batches": len(batches),
            "page_size": page_size,
            "max_page_bytes": max_page_bytes,
            "raw_executemany_docs_per_s": median(base),
            "sync_docs_per_s": median(synced),
            "ingest_docs_per_s": median(ingested),
        },
    }
