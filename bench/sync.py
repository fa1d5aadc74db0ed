"""``sync_ratio`` and ``ingest_ratio``: documents per second into an empty SQLite cache.

Four contenders over the same documents, in turns within each run (issue 18: the bench
measures the product as shipped, against the stronger of two honest baselines):

* raw, one transaction — ``sqlite3`` ``executemany`` of the ready row tuples (content
  included: narrative, lab rows as JSON, PDF) into the store's schema (created by its
  migration), one ``COMMIT`` (which checkpoints the WAL);
* raw, the product's scheme — the same rows committed batch by batch (the sync's own
  batches), the connection never checkpointing, a second connection checkpointing
  every 50 ms in a thread (as the sync's own process does for its workers), and a last
  checkpoint at the end;
* sync — ``kiosk sync`` as shipped (``bench.sync_child``: a fresh process each run, so
  a cold fork server each time; FHIR pages of 500 documents and 1 MiB), with the
  simulator in another process over loopback HTTP;
* ingest — ``SyncService.run()`` over the same batches already parsed (a list source,
  in this process): the store's share of the sync, configured as ``kiosk sync``
  configures its own process (checkpoints from a thread, and a last one, in the run).

Each ratio is the median of per-run ratios against the faster raw baseline of the same
run; p90 is the lower tail for these (``*_p10``: the slow runs of a "higher is better"
figure). ``cpu_us_per_doc``: the sync's CPU (its process, its workers, the fork server)
per document.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from bench.common import Sizes, Timer, median, p10, run_json_child
from bench.simproc import SimProcess

COLUMNS = ("doc_id", "emr_id", "kind", "created_at", "title", "organization", "performer",
           "text", "version", "radiology", "visible", "updated", "narrative", "results",
           "pdf", "date_only")
#: The product's checkpoint interval (kiosk.services.sync_workers.CHECKPOINT_EVERY).
CHECKPOINT_EVERY = 0.05


def _rows(batches: list) -> list[list[tuple]]:
    """The documents as row tuples, batch by batch (the sync's own batches), with
    their content as the store keeps it: the sanitised narrative, the lab rows as one
    JSON list of field lists, the PDF's bytes (the raw writer writes what the sync
    writes, or the ratio would flatter it)."""
    import msgspec

    from kiosk.store.models import to_sqlite_text

    encode = msgspec.json.Encoder().encode
    return [
        [(d.doc_id, d.emr_id, d.kind.value, to_sqlite_text(d.created_at), d.title,
          d.organization, d.performer, d.text, d.version, 1 if d.radiology else 0,
          1 if d.visible else 0,
          to_sqlite_text(d.updated) if d.updated is not None else None, d.narrative or None,
          encode(d.results).decode() if d.results else None, d.pdf, 1 if d.date_only else 0)
         for d in b.documents]
        for b in batches
    ]


class _ListSource:
    def __init__(self, batches: list) -> None:
        self.batches = batches

    def changes(self, cursor: str | None) -> Iterator:
        yield from self.batches

    def snapshot(self, emr_id: str):
        raise NotImplementedError


def _fresh_store(folder: Path, name: str, autocheckpoint: bool = True):
    from kiosk.store.database import open_store

    path = folder / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm", ".sync-lock"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    store = open_store(f"sqlite:///{path}", autocheckpoint=autocheckpoint)
    store.upgrade()
    return store, path


SQL = (f"INSERT INTO documents ({', '.join(COLUMNS)}) "
       f"VALUES ({', '.join('?' * len(COLUMNS))})")


def raw_one_transaction(folder: Path, batches: list[list[tuple]]) -> float:
    """Seconds to write every row in one transaction (its COMMIT checkpoints)."""
    store, path = _fresh_store(folder, "raw")
    store.dispose()
    rows = [row for batch in batches for row in batch]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    with Timer() as t:
        conn.execute("BEGIN")
        conn.executemany(SQL, rows)
        conn.execute("COMMIT")
    conn.close()
    return t.seconds


def raw_batched(folder: Path, batches: list[list[tuple]]) -> float:
    """Seconds to write the rows as the product does: a commit per batch, no
    checkpoint by the writer, another connection checkpointing every 50 ms, a last
    checkpoint at the end."""
    store, path = _fresh_store(folder, "raw")
    store.dispose()
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    stop = threading.Event()

    def checkpoints() -> None:
        while not stop.wait(CHECKPOINT_EVERY):
            other.execute("PRAGMA wal_checkpoint(PASSIVE)")

    with Timer() as t:
        thread = threading.Thread(target=checkpoints)
        thread.start()
        for batch in batches:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(SQL, batch)
            conn.execute("COMMIT")
        stop.set()
        thread.join()
        other.execute("PRAGMA wal_checkpoint(PASSIVE)")
    conn.close()
    other.close()
    return t.seconds


def run(sizes: Sizes) -> dict:
    from kiosk.services.clock import SystemClock
    from kiosk.services.sync import SyncService
    from kiosk.upstream.fhir import FhirSource

    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-sync-"))
    try:
        with SimProcess(sizes.sync_docs) as sim:
            # The batches as the shipped settings cut them (what ``kiosk sync`` applies).
            from kiosk.config import UpstreamSection

            shipped = UpstreamSection()
            with FhirSource(sim.info["fhir_url"], (5.0, 30.0), shipped.fhir_page_size,
                            shipped.fhir_max_page_mib * 2**20) as src:
                batches = list(src.changes(None))
            rows = _rows(batches)
            n_docs = sum(len(b) for b in rows)

            def sync() -> tuple[float, float]:
                store, path = _fresh_store(folder, "svc")
                store.dispose()
                r = run_json_child("bench.sync_child", "--store", f"sqlite:///{path}",
                                   "--registry", sim.info["registry_url"],
                                   "--key", sim.info["api_key"])
                if r["error"] or r["documents"] != n_docs:
                    raise RuntimeError(f"sync went wrong: {r}")
                return r["seconds"], r["cpu_s"]

            def ingest() -> float:
                # Configured as ``kiosk sync`` configures its own process
                # (``build_services(sync_worker=True)``): units that leave the WAL to the
                # sync, which checkpoints from a thread and once at its end.
                store, _ = _fresh_store(folder, "ingest", autocheckpoint=False)
                try:
                    service = SyncService(_ListSource(batches), store.uow_factory,
                                          SystemClock(), store.sync_lock(),
                                          checkpoint=store.checkpoint)
                    with Timer() as t:
                        report = service.run()
                finally:
                    store.dispose()
                if report.error or report.documents != n_docs:
                    raise RuntimeError(f"ingest went wrong: {report}")
                return t.seconds

            one, batched, synced, ingested, cpu = [], [], [], [], []
            for i in range(sizes.runs):
                order = [0, 1, 2, 3] if i % 2 == 0 else [3, 2, 1, 0]
                for which in order:
                    if which == 0:
                        one.append(n_docs / raw_one_transaction(folder, rows))
                    elif which == 1:
                        batched.append(n_docs / raw_batched(folder, rows))
                    elif which == 2:
                        seconds, cpu_s = sync()
                        synced.append(n_docs / seconds)
                        cpu.append(cpu_s / n_docs * 1e6)
                    else:
                        ingested.append(n_docs / ingest())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    stronger = [max(a, b) for a, b in zip(one, batched, strict=True)]
    sync_ratios = [s / b for s, b in zip(synced, stronger, strict=True)]
    ingest_ratios = [s / b for s, b in zip(ingested, stronger, strict=True)]
    return {
        "sync_ratio": median(sync_ratios),
        "sync_ratio_p10": p10(sync_ratios),
        "ingest_ratio": median(ingest_ratios),
        "ingest_ratio_p10": p10(ingest_ratios),
        "detail": {
            "documents": n_docs,
            "batches": len(batches),
            "page_size": shipped.fhir_page_size,
            "max_page_mib": shipped.fhir_max_page_mib,
            "raw_one_transaction_docs_per_s": median(one),
            "raw_batched_docs_per_s": median(batched),
            "stronger_raw": "batched" if median(batched) > median(one) else "one transaction",
            "sync_docs_per_s": median(synced),
            "sync_docs_per_s_runs": synced,
            "sync_cpu_us_per_doc": median(cpu),
            "ingest_docs_per_s": median(ingested),
            "sync_ratio_vs_one_transaction": median(
                [s / b for s, b in zip(synced, one, strict=True)]),
        },
    }
