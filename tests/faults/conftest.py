"""Fixtures of the fault figures: a store URL per backend (SQLite file, PostgreSQL schema).

PostgreSQL isolation is the one of ``tests/postgres``: a fresh schema per test, chosen
with ``search_path`` in the URL and dropped afterwards. Without ``KIOSK_TEST_PG_URL``
the PostgreSQL variants skip with the reason shown by ``-ra``.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ENV = "KIOSK_TEST_PG_URL"
SEED_ENV = "KIOSK_TEST_SEED"
#: The seed of every run that sets none: the same upstream changes and kill points each
#: time, so a red run is the code's doing, not the draw's (issue 19).
DEFAULT_SEED = 11


@pytest.fixture
def seed(request: pytest.FixtureRequest) -> int:
    """The seed of a test's random choices: ``DEFAULT_SEED`` unless ``KIOSK_TEST_SEED``
    names one (``KIOSK_TEST_SEED=random`` draws a new one, to cover more ground). Printed
    (pytest shows it with a failure and with ``-rP``), so any run can be replayed."""
    raw = os.environ.get(SEED_ENV, "").strip().lower()
    value = random.randrange(10**6) if raw == "random" else int(raw) if raw else DEFAULT_SEED
    print(f"\n{request.node.name}: seed {value} (replay: {SEED_ENV}={value})")
    return value

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An upgraded, empty store; SQLite: one WAL file every process opens."""
    from kiosk.store.database import open_store

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cache.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_schema_url")
    store = open_store(url)
    try:
        store.upgrade()
    finally:
        store.dispose()
    return url


class KioskFleet:
    """``size`` spawned kiosk processes, each with its own command queue; one barrier."""

    def __init__(self, size: int) -> None:
        import multiprocessing

        from tests.faults._workers import fleet_member

        ctx = multiprocessing.get_context("spawn")
        self.size = size
        self.barrier = ctx.Barrier(size)
        self.results = ctx.Queue()
        self.commands = [ctx.Queue() for _ in range(size)]
        self.procs = [
            ctx.Process(target=fleet_member, args=(q, self.results, self.barrier), daemon=True)
            for q in self.commands
        ]
        for p in self.procs:
            p.start()

    def run(self, url: str, now: object, attempt: object,
            codes_for: list[list[str]]) -> dict[str, list[tuple[str, object]]]:
        """One round: process i submits ``codes_for[i]``, all starting at the barrier."""
        assert len(codes_for) == self.size
        self.barrier.reset()
        for i, codes in enumerate(codes_for):
            self.commands[i].put((url, f"kiosk-{i:02d}", now, attempt, codes))
        out = {}
        for _ in range(self.size):
            kiosk_id, outcomes = self.results.get(timeout=180)
            out[kiosk_id] = outcomes
        return out

    def close(self) -> None:
        for q in self.commands:
            q.put(None)
        for p in self.procs:
            p.join(10)
            if p.is_alive():
                p.kill()


@pytest.fixture(scope="session")
def kiosk_fleet() -> Iterator[KioskFleet]:
    fleet = KioskFleet(8)
    try:
        yield fleet
    finally:
        fleet.close()
