"""Many kiosks, one PostgreSQL store: ``kiosk db upgrade`` and two sync workers started
by mistake at once (R-SYNC-5), as separate ``kiosk`` processes against the simulator.

Each test works in fresh schemas of the database at KIOSK_TEST_PG_URL (skipped, with the
reason shown, when it is unset). The lockout across kiosks is tested in tests/faults.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from kiosk.sim.server import SimServer
from tests.shipping.conftest import kiosk_cmd, run, sim_env

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SKIPPED = "(another worker holds the lock)"


def test_db_upgrade_on_postgresql(pg_schema_factory: Callable[[], str]) -> None:
    """Two kiosks running `kiosk db upgrade` at once both succeed; the schema is at head."""
    from kiosk.store.migrate import current, head
    from kiosk.store.models import METADATA

    url = pg_schema_factory()
    env = {"KIOSK_STORE_URL": url}
    procs = [subprocess.Popen([*kiosk_cmd(), "db", "upgrade"], env=_env(env),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.strip() == f"database at revision {head()}"
    assert current(url) == head()
    engine = create_engine(url, poolclass=NullPool)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(METADATA.tables) <= tables


def _env(extra: dict[str, str]) -> dict[str, str]:
    import os

    return {**os.environ, "LANG": "C.UTF-8", **extra}


def _cache(url: str) -> dict[str, Any]:
    """What a kiosk reads: patients, documents, the cursor, the rejects (no timestamps)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            def rows(sql: str) -> list[tuple[Any, ...]]:
                return [tuple(r) for r in conn.execute(text(sql))]

            return {
                "patients": rows("SELECT * FROM patients ORDER BY emr_id"),
                "documents": rows("SELECT * FROM documents ORDER BY doc_id"),
                "cursors": rows("SELECT stream, cursor FROM sync_cursors ORDER BY stream"),
                "rejects": rows("SELECT source_id, reason FROM sync_rejects "
                                "ORDER BY source_id, reason"),
                "emr_sync": rows("SELECT emr_id FROM emr_sync ORDER BY emr_id"),
            }
    finally:
        engine.dispose()


def test_two_sync_workers_at_once_do_not_corrupt_the_cache(
    sim: SimServer, pg_schema_factory: Callable[[], str]
) -> None:
    """R-SYNC-5: two `kiosk sync` processes on one PostgreSQL store, started together while
    the EMR source is slow: one syncs, the other finds the advisory lock held and exits
    cleanly; the cache is then exactly what one clean sync gives."""
    shared = pg_schema_factory()
    reference = pg_schema_factory()
    base = {**sim_env(sim), "KIOSK_UPSTREAM_FHIR_PAGE_SIZE": "20"}
    for url in (shared, reference):  # the schema first, so both workers race for the lock only
        assert run([*kiosk_cmd(), "db", "upgrade"], env={"KIOSK_STORE_URL": url}).returncode == 0

    sim.set_fault("fhir", latency=0.2)  # a sync of several seconds: the two overlap
    env = _env({**base, "KIOSK_STORE_URL": shared})
    procs = [subprocess.Popen([*kiosk_cmd(), "sync"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [proc.communicate(timeout=300) for proc in procs]
    sim.clear_faults()
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert out.startswith("sync: ")
        assert "Traceback" not in err
    outputs = [out for out, _ in results]
    assert sum(SKIPPED in out for out in outputs) == 1, outputs
    worker = next(out for out in outputs if SKIPPED not in out)
    assert "0 documents" not in worker

    clean = run([*kiosk_cmd(), "sync"], env={**base, "KIOSK_STORE_URL": reference}, timeout=300)
    assert clean.returncode == 0, clean.stderr
    got, want = _cache(shared), _cache(reference)
    assert len(want["documents"]) > 0
    assert got == want
    # The lock died with its holder: a later worker on the shared store is not locked out.
    again = run([*kiosk_cmd(), "sync"], env={**base, "KIOSK_STORE_URL": shared}, timeout=300)
    assert again.returncode == 0, again.stderr
    assert SKIPPED not in again.stdout
    assert _cache(shared) == want
