"""The sync's typed fast path reads every page it takes exactly as the dict parser does
(R-SYNC-1, R-SYNC-3, R-SYNC-4, R-SHOW-4/5 hold for both): same documents, withdrawals,
rejections with the same reasons, same cursor instants, same next link. A page it cannot
read exactly (a wrong type anywhere, an Observation entry, a Patient) it declines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz import BASES, INCLUDED, mutate
from kiosk.sim.server import SimServer
from kiosk.upstream.fhir_fast import parse_page_bytes
from kiosk.upstream.fhir_parse import ParsedPage, parse_bundle
from kiosk.upstream.http import decode_json_bytes

EXAMPLES = Path("/work/shared/fhir-r4-examples")  # as in test_fhir_parse_examples


def slow(body: bytes) -> ParsedPage:
    return parse_bundle(decode_json_bytes(body, "fhir", "test"))


def same(fast: ParsedPage, slow_page: ParsedPage) -> None:
    assert fast.documents == slow_page.documents
    assert fast.withdrawn == slow_page.withdrawn
    assert fast.rejected == slow_page.rejected
    assert fast.patients == slow_page.patients
    assert fast.last_updated == slow_page.last_updated
    assert fast.next_url == slow_page.next_url
    assert fast.error == slow_page.error


def bundle(resources: list[Any], **extra: Any) -> bytes:
    body = {"resourceType": "Bundle", "type": "searchset",
            "link": [{"relation": "next", "url": "http://h/fhir/X?_after=1"}],
            "entry": [{"fullUrl": "http://h/fhir/x", "resource": r} for r in resources],
            **extra}
    return json.dumps(body).encode()  # \u escapes: lone surrogates stay JSON


def test_every_simulator_page_reads_the_same_both_ways_R_SYNC_1(sim: SimServer) -> None:
    taken = 0
    for rtype in ("DocumentReference", "DiagnosticReport"):
        status, body = sim.fhir_search(rtype, {"_count": ["5000"]}, False)
        assert status == 200
        fast = parse_page_bytes(body)
        assert fast is not None, "a clean page of documents takes the fast path"
        same(fast, slow(body))
        taken += len(fast.documents)
    assert taken > 100
    status, body = sim.fhir_search("DocumentReference", {"_count": ["5000"]}, True)
    fast = parse_page_bytes(body)
    if fast is not None:  # records broken in a typed way fall back to the dict parser
        same(fast, slow(body))


def test_pages_it_cannot_read_exactly_are_declined_R_SYNC_4() -> None:
    doc = BASES["DocumentReference"]
    assert parse_page_bytes(bundle([doc])) is not None
    assert parse_page_bytes(bundle([BASES["Patient"]])) is None
    assert parse_page_bytes(bundle([{**doc, "subject": 7}])) is None  # one bad record
    assert parse_page_bytes(b'{"resourceType":"Bundle","entry":[{"resource":NaN}]}') is None
    assert parse_page_bytes(b"<html>") is None


def test_a_report_page_with_included_observations_reads_the_same_both_ways_R_SYNC_1() -> None:
    """``_include=DiagnosticReport:result`` as a FHIR server answers it: the Observations
    as entries of their own, named by id, by absolute URL and by ``fullUrl``."""
    report = BASES["DiagnosticReport"]
    other = {**INCLUDED, "id": "x10", "valueQuantity": {"value": 5.5, "unit": "ммоль/л"}}
    body = bundle([report, INCLUDED, other, {**report, "id": "r2", "result": [
        {"reference": "http://h/fhir/x"}, {"reference": "Observation/x10"}]}])
    fast = parse_page_bytes(body)
    assert fast is not None, "a page with included Observations takes the fast path"
    same(fast, slow(body))
    texts = [d.text for d in fast.documents]
    assert "Глюкоза: 4,2" in texts[0] and "Глюкоза: 5.5 ммоль/л" in texts[1]


def test_an_included_observation_reads_the_same_whichever_decoder_the_page_needs() -> None:
    """A number too big for 64 bits in an included Observation, and 1e400 in an extension
    elsewhere on the page (orjson refuses it, so the dict way decodes the whole page with
    the standard decoder, which keeps the big number an int): both ways render it alike."""
    report = {**BASES["DiagnosticReport"], "extension": [{"url": "x", "valueDecimal": 12345}]}
    big = {**INCLUDED, "valueQuantity": {"value": 2**64, "unit": "u"}}
    del big["valueString"]
    body = bundle([report, big]).replace(b"12345", b"1e400")
    fast = parse_page_bytes(body)
    if fast is not None:
        same(fast, slow(body))
    assert f"Глюкоза: {2**64} u" in slow(body).documents[0].text


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.json")
                                        if p.name.startswith(("documentreference",
                                                              "diagnosticreport"))))
def test_official_examples_read_the_same_both_ways(name: str) -> None:
    res = json.loads((EXAMPLES / name).read_text())
    body = bundle([res])
    fast = parse_page_bytes(body)
    if fast is not None:
        same(fast, slow(body))


@pytest.mark.parametrize("data", [
    "0J/RgNC40LLQtdGC", "QR==", "QUI=", "QUJD", "", "QUJ", "QU I=", "QUJ=D", "Q===",
    "QUJDRA", "QUJDRA==", "QUJD\nRA==", "-_-_", "QUJD====", "AABB", "AA==", "/v8AQQ==",
    "gA==", "7aCA", "XHVkODAw",
])
@pytest.mark.parametrize("ctype", [
    "text/plain", "text/plain; charset=utf-8", "text/plain; charset=utf-16",
    "text/plain; charset=unicode_escape", "text/plain; charset=cp1251", "image/png",
])
def test_attachment_data_reads_the_same_both_ways_R_SYNC_4(data: str, ctype: str) -> None:
    """Base64 read by msgspec (fast) and binascii (dict): padding, bad characters, NUL,
    invalid UTF-8, lone surrogates by way of ``unicode_escape``, non-text attachments."""
    doc = dict(BASES["DocumentReference"])
    doc["content"] = [{"attachment": {"contentType": ctype, "data": data}},
                      {"attachment": {"contentType": "text/plain", "data": "0J/RgNC40LLQtdGC"}}]
    body = bundle([doc])
    fast = parse_page_bytes(body)
    if fast is not None:
        same(fast, slow(body))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_documents_read_the_same_both_ways_R_SYNC_4(data: st.DataObject) -> None:
    """Valid documents with values anywhere replaced by random JSON or removed: whatever
    the fast path takes, it reads as the dict parser does."""
    resources = [mutate(BASES[data.draw(st.sampled_from(["DocumentReference",
                                                         "DiagnosticReport"]))], data)
                 for _ in range(data.draw(st.integers(1, 3)))]
    if data.draw(st.booleans()):  # included Observations, mutated too
        resources += [mutate(INCLUDED, data) for _ in range(data.draw(st.integers(1, 2)))]
    body = bundle(resources)
    fast = parse_page_bytes(body)
    if fast is not None:
        same(fast, slow(body))
