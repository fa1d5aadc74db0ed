"""Figure 6: bad upstreams give typed errors, keep the cache, and never block long.

R-KSK-5 (upstream trouble never freezes the kiosk), R-ACC-4 (registry down: sign-in
stops), R-SHOW-6/R-SYNC-2 (the cache keeps its last good state). Every fault switch of
the simulator — 5xx, hang, TCP reset, truncated JSON, an HTML page with status 200, an
oversized body (50 MiB here), a body sent a few bytes at a time — against every service
call that goes upstream: sign-in start (portal, registry, SMS gateway), the sync run and
the sign-in refresh (FHIR).
The real graph is used (``build_services``: HTTP clients, SQLite file).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk.app import Services, build_services
from kiosk.config import load
from kiosk.domain.moscow import moscow_date
from kiosk.services.errors import ServiceUnavailable
from kiosk.sim import server as sim_server
from kiosk.sim.population import Population
from kiosk.sim.server import SimServer
from tests.faults._crash import cache_state

pytestmark = pytest.mark.faults

CONNECT_S = 1.0
READ_S = 1.0
#: A call may make one request per upstream step and retries a GET twice on 5xx or a
#: reset, with a short backoff; a hang is never retried. So one request's deadline
#: (connect + read) plus a margin bounds every call here.
BOUND_S = CONNECT_S + READ_S + 0.75
#: Requests a sync makes for one over-cap page at the page size below (50 → 25 → 12 → 6
#: → 3 → 1, then the record cap): see FhirSource.search.
HALVINGS = 6
FAULTS = ("error_5xx", "hang", "reset", "truncated_json", "html_200", "oversized", "trickle")
EMRS = ["1001", "1002", "1003"]


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimServer]:
    monkeypatch.setattr(sim_server, "OVERSIZED_BYTES", 50 * 1024 * 1024)
    population = Population(size=30, seed=7, today=moscow_date(datetime.now(UTC)),
                            docs_per_patient=6)
    server = SimServer(population, hang_seconds=READ_S + 2.0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def services(sim: SimServer, tmp_path: Path) -> Iterator[Services]:
    env = {
        **sim.kiosk_env(),
        "KIOSK_UPSTREAM_CONNECT_TIMEOUT_S": str(CONNECT_S),
        "KIOSK_UPSTREAM_READ_TIMEOUT_S": str(READ_S),
        "KIOSK_UPSTREAM_FHIR_PAGE_SIZE": "50",
        "KIOSK_SECURITY_CODE_KEY": "ab" * 32,
        "KIOSK_STORE_URL": f"sqlite:///{tmp_path / 'cache.sqlite3'}",
    }
    svc = build_services(load(None, env=env))
    try:
        yield svc
    finally:
        svc.close()


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.monotonic()
    try:
        result = call()
    except Exception as err:  # the outcome is what we judge
        result = err
    return time.monotonic() - started, result


def test_bad_upstreams_typed_bounded_cache_kept_r_ksk_5(
    services: Services, sim: SimServer, tmp_path: Path
) -> None:
    """R-KSK-5 / R-ACC-4 / R-SHOW-6: 7 faults × 5 upstream calls → a typed error each
    time, the cache and the account state as before, each call within its timeout."""
    db = tmp_path / "cache.sqlite3"
    assert services.sync.run().error is None
    assert services.sync.refresh(EMRS).failed == []
    # Changes waiting upstream: a sync that wrongly half-worked would show them.
    doc = next(d for d in sim.population.documents() if d.emr_id == "1001")
    from dataclasses import replace

    sim.upsert_document(replace(doc, text=doc.text + " Изменено."))
    good = cache_state(db)
    rows = []
    worst = 0.0
    for fault in FAULTS:
        calls: list[tuple[str, str, Callable[[], Any], Callable[[Any], bool]]] = [
            (f"start/{up}", up, lambda: services.signin.start("anna", "demo1234"),
             lambda r, up=up: isinstance(r, ServiceUnavailable) and r.service == up)
            for up in ("portal", "registry", "sms")
        ]
        calls.append(("sync.run", "fhir", services.sync.run,
                      lambda r: r.error is not None and r.batches == 0
                      and r.error.split(":")[0] in {"Unavailable", "Timeout", "Malformed",
                                                        "TooLarge"}))
        calls.append(("sync.refresh", "fhir", lambda: services.sync.refresh(EMRS),
                      lambda r: r.failed == EMRS and r.refreshed == []))
        for name, upstream, call, typed in calls:
            sms_before = len(sim.sms_outbox())
            sim.set_fault(upstream, **{fault: True})
            try:
                elapsed, result = timed(call)
            finally:
                sim.clear_faults()
            worst = max(worst, elapsed)
            shown = type(result).__name__ if isinstance(result, Exception) else (
                getattr(result, "error", None) or f"failed {getattr(result, 'failed', '')}")
            rows.append(f"{fault:14} {name:15} {elapsed:5.2f} s  {str(shown)[:70]}")
            assert typed(result), (fault, name, result)
            # A page over the byte cap is asked again with half the count down to one
            # record, then once with the record cap (R-SYNC-4: the sync never wedges on
            # one big record): up to 7 requests at this page size, each bounded.
            bound = BOUND_S * (HALVINGS + 1) if (fault, upstream) == ("oversized", "fhir") \
                else BOUND_S
            assert elapsed <= bound, (fault, name, elapsed)
            assert cache_state(db) == good, (fault, name)
            # A gateway that took the text but answered garbage (truncated JSON) or too
            # slowly (trickle) did send it; the kiosk voided that code, so no live code
            # is left either way.
            with services.uow() as uow:
                state = uow.accounts.load_for_update("u-anna")
            assert state.code_hash is None and state.failures == 0, (fault, name)
            assert state.sends == (), (fault, name)  # a failed send uses up no quota
            sent = len(sim.sms_outbox()) - sms_before
            assert sent == 0 or (name == "start/sms" and fault in ("truncated_json", "trickle")), \
                (fault, name)
    print(f"\nFIGURE bad-upstreams: {len(rows)} faulty calls, all typed, cache kept; slowest"
          f" {worst:.2f} s (bound {BOUND_S:.2f} s = connect {CONNECT_S} + read {READ_S} +"
          " margin)")
    for row in rows:
        print("   ", row)
    # And when the upstreams are back, the waiting change lands.
    assert services.sync.run().error is None
    assert cache_state(db) != good
