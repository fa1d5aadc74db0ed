"""The EMR client against a real FHIR R4 server: @medplum/fhir-router 4.5 (MemoryRepository).

The simulator's population is loaded into the peer with plain FHIR ``PUT``s; then one
SQLite cache is synced from the peer and another from the simulator, both with the real
``FhirSource`` + ``SyncService``, and the caches must hold the same records (R-SYNC-1,
R-SHOW-4 cut-offs applied at write time, R-SYNC-3 withdrawn documents dropped).

What the real server does differently from our simulator (see docs/upstream.md, Peers):
no paging links at all (``_count``/``_sort``/``_lastUpdated=ge`` are honoured), its own
``versionId``/``lastUpdated`` on every write, ``_include`` ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from kiosk.domain.documents import DocKind
from kiosk.domain.moscow import moscow_date
from kiosk.services.sync import STREAM, SyncService
from kiosk.sim.fhir_render import render_document, render_patient
from kiosk.sim.population import Population
from kiosk.sim.server import SimServer
from kiosk.store.database import Store, open_store
from kiosk.store.models import DOCUMENTS, PATIENTS
from kiosk.upstream.fhir import FhirSource, load_cursor

from .conftest import NodeServer

pytestmark = pytest.mark.peers

TIMEOUT = (1.0, 5.0)
PAGE = 7  # small: every resource type takes several pages


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@pytest.fixture(scope="module")
def population() -> Population:
    return Population(size=12, seed=7, today=moscow_date(datetime.now(UTC)), docs_per_patient=5)


@pytest.fixture(scope="module")
def peer(fhir_peer: NodeServer, population: Population) -> NodeServer:
    """The peer loaded with the population, one FHIR ``PUT`` per resource."""
    stamp = datetime(2020, 1, 1, tzinfo=UTC)
    with requests.Session() as http:
        http.headers["Content-Type"] = "application/fhir+json"
        for p in population.patients:
            _put(http, fhir_peer.base_url, "Patient", p.emr_id, render_patient(p, stamp, 1))
        for d in population.documents():
            _put(http, fhir_peer.base_url, d.resource_type, d.fhir_id,
                 render_document(d, stamp, 1))
    return fhir_peer


def _put(http: requests.Session, base: str, rtype: str, rid: str, body: bytes) -> dict[str, Any]:
    resp = http.put(f"{base}/{rtype}/{rid}", data=body, timeout=10)
    assert resp.status_code in (200, 201), (rtype, rid, resp.status_code, resp.text[:500])
    return resp.json()


def _get(base: str, path: str) -> dict[str, Any]:
    resp = requests.get(f"{base}/{path}", timeout=10)
    assert resp.status_code == 200, resp.text[:500]
    return resp.json()


@pytest.fixture
def sim(population: Population) -> Iterator[SimServer]:
    server = SimServer(population)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _store(path: Path) -> Store:
    store = open_store(f"sqlite:///{path}")
    store.upgrade()
    return store


def _sync(base_url: str, store: Store, page: int = PAGE) -> Any:
    with FhirSource(base_url, TIMEOUT, page_size=page) as source:
        report = SyncService(source, store.uow_factory, Clock(), store.sync_lock()).run()
    assert report.error is None, report.error
    return report


def _cache(store: Store) -> tuple[dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...]]]:
    """Documents and patients as comparable tuples (versions differ by design: the peer
    stamps its own ``versionId``)."""
    with store.engine.connect() as conn:
        docs = {r.doc_id: (r.emr_id, r.kind, r.created_at, r.visible, r.radiology, r.title,
                           r.organization, r.performer, r.text)
                for r in conn.execute(select(DOCUMENTS))}
        patients = {r.emr_id: (r.family, r.given, r.patronymic, r.birth_date, r.sex)
                    for r in conn.execute(select(PATIENTS))}
    return docs, patients


def _js_numbers(docs: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    return {k: (*v[:8], re.sub(r"(?<=\d)\.0+(?!\d)", "", v[8]), *v[9:])
            for k, v in docs.items()}


def _cursor(store: Store) -> dict[str, datetime]:
    with store.uow_factory() as uow:
        return load_cursor(uow.sync_state.get_cursor(STREAM))


# ---------------------------------------------------------------- the proofs


def test_ping_metadata(peer: NodeServer):
    with FhirSource(peer.base_url, TIMEOUT) as source:
        source.ping()


def test_cache_from_peer_equals_cache_from_simulator_R_SYNC_1_R_SHOW_4(
    peer: NodeServer, sim: SimServer, population: Population, tmp_path: Path
):
    with _store(tmp_path / "peer.sqlite3") as a, _store(tmp_path / "sim.sqlite3") as b:
        report = _sync(peer.base_url, a)
        _sync(sim.fhir_url, b, page=500)
        from_peer, from_sim = _cache(a), _cache(b)
        assert report.rejected == 0
    docs, patients = from_peer
    # Values are kept as the server writes them; this peer (JavaScript) writes 140.0 as
    # 140, so numbers are compared with trailing zero decimals dropped on both sides.
    assert _js_numbers(docs) == _js_numbers(from_sim[0])
    assert patients == from_sim[1]
    # What "equal" covers here: every kind, both sides of every cut-off, ЕРИС studies,
    # the withdrawn document absent (R-SYNC-3), the HTML text kept as text (R-SHOW-5).
    expected = {d.doc_id for d in population.documents() if not d.withdrawn}
    assert set(docs) == expected
    assert "DocumentReference/x-1001-withdrawn" not in docs
    assert {row[1] for row in docs.values()} == {k.value for k in DocKind}
    assert {row[3] for row in docs.values()} == {True, False}
    assert docs["DiagnosticReport/x-1001-rad-2016"][3:5] == (True, True)
    assert docs["DocumentReference/x-1001-exam-shown"][3] is True
    assert docs["DocumentReference/x-1001-exam-hidden"][3] is False
    assert "<script>" in docs["DocumentReference/x-1001-html"][8]


def test_paging_across_several_pages_without_next_links_R_SYNC_1(peer: NodeServer):
    """The peer honours _count and _sort=_lastUpdated but returns no ``next`` link."""
    first = _get(peer.base_url, f"DocumentReference?_sort=_lastUpdated&_count={PAGE}")
    assert len(first["entry"]) == PAGE
    assert "link" not in first or not any(
        lk.get("relation") == "next" for lk in first["link"])  # the finding itself
    total = first["total"]
    assert total > 3 * PAGE
    with FhirSource(peer.base_url, TIMEOUT, page_size=PAGE, prefetch=False) as source:
        batches = list(source.changes(None))
    docrefs = {d.doc_id for b in batches for d in b.documents
               if d.doc_id.startswith("DocumentReference/")}
    withdrawn = {w for b in batches for w in b.withdrawn}
    assert len(docrefs | withdrawn) == total
    assert len(batches) > total // PAGE  # several pages per type
    # Each batch's cursor is safe to commit: resuming from any of them misses nothing.
    mid = batches[len(batches) // 2]
    with FhirSource(peer.base_url, TIMEOUT, page_size=PAGE) as source:
        rest = {d.doc_id for b in source.changes(mid.cursor) for d in b.documents}
    before = {d.doc_id for b in batches[: len(batches) // 2 + 1] for d in b.documents}
    assert before | rest == {d.doc_id for b in batches for d in b.documents}


def test_snapshot_pages_through_one_emr_R_SYNC_2(peer: NodeServer, sim: SimServer):
    with FhirSource(peer.base_url, TIMEOUT, page_size=3) as source:
        snap = source.snapshot("1001")
        gone = source.snapshot("no-such-emr")
    with FhirSource(sim.fhir_url, TIMEOUT) as source:
        expected = source.snapshot("1001")
    assert snap.patient == expected.patient
    assert len(snap.documents) > 3 * 3
    assert {d.doc_id for d in snap.documents} == {d.doc_id for d in expected.documents}
    assert gone.patient is None


def test_update_and_withdrawal_reach_an_incremental_sync_R_SYNC_1_R_SYNC_3(
    peer: NodeServer, tmp_path: Path
):
    exam_id, lab_id = "x-1001-exam-recent", "x-1001-lab-recent"
    exam = _get(peer.base_url, f"DocumentReference/{exam_id}")
    lab = _get(peer.base_url, f"DiagnosticReport/{lab_id}")
    original_exam, original_lab = json.dumps(exam).encode(), json.dumps(lab).encode()
    with _store(tmp_path / "cache.sqlite3") as store:
        try:
            _sync(peer.base_url, store)
            before = _cursor(store)
            assert f"DiagnosticReport/{lab_id}" in _cache(store)[0]
            changed = json.loads(original_exam)
            changed["content"][0]["attachment"]["data"] = "0JjRgdC/0YDQsNCy0LvQtdC90L4="
            withdrawn = json.loads(original_lab)
            withdrawn["status"] = "entered-in-error"
            with requests.Session() as http:
                http.headers["Content-Type"] = "application/fhir+json"
                stored = _put(http, peer.base_url, "DocumentReference", exam_id,
                              json.dumps(changed).encode())
                _put(http, peer.base_url, "DiagnosticReport", lab_id,
                     json.dumps(withdrawn).encode())
            assert stored["meta"]["lastUpdated"] > exam["meta"]["lastUpdated"]
            report = _sync(peer.base_url, store)
            after = _cursor(store)
            docs = _cache(store)[0]
            with store.uow_factory() as uow:
                held = uow.documents.get_visible("1001", f"DocumentReference/{exam_id}")
        finally:
            with requests.Session() as http:
                http.headers["Content-Type"] = "application/fhir+json"
                _put(http, peer.base_url, "DocumentReference", exam_id, original_exam)
                _put(http, peer.base_url, "DiagnosticReport", lab_id, original_lab)
    assert docs[f"DocumentReference/{exam_id}"][8] == "Исправлено"
    # The version order (Document.updated) is the peer's own stamp, not one we made.
    assert held is not None and held.updated == datetime.fromisoformat(
        stored["meta"]["lastUpdated"])
    assert f"DiagnosticReport/{lab_id}" not in docs
    assert report.withdrawn == 1
    # Incremental: only the changed records and the boundary ones came again.
    assert report.documents + report.patients <= 4
    assert after["DocumentReference"] > before["DocumentReference"]
    assert after["DiagnosticReport"] > before["DiagnosticReport"]
    assert after["Patient"] == before["Patient"]


def test_results_this_peer_does_not_include_are_fetched_by_id(peer: NodeServer):
    """``_include=DiagnosticReport:result`` is ignored by this peer: the report's result
    is then asked for by id (``Observation?_id=…``) and the patient sees its value."""
    with requests.Session() as http:
        http.headers["Content-Type"] = "application/fhir+json"
        _put(http, peer.base_url, "Observation", "peer-obs-1", json.dumps({
            "resourceType": "Observation", "id": "peer-obs-1", "status": "final",
            "code": {"text": "Глюкоза"}, "valueQuantity": {"value": 5.1, "unit": "ммоль/л"},
        }).encode())
        _put(http, peer.base_url, "DiagnosticReport", "peer-ref-only", json.dumps({
            "resourceType": "DiagnosticReport", "id": "peer-ref-only", "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                                      "code": "LAB"}]}],
            "code": {"text": "Глюкоза крови"}, "subject": {"reference": "Patient/1001"},
            "issued": "2024-05-01T09:00:00Z",
            "result": [{"reference": "Observation/peer-obs-1", "display": "Глюкоза"}],
        }).encode())
        try:
            bundle = _get(peer.base_url, "DiagnosticReport?_id=peer-ref-only"
                                         "&_include=DiagnosticReport:result")
            with FhirSource(peer.base_url, TIMEOUT) as source:
                snap = source.snapshot("1001")
        finally:
            http.delete(f"{peer.base_url}/DiagnosticReport/peer-ref-only", timeout=10)
            http.delete(f"{peer.base_url}/Observation/peer-obs-1", timeout=10)
    types = [e["resource"]["resourceType"] for e in bundle.get("entry", [])]
    assert types == ["DiagnosticReport"]  # no included Observation
    (doc,) = [d for d in snap.documents if d.doc_id == "DiagnosticReport/peer-ref-only"]
    assert doc.plain_text() == "Глюкоза: 5.1 ммоль/л"
    (row,) = doc.results
    assert (row.analyte, row.value, row.unit) == ("Глюкоза", "5.1", "ммоль/л")


# ---------------------------------------------------------------- a real export


def test_synthea_export_syncs_with_shipped_settings_R_SYNC_4(node_peers: str, tmp_path: Path):
    """The Synthea export (13 patients, 1,215 notes of up to ~10 KB) loaded into a fresh
    peer and synced with the shipped settings (500 a page, 1 MiB cap): a page of 500
    notes is ~1.7 MB, so pages are asked again smaller; the sync completes and every
    note dated on or after its cut-off (exam protocols: 01.01.2017) is in the cache."""
    from kiosk.upstream.fhir_survey import synthea_items

    server = NodeServer(node_peers)
    try:
        lines = [json.loads(raw) for where, raw in synthea_items()
                 if where.startswith(("Patient.", "DocumentReference."))]
        with requests.Session() as http:
            http.headers["Content-Type"] = "application/fhir+json"
            for res in lines:
                _put(http, server.base_url, res["resourceType"], res["id"],
                     json.dumps(res).encode())
        notes = [r for r in lines if r["resourceType"] == "DocumentReference"]
        expected = {
            "DocumentReference/" + r["id"] for r in notes
            if moscow_date(datetime.fromisoformat(r["date"])) >= datetime(2017, 1, 1).date()}
        store = _store(tmp_path / "synthea.sqlite3")
        with FhirSource(server.base_url, TIMEOUT, page_size=500,
                        max_page_bytes=1024 * 1024) as source:
            report = SyncService(source, store.uow_factory, Clock(), store.sync_lock()).run()
        assert report.error is None, report.error
        with store.engine.connect() as conn:
            rows = {r.doc_id: r for r in conn.execute(select(DOCUMENTS))}
            patients = list(conn.execute(select(PATIENTS)))
        assert len(rows) == 1215 and len(patients) == 13
        visible = {doc_id for doc_id, r in rows.items() if r.visible}
        assert visible == expected
        assert len(expected) > 100  # the test says how many: printed below
        print(f"synthea on medplum: {len(rows)} notes cached, {len(visible)} visible")
    finally:
        server.stop()
