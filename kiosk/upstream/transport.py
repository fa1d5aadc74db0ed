"""The HTTP transport under :class:`kiosk.upstream.http.HttpClient`: requests and urllib3.

Why a module of its own: ``requests`` with urllib3, ``ssl``, ``http.client`` and
``email`` is ~34 ms of CPU to import, and the kiosk's start-up has no request to make.
The clients are built at start-up (``build_services``) and import this module with their
first request, or when a patient begins to sign in (``OidcPortal.prepare``, while they
type): the import is off the path to the moment a sign-in can start (issue 18,
``ready_ms``), as PyJWT's is. The sync's fork server imports it once for its workers
(``kiosk.app.SYNC_WORKER_PRELOAD``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from kiosk.services.ports import Malformed, Timeout, TooLarge, Unavailable, UpstreamError
from kiosk.upstream.http import MAX_BODY_BYTES, HttpResponse
from kiosk.upstream.inflate import ACCEPT_ENCODING, BadEncoding, Inflater

if TYPE_CHECKING:
    from kiosk.upstream.http import HttpClient

#: Statuses worth a retry of an idempotent GET: the upstream or its proxy is restarting.
_RETRY_STATUSES = frozenset({502, 503, 504})

_CHUNK = 64 * 1024
#: For a client whose bodies may be bigger than ``MAX_BODY_BYTES`` (the sync's FHIR
#: pages, ~10 MB): each chunk is a pass through urllib3 in Python and a GIL hand-over
#: with the thread that parses the previous page (A/B on a 200k-document sync: +2.6 %).
_BIG_CHUNK = 1024 * 1024

#: What is kept of a body refused as too large (see ``TooLarge``).
_HEAD_BYTES = 64 * 1024


def declared_over(declared: str | None, max_body: int) -> bool:
    return declared is not None and declared.isdigit() and int(declared) > max_body


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


def new_session(
    retries: int, backoff: float, headers: Mapping[str, str] | None
) -> requests.Session:
    """A client's session: its retry rule on both schemes, a small pool, no proxies or
    ``.netrc`` from the environment (upstreams are configured explicitly)."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=_retry(max(0, retries), backoff),
                          pool_connections=2, pool_maxsize=4)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.trust_env = False
    session.headers.update({"User-Agent": "kiosk/0.1", "Accept-Encoding": ACCEPT_ENCODING})
    if headers:
        session.headers.update(headers)
    return session


def send(
    client: HttpClient,
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
    """One request of ``client`` (``HttpClient.request``), its body read by
    ``_read_capped``; requests' and urllib3's errors become the ports' typed ones."""
    deadline = time.monotonic() + client.connect_timeout + client.read_timeout
    try:
        resp = client.session.request(
            method,
            url,
            params=params,
            headers=headers,
            data=data,
            json=json_body,
            auth=auth,
            timeout=(client.connect_timeout, client.read_timeout),
            stream=True,
            allow_redirects=False,
        )
    except requests.exceptions.ConnectTimeout:
        raise Timeout(client.service, f"{op}: connect timeout") from None
    except requests.exceptions.ReadTimeout:
        raise Timeout(client.service, f"{op}: no answer in time") from None
    except requests.exceptions.ConnectionError as err:
        if _is_timeout(err):
            raise Timeout(client.service, f"{op}: no answer in time") from None
        raise Unavailable(client.service, f"{op}: connection failed") from None
    except requests.exceptions.InvalidURL:
        raise Malformed(client.service, f"{op}: invalid URL") from None
    except requests.exceptions.RequestException:
        raise Unavailable(client.service, f"{op}: request failed") from None
    with resp:
        body = _read_capped(client, resp, op, deadline, max_body)
        return HttpResponse(
            status=resp.status_code,
            content_type=resp.headers.get("Content-Type", ""),
            body=body,
            url=resp.url,
        )


def _read_capped(
    client: HttpClient, resp: requests.Response, op: str, deadline: float,
    max_body: int,
) -> bytes:
    declared = resp.headers.get("Content-Length")
    if declared_over(declared, max_body):
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
                raise TooLarge(client.service, f"{op}: body over {client.max_body} bytes", head)
            if data:
                chunks.append(data)
            if ended:
                break
            if time.monotonic() > deadline:
                raise Timeout(client.service, f"{op}: body not read in time")
    except UpstreamError:
        raise
    except BadEncoding as err:
        raise Malformed(client.service, f"{op}: {err}") from None
    except urllib3.exceptions.ReadTimeoutError:
        raise Timeout(client.service, f"{op}: no answer in time") from None
    except (urllib3.exceptions.HTTPError, OSError):
        # ProtocolError (reset, body cut short), DecodeError: it broke off midway.
        raise Unavailable(client.service, f"{op}: connection broken") from None
    return b"".join(chunks)


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
