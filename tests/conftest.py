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
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")
# Subprocesses of the suite never pick up a machine's /etc/kiosk/kiosk.toml by accident.
os.environ["KIOSK_CONFIG"] = ""

if TYPE_CHECKING:
    from kiosk.sim.population import Population
    from kiosk.sim.server import SimServer
    from kiosk.store.database import Store

PG_ENV = "KIOSK_TEST_PG_URL"

# Hypothesis draws the same examples on every run of the suite: a suite that fails at
# random cannot gate a submission (a brief fuzz found a new case in CI on 4 December
# 2026). `KIOSK_HYPOTHESIS=explore` draws at random, as `python -m bench.fuzz` does.
settings.register_profile("suite", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("KIOSK_HYPOTHESIS", "suite"))


# ---------------------------------------------------------------- parallel runs (xdist)
#
# `pytest` with no paths (the whole suite, `./dev test`) runs on pytest-xdist workers,
# one per CPU core (`-n auto --dist loadfile` in pyproject.toml): many tests wait on
# subprocesses, timeouts and real peers, so two workers halve the wall time on two
# cores. A file is one unit of work, so module fixtures (a 10,000-entry audit log, a
# Node server, the 8-process kiosk fleet) are made once. Named paths, ``-s`` and
# ``--pdb`` run in this one process, as before.

#: Files that share a session fixture too costly to make twice: one unit, one worker.
#: (Not ``xdist_group`` marks: ``--dist loadgroup`` ignores them under pytest 9.2,
#: pytest-xdist issue 1386, and the bundle was built on both workers.)
SAME_WORKER = {"tests/shipping/test_bundle.py": "bundle", "tests/shipping/test_deb.py": "bundle"}
#: Handed out first, longest first, so that no long file is left to run alone at the end
#: while the other worker idles (seconds per file on the 2-CPU machine, 2026-12-04).
LONG_FIRST = (
    "tests/ui/test_session_cycles.py",  # 47
    "tests/shipping/test_bundle.py",  # 31 (+ test_deb.py 10, the same unit)
    "tests/shipping/test_deb.py",
    "tests/ui/test_layout.py",  # 28
    "tests/faults/test_fault_crash.py",  # 26
    "tests/faults/test_fault_upstreams.py",  # 18
    "tests/peers/test_device_authlib.py",  # 15
    "tests/postgres/test_store_pg.py",  # 12
    "tests/bench/test_bench_smoke.py",  # 10
    "tests/integration/test_upstream_faults.py",  # 9
    "tests/shipping/test_cage_session.py",  # 9
    "tests/shipping/test_many_kiosks.py",  # 8
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` (the default in pyproject.toml, or given again) and ``-n logical``:
    workers only for the whole suite; named paths and ``-s`` (whose output workers would
    swallow: the FIGURE lines) run in one process. A number (``-n 2``) gives workers to
    named paths too; ``--pdb`` is one process by xdist's own rule."""
    whole_suite = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    if not whole_suite or config.getoption("capture") == "no":
        return 0
    return None  # xdist's own count: PYTEST_XDIST_AUTO_NUM_WORKERS, else the CPU cores


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadfile`` with the files of ``SAME_WORKER`` as one unit."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return SAME_WORKER.get(path, path)

    return Scheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On xdist workers only (``--no-loadscope-reorder`` hands units out in this order):
    the files of ``LONG_FIRST`` first. A run in one process keeps the collection order."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    rank = {path: i for i, path in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


#: Summary lines that workers hand back (``pytest_sessionfinish`` of a test package puts
#: them in ``config.workeroutput["summary"]``): a worker's own terminal is never shown.
WORKER_SUMMARY: list[str] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    WORKER_SUMMARY.extend(getattr(node, "workeroutput", {}).get("summary", []))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in WORKER_SUMMARY:
        terminalreporter.write_line(line)


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
