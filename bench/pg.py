"""``pg_open_query_ratio`` and ``pg_sync_ratio`` on the local PostgreSQL (issue 18).

The server is ``KIOSK_BENCH_PG_URL``, else ``KIOSK_TEST_PG_URL``, else the local test
server; each measurement works in a schema of its own, dropped afterwards. Without a
reachable server the keys are left out (the table says so).

* ``pg_open_query_ratio``: ``records.documents(session, emr, kind)`` — the service call
  behind the first screenful, on a PostgreSQL store holding EMR 1009 with 50k documents
  — against the same rows read by a raw ``psycopg`` query (autocommit, one round trip),
  alternated; the median of the per-pair ratios.
* ``pg_sync_ratio``: ``kiosk sync`` as shipped into an empty PostgreSQL store
  (``bench.sync_child``), against ``COPY`` of the finished rows into the same schema in
  one transaction; documents per second, the median of the per-run ratios.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from bench.cache import BIG_EMR, BIG_SUBJECT, fill
from bench.common import Sizes, Timer, alternate, median, p10, p90, run_json_child
from bench.simproc import SimProcess

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RAW_SQL = ("SELECT doc_id, created_at, title, organization, performer, date_only "
           "FROM documents WHERE emr_id = %s AND kind = %s AND visible "
           "ORDER BY created_at DESC, doc_id ASC LIMIT %s")
COPY_COLUMNS = ("doc_id", "emr_id", "kind", "created_at", "title", "organization",
                "performer", "text", "version", "radiology", "visible", "updated",
                "narrative", "results", "pdf", "date_only")


def server_url() -> str | None:
    """The PostgreSQL server to measure on, or None when it does not answer."""
    url = os.environ.get("KIOSK_BENCH_PG_URL") or os.environ.get("KIOSK_TEST_PG_URL") \
        or DEFAULT_PG
    try:
        import psycopg

        with psycopg.connect(_libpq(url), connect_timeout=3):
            pass
    except Exception:  # no driver, no server, no database: measured elsewhere
        return None
    return url


def _libpq(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def schema(url: str) -> Iterator[str]:
    """A fresh schema for one measurement: the store URL selecting it."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"kiosk_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield make_url(url).update_query_dict(
            {"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(url), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


class _Registry:
    """The registry's answer for boris, without HTTP: the grants are fresh (re-read
    every 5 s at most), so a registry call is not part of the figure."""

    def __init__(self, grants: list) -> None:
        self.grants = grants

    def grants_for(self, subject: str) -> list:
        return list(self.grants)


def run_open(sizes: Sizes, url: str, reps: int = 20) -> dict:
    import psycopg

    from kiosk.domain.documents import DocKind
    from kiosk.domain.grants import Grant, Relation
    from kiosk.services.audit import AuditLog
    from kiosk.services.clock import SystemClock
    from kiosk.services.records import RecordsService
    from kiosk.services.session import Session
    from kiosk.store.database import open_store

    with schema(url) as store_url:
        store = open_store(store_url)
        try:
            store.upgrade()
            fill(store, sizes.open_docs)
            with store.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
            clock = SystemClock()
            grant = Grant(BIG_EMR, Relation.SELF, datetime(1960, 1, 20).date(), "+70000000000",
                          datetime(2020, 1, 1, tzinfo=UTC))
            records = RecordsService(store.uow_factory, _Registry([grant]), clock,
                                     AuditLog(store.uow_factory, clock, "bench"))
            now = clock.now()
            session = Session("bench", BIG_SUBJECT, "u:bench", now, [grant], now,
                              grants_checked_mono=clock.monotonic())
            kind = DocKind.EXAM_PROTOCOL
            raw = psycopg.connect(_libpq(store_url), autocommit=True)
            try:
                service_rows = records.documents(session, BIG_EMR, kind).rows
                raw_rows = raw.execute(RAW_SQL, (BIG_EMR, kind.value, 50)).fetchall()
                if [r.doc_id for r in service_rows] != [r[0] for r in raw_rows]:
                    raise RuntimeError("the raw query does not return the service's rows")
                plan = " / ".join(r[0] for r in raw.execute(
                    "EXPLAIN " + RAW_SQL, (BIG_EMR, kind.value, 50)))

                def service_call() -> float:
                    t = time.perf_counter()
                    for _ in range(reps):
                        records.documents(session, BIG_EMR, kind)
                    return (time.perf_counter() - t) / reps

                def raw_call() -> float:
                    t = time.perf_counter()
                    for _ in range(reps):
                        raw.execute(RAW_SQL, (BIG_EMR, kind.value, 50)).fetchall()
                    return (time.perf_counter() - t) / reps

                for _ in range(3 if sizes.warm else 1):  # statement caches, prepared
                    service_call()                     # statements on both sides
                    raw_call()
                svc_t, raw_t = alternate(service_call, raw_call, sizes.query_runs)
            finally:
                raw.close()
        finally:
            store.dispose()
    ratios = [s / r for s, r in zip(svc_t, raw_t, strict=True)]
    return {"pg_open_query_ratio": median(ratios), "pg_open_query_ratio_p90": p90(ratios),
            "detail": {"service_query_ms": median(svc_t) * 1000,
                       "raw_query_ms": median(raw_t) * 1000, "raw_plan": plan,
                       "documents": sizes.open_docs}}


def _copy_rows(batches: list) -> list[tuple]:
    """The documents' rows as the store writes them (``Document.visible`` precomputed,
    lab rows as JSON), in ``COPY_COLUMNS`` order."""
    from kiosk.store.repositories.documents import rows_json

    return [(d.doc_id, d.emr_id, str(d.kind), d.created_at, d.title, d.organization,
             d.performer, d.text, d.version, bool(d.radiology), d.visible, d.updated,
             d.narrative or None, rows_json(d.results), d.pdf, bool(d.date_only))
            for b in batches for d in b.documents]


def _copy(store_url: str, rows: list[tuple]) -> float:
    import psycopg

    with psycopg.connect(_libpq(store_url)) as conn, Timer() as t:
        with conn.cursor() as cur, cur.copy(
                f"COPY documents ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
    return t.seconds


def run_sync(sizes: Sizes, url: str) -> dict:
    from kiosk.config import UpstreamSection
    from kiosk.store.database import open_store
    from kiosk.upstream.fhir import FhirSource

    shipped = UpstreamSection()
    with SimProcess(sizes.sync_docs) as sim:
        with FhirSource(sim.info["fhir_url"], (5.0, 30.0), shipped.fhir_page_size,
                        shipped.fhir_max_page_mib * 2**20) as src:
            batches = list(src.changes(None))
        rows = _copy_rows(batches)
        n_docs = len(rows)

        def fresh(store_url: str) -> None:
            store = open_store(store_url)
            try:
                store.upgrade()
            finally:
                store.dispose()

        def copy() -> float:
            with schema(url) as store_url:
                fresh(store_url)
                return n_docs / _copy(store_url, rows)

        cpu: list[float] = []

        def sync() -> float:
            with schema(url) as store_url:
                fresh(store_url)
                r = run_json_child("bench.sync_child", "--store", store_url,
                                   "--registry", sim.info["registry_url"],
                                   "--key", sim.info["api_key"])
            if r["error"] or r["documents"] != n_docs:
                raise RuntimeError(f"sync went wrong: {r}")
            cpu.append(r["cpu_s"] / n_docs * 1e6)
            return n_docs / r["seconds"]

        copied, synced = alternate(copy, sync, sizes.runs)
    ratios = [s / c for s, c in zip(synced, copied, strict=True)]
    return {"pg_sync_ratio": median(ratios), "pg_sync_ratio_p10": p10(ratios),
            "detail": {"documents": n_docs, "copy_docs_per_s": median(copied),
                       "sync_docs_per_s": median(synced),
                       "sync_cpu_us_per_doc": median(cpu),
                       "page_size": shipped.fhir_page_size,
                       "max_page_mib": shipped.fhir_max_page_mib}}
