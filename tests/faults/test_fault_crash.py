"""Figure 3: a SIGKILLed sync worker or migration loses, duplicates and half-writes nothing.

R-SYNC-1 (a batch and its cursor commit together), R-SYNC-5 (the lock dies with the
process). The suite's run kills a 20,000-document ``kiosk sync`` at 5 random points,
with upstream changes landing between the kills (under 30 s on an idle 2-core box: each
kill costs a process start); the long run, ``python -m bench.faults``, does 100 with the
same code. The random points come from the ``seed`` fixture: the same seed every run
unless ``KIOSK_TEST_SEED`` names one (``random`` draws one), printed with every run and
replayed with ``KIOSK_TEST_SEED=N`` (``bench.faults --seed N`` for the long run): the
same upstream changes and the same kill points relative to the sync's measured length
(the instants themselves scale with the machine's speed).
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from kiosk.sim.server import SimServer
from kiosk.store import migrate
from kiosk.store.database import open_store
from kiosk.store.models import METADATA
from tests.faults._crash import (
    big_population,
    crash_series,
    integrity,
    kill_upgrade,
    upgrade_seconds,
)
from tests.faults.conftest import PG_ENV

pytestmark = pytest.mark.faults

CI_KILLS = 5
UPGRADE_KILLS = 4


@pytest.fixture(scope="module")
def big_sim() -> Iterator[SimServer]:
    server = SimServer(big_population(20_000), hang_seconds=3.0)
    server.warm()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_sigkill_during_sync_loses_nothing_r_sync_1(
    big_sim: SimServer, tmp_path: Path, seed: int
) -> None:
    """R-SYNC-1: after every SIGKILL, integrity_check is ok and everything before the
    stored cursor is in the cache; the next syncs complete, and the cache then equals a
    clean sync (same ids, versions, kinds, visibility, content, patients, cursor)."""
    report = crash_series(big_sim, tmp_path, CI_KILLS, seed=seed)
    print(f"\nFIGURE crash-sync (seed {seed}): {report.kills} SIGKILLs mid-sync"
          f" (+{report.finished_before_kill} runs that completed) of {report.documents}"
          f" documents; clean sync {report.clean_seconds:.1f} s; final cache equals a clean"
          f" sync: {report.final_equal}; problems: {len(report.problems)}")
    for line in report.checks:
        print("   ", line)
    assert report.problems == []
    assert report.final_equal
    assert report.kills == CI_KILLS


def _schema_complete(url: str) -> bool:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn)
            return (
                ctx.get_current_revision() == migrate.head()
                and compare_metadata(ctx, METADATA) == []
            )
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_sigkill_during_alembic_upgrade_sqlite_r_sync_1(tmp_path: Path, seed: int) -> None:
    """A killed migration leaves no tables or all of them; the next upgrade completes."""
    rng = random.Random(seed)
    took = upgrade_seconds(f"sqlite:///{tmp_path / 'timing.sqlite3'}")
    killed = 0
    for i in range(UPGRADE_KILLS):
        db = tmp_path / f"up{i}.sqlite3"
        url = f"sqlite:///{db}"
        killed += kill_upgrade(url, rng.uniform(0.0, took))
        assert integrity(db) == "ok"
        tables = _tables(url)
        assert tables in (set(), {"alembic_version", *METADATA.tables}), tables
        migrate.upgrade(url)
        assert _schema_complete(url)
        assert integrity(db) == "ok"
        sqlite3.connect(db).close()
    print(f"\nFIGURE crash-upgrade[sqlite]: {killed}/{UPGRADE_KILLS} upgrades killed within"
          f" {took:.2f} s; every next upgrade completed")


@pytest.mark.postgres
def test_sigkill_during_alembic_upgrade_postgres_r_sync_1(seed: int) -> None:
    import os

    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    admin = create_engine(base, poolclass=NullPool)
    rng = random.Random(seed)
    killed = 0
    took = None
    try:
        for _ in range(UPGRADE_KILLS + 1):
            schema = f"kiosk_u_{uuid.uuid4().hex[:12]}"
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
                url_s = url.render_as_string(hide_password=False)
                if took is None:
                    took = upgrade_seconds(url_s)
                    continue
                killed += kill_upgrade(url_s, rng.uniform(0.0, took))
                tables = _tables(url_s)
                assert tables in (set(), {"alembic_version", *METADATA.tables}), tables
                store = open_store(url_s)
                store.upgrade()
                store.dispose()
                assert _schema_complete(url_s)
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()
    print(f"\nFIGURE crash-upgrade[postgresql]: {killed}/{UPGRADE_KILLS} upgrades killed within"
          f" {took:.2f} s; every next upgrade completed")
