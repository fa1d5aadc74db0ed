"""The EMR source: a FHIR R4 server read by paged ``_lastUpdated`` searches.

``changes()`` walks Patient, then DocumentReference, then DiagnosticReport, each sorted
by ``_lastUpdated`` and searched with ``ge`` the newest instant already committed;
``streams()`` gives the three searches on their own, for a sync that runs each in a
worker process. Re-reading the items at the
boundary instant is harmless (the store upserts by id and version); missing one is not,
hence ``ge`` rather than ``gt``.

The cursor is opaque to the caller: JSON ``{"v": 1, "<ResourceType>": "<instant>"}``.
Each batch carries the cursor that covers everything up to and including that batch,
so committing them together (R-SYNC-1) never skips a record.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from kiosk.services.ports import EmrSnapshot, Malformed, Rejected, SourceBatch
from kiosk.upstream.fhir_fast import parse_page_bytes
from kiosk.upstream.fhir_parse import ParsedPage, parse_bundle, parse_patient
from kiosk.upstream.gcpause import gc_paused
from kiosk.upstream.http import (
    MAX_BODY_BYTES,
    HttpClient,
    TimeoutSpec,
    decode_json_bytes,
    join_url,
    same_origin,
)

SERVICE = "fhir"
log = logging.getLogger(__name__)
RESOURCE_TYPES = ("Patient", "DocumentReference", "DiagnosticReport")
_EMR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
#: A page can never need more: guards against a server whose next links loop.
MAX_PAGES = 1_000_000


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def load_cursor(cursor: str | None) -> dict[str, datetime]:
    """The per-type instants of a cursor; an unreadable cursor starts from the beginning.

    Starting over is always safe (upserts), while refusing would stop the sync for good.
    """
    if not cursor:
        return {}
    try:
        raw = json.loads(cursor)
    except ValueError:
        return {}
    out: dict[str, datetime] = {}
    if isinstance(raw, dict):
        for rtype in RESOURCE_TYPES:
            value = raw.get(rtype)
            if isinstance(value, str):
                try:
                    moment = datetime.fromisoformat(value)
                except ValueError:
                    continue
                if moment.tzinfo is not None:
                    out[rtype] = moment
    return out


def dump_cursor(state: dict[str, datetime]) -> str:
    body: dict[str, Any] = {"v": 1}
    body.update({k: _instant(v) for k, v in sorted(state.items())})
    return json.dumps(body, separators=(",", ":"))


def merge_cursor(stored: str | None, part: str | None) -> str:
    """``stored`` with the types ``part`` names moved to ``part``'s instants."""
    state = load_cursor(stored)
    state.update(load_cursor(part))
    return dump_cursor(state)


@dataclass(frozen=True, slots=True)
class FhirStream:
    """``SourceStream``: one resource type's changes since ``since``; plain values, so
    it pickles into a worker process, where it opens its own HTTP session."""

    base_url: str
    timeout: TimeoutSpec
    page_size: int
    max_page_bytes: int
    rtype: str
    since: datetime | None

    def changes(self) -> Iterator[SourceBatch]:
        state = {} if self.since is None else {self.rtype: self.since}
        with FhirSource(self.base_url, self.timeout, self.page_size, self.max_page_bytes,
                        prefetch=False, fetch_ahead=True) as source:
            pages = source.search(self.rtype, source._change_params(self.rtype, state),
                                  f"search {self.rtype}")
            try:
                # Each batch's cursor names this type only: merge_cursor folds it in.
                yield from source._batches(((self.rtype, page) for page in pages), state)
            finally:
                pages.close()  # a page still on its way arrives before the session closes

    def merge_cursor(self, stored: str | None, part: str | None) -> str:
        return merge_cursor(stored, part)


class FhirSource:
    """``EmrSource`` over FHIR R4 JSON (see docs/upstream.md for the fields read).

    ``max_page_bytes`` caps every FHIR response body (default: the 1 MiB of every
    upstream). A sync with big pages (``page_size`` in the thousands) needs more: about
    2 KB per document with real texts, so 5000 documents need ~11 MiB. Bigger pages mean fewer round
    trips and fewer commits (docs/performance.md).

    ``changes()`` fetches and parses the next page in a background thread while the
    caller writes the current batch (``prefetch=False`` turns that off). ``streams()``
    gives each search on its own, for a sync that runs them in worker processes
    (``kiosk.services.sync_workers``): what a sync on a multi-core PC wants.
    """

    def __init__(
        self,
        base_url: str,
        timeout: TimeoutSpec,
        page_size: int = 500,
        max_page_bytes: int = MAX_BODY_BYTES,
        prefetch: bool = True,
        fetch_ahead: bool = False,
    ) -> None:
        if not 1 <= page_size <= 5000:
            raise ValueError("page_size must be 1..5000")
        if not MAX_BODY_BYTES <= max_page_bytes <= 64 * MAX_BODY_BYTES:
            raise ValueError("max_page_bytes must be 1..64 MiB")
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.prefetch = prefetch
        self.fetch_ahead = fetch_ahead
        self.timeout = timeout
        self.max_page_bytes = max_page_bytes
        self.http = HttpClient(
            SERVICE, timeout, max_body=max_page_bytes, headers={"Accept": "application/fhir+json"}
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> FhirSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ EmrSource

    def ping(self) -> None:
        body = self.http.get_json(join_url(self.base_url, "metadata"), "metadata")
        if not isinstance(body, dict) or body.get("resourceType") != "CapabilityStatement":
            raise Malformed(SERVICE, "metadata: not a CapabilityStatement")

    def changes(self, cursor: str | None) -> Iterator[SourceBatch]:
        state = load_cursor(cursor)
        for rtype in RESOURCE_TYPES:
            pages = self.search(rtype, self._change_params(rtype, state), f"search {rtype}")
            if self.prefetch:
                pages = _prefetched(pages)
            yield from self._batches(((rtype, p) for p in pages), state)

    def streams(self, cursor: str | None) -> list[FhirStream]:
        """``StreamingSource``: each resource type's search from its part of ``cursor``,
        to be read and applied in a process of its own (``kiosk.services.sync_workers``)."""
        state = load_cursor(cursor)
        return [FhirStream(self.base_url, self.timeout, self.page_size, self.max_page_bytes,
                           rtype, state.get(rtype))
                for rtype in RESOURCE_TYPES]

    @staticmethod
    def _change_params(rtype: str, state: dict[str, datetime]) -> dict[str, str | int]:
        params: dict[str, str | int] = {"_sort": "_lastUpdated"}
        if rtype in state:
            params["_lastUpdated"] = "ge" + _instant(state[rtype])
        if rtype == "DiagnosticReport":
            params["_include"] = "DiagnosticReport:result"
        return params

    @staticmethod
    def _batches(
        pages: Iterator[tuple[str, ParsedPage]], state: dict[str, datetime]
    ) -> Iterator[SourceBatch]:
        """Batches of pages; each cursor moves its type on to the newest record handed out.

        ``state`` holds every type ``changes()`` has read so far (a stream's, its own
        type only), so a cursor made from it covers each type as far as its pages have
        been handed out, never further.
        """
        for rtype, page in pages:
            newest = page.last_updated.get(rtype)
            if newest is not None and (rtype not in state or newest > state[rtype]):
                state[rtype] = newest
            if not (page.patients or page.documents or page.withdrawn or page.rejected):
                continue
            yield SourceBatch(
                patients=page.patients,
                documents=page.documents,
                withdrawn=page.withdrawn,
                rejected=page.rejected,
                cursor=dump_cursor(state),
            )

    def snapshot(self, emr_id: str) -> EmrSnapshot:
        if not _EMR_ID.match(emr_id):
            raise Malformed(SERVICE, "invalid EMR id")
        resp = self.http.request(
            "GET",
            join_url(self.base_url, f"Patient/{emr_id}"),
            "read Patient",
            accept_statuses=frozenset({404, 410}),
        )
        if resp.status in (404, 410):
            return EmrSnapshot(patient=None)
        snap = EmrSnapshot(patient=None)
        parsed = parse_patient(self.http.decode_json(resp, "read Patient"))
        if isinstance(parsed, Rejected):
            snap.rejected.append(parsed)
        else:
            snap.patient = parsed
        for rtype in RESOURCE_TYPES[1:]:
            params: dict[str, str | int] = {
                # The typed spelling: every server takes it, while a bare id found
                # nothing on @medplum/fhir-router (and the refresh then emptied the EMR).
                "patient": f"Patient/{emr_id}", "_sort": "_lastUpdated",
                "_count": self.page_size}
            if rtype == "DiagnosticReport":
                params["_include"] = "DiagnosticReport:result"
            for page in self.search(rtype, params, f"search {rtype}"):
                snap.documents.extend(d for d in page.documents if d.emr_id == emr_id)
                snap.rejected.extend(page.rejected)
        return snap

    # ------------------------------------------------------------------ paging

    def search(
        self, rtype: str, params: dict[str, str | int], op: str
    ) -> Iterator[ParsedPage]:
        """Every page of a search sorted by ``_lastUpdated``, with or without next links.

        ``params`` need not hold ``_count``: the source's page size is added.

        Most servers page with ``next`` links (``_pages`` follows them). Some give none:
        @medplum/fhir-router's MemoryRepository honours ``_count`` and ``_sort`` but its
        Bundles carry no links at all, so following ``next`` alone read one page and
        stopped without a word, and a snapshot then dropped every document past it.
        When a search answered a single full page and no next link, it is asked again
        from the newest ``_lastUpdated`` of that page (``ge``: the boundary records
        come again, harmless). A full page that does not move that instant on (more
        records at one instant than a page holds) is ``Malformed``, never a silent cut.
        """
        url = join_url(self.base_url, rtype)
        params = {"_count": self.page_size, **params}
        since: datetime | None = None
        for _ in range(MAX_PAGES):
            pages = 0
            last: ParsedPage | None = None
            for last in self._pages(url, params, op):
                pages += 1
                yield last
            if last is None or pages > 1 or _entries(last) < self.page_size:
                return
            moment = last.last_updated.get(rtype)
            if moment is None or (since is not None and moment <= since):
                raise Malformed(
                    SERVICE, f"{op}: full page without a next link, and _lastUpdated "
                    "paging cannot move on")
            since = moment
            params = {**params, "_lastUpdated": "ge" + _instant(moment)}
        raise Malformed(SERVICE, f"{op}: too many pages")

    def _pages(
        self, url: str, params: dict[str, str | int] | None, op: str
    ) -> Iterator[ParsedPage]:
        """Search pages, following ``next`` only on the configured server (STYLE: pinned).

        With ``fetch_ahead`` the next page is requested as soon as its link shows at the
        head of this page's bytes, and arrives while this one is parsed and written:
        a stream's worker otherwise waits a fifth of its time for the server. The link
        read from the head is only a guess; the parsed page's link decides.
        """
        seen: set[str] = set()
        ahead: _Fetch | None = None
        try:
            for _ in range(MAX_PAGES):
                if self.fetch_ahead:
                    page, ahead = self._page_ahead(url, params, op, ahead, seen)
                else:
                    page = self._fetch_page(url, op, params)
                if page.error is not None:
                    raise Malformed(SERVICE, f"{op}: {page.error}")
                yield page
                nxt = page.next_url
                if not nxt:
                    return
                if not self._on_base(nxt):
                    raise Malformed(SERVICE, f"{op}: next link points off the configured server")
                if nxt in seen:
                    raise Malformed(SERVICE, f"{op}: next links loop")
                seen.add(nxt)
                url, params = nxt, None
            raise Malformed(SERVICE, f"{op}: too many pages")
        finally:
            if ahead is not None:
                ahead.drop()

    def _page_ahead(
        self, url: str, params: dict[str, str | int] | None, op: str, ahead: _Fetch | None,
        seen: set[str],
    ) -> tuple[ParsedPage, _Fetch | None]:
        """The page at ``url`` (from ``ahead`` when it went for it), and the request for
        the page after it, already on its way."""
        if ahead is not None and ahead.url == url and params is None:
            body = ahead.result()
        else:
            if ahead is not None:
                ahead.drop()  # a wrong guess: let it finish, drop it
            body = self._fetch_body(url, op, params)
        guess = _next_link_hint(body)
        if guess is None or guess in seen or guess == url or not self._on_base(guess):
            return self._parse_page(body, op), None
        following = _Fetch(guess, lambda: self._fetch_body(guess, op, None))
        try:
            return self._parse_page(body, op), following
        except BaseException:
            following.drop()
            raise

    def _fetch_page(
        self, url: str, op: str, params: dict[str, str | int] | None
    ) -> ParsedPage:
        """One search page, fetched then parsed: the seam tests replace (without
        ``fetch_ahead``; with it, pages come through ``_page_ahead``)."""
        return self._parse_page(self._fetch_body(url, op, params), op)

    def _fetch_body(self, url: str, op: str, params: dict[str, str | int] | None) -> bytes:
        return self.http.json_body(self.http.request("GET", url, op, params=params), op)

    @staticmethod
    def _parse_page(body: bytes, op: str) -> ParsedPage:
        """The typed fast path for a page of documents, else the dict way (``fhir_fast``
        says why; both give the same page)."""
        with gc_paused():
            page = parse_page_bytes(body)
            if page is None:
                page = parse_bundle(decode_json_bytes(body, SERVICE, op))
        return page

    def _on_base(self, url: str) -> bool:
        if not same_origin(url, self.base_url):
            return False
        base_path = urlsplit(self.base_url).path.rstrip("/")
        path = urlsplit(url).path
        return path == base_path or path.startswith(base_path + "/")


def _entries(page: ParsedPage) -> int:
    """The records of the searched types on a page (included Observations not counted)."""
    return len(page.patients) + len(page.documents) + len(page.withdrawn) + len(page.rejected)


#: A next link at the head of a Bundle, as servers write it (``relation`` then ``url``,
#: or the other way round), without JSON escapes; anything else is simply not guessed.
_NEXT_HINT = re.compile(
    rb'\{\s*"relation"\s*:\s*"next"\s*,\s*"url"\s*:\s*"([^"\\]{1,4096})"\s*\}'
    rb'|\{\s*"url"\s*:\s*"([^"\\]{1,4096})"\s*,\s*"relation"\s*:\s*"next"\s*\}')
_HINT_HEAD = 16 * 1024


def _next_link_hint(body: bytes) -> str | None:
    """The next link if it shows in the first 16 KB of the page (a guess, see ``_pages``)."""
    found = _NEXT_HINT.search(body, 0, _HINT_HEAD)
    if found is None:
        return None
    try:
        return (found.group(1) or found.group(2)).decode("ascii")
    except UnicodeDecodeError:
        return None


class _Fetch:
    """One request running in a thread; its body or its error, when asked for."""

    def __init__(self, url: str, fetch: Callable[[], bytes]) -> None:
        self.url = url
        self._fetch = fetch
        self._body: bytes | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="fhir-fetch-ahead", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._body = self._fetch()
        except BaseException as err:  # handed over, raised in the caller's thread
            self._error = err

    def result(self) -> bytes:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._body is not None
        return self._body

    def drop(self) -> None:
        """Let the request finish and forget its answer, error included."""
        self._thread.join()


_DONE = object()
_T = TypeVar("_T")


def _prefetched(pages: Iterator[_T]) -> Iterator[_T]:
    """The same pages, one fetched and parsed ahead in a thread (``changes()``, the
    one-process sync).

    While the caller commits page n (SQLite releases the GIL while it writes), the
    thread downloads, decodes and parses page n+1. Errors reach the caller in page
    order, after every page before them. Abandoning the iterator stops the thread
    after its current request.
    """
    handoff: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for page in pages:
                if not put(page):
                    return
            put(_DONE)
        except BaseException as err:  # handed over, raised in the caller's thread
            put(err)

    worker = threading.Thread(target=produce, name="fhir-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast(_T, item)
    finally:
        stop.set()
