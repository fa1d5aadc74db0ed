"""The ``sim`` fixture: the loopback simulator of all four upstreams, one per test.

A fresh server per test keeps fault switches and runtime changes (revoked grants,
withdrawn documents) from leaking between tests. Its clock is real time plus an
offset the test can move (``sim_clock.advance``), so nothing sleeps to test time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.domain.moscow import moscow_date
from kiosk.sim.population import Population
from kiosk.sim.server import SimServer


@dataclass
class SimClock:
    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@pytest.fixture
def sim_clock() -> SimClock:
    return SimClock()


@pytest.fixture
def sim_population() -> Population:
    """Small: the fixed demo people plus a few generated ones, 6 documents each."""
    return Population(size=30, seed=7, today=moscow_date(datetime.now(UTC)), docs_per_patient=6)


@pytest.fixture
def sim(sim_population: Population, sim_clock: SimClock) -> Iterator[SimServer]:
    server = SimServer(sim_population, now=sim_clock.now, hang_seconds=3.0)
    server.start()
    try:
        yield server
    finally:
        server.stop()
