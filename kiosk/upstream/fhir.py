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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import msgspec

from kiosk.domain.documents import MAX_PDF_BYTES
from kiosk.domain.people import Patient
from kiosk.services.ports import (
    EmrSnapshot,
    Malformed,
    Rejected,
    SourceBatch,
    TooLarge,
    UpstreamError,
)
from kiosk.upstream import fhir_model
from kiosk.upstream.fhir_content import read_base64
from kiosk.upstream.fhir_fields import aware_instant
from kiosk.upstream.fhir_read import ParsedPage, Radiology, Reader
from kiosk.upstream.gcpause import gc_paused
from kiosk.upstream.http import (
    MAX_BODY_BYTES,
    HttpClient,
    TimeoutSpec,
    join_url,
    same_origin,
)

SERVICE = "fhir"
log = logging.getLogger(__name__)
RESOURCE_TYPES = ("Patient", "DocumentReference", "DiagnosticReport", "Composition")
#: The body cap for a page of one record: a document with a PDF at its cap, in base64.
MAX_RECORD_BYTES = MAX_PDF_BYTES * 4 // 3 + MAX_BODY_BYTES
#: Observation ids asked for in one search (``_id=a,b,…``), when a server ignored
#: ``_include``: short enough for any server's URL limit.
OBSERVATION_BATCH = 50
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


def change_params(rtype: str, state: dict[str, datetime]) -> dict[str, str | int]:
    """The search for ``rtype``'s changes since its part of ``state``."""
    params: dict[str, str | int] = {"_sort": "_lastUpdated"}
    if rtype in state:
        params["_lastUpdated"] = "ge" + _instant(state[rtype])
    if rtype == "DiagnosticReport":
        params["_include"] = "DiagnosticReport:result"
    return params


def batches(
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
    radiology: Radiology = field(default_factory=Radiology)

    def changes(self) -> Iterator[SourceBatch]:
        state = {} if self.since is None else {self.rtype: self.since}
        with FhirSource(self.base_url, self.timeout, self.page_size, self.max_page_bytes,
                        prefetch=False, fetch_ahead=True, radiology=self.radiology) as source:
            pages = source.search(self.rtype, change_params(self.rtype, state),
                                  f"search {self.rtype}")
            try:
                # Each batch's cursor names this type only: merge_cursor folds it in.
                yield from batches(((self.rtype, page) for page in pages), state)
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
        radiology: Radiology | None = None,
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
        self.radiology = radiology or Radiology()
        self.reader = Reader(self.radiology, fetcher=self)

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
            pages = self.search(rtype, change_params(rtype, state), f"search {rtype}")
            if self.prefetch:
                pages = _prefetched(pages)
            yield from batches(((rtype, p) for p in pages), state)

    def pending(self, cursor: str | None) -> int | None:
        """How many records the next sync will read (``_summary=count`` per type), or
        ``None`` when the server does not say: for a progress line's time left."""
        state = load_cursor(cursor)
        total = 0
        for rtype in RESOURCE_TYPES:
            params = {**change_params(rtype, state), "_summary": "count"}
            params.pop("_include", None)
            try:
                bundle = fhir_model.bundle_decoder.decode(
                    self._fetch_body(join_url(self.base_url, rtype), f"count {rtype}", params))
            except (UpstreamError, msgspec.ValidationError, msgspec.DecodeError):
                return None
            if bundle.total is None:
                return None
            total += bundle.total
        return total

    def streams(self, cursor: str | None) -> list[FhirStream]:
        """``StreamingSource``: each resource type's search from its part of ``cursor``,
        to be read and applied in a process of its own (``kiosk.services.sync_workers``)."""
        state = load_cursor(cursor)
        return [FhirStream(self.base_url, self.timeout, self.page_size, self.max_page_bytes,
                           rtype, state.get(rtype), self.radiology)
                for rtype in RESOURCE_TYPES]

    def snapshot(self, emr_id: str) -> EmrSnapshot:
        snap = EmrSnapshot(patient=None)
        for part in self.snapshot_pages(emr_id):
            snap.patient = snap.patient or part.patient
            snap.documents.extend(part.documents)
            snap.rejected.extend(part.rejected)
        return snap

    def snapshot_pages(self, emr_id: str) -> Iterator[EmrSnapshot]:
        """``PagedSnapshotSource``: the Patient, then a part per search page."""
        if not _EMR_ID.match(emr_id):
            raise Malformed(SERVICE, "invalid EMR id")
        resp = self.http.request(
            "GET",
            join_url(self.base_url, f"Patient/{emr_id}"),
            "read Patient",
            accept_statuses=frozenset({404, 410}),
        )
        if resp.status in (404, 410):
            yield EmrSnapshot(patient=None)
            return
        first = EmrSnapshot(patient=None)
        parsed = self.reader.resource(self.http.json_body(resp, "read Patient"))
        if isinstance(parsed, Rejected):
            first.rejected.append(parsed)
        elif isinstance(parsed, Patient):
            first.patient = parsed
        else:
            raise Malformed(SERVICE, "read Patient: not a Patient")
        yield first
        for rtype in RESOURCE_TYPES[1:]:
            params: dict[str, str | int] = {
                # The typed spelling: every server takes it, while a bare id found
                # nothing on @medplum/fhir-router (and the refresh then emptied the EMR).
                "patient": f"Patient/{emr_id}", "_sort": "_lastUpdated",
                "_count": self.page_size}
            if rtype == "DiagnosticReport":
                params["_include"] = "DiagnosticReport:result"
            for page in self.search(rtype, params, f"search {rtype}"):
                yield EmrSnapshot(None, [d for d in page.documents if d.emr_id == emr_id],
                                  page.rejected)

    # ------------------------------------------------------------------ paging

    def search(
        self, rtype: str, params: dict[str, str | int], op: str
    ) -> Iterator[ParsedPage]:
        """Every page of a search sorted by ``_lastUpdated``, with or without next links.

        ``params`` need not hold ``_count``: the source's page size is added.

        A page over the byte cap, or one that does not read as a Bundle, is asked again
        with half the ``_count``, down to one record; a single record still over the cap
        is asked once more with the record cap (a document with its PDF), and a single
        record that still cannot be read is rejected alone and skipped (``_skip``), so
        that the sync never wedges on one record (R-SYNC-4).

        Most servers page with ``next`` links (``_pages`` follows them). Some give none:
        @medplum/fhir-router's MemoryRepository honours ``_count`` and ``_sort`` but its
        Bundles carry no links at all, so following ``next`` alone read one page and
        stopped without a word, and a snapshot then dropped every document past it.
        When a search answered a single full page and no next link, it is asked again
        from the newest ``_lastUpdated`` of that page (``ge``: the boundary records
        come again, harmless). A page that is not full but whose ``Bundle.total`` says
        there is more (a server that caps ``_count``) is followed the same way. A full
        page that does not move that instant on (more
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
            if last is None or pages > 1 or not _more(last, self.page_size):
                return
            moment = last.last_updated.get(rtype)
            stuck = since is not None and moment is not None and moment <= since
            if moment is None or (stuck and (last.asked or self.page_size) >= self.page_size
                                  and not last.skipped):
                raise Malformed(
                    SERVICE, f"{op}: full page without a next link, and _lastUpdated "
                    "paging cannot move on")
            since = moment
            # After a record skipped whole, strictly past it (else it comes again); the
            # same when pages were made small and one instant fills a page: records of
            # that very instant past the page would be missed, which is logged.
            prefix = "gt" if last.skipped or stuck else "ge"
            if stuck and not last.skipped:
                log.warning("%s: more records at one instant than a small page holds", op)
            params = {**params, "_count": last.asked or params["_count"],
                      "_lastUpdated": prefix + _instant(moment)}
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
        try:
            if ahead is not None and ahead.url == url and params is None:
                body = ahead.result()
            else:
                if ahead is not None:
                    ahead.drop()  # a wrong guess: let it finish, drop it
                body = self._fetch_body(url, op, params)
        except TooLarge as err:
            return self._smaller(url, params, op, err), None
        guess = _next_link_hint(body)
        if guess is None or guess in seen or guess == url or not self._on_base(guess):
            return self._page_of(body, url, params, op), None
        following = _Fetch(guess, lambda: self._fetch_body(guess, op, None))
        try:
            page = self._page_of(body, url, params, op)
            if page.next_url != guess:
                following.drop()
                return page, None
            return page, following
        except BaseException:
            following.drop()
            raise

    def _fetch_page(
        self, url: str, op: str, params: dict[str, str | int] | None
    ) -> ParsedPage:
        """One search page, fetched then parsed: the seam tests replace (without
        ``fetch_ahead``; with it, pages come through ``_page_ahead``)."""
        try:
            body = self._fetch_body(url, op, params)
        except TooLarge as err:
            return self._smaller(url, params, op, err)
        return self._page_of(body, url, params, op)

    def _fetch_body(self, url: str, op: str, params: dict[str, str | int] | None,
                    max_body: int | None = None) -> bytes:
        resp = self.http.request("GET", url, op, params=params, max_body=max_body)
        return self.http.json_body(resp, op)

    def _page_of(self, body: bytes, url: str, params: dict[str, str | int] | None,
                 op: str) -> ParsedPage:
        """``body`` read as a page; one that does not read is asked again smaller."""
        page = self._parse_page(body, op)
        if page.error is not None:
            return self._smaller(url, params, op, Malformed(SERVICE, f"{op}: {page.error}"),
                                 body)
        page.asked = _count_of(url, params) or self.page_size
        return page

    def _parse_page(self, body: bytes, op: str) -> ParsedPage:
        with gc_paused():
            return self.reader.page(body)

    def _smaller(self, url: str, params: dict[str, str | int] | None, op: str,
                 failure: UpstreamError, body: bytes = b"") -> ParsedPage:
        """The page at ``url`` asked again with half the ``_count``, down to one record
        (see ``search``). ``failure``: why the page as asked could not be read."""
        count = _count_of(url, params) or self.page_size
        while count > 1:
            count //= 2
            smaller_url, smaller = _with_count(url, params, count)
            try:
                page = self._parse_page(self._fetch_body(smaller_url, op, smaller), op)
            except TooLarge as err:
                failure = err
                continue
            if page.error is None:
                page.asked = count
                return page
            failure, body = Malformed(SERVICE, f"{op}: {page.error}"), b""
        one_url, one = _with_count(url, params, 1)
        if isinstance(failure, TooLarge):
            try:
                page = self._parse_page(
                    self._fetch_body(one_url, op, one, max_body=MAX_RECORD_BYTES), op)
            except TooLarge as err:
                return self._skip(op, err.head, f"record over {MAX_RECORD_BYTES} bytes",
                                  failure)
            if page.error is None:
                page.asked = 1
                return page
            failure = Malformed(SERVICE, f"{op}: {page.error}")
        if not body:
            try:
                body = self._fetch_body(one_url, op, one)
            except TooLarge as err:
                body = err.head
        return self._skip(op, body, "record does not read as JSON", failure)

    def _skip(self, op: str, head: bytes, reason: str, failure: UpstreamError) -> ParsedPage:
        """A page of one record that cannot be read: rejected alone, paging goes on past
        it by its next link or its ``lastUpdated`` (read from the bytes), else the
        sync stops with ``failure`` (it cannot tell what to skip)."""
        found = _RECORD_HEAD.search(head)
        stamp = _LAST_UPDATED.search(head, found.end()) if found else None
        moment = None
        if stamp is not None:
            moment = aware_instant(stamp.group(1).decode("ascii", "replace"))
        nxt = _next_link_hint(head)
        if found is None or (moment is None and nxt is None):
            raise failure
        rtype, rid = (g.decode("ascii", "replace") for g in found.groups())
        log.warning("%s: one record skipped: %s", op, reason)
        page = ParsedPage(next_url=nxt if nxt and self._on_base(nxt) else None, asked=1,
                          entries=1, skipped=True)
        page.rejected.append(Rejected(f"{rtype}/{rid}"[:100], reason))
        if moment is not None:
            page.last_updated[rtype] = moment
        return page

    # ------------------------------------------------------------------ Fetcher

    def observations(self, ids: Sequence[str]) -> list[bytes]:
        """``Fetcher``: Observations by id, for reports whose results were not included.

        An upstream failure propagates: the page is not applied, and the sync asks for
        it again next time, rather than caching a report without its results.
        """
        found: list[bytes] = []
        url = join_url(self.base_url, "Observation")
        for start in range(0, len(ids), OBSERVATION_BATCH):
            chunk = ids[start:start + OBSERVATION_BATCH]
            body = self._fetch_body(url, "search Observation",
                                    {"_id": ",".join(chunk), "_count": len(chunk)})
            try:
                bundle = fhir_model.bundle_decoder.decode(body)
            except (msgspec.ValidationError, msgspec.DecodeError):
                raise Malformed(SERVICE, "search Observation: not a Bundle") from None
            found.extend(bytes(e.resource) for e in bundle.entry or () if e.resource)
        return found

    def binary(self, url: str) -> tuple[str, bytes] | None:
        """``Fetcher``: a Binary of this server (``Binary/<id>`` or its full URL)."""
        full = url if "://" in url else join_url(self.base_url, url)
        parts = urlsplit(full).path.rstrip("/").split("/")
        if not self._on_base(full) or len(parts) < 2 or parts[-2] != "Binary" \
                or not _EMR_ID.match(parts[-1]):
            return None
        resp = self.http.request("GET", full, "read Binary", max_body=MAX_RECORD_BYTES,
                                 accept_statuses=frozenset({404, 410}))
        if resp.status in (404, 410):
            return None
        if not resp.is_json():
            return resp.content_type, resp.body
        try:
            res = fhir_model.known_decoder.decode(resp.body)
        except (msgspec.ValidationError, msgspec.DecodeError):
            raise Malformed(SERVICE, "read Binary: not a Binary") from None
        if not isinstance(res, fhir_model.Binary):
            return None
        raw = read_base64(res.data, "Binary.data", MAX_PDF_BYTES)
        return None if raw is None else (res.contentType or "", raw)

    def _on_base(self, url: str) -> bool:
        if not same_origin(url, self.base_url):
            return False
        base_path = urlsplit(self.base_url).path.rstrip("/")
        path = urlsplit(url).path
        return path == base_path or path.startswith(base_path + "/")


def _more(page: ParsedPage, page_size: int) -> bool:
    """Whether a search that gave no next link may hold more than this page: the page
    is full, or its ``Bundle.total`` counts more than it holds."""
    asked = page.asked or page_size
    if page.entries >= asked:
        return True
    return page.total is not None and page.entries < page.total


def _count_of(url: str, params: dict[str, str | int] | None) -> int:
    """The ``_count`` a page was asked with (0: none given)."""
    value: object = None
    if params is not None:
        value = params.get("_count")
    else:
        value = dict(parse_qsl(urlsplit(url).query)).get("_count")
    try:
        return int(str(value)) if value is not None else 0
    except ValueError:
        return 0


def _with_count(url: str, params: dict[str, str | int] | None, count: int
                ) -> tuple[str, dict[str, str | int] | None]:
    """``url`` and ``params`` asking for ``count`` records a page."""
    if params is not None:
        return url, {**params, "_count": count}
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "_count"]
    query.append(("_count", str(count)))
    return urlunsplit(parts._replace(query=urlencode(query))), None


#: The first resource of a page and its ``lastUpdated``, read from raw bytes when the
#: page cannot be decoded (see ``FhirSource._skip``).
_RECORD_HEAD = re.compile(
    rb'"resource"\s*:\s*\{\s*"resourceType"\s*:\s*"([A-Za-z]{1,40})"\s*,\s*"id"\s*:\s*"'
    rb'([A-Za-z0-9\-.]{1,64})"')
_LAST_UPDATED = re.compile(rb'"lastUpdated"\s*:\s*"([0-9T:.+\-Z]{10,40})"')


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
