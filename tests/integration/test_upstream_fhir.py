"""FhirSource against the simulator over loopback HTTP (R-SYNC-1, R-SYNC-3, R-SYNC-4)."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from kiosk.domain.documents import DocKind
from kiosk.services.ports import Malformed
from kiosk.sim.server import SimServer
from kiosk.upstream.fhir import FhirSource, load_cursor, merge_cursor
from kiosk.upstream.fhir_read import read_bundle_value as parse_bundle

TIMEOUT = (0.5, 2.0)


@pytest.fixture
def source(sim: SimServer):
    with FhirSource(sim.fhir_url, TIMEOUT, page_size=25) as src:
        yield src


class _Streamed:
    """``FhirSource.streams()`` read one after another, each batch's cursor merged into
    the stored one as the sync's workers merge it: the cursors a sync would store."""

    def __init__(self, source: FhirSource) -> None:
        self.source = source

    def changes(self, cursor: str | None):
        stored = cursor
        for stream in self.source.streams(cursor):
            for batch in stream.changes():
                stored = stream.merge_cursor(stored, batch.cursor)
                yield replace(batch, cursor=stored)


@pytest.fixture(params=[False, True], ids=["one-stream", "stream-per-type"])
def changes_source(request, sim: SimServer):
    """The change stream both ways: ``changes()``, or the per-type streams a sync runs in
    worker processes (``kiosk.services.sync_workers``)."""
    with FhirSource(sim.fhir_url, TIMEOUT, page_size=25) as src:
        yield _Streamed(src) if request.param else src


def _drain(source: FhirSource, cursor: str | None):
    batches = list(source.changes(cursor))
    docs = {d.doc_id: d for b in batches for d in b.documents}
    patients = {p.emr_id: p for b in batches for p in b.patients}
    withdrawn = {w for b in batches for w in b.withdrawn}
    return batches, docs, patients, withdrawn


def test_full_sync_pages_through_everything_R_SYNC_1(sim: SimServer, changes_source: FhirSource):
    batches, docs, patients, withdrawn = _drain(changes_source, None)
    expected = {d.doc_id for d in sim.population.documents() if not d.withdrawn}
    assert set(docs) == expected
    assert withdrawn == {"DocumentReference/x-1001-withdrawn"}
    assert set(patients) == {p.emr_id for p in sim.population.patients}
    assert len(batches) > 5  # several pages per resource type
    assert all(b.cursor for b in batches)
    assert not [r for b in batches for r in b.rejected]


def test_document_fields_and_cutoff_instants_R_SHOW_4(source: FhirSource):
    _, docs, patients, _ = _drain(source, None)
    shown = docs["DocumentReference/x-1001-exam-shown"]
    assert shown.kind is DocKind.EXAM_PROTOCOL
    assert shown.created_at.isoformat() == "2016-12-31T21:30:00+00:00"
    assert shown.visible
    assert not docs["DocumentReference/x-1001-exam-hidden"].visible
    assert docs["DiagnosticReport/x-1001-rad-2016"].radiology
    assert docs["DiagnosticReport/x-1001-rad-2016"].visible
    assert not docs["DiagnosticReport/x-1001-instr-2016"].radiology
    assert not docs["DiagnosticReport/x-1001-instr-2016"].visible
    assert docs["DiagnosticReport/x-1001-lab-shown"].kind is DocKind.LAB_RESULT
    assert "Гемоглобин" in docs["DiagnosticReport/x-1001-lab-shown"].plain_text()
    assert docs["DocumentReference/x-1001-disch-shown"].kind is DocKind.DISCHARGE_SUMMARY
    html = docs["DocumentReference/x-1001-html"]
    assert "<script>alert('xss')</script>" in html.text  # kept as text (R-SHOW-5)
    anna = patients["1001"]
    assert (anna.family, anna.given, anna.patronymic) == ("Смирнова", "Анна", "Сергеевна")
    assert patients["1007"].patronymic is None


def test_cursor_resumes_and_sees_changes_R_SYNC_1_R_SYNC_3(
    sim: SimServer, changes_source: FhirSource
):
    batches, _, _, _ = _drain(changes_source, None)
    cursor = batches[-1].cursor
    again, docs, _, _ = _drain(changes_source, cursor)
    # Only the boundary items of each type are read again.
    assert sum(len(b.documents) + len(b.patients) for b in again) <= 3
    sim.withdraw_document("DiagnosticReport/x-1001-lab-recent")
    doc = sim.document("DocumentReference/x-1001-exam-recent")
    assert doc is not None
    sim.upsert_document(replace(doc, text="Исправленный текст"))
    _, docs, _, withdrawn = _drain(changes_source, cursor)
    assert "DiagnosticReport/x-1001-lab-recent" in withdrawn
    assert docs["DocumentReference/x-1001-exam-recent"].text == "Исправленный текст"
    assert docs["DocumentReference/x-1001-exam-recent"].version == "2"


def test_each_batch_cursor_is_safe_to_commit_R_SYNC_1(sim: SimServer, changes_source: FhirSource):
    """Stopping after any batch and resuming from its cursor misses nothing."""
    full = {d.doc_id for b in changes_source.changes(None) for d in b.documents}
    first = next(iter(changes_source.changes(None)))
    for _ in range(3):
        it = changes_source.changes(first.cursor)
        seen = {d.doc_id for d in first.documents}
        seen |= {d.doc_id for b in it for d in b.documents}
        assert seen == full
    state = load_cursor(first.cursor)
    assert "Patient" in state


def test_malformed_records_rejected_rest_goes_in_R_SYNC_4(
    sim: SimServer, changes_source: FhirSource
):
    sim.set_fault("fhir", malformed_records=True)
    batches, docs, _, _ = _drain(changes_source, None)
    rejected = [r for b in batches for r in b.rejected]
    assert rejected
    assert all(r.reason for r in rejected)
    assert docs  # the rest of each page went in
    assert {r.reason for r in rejected} <= {"Expected object | null, got int - at $.subject",
                                             "birthDate is not a full date"}


def test_snapshot_of_one_emr_R_SYNC_2(sim: SimServer, source: FhirSource):
    snap = source.snapshot("1001")
    assert snap.patient is not None and snap.patient.emr_id == "1001"
    ids = {d.doc_id for d in snap.documents}
    assert "DocumentReference/x-1001-html" in ids
    assert "DocumentReference/x-1001-withdrawn" not in ids
    assert all(d.emr_id == "1001" for d in snap.documents)
    expected = {d.doc_id for d in sim.population.documents()
                if d.emr_id == "1001" and not d.withdrawn}
    assert ids == expected
    assert source.snapshot("no-such").patient is None


def test_big_snapshot_pages(sim: SimServer):
    with FhirSource(sim.fhir_url, TIMEOUT, page_size=2) as src:
        snap = src.snapshot("1001")
        parts = list(src.snapshot_pages("1001"))
    assert len(snap.documents) > 10
    # As read, for a refresh that writes each page before it reads the next (issue 18):
    # the patient first, then a page of at most page_size documents per part.
    assert parts[0].patient == snap.patient and not parts[0].documents
    assert all(p.patient is None and len(p.documents) <= 2 for p in parts[1:])
    assert [d for p in parts for d in p.documents] == snap.documents


def test_next_link_off_the_configured_server_is_refused(source: FhirSource, monkeypatch):
    bundle = {"resourceType": "Bundle", "type": "searchset",
              "link": [{"relation": "next", "url": "http://evil.example/fhir/Patient?p=2"}],
              "entry": []}
    monkeypatch.setattr(source, "_fetch_page", lambda *a, **k: parse_bundle(bundle))
    with pytest.raises(Malformed, match="next link"):
        list(source.changes(None))


def test_ping(source: FhirSource):
    source.ping()


def test_non_bundle_page_is_malformed(source: FhirSource, monkeypatch):
    monkeypatch.setattr(source, "_fetch_page",
                        lambda *a, **k: parse_bundle({"resourceType": "Patient"}))
    with pytest.raises(Malformed):
        list(source.changes(None))


def test_abandoned_change_stream_stops_its_reader_thread(sim: SimServer):
    with FhirSource(sim.fhir_url, TIMEOUT, page_size=25) as src:
        stream = src.changes(None)
        assert next(b for b in stream if b.documents).documents
        stream.close()
    readers = [t for t in threading.enumerate() if t.name == "fhir-prefetch"]
    for t in readers:
        t.join(5)
    assert not [t for t in readers if t.is_alive()], "the page reader thread is left running"


def test_merge_cursor_moves_only_the_types_of_the_part_R_SYNC_1():
    stored = '{"v":1,"DiagnosticReport":"2026-01-02T00:00:00Z","Patient":"2026-01-01T00:00:00Z"}'
    part = '{"v":1,"Patient":"2026-03-01T00:00:00Z"}'
    merged = load_cursor(merge_cursor(stored, part))
    assert merged["Patient"].isoformat() == "2026-03-01T00:00:00+00:00"
    assert merged["DiagnosticReport"].isoformat() == "2026-01-02T00:00:00+00:00"
    assert "DocumentReference" not in merged
    assert load_cursor(merge_cursor(None, part)) == load_cursor(part)
    assert load_cursor(merge_cursor("garbage", None)) == {}


def _paged(pages: dict[str, tuple[list[str], list[str]]]):
    """Canned search pages by URL: (next links in order, Patient ids) → Bundle bytes."""
    import json

    def body(url: str) -> bytes:
        links, ids = pages[url]
        return json.dumps({
            "resourceType": "Bundle", "type": "searchset",
            "link": [{"relation": "next", "url": u} for u in links],
            "entry": [{"resource": {"resourceType": "Patient", "id": i,
                                    "name": [{"family": "Ф", "given": ["И"]}],
                                    "birthDate": "2000-01-01"}} for i in ids],
        }).encode()
    return body


def test_fetch_ahead_reads_the_pages_its_links_say_even_when_the_guess_is_wrong(
    sim: SimServer, monkeypatch
):
    """The next page is fetched from a guess at the head of the bytes; a page with two
    next links (the parser takes the last) proves the parsed link decides."""
    base = sim.fhir_url
    pages = {
        f"{base}/Patient": ([f"{base}/Patient?p=2"], ["a"]),
        f"{base}/Patient?p=2": ([f"{base}/Patient?p=wrong", f"{base}/Patient?p=3"], ["b"]),
        f"{base}/Patient?p=wrong": ([], ["never"]),
        f"{base}/Patient?p=3": ([], ["c"]),
    }
    body = _paged(pages)
    fetched: list[str] = []

    def fetch_body(url: str, op: str, params: object) -> bytes:
        fetched.append(url)
        return body(url)

    with FhirSource(base, TIMEOUT, page_size=25, prefetch=False, fetch_ahead=True) as src:
        monkeypatch.setattr(src, "_fetch_body", fetch_body)
        got = [p.emr_id for page in src.search("Patient", {}, "search") for p in page.patients]
    assert got == ["a", "b", "c"]
    assert f"{base}/Patient?p=wrong" in fetched  # guessed, fetched, dropped
    assert not [t for t in threading.enumerate() if t.name == "fhir-fetch-ahead"]


def test_a_failed_fetch_ahead_fails_the_search_after_the_pages_before_it(
    sim: SimServer, monkeypatch
):
    from kiosk.services.ports import Unavailable

    base = sim.fhir_url
    body = _paged({f"{base}/Patient": ([f"{base}/Patient?p=2"], ["a"])})

    def fetch_body(url: str, op: str, params: object) -> bytes:
        if url.endswith("p=2"):
            raise Unavailable("fhir", "search: connection failed")
        return body(url)

    got: list[str] = []

    def read(src: FhirSource) -> None:
        for page in src.search("Patient", {}, "search"):
            got.extend(p.emr_id for p in page.patients)

    with FhirSource(base, TIMEOUT, page_size=25, prefetch=False, fetch_ahead=True) as src:
        monkeypatch.setattr(src, "_fetch_body", fetch_body)
        with pytest.raises(Unavailable):
            read(src)
    assert got == ["a"]


def test_demo_emr_holds_what_real_ones_do_R_SHOW_5(source: FhirSource):
    """The simulator's demo EMR reads as a clinic's: a sectioned protocol as narrative,
    full lab panels with flagged values, an ECG as a PDF report (issue 17)."""
    from kiosk.domain.documents import Flag
    from kiosk.ui.pdfpages import page_sizes

    docs = {d.doc_id: d for d in source.snapshot("1001").documents}
    exam = docs["DocumentReference/x-1001-exam-rich"]
    assert "<h4>Жалобы</h4>" in exam.narrative  # the sections kept as headings
    assert "<table>" in exam.narrative and "J06.9" in exam.text
    cbc = docs["DiagnosticReport/x-1001-cbc-full"]
    assert 10 <= len(cbc.results) <= 30
    flags = [r.flag for r in cbc.results]
    assert Flag.HIGH in flags and Flag.LOW in flags and flags.count(Flag.NORMAL) >= 10
    assert cbc.results[0].reference == "120–140"
    bio = docs["DiagnosticReport/x-1001-bio-full"]
    assert 10 <= len(bio.results) <= 30
    ecg = docs["DiagnosticReport/x-1001-ecg-pdf"]
    assert ecg.pdf is not None and len(page_sizes(ecg.pdf)) == 1
    assert "Ритм синусовый" in ecg.text
