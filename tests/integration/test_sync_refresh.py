"""The sign-in refresh on a real SQLite file: written as it is read, so that an EMR
opened meanwhile never waits for the whole of it; in the kiosk it runs in a process of
its own, or here when that process cannot run (R-SYNC-2, R-SYNC-3, R-SYNC-4, R-SHOW-6,
R-KSK-7; issue 18's ``open_field_ms``)."""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from msgspec import structs

import kiosk.services.sync_workers as sync_workers
from kiosk.app import SYNC_WORKER_PRELOAD
from kiosk.domain.documents import Document
from kiosk.services.audit import AuditLog, verify_chain
from kiosk.services.clock import SystemClock
from kiosk.services.ports import EmrSnapshot, UnitOfWork
from kiosk.services.records import RecordsService
from kiosk.services.session import Session
from kiosk.services.sync import SyncService
from kiosk.services.sync_workers import RefreshWorker
from kiosk.sim.server import SimServer
from kiosk.store.database import Store, open_store
from kiosk.upstream.fhir import FhirSource
from tests.fakes import FakeClock, FakeRegistry, FakeSource, document, grant, patient

TIMEOUT = (0.5, 2.0)
EMRS = ["1001", "1002"]


def _store(path: Path, busy_timeout: float = 5.0) -> Store:
    store = open_store(f"sqlite:///{path}", busy_timeout=busy_timeout)
    store.upgrade()
    return store


def _documents(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT * FROM documents ORDER BY doc_id").fetchall()


def _synced(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT emr_id FROM emr_sync")}


def _session(emr_ids: list[str]) -> Session:
    now = datetime.now(UTC)
    return Session("s", "u-anna", "u:1", now, [grant(e) for e in emr_ids], now)


def _worker(store: Store, sim: SimServer, open_source: object = None) -> RefreshWorker:
    opener = open_source or functools.partial(FhirSource, sim.fhir_url, TIMEOUT, 25)
    return RefreshWorker(store.opener(), opener, SYNC_WORKER_PRELOAD)  # type: ignore[arg-type]


def _dies() -> None:
    os._exit(3)  # a refresh process that stops before its report


def test_r_sync_2_the_refresh_runs_in_its_own_process_and_fills_the_cache_as_here(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kiosk's refresh in a process of its own leaves the cache exactly as a refresh
    in the kiosk's process does; a document the source no longer has leaves (R-SYNC-3)."""
    here, there = _store(tmp_path / "here.db"), _store(tmp_path / "there.db")
    with FhirSource(sim.fhir_url, TIMEOUT, 25) as source:
        assert SyncService(source, here.uow_factory, SystemClock()).refresh(EMRS).failed == []
        with there.uow_factory(write=True) as uow:
            uow.patients.upsert_many([patient("1001")])
            uow.documents.upsert_many([document("gone-upstream", "1001")])
            uow.commit()

        def not_here(self: SyncService, emr_ids: object) -> None:
            raise AssertionError("the refresh ran in the kiosk's process")

        monkeypatch.setattr(SyncService, "refresh", not_here)
        sync = SyncService(source, there.uow_factory, SystemClock(),
                           refresher=_worker(there, sim))
        session = _session(EMRS)
        report = sync.refresh_session(session)
    assert (report.refreshed, report.failed) == (EMRS, [])
    assert session.stale_emrs == set()
    assert _documents(tmp_path / "there.db") == _documents(tmp_path / "here.db")
    assert len(_documents(tmp_path / "here.db")) > 0
    assert _synced(tmp_path / "there.db") == set(EMRS)


def test_r_show_6_a_refresh_process_with_the_source_down_reports_it(
    sim: SimServer, tmp_path: Path
) -> None:
    store = _store(tmp_path / "k.db")
    sim.set_fault("fhir", error_5xx=True)
    session = _session(EMRS)
    with FhirSource(sim.fhir_url, TIMEOUT, 25) as source:
        sync = SyncService(source, store.uow_factory, SystemClock(),
                           refresher=_worker(store, sim))
        report = sync.refresh_session(session)
    assert (report.refreshed, report.failed) == ([], EMRS)
    assert session.stale_emrs == set(EMRS)
    assert _synced(tmp_path / "k.db") == set()


def test_r_sync_4_what_the_refresh_process_rejects_is_logged_here(
    sim: SimServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sim.set_fault("fhir", malformed_records=True)
    store = _store(tmp_path / "k.db")
    with FhirSource(sim.fhir_url, TIMEOUT, 25) as source, caplog.at_level(logging.WARNING):
        sync = SyncService(source, store.uow_factory, SystemClock(),
                           refresher=_worker(store, sim))
        assert sync.refresh_session(_session(EMRS)).refreshed == EMRS
    assert any(r.getMessage().startswith("rejected record ") for r in caplog.records)
    assert "refresh runs in this process" not in caplog.text


@pytest.mark.parametrize("how", ["dies", "cannot start"])
def test_r_sync_2_the_refresh_runs_here_when_its_process_cannot(
    sim: SimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, how: str
) -> None:
    """A refresh process that stops before its report, or none that can start (a
    process limit): the kiosk refreshes in its own process and says so in the log."""
    store = _store(tmp_path / "k.db")
    if how == "dies":
        worker = _worker(store, sim, _dies)
    else:
        worker = _worker(store, sim)

        class NoFork:
            Pipe = staticmethod(sync_workers._forkserver(SYNC_WORKER_PRELOAD).Pipe)

            class Process:
                def __init__(self, **kwargs: object) -> None:
                    pass

                def start(self) -> None:
                    raise BlockingIOError(11, "Resource temporarily unavailable")

        monkeypatch.setattr(sync_workers, "_forkserver", lambda preload: NoFork)
    with FhirSource(sim.fhir_url, TIMEOUT, 25) as source:
        sync = SyncService(source, store.uow_factory, SystemClock(), refresher=worker)
        assert sync.refresh_session(_session(EMRS)).refreshed == EMRS
    assert _synced(tmp_path / "k.db") == set(EMRS)
    assert "refresh runs in this process" in caplog.text


def test_r_ksk_7_an_emr_opened_while_the_refresh_writes_is_audited_at_once(
    tmp_path: Path
) -> None:
    """The patient taps the EMR between two pages of its refresh. The store waits for
    no lock at all here (busy timeout 0): had the refresh held its write transaction
    over the source's pages, the open's audit append would fail. It is recorded, the
    chain holds, and the cache already shows the first page while the EMR is not yet
    marked as refreshed."""
    store = _store(tmp_path / "k.db", busy_timeout=0)
    clock, registry = FakeClock(), FakeRegistry()
    registry.grants["s1"] = [grant("e1")]
    session = Session("x", "s1", "u:1", clock.now(), registry.grants_for("s1"), clock.now())
    records = RecordsService(store.uow_factory, registry, clock,
                             AuditLog(store.uow_factory, clock, "k1"),
                             grants_max_age=timedelta(0))
    seen: list[tuple[int, set[str]]] = []

    class Paged(FakeSource):
        def snapshot_pages(self, emr_id: str) -> Iterator[EmrSnapshot]:
            yield EmrSnapshot(patient("e1"), [document("a", "e1"), document("b", "e1")])
            card = records.card(session, "e1")  # the tap, while the refresh is under way
            assert card.emr_id == "e1"
            seen.append((len(_documents(tmp_path / "k.db")), _synced(tmp_path / "k.db")))
            yield EmrSnapshot(None, [document("c", "e1")])

    assert SyncService(Paged(), store.uow_factory, clock).refresh(["e1"]).refreshed == ["e1"]
    assert seen == [(2, set())]
    assert len(_documents(tmp_path / "k.db")) == 3
    assert _synced(tmp_path / "k.db") == {"e1"}
    result = verify_chain(store.uow_factory)
    assert result.ok and result.checked == 1
    store.dispose()


def _cached_e1(store: Store, *docs: Document) -> None:
    with store.uow_factory(write=True) as uow:
        uow.patients.upsert_many([patient("e1")])
        uow.documents.upsert_many(list(docs))
        uow.commit()


def _refresh_beside_a_sync(store: Store, pages: list[EmrSnapshot],
                           sync: Callable[[UnitOfWork], None]) -> None:
    """The sign-in refresh of EMR e1 reads ``pages``; a full sync running beside it
    commits ``sync`` after the refresh read its first page and before it wrote it."""

    class Paged(FakeSource):
        def snapshot_pages(self, emr_id: str) -> Iterator[EmrSnapshot]:
            with store.uow_factory(write=True) as uow:
                sync(uow)
                uow.commit()
            yield from pages

    report = SyncService(Paged(), store.uow_factory, FakeClock()).refresh(["e1"])
    assert report.refreshed == ["e1"]


def test_r_sync_3_a_document_a_full_sync_adds_during_the_refresh_stays(
    tmp_path: Path
) -> None:
    """A full sync running beside the sign-in refresh writes a document the source got
    after the refresh read its page; the sync's cursor has passed it. The refresh drops
    what the source no longer has (R-SYNC-3) — the document cached before it began and
    now missing — but not that one: losing it would hide it until the next resync."""
    store = _store(tmp_path / "k.db")
    _cached_e1(store, document("a", "e1"), document("withdrawn", "e1"))
    _refresh_beside_a_sync(
        store, [EmrSnapshot(patient("e1"), [document("a", "e1")]),
                EmrSnapshot(None, [document("b", "e1")])],
        lambda uow: uow.documents.upsert_many([document("new-meanwhile", "e1")]))
    assert [row[0] for row in _documents(tmp_path / "k.db")] == ["a", "b", "new-meanwhile"]
    store.dispose()


def test_r_sync_1_a_refresh_never_writes_back_a_version_older_than_a_syncs(
    tmp_path: Path
) -> None:
    """The refresh read a page holding version 1 of a document; before it wrote the page,
    a full sync beside it wrote version 2 (the sync's cursor has passed it, so nothing
    would ever write it again). The refresh's write leaves version 2 in place: the
    cache compares the source's ``meta.lastUpdated`` of the two."""
    store = _store(tmp_path / "k.db")
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    v1 = structs.replace(document("a", "e1", text="Версия 1"), version="1", updated=at)
    v2 = structs.replace(document("a", "e1", text="Версия 2"), version="2",
                         updated=at + timedelta(minutes=5))
    _cached_e1(store, v1)
    _refresh_beside_a_sync(store, [EmrSnapshot(patient("e1"), [v1])],
                           lambda uow: uow.documents.upsert_many([v2]))
    with store.uow_factory() as uow:
        assert uow.documents.get_visible("e1", "a") == v2
    store.dispose()


def test_r_sync_3_a_document_a_full_sync_withdraws_during_the_refresh_stays_withdrawn(
    tmp_path: Path
) -> None:
    """The refresh read a page holding a document; before it wrote the page, a full sync
    beside it read that document entered in error and deleted it (R-SYNC-3). The page,
    read earlier, does not bring it back; the rest of the page is written."""
    store = _store(tmp_path / "k.db")
    _cached_e1(store, document("a", "e1"), document("in-error", "e1"))
    _refresh_beside_a_sync(
        store, [EmrSnapshot(patient("e1"), [document("a", "e1"), document("in-error", "e1"),
                                            document("b", "e1")])],
        lambda uow: uow.documents.delete_many(["in-error"]))
    assert [row[0] for row in _documents(tmp_path / "k.db")] == ["a", "b"]
    store.dispose()


def test_r_sync_3_a_patient_a_full_sync_withdraws_during_the_refresh_stays_withdrawn(
    tmp_path: Path
) -> None:
    """A full sync beside the refresh withdraws the patient, and with them the EMR's
    documents (R-SYNC-3), after the refresh read its snapshot: the refresh writes back
    neither the patient nor any document of theirs, nor marks the EMR synced."""
    store = _store(tmp_path / "k.db")
    _cached_e1(store, document("a", "e1"))
    _refresh_beside_a_sync(
        store, [EmrSnapshot(patient("e1"), [document("a", "e1"), document("b", "e1")])],
        lambda uow: uow.patients.delete_many(["e1"]))
    assert _documents(tmp_path / "k.db") == []
    with store.uow_factory() as uow:
        assert uow.patients.get("e1") is None
    assert "e1" not in _synced(tmp_path / "k.db")
    store.dispose()
