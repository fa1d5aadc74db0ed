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
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import urlsplit

import orjson
import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from kiosk.services.ports import (
    Malformed,
    Refused,
    Timeout,
    TooLarge,
    Unavailable,
    UpstreamError,
)
from kiosk.upstream.inflate import ACCEPT_ENCODING, BadEncoding, Inflater


def _silence_transport_logs() -> None:
    """urllib3 logs every request line at DEBUG (``GET /registry/grants/<subject>``,
    ``/fhir/Patient/<emr id>``) and retried URLs at WARNING: with ``kiosk -v`` the
    identifiers of people reached the journal (issue 15 item 8). The kiosk logs its own
    typed errors (service, operation, status, never a URL), so the transport's loggers
    pass nothing on, at any level, whatever the root logger's level is."""
    for name in ("urllib3", "requests"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


_silence_transport_logs()

#: Largest response body accepted from any upstream (bad-input rules: bodies over 1 MiB).
MAX_BODY_BYTES = 1024 * 1024
_CHUNK = 64 * 1024
#: For a client whose bodies may be bigger than ``MAX_BODY_BYTES`` (the sync's FHIR
#: pages, ~10 MB): each chunk is a pass through urllib3 in Python and a GIL hand-over
#: with the thread that parses the previous page (A/B on a 200k-document sync: +2.6 %).
_BIG_CHUNK = 1024 * 1024
#: Statuses worth a retry of an idempotent GET: the upstream or its proxy is restarting.
_RETRY_STATUSES = frozenset({502, 503, 504})

TimeoutSpec = float | tuple[float, float]


class _GetRetry(Retry):
    """urllib3's ``Retry`` with the kiosk's rule on top: retry a GET only (repeating it is
    harmless; a POST may have been acted on) and never after a timeout (a hung upstream
    would hang again, and the patient is waiting).

    Its counters alone would retry a connection failure of any method, and read and
    connect timeouts. Whatever may not be retried goes exactly as it goes with no retries
    at all (``Retry(0, read=False)``, requests' own default), so requests maps it to the
    same exception as before.
    """

    def increment(
        self, method: str | None = None, url: str | None = None, response: Any = None,
        error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None,
    ) -> Self:
        if error is not None and (
            _is_timeout(error) or (method or "").upper() not in (self.allowed_methods or ())
        ):
            # Raises: nothing is left to retry, and a read error is raised as it came.
            return Retry.increment(self.new(total=0, read=False), method, url, response,
                                   error, _pool, _stacktrace)
        return super().increment(method, url, response, error, _pool, _stacktrace)


def _retry(retries: int, backoff: float) -> Retry:
    """GETs again after a connection failure, a reset or 502/503/504, ``retries`` times,
    the first at once and then after ``backoff`` doubling; the last 5xx answer is then
    returned (and raised as ``Unavailable`` by the caller)."""
    return _GetRetry(
        total=retries, allowed_methods=frozenset({"GET"}), status_forcelist=_RETRY_STATUSES,
        backoff_factor=backoff, raise_on_status=False, raise_on_redirect=False,
        respect_retry_after_header=False,
    )


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
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=_retry(max(0, retries), backoff),
                              pool_connections=2, pool_maxsize=4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # No proxies or .netrc from the environment: upstreams are configured explicitly.
        self.session.trust_env = False
        self.session.headers.update({"User-Agent": "kiosk/0.1",
                                     "Accept-Encoding": ACCEPT_ENCODING})
        if headers:
            self.session.headers.update(headers)

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        self.session.close()

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
        resp = self._once(method, url, op, params, headers, data, json_body, auth,
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

    def _once(
        self,
        method: str,
        url: str,
        op: str,
        params: Mapping[str, str | int] | None,
        headers: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
        json_body: Any,
        auth: tuple[str, str] | None,
        max_body: int,
    ) -> HttpResponse:
        deadline = time.monotonic() + self.connect_timeout + self.read_timeout
        try:
            resp = self.session.request(
                method,
                url,
                params=params,
                headers=headers,
                data=data,
                json=json_body,
                auth=auth,
                timeout=(self.connect_timeout, self.read_timeout),
                stream=True,
                allow_redirects=False,
            )
        except requests.exceptions.ConnectTimeout:
            raise Timeout(self.service, f"{op}: connect timeout") from None
        except requests.exceptions.ReadTimeout:
            raise Timeout(self.service, f"{op}: no answer in time") from None
        except requests.exceptions.ConnectionError as err:
            if _is_timeout(err):
                raise Timeout(self.service, f"{op}: no answer in time") from None
            raise Unavailable(self.service, f"{op}: connection failed") from None
        except requests.exceptions.InvalidURL:
            raise Malformed(self.service, f"{op}: invalid URL") from None
        except requests.exceptions.RequestException:
            raise Unavailable(self.service, f"{op}: request failed") from None
        with resp:
            body = self._read_capped(resp, op, deadline, max_body)
            return HttpResponse(
                status=resp.status_code,
                content_type=resp.headers.get("Content-Type", ""),
                body=body,
                url=resp.url,
            )

    def _read_capped(
        self, resp: requests.Response, op: str, deadline: float, max_body: int
    ) -> bytes:
        declared = resp.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > max_body:
            # Read no more than the head a caller may need to name the record.
            max_body = min(max_body, _HEAD_BYTES)
        chunks: list[bytes] = []
        size = 0
        most = _CHUNK if max_body <= MAX_BODY_BYTES else _BIG_CHUNK
        raw = resp.raw
        try:
            encoding = resp.headers.get("Content-Encoding", "").strip()
            inflater = Inflater(encoding) if encoding.lower() not in ("", "identity") else None
            while True:
                # read1: what one read of the socket gives, up to ``most``. A read of a
                # whole chunk would wait for all of it, and a server sending a few bytes
                # at a time, each within the read timeout, would hold it past the
                # deadline checked here. Compressed bodies are inflated here, not by
                # urllib3, for the same reason (inflate.py).
                data = raw.read1(most, decode_content=False)
                ended = not data
                if inflater is not None:
                    data = (inflater.finish() if ended
                            else inflater.feed(data, max_body - size))
                size += len(data)
                if size > max_body or (ended and declared_over(declared, max_body)):
                    head = b"".join([*chunks, data])[:_HEAD_BYTES]
                    raise TooLarge(self.service, f"{op}: body over {self.max_body} bytes", head)
                if data:
                    chunks.append(data)
                if ended:
                    break
                if time.monotonic() > deadline:
                    raise Timeout(self.service, f"{op}: body not read in time")
        except UpstreamError:
            raise
        except BadEncoding as err:
            raise Malformed(self.service, f"{op}: {err}") from None
        except urllib3.exceptions.ReadTimeoutError:
            raise Timeout(self.service, f"{op}: no answer in time") from None
        except (urllib3.exceptions.HTTPError, OSError):
            # ProtocolError (reset, body cut short), DecodeError: it broke off midway.
            raise Unavailable(self.service, f"{op}: connection broken") from None
        return b"".join(chunks)


#: What is kept of a body refused as too large (see ``TooLarge``).
_HEAD_BYTES = 64 * 1024


def declared_over(declared: str | None, max_body: int) -> bool:
    return declared is not None and declared.isdigit() and int(declared) > max_body


def _is_timeout(err: BaseException) -> bool:
    """Whether a timeout is behind ``err``: requests wraps some of urllib3's timeouts in a
    ``ConnectionError`` (with the timeout among its arguments or causes).

    urllib3 2 makes ``NewConnectionError`` (refused, unreachable) a subclass of
    ``ConnectTimeoutError``: it is a failure to connect, not a timeout.
    """
    seen: set[int] = set()
    stack: list[BaseException | None] = [err]
    while stack:
        cur = stack.pop()
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, TimeoutError | ReadTimeoutError | ConnectTimeoutError) \
                and not isinstance(cur, NewConnectionError):
            return True
        stack.extend(a for a in cur.args if isinstance(a, BaseException))
        stack.append(cur.__cause__)
        stack.append(cur.__context__)
    return False


def require_str(value: object, service: str, what: str) -> str:
    """A non-empty string field of an upstream answer, else ``Malformed``."""
    if not isinstance(value, str) or not value:
        raise Malformed(service, f"{what}: missing or not a string")
    return value


def join_url(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + path.lstrip("/")
