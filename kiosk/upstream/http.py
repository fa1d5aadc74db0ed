"""What every upstream client shares: one session, bounded bodies, typed errors.

Why a helper rather than bare ``requests`` calls in each client: the rules that keep a
public terminal responsive and leak-free (explicit timeouts, a body cap read by
streaming, an HTML error page with status 200 treated as garbage, retries only where
repeating a call is harmless, error texts without secrets) must hold identically for
the portal, the registry, the SMS gateway and the EMR source.

Error messages name the service, the operation label the caller gives and the HTTP
status. They never contain the URL's query string, the request body, headers or the
response body, so a password, a one-time code, a token or a patient's id cannot end up
in a log through an exception.

The transport itself (requests, urllib3, the retry rule, the capped read) is in
:mod:`kiosk.upstream.transport`, imported with a client's first request or
:meth:`HttpClient.prepare`: none is made before a patient begins to sign in.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson

from kiosk.services.ports import Malformed, Refused, Unavailable

if TYPE_CHECKING:
    import requests



#: Largest response body accepted from any upstream (bad-input rules: bodies over 1 MiB).
MAX_BODY_BYTES = 1024 * 1024

TimeoutSpec = float | tuple[float, float]


def decode_json_bytes(body: bytes, service: str, op: str) -> Any:
    """JSON from bytes: orjson first, the standard decoder when orjson refuses.

    Why orjson: it decodes a FHIR page in about two thirds of the time (a sync decodes
    hundreds of megabytes). Why the fallback: orjson is stricter than the JSON every
    upstream has been read with so far (lone surrogate escapes, NaN, integers over
    64 bits); such a page still decodes as before, and the parser then cleans or rejects
    the one record that holds it (R-SYNC-4) instead of the whole page failing.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Malformed(service, f"{op}: invalid JSON") from None


def _split_timeout(timeout: TimeoutSpec) -> tuple[float, float]:
    if isinstance(timeout, tuple):
        connect, read = timeout
    else:
        connect = read = float(timeout)
    if connect <= 0 or read <= 0:
        raise ValueError("timeouts must be positive")
    return float(connect), float(read)


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A fully read, size-checked response. ``body`` is at most ``MAX_BODY_BYTES``."""

    status: int
    content_type: str
    body: bytes
    url: str

    def is_json(self) -> bool:
        ctype = self.content_type.split(";", 1)[0].strip().lower()
        return ctype == "application/json" or (
            ctype.startswith("application/") and ctype.endswith("+json")
        )


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in, for same-origin checks."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def same_origin(url: str, base_url: str) -> bool:
    return origin(url) == origin(base_url) and bool(origin(url)[1])


class HttpClient:
    """One ``requests.Session`` for one upstream; built by the client's constructor.

    ``service`` names the upstream in error messages (``"portal"``, ``"fhir"`` ...).
    ``timeout`` is (connect, read) seconds or one number for both; a request also gets
    an overall deadline of connect + read for reading its body, so a server that
    trickles bytes cannot hold the kiosk longer than a silent one. The deadline starts
    with the request, so a GET's retries (quick ones: after a refusal, a reset or a 5xx)
    count against it too.
    """

    def __init__(
        self,
        service: str,
        timeout: TimeoutSpec,
        *,
        retries: int = 2,
        backoff: float = 0.05,
        max_body: int = MAX_BODY_BYTES,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.service = service
        self.connect_timeout, self.read_timeout = _split_timeout(timeout)
        self.max_body = max_body
        self._retries, self._backoff = retries, backoff
        self._headers = dict(headers or {})
        self._session: requests.Session | None = None
        self._lock = threading.Lock()  # a refresh and a sign-in may make the first request

    # ------------------------------------------------------------------ lifecycle

    @property
    def session(self) -> requests.Session:
        """The client's session, made (and the transport imported) on first use."""
        session = self._session
        if session is None:
            with self._lock:
                if self._session is None:
                    from kiosk.upstream.transport import new_session

                    self._session = new_session(self._retries, self._backoff, self._headers)
                session = self._session
        return session

    def prepare(self) -> None:
        """Make the session now (importing the transport) rather than in a request."""
        _ = self.session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ requests

    def request(
        self,
        method: str,
        url: str,
        op: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json_body: Any = None,
        auth: tuple[str, str] | None = None,
        accept_statuses: frozenset[int] = frozenset(),
        max_body: int | None = None,
    ) -> HttpResponse:
        """Send one request; 2xx and ``accept_statuses`` return, the rest raise typed errors.

        ``op`` is a short label for messages (``"token"``, ``"search DocumentReference"``);
        it replaces the URL, which may carry personal data in its path or query.
        GET is retried on connection failures, resets and 502/503/504 with a short
        doubling backoff, at most ``retries`` times (urllib3's ``Retry``, see
        ``_GetRetry``). Timeouts are not retried: a hung upstream would hang again, and
        the patient is waiting. Nothing else is retried, nor a body cut off midway.
        ``max_body`` raises the client's body cap for this request (one big record).
        """
        from kiosk.upstream.transport import send

        resp = send(self, method, url, op, params, headers, data, json_body, auth,
                    max_body or self.max_body)
        return self._check_status(resp, op, accept_statuses)

    def get_json(
        self,
        url: str,
        op: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return self.decode_json(self.request("GET", url, op, params=params, headers=headers), op)

    def decode_json(self, resp: HttpResponse, op: str) -> Any:
        """JSON of a response, or ``Malformed`` for another content type or bad JSON.

        An HTML page with status 200 (a captive portal, a proxy error page) is the
        classic way an upstream outage looks like success; the content-type check
        catches it before any parsing.
        """
        return decode_json_bytes(self.json_body(resp, op), self.service, op)

    def json_body(self, resp: HttpResponse, op: str) -> bytes:
        """The body of a JSON response, undecoded (for a caller with its own decoder)."""
        if not resp.is_json():
            shown = resp.content_type.split(";", 1)[0].strip()[:40] or "none"
            raise Malformed(self.service, f"{op}: content type {shown!r}, expected JSON")
        return resp.body

    # ------------------------------------------------------------------ internals

    def _check_status(
        self, resp: HttpResponse, op: str, accept_statuses: frozenset[int]
    ) -> HttpResponse:
        if 200 <= resp.status < 300 or resp.status in accept_statuses:
            return resp
        if resp.status >= 500:
            raise Unavailable(self.service, f"{op}: HTTP {resp.status}")
        if resp.status >= 400:
            raise Refused(self.service, f"{op}: HTTP {resp.status}")
        raise Malformed(self.service, f"{op}: unexpected HTTP {resp.status}")

def require_str(value: object, service: str, what: str) -> str:
    """A non-empty string field of an upstream answer, else ``Malformed``."""
    if not isinstance(value, str) or not value:
        raise Malformed(service, f"{what}: missing or not a string")
    return value


def join_url(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + path.lstrip("/")
