"""A compressed response body (``Content-Encoding: gzip`` or ``deflate``), inflated one
read at a time with its output bounded.

Why not urllib3's own decoding: it reads from the socket inside one call until the
decoder gives output, so a server trickling a gzip header a byte at a time held a
request past its deadline (``HttpClient`` checks the deadline between reads), and the
body cap could only be checked after each decoded piece. Here the client reads the
bytes as they come and hands them in; nothing here touches the network.
"""

from __future__ import annotations

import zlib

#: What the clients ask for; any other encoding in an answer is refused.
ACCEPT_ENCODING = "gzip, deflate"


class BadEncoding(Exception):
    """A content encoding not asked for, or compressed data that does not inflate."""


class Inflater:
    """``feed`` each read's bytes, then ``finish``; each returns the inflated bytes."""

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        if encoding in ("gzip", "x-gzip"):
            self._wbits = 16 + zlib.MAX_WBITS
        elif encoding == "deflate":
            self._wbits = zlib.MAX_WBITS  # zlib-wrapped, as RFC 9110 says; raw also seen
        else:
            raise BadEncoding(f"content encoding {encoding[:20]!r}")
        self._gzip = self._wbits > zlib.MAX_WBITS
        self._z = zlib.decompressobj(self._wbits)
        self._head = b""  # deflate: what came before any output, to retry as raw deflate
        self._members = 0  # gzip: complete members so far
        self._trailing = False  # after a complete gzip member: ignore what follows
        self._fed = False

    def feed(self, data: bytes, limit: int) -> bytes:
        """The bytes ``data`` inflates to, at most ``limit + 1`` of them (more than
        ``limit`` means the body is over the caller's cap)."""
        out = bytearray()
        self._fed = self._fed or bool(data)
        while data and not self._trailing and len(out) <= limit:
            if not self._gzip and self._wbits > 0 and not out:
                self._head += data
            try:
                out += self._z.decompress(data, limit + 1 - len(out))
            except zlib.error:
                if self._gzip and self._members:
                    self._trailing = True  # garbage after a whole member: as curl does
                    break
                if not self._gzip and self._wbits > 0:
                    # A raw deflate stream (no zlib header): start over with it.
                    self._wbits = -zlib.MAX_WBITS
                    self._z = zlib.decompressobj(self._wbits)
                    data, self._head = self._head, b""
                    continue
                raise BadEncoding("compressed data that does not inflate") from None
            if self._z.eof:
                self._members += 1
                rest = self._z.unused_data
                if self._gzip and rest:
                    self._z = zlib.decompressobj(self._wbits)  # the next member
                    data = rest
                    continue
                data = b""
            else:
                data = self._z.unconsumed_tail
            if out:
                self._head = b""
        return bytes(out)

    def finish(self) -> bytes:
        """What is left once the body has ended; a stream cut short is refused."""
        if self._trailing or self._z.eof or not self._fed:  # an empty body is empty
            return b""
        raise BadEncoding("compressed data cut short")
