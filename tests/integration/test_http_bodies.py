"""Response bodies as an upstream may really send them: compressed, or compressed far
past the body cap (R-KSK-5 and the bad-input rules: bodies over 1 MiB are refused).

The simulator never compresses, so a small server of its own answers here, over
loopback HTTP to the real client.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk.services.ports import Malformed
from kiosk.upstream.http import MAX_BODY_BYTES, HttpClient

ANSWER = {"resourceType": "Bundle", "note": "Общий анализ крови " * 2000}
#: Far more than the cap once decompressed, a few kilobytes on the wire.
BOMB = b"[" + b" " * (50 * MAX_BODY_BYTES) + b"]"


class _Gzipping(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        raw = BOMB if self.path == "/bomb" else json.dumps(ANSWER).encode()
        body = gzip.compress(raw)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gzipping)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_compressed_answer_is_read_as_sent(base_url: str) -> None:
    with HttpClient("fhir", 2.0) as client:
        assert client.get_json(base_url + "/answer", "probe") == ANSWER


def test_a_compressed_answer_past_the_cap_is_refused_without_holding_it(base_url: str) -> None:
    """A few kilobytes that decompress to 50 MiB: refused as oversized once the
    decompressed part passes the cap, not after decompressing all of it."""
    with HttpClient("fhir", 2.0) as client, pytest.raises(Malformed) as err:
        client.get_json(base_url + "/bomb", "probe")
    assert "body over" in str(err.value)
