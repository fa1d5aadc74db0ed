"""The sync never wedges on one page or one record (R-SYNC-4), over real loopback HTTP.

A small FHIR server here pages the way real ones do: ``_count`` and ``_lastUpdated``
with no next links (@medplum/fhir-router's memory repository), a capped ``_count`` with
``Bundle.total``, or offset next links. Pages over the byte cap are asked again smaller;
a record over every cap, or one that is not UTF-8, is rejected alone and the sync goes
on past it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from kiosk.upstream.fhir import FhirSource

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def note(n: int, text: str = "Жалоб нет.") -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference", "id": f"d{n}",
        "meta": {"versionId": "1", "lastUpdated": (T0 + timedelta(minutes=n)).isoformat()},
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": "34117-2"}]},
        "subject": {"reference": "Patient/p1"}, "date": "2024-01-01T10:00:00+03:00",
        "content": [{"attachment": {"contentType": "text/plain",
                                    "data": base64.b64encode(text.encode()).decode()}}],
    }


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, records: list[bytes], *, max_count: int = 5000, links: bool = False,
                 total: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.records, self.max_count, self.links, self.total = records, max_count, links, total
        self.counts: list[int] = []
        self.observation_searches: list[str] = []
        #: ``Binary/<id>`` → (content type, body) served as they are.
        self.binaries: dict[str, tuple[str, bytes]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/fhir"


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if "/Binary/" in parts.path:
            self._binary(parts.path.rsplit("/", 1)[-1])
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        rtype = parts.path.rsplit("/", 1)[-1]
        records = self.server.records if rtype == "DocumentReference" else []
        if rtype == "Observation":
            self.server.observation_searches.append(query.get("_id", ""))
        count = min(int(query.get("_count", "100")), self.server.max_count)
        if rtype == "DocumentReference":
            self.server.counts.append(count)
        since = query.get("_lastUpdated", "")
        start = int(query.get("_offset", "0"))
        if since:
            moment = datetime.fromisoformat(since[2:].replace("Z", "+00:00"))
            stamps = [_stamp(r) for r in records]
            start = next((i for i, s in enumerate(stamps)
                          if (s >= moment if since[:2] == "ge" else s > moment)), len(records))
        chosen = records[start:start + count]
        head: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
        if self.server.total:
            head["total"] = len(records) - start
        if self.server.links and start + count < len(records):
            nxt = {**query, "_offset": str(start + count)}
            head["link"] = [{"relation": "next",
                             "url": self.server.url + "/" + rtype + "?" + urlencode(nxt)}]
        body = json.dumps(head).encode()[:-1] + b',"entry":[' + b",".join(
            b'{"resource":' + r + b"}" for r in chosen) + b"]}"
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The client stops reading a body over its cap: that is the point.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


    def _binary(self, rid: str) -> None:
        found = self.server.binaries.get(rid)
        if found is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        ctype, body = found
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _stamp(raw: bytes) -> datetime:
    text = raw.split(b'"lastUpdated": "', 1)[1].split(b'"', 1)[0].decode()
    return datetime.fromisoformat(text)


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[Server] = []

    def start(records: list[bytes], **kw: Any) -> Server:
        server = Server(records, **kw)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _sync(server: Server, page_size: int = 500) -> tuple[set[str], list[tuple[str, str]]]:
    docs: set[str] = set()
    rejected: list[tuple[str, str]] = []
    with FhirSource(server.url, 10, page_size=page_size, prefetch=False) as source:
        for batch in source.changes(None):
            docs |= {d.doc_id for d in batch.documents}
            rejected += [(r.source_id, r.reason) for r in batch.rejected]
    return docs, rejected


def _enc(res: dict[str, Any]) -> bytes:
    return json.dumps(res, ensure_ascii=False).encode()


@pytest.mark.parametrize("links", [False, True], ids=["lastUpdated-paging", "next-links"])
def test_a_page_over_the_cap_is_asked_again_smaller_R_SYNC_4(serve: Any, links: bool) -> None:
    """30 notes of ~150 KB: a page of 500 is ~4.5 MB, over the shipped 1 MiB cap."""
    records = [_enc(note(n, "Осмотр. " * 10_000)) for n in range(30)]
    server = serve(records, links=links)
    docs, rejected = _sync(server)
    assert docs == {f"DocumentReference/d{n}" for n in range(30)}
    assert rejected == []
    assert server.counts[0] == 500
    # Halved until a page fits, then kept at that size: never asked bigger again.
    assert server.counts == sorted(server.counts, reverse=True)
    assert server.counts[-1] < 8


def test_one_record_over_every_cap_is_rejected_alone_R_SYNC_4(serve: Any) -> None:
    huge = _enc(note(5, "x" * 30_000_000))
    records = [_enc(note(n)) for n in range(5)] + [huge] + [_enc(note(n)) for n in range(6, 9)]
    docs, rejected = _sync(serve(records))
    assert docs == {f"DocumentReference/d{n}" for n in range(9) if n != 5}
    ((rid, reason),) = rejected
    assert rid == "DocumentReference/d5" and reason.startswith("record over ")


def test_one_record_not_utf8_is_rejected_alone_and_the_cursor_moves_R_SYNC_4(serve: Any) -> None:
    bad = _enc(note(2)).replace(b"34117-2", b"34117-2\xff")
    records = [_enc(note(n)) for n in range(2)] + [bad] + [_enc(note(n)) for n in range(3, 6)]
    docs, rejected = _sync(serve(records))
    assert docs == {f"DocumentReference/d{n}" for n in (0, 1, 3, 4, 5)}
    assert rejected == [("DocumentReference/d2", "not valid UTF-8")]


def test_a_capped_count_is_not_taken_for_the_end_R_SYNC_1(serve: Any) -> None:
    """The server gives at most 10 a page, no next link, but Bundle.total says more."""
    records = [_enc(note(n)) for n in range(35)]
    docs, _ = _sync(serve(records, max_count=10, total=True))
    assert len(docs) == 35


def test_results_not_included_are_fetched_by_id_in_one_request(serve: Any) -> None:
    report = {"resourceType": "DiagnosticReport", "id": "r1", "status": "final",
              "meta": {"lastUpdated": T0.isoformat()},
              "category": [{"coding": [{"code": "LAB"}]}], "code": {"text": "ОАК"},
              "subject": {"reference": "Patient/p1"}, "issued": "2024-01-01T10:00:00+03:00",
              "result": [{"reference": f"Observation/o{i}"} for i in range(3)]}
    server = serve([])
    with FhirSource(server.url, 10, prefetch=False) as source:
        page = source._parse_page(json.dumps(
            {"resourceType": "Bundle", "entry": [{"resource": report}]}).encode(), "search")
    assert server.observation_searches == ["o0,o1,o2"]
    assert [r.value for r in page.documents[0].results] == ["результат не передан"] * 3


def test_content_by_url_comes_from_a_binary_of_this_server_only_R_SHOW_5(serve: Any) -> None:
    """A Binary's base64 is read by the attachments' rules: MIME line breaks accepted,
    anything else that is not base64 is not turned into bytes; a Binary sent as itself
    is taken as sent; a URL on another server is never followed."""
    pdf = b"%PDF-1.4\n" + b"0" * 300 + b"\n%%EOF\n"
    wrapped = base64.encodebytes(pdf).decode()  # a line break every 76 characters
    server = serve([])
    server.binaries = {
        "pdf1": ("application/fhir+json", json.dumps(
            {"resourceType": "Binary", "contentType": "application/pdf",
             "data": wrapped}).encode()),
        "bad": ("application/fhir+json", json.dumps(
            {"resourceType": "Binary", "contentType": "text/plain",
             "data": "0J/RgNC40LLQtdGC*!"}).encode()),
        "txt1": ("text/plain; charset=utf-8", "Жалоб нет.".encode()),
    }

    def ref(rid: str, url: str, ctype: str) -> dict[str, Any]:
        return {**note(1), "id": rid, "content": [
            {"attachment": {"contentType": ctype, "url": url}}]}

    records = [ref("d-pdf", "Binary/pdf1", "application/pdf"),
               ref("d-bad", "Binary/bad", "text/plain"),
               ref("d-txt", f"{server.url}/Binary/txt1", "text/plain"),
               ref("d-away", "http://127.0.0.9:9/fhir/Binary/txt1", "text/plain")]
    with FhirSource(server.url, 10, prefetch=False) as source:
        page = source._parse_page(json.dumps(
            {"resourceType": "Bundle", "entry": [{"resource": r} for r in records]}).encode(),
            "search")
    docs = {d.doc_id: d for d in page.documents}
    assert docs["DocumentReference/d-pdf"].pdf == pdf
    assert docs["DocumentReference/d-txt"].text == "Жалоб нет."
    reasons = {r.source_id: r.reason for r in page.rejected}
    assert set(reasons) == {"DocumentReference/d-bad", "DocumentReference/d-away"}
    assert "not shown" in reasons["DocumentReference/d-away"]


def test_pending_counts_what_the_next_sync_reads(serve: Any) -> None:
    """``kiosk sync``'s time left: the server's ``Bundle.total`` per type, summed."""
    records = [_enc(note(n)) for n in range(35)]
    with FhirSource(serve(records, total=True).url, 10) as source:
        assert source.pending(None) == 35
    with FhirSource(serve(records).url, 10) as source:
        assert source.pending(None) is None  # the server does not say
