"""Suite-wide settings and the fixtures several test packages share.

Qt runs offscreen with a UTF-8 locale before anything imports it. ``sim`` is the
loopback simulator of all four upstreams (one per test, so fault switches and runtime
changes never leak); its clock is real time plus an offset a test may move, so nothing
sleeps to test time. ``pg_schema_url`` is a fresh PostgreSQL schema per test, chosen
with ``search_path`` in the URL and dropped afterwards, so runs on one server never see
each other's tables; without ``KIOSK_TEST_PG_URL`` it skips with the reason shown.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")
# Subprocesses of the suite never pick up a machine's /etc/kiosk/kiosk.toml by accident.
os.environ["KIOSK_CONFIG"] = ""

if TYPE_CHECKING:
    from kiosk.sim.population import Population
    from kiosk.sim.server import SimServer
    from kiosk.store.database import Store

PG_ENV = "KIOSK_TEST_PG_URL"


@dataclass
class SimClock:
    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset.total_seconds()

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@pytest.fixture
def sim_clock() -> SimClock:
    return SimClock()


@pytest.fixture
def sim_population() -> Population:
    """Small: the fixed demo people plus a few generated ones, 6 documents each."""
    from kiosk.domain.moscow import moscow_date
    from kiosk.sim.population import Population

    return Population(size=30, seed=7, today=moscow_date(datetime.now(UTC)), docs_per_patient=6)


@pytest.fixture
def sim(sim_population: Population, sim_clock: SimClock) -> Iterator[SimServer]:
    from kiosk.sim.server import SimServer

    server = SimServer(sim_population, now=sim_clock.now, hang_seconds=3.0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    return url


@pytest.fixture
def pg_schema_url(pg_base_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    schema = f"kiosk_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_base_url, poolclass=NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(pg_base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An upgraded store at the ``store_url`` that the test package chooses."""
    from kiosk.store.database import open_store

    s = open_store(store_url)
    s.upgrade()
    try:
        yield s
    finally:
        s.dispose()
