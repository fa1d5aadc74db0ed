"""Decoding upstream JSON: orjson for speed, with the standard decoder's tolerance kept
(R-SYNC-4: one odd record is rejected or cleaned, never the whole page lost)."""

from __future__ import annotations

import pytest

from kiosk.services.ports import Malformed
from kiosk.upstream.fhir_read import parse_page
from kiosk.upstream.http import decode_json_bytes

DOC = (
    '{"resourceType":"DocumentReference","id":"d1","status":"current",'
    '"type":{"coding":[{"system":"http://loinc.org","code":"11488-4"}]},'
    '"subject":{"reference":"Patient/1001"},"date":"2020-01-02T10:00:00+03:00",'
    '"description":"Осмотр \\ud800 терапевта",'
    '"content":[{"attachment":{"contentType":"text/plain","data":"0JbQsNC70L7QsdGL"}}]}'
)


def test_a_lone_surrogate_in_one_record_keeps_the_page_R_SYNC_4() -> None:
    body = ('{"resourceType":"Bundle","type":"searchset","entry":[{"resource":'
            + DOC + '}]}').encode()
    page = parse_page(body)
    assert page.error is None
    [doc] = page.documents
    assert doc.title == "Осмотр ? терапевта"  # cleaned, not the page lost
    assert doc.text == "Жалобы"


def test_nan_decodes_as_before() -> None:
    value = decode_json_bytes(b'{"valueQuantity":{"value":NaN}}', "fhir", "read")
    assert value["valueQuantity"]["value"] != value["valueQuantity"]["value"]


@pytest.mark.parametrize("body", [b'{"entry":[1,2', b"\xff\xfe", b"<html>", b""])
def test_broken_json_is_malformed_not_a_crash(body: bytes) -> None:
    with pytest.raises(Malformed, match="search: invalid JSON"):
        decode_json_bytes(body, "fhir", "search")
