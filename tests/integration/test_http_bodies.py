"""Response bodies as an upstream may really send them: compressed (gzip, deflate),
compressed far past the body cap, broken, or trickled (R-KSK-5 and the bad-input rules:
bodies over 1 MiB are refused, slow connections end in a typed error).

The simulator never compresses, so a small server of its own answers here, over
loopback HTTP to the real client.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk.services.ports import Malformed, Timeout
from kiosk.upstream.http import MAX_BODY_BYTES, HttpClient

ANSWER = {"resourceType": "Bundle", "note": "Общий анализ крови " * 2000}
#: Far more than the cap once decompressed, a few kilobytes on the wire.
BOMB = b"[" + b" " * (50 * MAX_BODY_BYTES) + b"]"


def _deflate(raw: bytes, wbits: int) -> bytes:
    z = zlib.compressobj(wbits=wbits)
    return z.compress(raw) + z.flush()


class _Gzipping(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        answer = json.dumps(ANSWER).encode()
        half = len(answer) // 2
        encoding, body = {
            "/bomb": ("gzip", gzip.compress(BOMB)),
            "/deflate": ("deflate", _deflate(answer, zlib.MAX_WBITS)),
            "/raw-deflate": ("deflate", _deflate(answer, -zlib.MAX_WBITS)),
            "/members": ("gzip", gzip.compress(answer[:half]) + gzip.compress(answer[half:])),
            "/corrupt": ("gzip", gzip.compress(answer)[:40] + b"\xff" * 64),
            "/brotli": ("br", b"\x0b\x02\x80{}\x03"),
        }.get(self.path, ("gzip", gzip.compress(answer)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path == "/trickle":
            # The gzip header a byte at a time, each well within the read timeout.
            try:
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    time.sleep(0.1)
            except OSError:  # the client has given up
                pass
            return
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


@pytest.mark.parametrize("path", ["/answer", "/deflate", "/raw-deflate", "/members"])
def test_a_compressed_answer_is_read_as_sent(base_url: str, path: str) -> None:
    """gzip (one member or several) and deflate (zlib-wrapped or raw, both seen)."""
    with HttpClient("fhir", 2.0) as client:
        assert client.get_json(base_url + path, "probe") == ANSWER


@pytest.mark.parametrize("path", ["/corrupt", "/brotli"])
def test_a_body_that_does_not_inflate_is_malformed(base_url: str, path: str) -> None:
    """Compressed data that breaks off into garbage, or an encoding not asked for."""
    with HttpClient("fhir", 2.0) as client, pytest.raises(Malformed):
        client.get_json(base_url + path, "probe")


def test_a_compressed_answer_trickled_ends_at_the_deadline_R_KSK_5(base_url: str) -> None:
    """A gzip header sent a byte at a time (each byte within the read timeout): the
    request ends at its deadline (connect + read), not when the body is complete."""
    started = time.monotonic()
    with HttpClient("fhir", (0.5, 0.5)) as client, pytest.raises(Timeout):
        client.get_json(base_url + "/trickle", "probe")
    assert time.monotonic() - started < 1.0 + 0.5


def test_a_compressed_answer_past_the_cap_is_refused_without_holding_it(base_url: str) -> None:
    """A few kilobytes that decompress to 50 MiB: refused as oversized once the
    decompressed part passes the cap, not after decompressing all of it."""
    with HttpClient("fhir", 2.0) as client, pytest.raises(Malformed) as err:
        client.get_json(base_url + "/bomb", "probe")
    assert "body over" in str(err.value)
