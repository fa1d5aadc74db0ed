"""FHIR searches read and parsed in worker processes, their pages merged in the caller.

Why processes: a sync spends most of its time decoding JSON and reading FHIR resources
in Python, which holds the GIL, so a thread cannot overlap it with anything but the
SQLite write. Patient, DocumentReference and DiagnosticReport are separate searches with
their own ``_lastUpdated`` cursors, so each can run in its own process, fetching,
decoding and parsing while the caller commits; on a two-core clinic PC that gives about
1.3× the documents per second of a big sync (docs/performance.md).

A worker sends its pages through a pipe in order; the pipe's small buffer holds it at
most one page ahead of the caller. The caller takes pages from whichever worker has one
ready, so the two streams interleave, each in its own order: the per-type cursor in
each batch then still covers exactly what has been handed out.

Processes come from a fork server (the clean interpreter forks each worker, never the
caller with its threads and sockets). A worker that dies or cannot start becomes an
``Unavailable``; an upstream error in a worker is raised in the caller with its type.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from kiosk.services.ports import (
    Malformed,
    Refused,
    Timeout,
    Unavailable,
    UpstreamError,
)
from kiosk.upstream.fhir_parse import ParsedPage, new_document
from kiosk.upstream.http import TimeoutSpec

_ERRORS: dict[str, type[UpstreamError]] = {
    cls.__name__: cls for cls in (Malformed, Refused, Timeout, Unavailable, UpstreamError)
}
_context_lock = threading.Lock()
_context: Any = None


class NoWorkers(Unavailable):
    """Worker processes cannot be started here (no fork server, a frozen program
    without its hook, a process limit): the caller reads in its own process instead."""


@dataclass(frozen=True, slots=True)
class SearchJob:
    """What a worker needs to run one search on its own: plain values, cheap to send."""

    base_url: str
    timeout: TimeoutSpec
    page_size: int
    max_page_bytes: int
    rtype: str
    params: dict[str, str | int]
    op: str


def _forkserver() -> Any:
    """The fork-server context, its server preloaded with the parser (started once)."""
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["kiosk.upstream.fhir"])
            _context = ctx
        return _context


# ---------------------------------------------------------------- the worker side


def _pack(page: ParsedPage) -> tuple:
    """A page as tuples: pickling a slotted dataclass per document costs several times
    more than a tuple, and repeated strings (organisations, doctors) and kinds are sent
    once per page."""
    docs = [
        (d.doc_id, d.emr_id, d.kind, d.created_at, d.title, d.organization, d.performer,
         d.text, d.version, d.radiology)
        for d in page.documents
    ]
    return (page.patients, docs, page.withdrawn, page.rejected, page.next_url,
            page.last_updated, page.error)


def _unpack(packed: tuple) -> ParsedPage:
    patients, docs, withdrawn, rejected, next_url, last_updated, error = packed
    return ParsedPage(patients=patients, documents=[new_document(*d) for d in docs],
                      withdrawn=withdrawn, rejected=rejected, next_url=next_url,
                      last_updated=last_updated, error=error)


def _work(job: SearchJob, conn: Connection) -> None:
    """Worker main: every page of one search, then ``done`` or the error that stopped it."""
    from kiosk.upstream.fhir import FhirSource

    try:
        with FhirSource(job.base_url, job.timeout, job.page_size, job.max_page_bytes,
                        prefetch=False) as source:
            for page in source.search(job.rtype, job.params, job.op):
                conn.send(("page", _pack(page)))
        _reply(conn, ("done", None))
    except UpstreamError as err:
        _reply(conn, ("error", (type(err).__name__, err.service, err.detail)))
    except OSError:
        pass  # the caller stopped reading (a broken pipe): nothing left to do
    except Exception:  # never a traceback with a record in it across the pipe
        _reply(conn, ("error", ("Malformed", "fhir", f"{job.op}: unexpected failure")))
    finally:
        conn.close()


def _reply(conn: Connection, message: tuple) -> None:
    """The last word of a worker; a caller that has gone away no longer needs it."""
    with contextlib.suppress(OSError):
        conn.send(message)


# ---------------------------------------------------------------- the caller side


class ParallelSearches:
    """Every job's worker, started at once; iterate for ``(resource type, page)``.

    The workers start fetching in the constructor, so the caller can do other work (read
    the patients) while they prepare their first pages. ``NoWorkers`` comes from the
    constructor or not at all. Iterating gives each job's pages in order; an error
    from one job, ``close()`` or leaving the ``with`` block stops every worker.
    """

    def __init__(self, jobs: list[SearchJob]) -> None:
        ctx = _forkserver()
        self._workers: dict[Connection, SearchJob] = {}
        self._procs: list[Any] = []
        self._closing = threading.Lock()  # the reading thread and the owner may both close
        try:
            for job in jobs:
                theirs, ours = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_work, args=(job, ours), name=f"fhir-{job.rtype}",
                                   daemon=True)
                try:
                    proc.start()
                except Exception as err:  # EOFError from a dead fork server, OSError…
                    theirs.close()
                    raise NoWorkers("fhir", f"{job.op}: no worker process "
                                    f"({type(err).__name__})") from None
                finally:
                    ours.close()
                self._procs.append(proc)
                self._workers[theirs] = job
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> ParallelSearches:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[tuple[str, ParsedPage]]:
        try:
            while self._workers:
                try:
                    ready = wait(list(self._workers))
                except (OSError, ValueError):  # closed meanwhile by the owner
                    return
                for conn in ready:
                    assert isinstance(conn, Connection)
                    job = self._workers.get(conn)
                    if job is None:
                        return  # closed meanwhile by the owner
                    try:
                        kind, payload = conn.recv()
                    except (EOFError, OSError):
                        raise Unavailable("fhir", f"{job.op}: the worker process stopped") \
                            from None
                    if kind == "page":
                        yield job.rtype, _unpack(payload)
                    elif kind == "done":
                        conn.close()
                        self._workers.pop(conn, None)
                    else:
                        name, service, detail = payload
                        raise _ERRORS.get(name, UpstreamError)(service, detail)
        finally:
            self.close()

    def close(self) -> None:
        with self._closing:
            conns, self._workers = list(self._workers), {}
            procs, self._procs = self._procs, []
        for conn in conns:
            conn.close()
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(5)
