"""A sync's streams run at once, each in a worker process that reads *and* writes.

Why: on a two-core clinic PC a big sync is bound by CPU, and most of it is Python
(decoding and reading FHIR JSON, making rows) that holds the GIL. The first design read
each FHIR search in a worker and sent the parsed pages to one writing process; pickling
them there and back cost as much CPU as writing them. Here every stream (FHIR: one
resource type's search) is applied by a worker process with its own store connection:
nothing crosses a process boundary but counts and log lines, and the writers take turns
at the database (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: the cursor row's lock).
There are no more workers than CPUs; a worker whose stream ends takes the next one
nobody has taken. docs/performance.md has the numbers.

Each batch still commits with its cursor in one transaction (R-SYNC-1); the cursor is
merged into the stored one inside that transaction (``SourceStream.merge_cursor``), so
streams never undo each other's progress. A worker that stops on an error tells the
others to stop after their current batch; what was committed stays.

Processes come from a fork server (a clean interpreter, never the caller with its
threads and sockets) preloaded with the modules the composition root names. When no
worker can start (a frozen program without its hook, a process limit), ``NoSyncWorkers``
says so and the caller syncs in its own process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from kiosk.services.ports import (
    Clock,
    EmrSource,
    Rejected,
    SourceStream,
    StoreError,
    UnitOfWorkFactory,
    UpstreamError,
)

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from kiosk.services.sync import RefreshReport, SyncReport

log = logging.getLogger(__name__)


class NoSyncWorkers(Exception):
    """Worker processes cannot be started here; sync in this process instead."""


class OpenStore(Protocol):
    """Opens the store again in a worker process (so it pickles): the unit-of-work
    factory and what closes the connections."""

    def __call__(self) -> tuple[UnitOfWorkFactory, Callable[[], None]]: ...


#: How often the sync's own process checkpoints the workers' WAL (seconds).
CHECKPOINT_EVERY = 0.05

_context_lock = threading.Lock()
_context: Any = None


def _forkserver(preload: tuple[str, ...]) -> Any:
    """The fork-server context, its server preloaded with ``preload`` when it starts.

    A Python process has one fork server: the preload list of the first call is the
    one it keeps (``kiosk sync`` only ever passes ``SYNC_WORKER_PRELOAD``).
    """
    import multiprocessing  # only a sync worker forks: not at the kiosk's start-up

    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(list(preload))
            _context = ctx
        return _context


class SyncWorkers:
    """Runs streams in worker processes; see the module docstring."""

    def __init__(
        self, open_store: OpenStore, preload: Sequence[str] = (),
        checkpoint: Callable[[], None] | None = None, processes: int | None = None,
    ) -> None:
        """``checkpoint``: what this process, idle while the workers write, does every
        ``CHECKPOINT_EVERY`` seconds on their behalf (SQLite: copy the WAL into the
        database; ``Store.opener`` says why). ``processes``: at most this many workers
        (default: one per CPU this process may run on)."""
        self._open_store = open_store
        self._preload = tuple(preload)
        self._checkpoint = checkpoint
        self._processes = processes

    def run(self, streams: list[SourceStream], clock: Clock, report: SyncReport) -> None:
        """Apply every stream; counts and the first error go into ``report``
        (a ``SyncReport``). ``NoSyncWorkers`` comes only before any worker has reported
        a batch: when none can start, or every one stops before its first word."""
        ctx = _forkserver(self._preload)
        # The streams are a queue the workers take from, one stream at a time, in the
        # order given: no more workers than CPUs, so that a worker with the biggest
        # stream is not slowed by a third process sharing its core while the smaller
        # streams follow each other on the other one (docs/performance.md).
        try:
            stop = ctx.Event()
            taken = ctx.Value("i", 0)  # how many streams have been handed out
        except OSError as err:  # no shared memory or semaphores here
            raise NoSyncWorkers(f"no worker process ({type(err).__name__})") from None
        conns: dict[Connection, Any] = {}
        # The last checkpoint once every worker has stopped (the context's exit): nobody
        # writes then.
        with checkpoints(self._checkpoint):
            try:
                for _ in range(min(len(streams), self._processes or _cpus())):
                    theirs, ours = ctx.Pipe(duplex=False)
                    proc = ctx.Process(target=_worker_main, name="kiosk-sync-stream",
                                       daemon=True, args=(streams, taken, self._open_store,
                                                          clock, ours, stop))
                    try:
                        proc.start()
                    except Exception as err:  # EOFError from a dead fork server, OSError…
                        theirs.close()
                        if not conns:
                            raise NoSyncWorkers(
                                f"no worker process ({type(err).__name__})") from None
                        # The workers running take every stream from the queue: fewer is
                        # slower, not wrong.
                        log.warning("sync with %d worker process(es) (%s)", len(conns),
                                    type(err).__name__)
                        break
                    finally:
                        ours.close()
                    conns[theirs] = proc
                if self._collect(conns, stop, report) == len(conns):
                    # Every worker stopped before saying a word (a frozen build missing a
                    # module, a broken interpreter): this process can still do the work.
                    # A batch one of them committed unreported is applied again: upserts.
                    report.error = None
                    raise NoSyncWorkers("every worker process stopped before its first batch")
            finally:
                stop.set()
                for conn, proc in conns.items():
                    conn.close()
                    proc.join(30)
                    if proc.is_alive():  # pragma: no cover - a worker hung past its timeouts
                        proc.terminate()
                        proc.join(5)

    def _collect(self, conns: dict[Connection, Any], stop: Any, report: SyncReport) -> int:
        """The workers' messages until each is done or gone; how many went without a
        word while none had spoken (all of them: ``run`` lets this process sync)."""
        from multiprocessing.connection import Connection, wait

        from kiosk.services.sync import log_rejects

        pending = dict(conns)
        heard = False
        silent = 0
        while pending:
            for conn in wait(list(pending)):
                assert isinstance(conn, Connection)
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    pending.pop(conn)
                    stop.set()
                    _note_error(report, "Unavailable: a sync worker process stopped")
                    silent += 0 if heard else 1
                    continue
                heard = True
                kind = message[0]
                if kind == "batch":
                    log_rejects([Rejected(source_id, reason) for source_id, reason in message[1]])
                elif kind == "log":
                    logging.getLogger(message[1]).log(message[2], "%s", message[3])
                else:  # "done"
                    pending.pop(conn)
                    counts, error = message[1], message[2]
                    report.add(counts)
                    if error:
                        stop.set()
                        _note_error(report, error)
        return silent


def checkpoint_quietly(checkpoint: Callable[[], None]) -> None:
    """One checkpoint for a sync; one that fails is left to the next (the WAL keeps
    what it holds meanwhile) and never stops the sync or replaces its own outcome."""
    try:
        checkpoint()
    except StoreError as err:
        log.info("sync checkpoint skipped: %s", err)
    except Exception:  # a bug: where, in the journal; the sync goes on
        log.warning("sync checkpoint failed", exc_info=True)


@contextmanager
def checkpoints(checkpoint: Callable[[], None] | None) -> Iterator[None]:
    """``checkpoint()`` from a thread every ``CHECKPOINT_EVERY`` seconds while the body
    writes, and once after it: a store whose writing connections leave the WAL to
    another (``autocheckpoint=False``), the workers' as a sync run in this process.
    SQLite checkpointed inside the writer's COMMIT otherwise, and those commits were
    half of the store's time in a sync run here (issue 18, ``ingest_ratio``); on the
    other core the copy overlaps the next batch's mapping. A failed checkpoint is left
    to the next one (``checkpoint_quietly``). A thread, not the workers' message loop:
    a steady flow of messages cannot starve the WAL of its checkpoints."""
    if checkpoint is None:
        yield
        return
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(CHECKPOINT_EVERY):
            checkpoint_quietly(checkpoint)

    thread = threading.Thread(target=loop, name="sync-checkpoints", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        checkpoint_quietly(checkpoint)



def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _note_error(report: SyncReport, error: str) -> None:
    if report.error is None:
        report.error = error


# ---------------------------------------------------------------- the worker side


class _Parent:
    """The worker's end of the pipe, for the main thread and the log handler alike
    (a log line may come from the fetch-ahead thread; a big message sent from two
    threads at once would be garbled)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()

    def send(self, message: tuple[Any, ...]) -> None:
        """``_ParentGone`` when the caller has gone (killed): the worker then stops."""
        try:
            with self._lock:
                self._conn.send(message)
        except OSError:
            raise _ParentGone() from None


class _ParentGone(Exception):
    pass


class _ToParent(logging.Handler):
    """A worker's warnings, logged by the caller with its own configuration."""

    def __init__(self, parent: _Parent) -> None:
        super().__init__(logging.WARNING)
        self._parent = parent

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self._parent.send(("log", record.name, record.levelno, record.getMessage()))


def _worker_main(
    streams: list[SourceStream], taken: Any, open_store: OpenStore, clock: Clock,
    conn: Connection, stop: Any,
) -> None:
    """Worker main: take the next stream nobody has taken and apply its batches, until
    no stream is left, one fails or the worker is told to stop.

    After every batch the worker reports to the caller (its rejected records, if any):
    a caller killed outright (SIGKILL, out of memory) then stops its workers at their
    next batch instead of leaving them writing without the sync lock (R-SYNC-5).
    """
    import signal

    from kiosk.services.sync import SyncReport, apply_batch

    # Ctrl-C reaches the whole process group; the caller stops the workers after their
    # current batch (``stop``) rather than each dying with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = _Parent(conn)
    root = logging.getLogger()
    root.handlers[:] = [_ToParent(parent)]
    root.setLevel(logging.WARNING)
    report = SyncReport()
    error: str | None = None
    close: Callable[[], None] | None = None
    try:
        uow, close = open_store()
        while not stop.is_set() and (stream := _next(streams, taken)) is not None:
            for batch in stream.changes():
                apply_batch(uow, clock, batch, report, stream.merge_cursor)
                parent.send(("batch", [(r.source_id, r.reason) for r in batch.rejected]))
                if stop.is_set():
                    break
    except _ParentGone:
        return  # nobody is left to tell
    except (UpstreamError, StoreError) as err:
        error = f"{type(err).__name__}: {err}"
    except Exception as err:
        # A bug: its type and where, never its message (it may quote a record).
        error = f"Unavailable: sync worker failed ({type(err).__name__}{_where(err)})"
    finally:
        if close is not None:
            with contextlib.suppress(Exception):
                close()
    with contextlib.suppress(_ParentGone):
        parent.send(("done", report.counts(), error))
    conn.close()


def _next(streams: list[SourceStream], taken: Any) -> SourceStream | None:
    """The next stream of the shared queue (``taken`` counts those handed out)."""
    with taken.get_lock():
        index = taken.value
        if index >= len(streams):
            return None
        taken.value = index + 1
    return streams[index]


def _where(err: BaseException) -> str:
    import traceback

    frames = traceback.extract_tb(err.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" at {last.filename.rsplit('/', 1)[-1]}:{last.lineno}"


# ---------------------------------------------------------------- the sign-in refresh


class OpenSource(Protocol):
    """Makes the EMR source again in a worker process (so it pickles)."""

    def __call__(self) -> EmrSource: ...


class RefreshWorker:
    """A kiosk's sign-in refresh in a process of its own (issue 18, ``open_field_ms``).

    Why: reading a 50k-document EMR is seconds of Python that holds the GIL. In the
    kiosk's process the EMR tapped meanwhile waited for the GIL at every step that let
    it go (each SQL statement, the registry's answer, Qt's paint): up to a switch
    interval (5 ms) each time, longer while a page is decoded in one C call. Here the
    refresh (``SyncService.refresh``: read, write in short transactions) runs in a
    process forked by the sync's fork server, with its own store connection and source;
    only log lines and the report come back. The process ends with the refresh, and the
    memory its pages took goes with it.

    The fork server starts at ``warm`` or at the first refresh (a fresh interpreter
    importing ``preload``: ~0.5 s of CPU, on the other core) and stays for the kiosk's
    life; a refresh then costs a fork. When no process can start, or it stops without
    its report, ``run`` raises ``NoSyncWorkers`` and the caller refreshes in its own
    process (the EMRs written meanwhile are written again: upserts).
    """

    def __init__(
        self, open_store: OpenStore, open_source: OpenSource, preload: Sequence[str] = (),
    ) -> None:
        self._open_store = open_store
        self._open_source = open_source
        self._preload = tuple(preload)

    def warm(self) -> None:
        """Start the fork server now, so that the first refresh need not wait for it."""
        _forkserver(self._preload)
        from multiprocessing import forkserver

        try:
            forkserver.ensure_running()
        except Exception as err:  # the refresh falls back to this process then
            log.warning("no refresh process (%s)", type(err).__name__)

    def run(self, emr_ids: Sequence[str], clock: Clock) -> RefreshReport:
        ctx = _forkserver(self._preload)
        try:
            theirs, ours = ctx.Pipe(duplex=False)
        except OSError as err:
            raise NoSyncWorkers(f"no refresh process ({type(err).__name__})") from None
        proc = ctx.Process(target=_refresh_main, name="kiosk-refresh", daemon=True,
                           args=(list(emr_ids), self._open_store, self._open_source, clock,
                                 ours))
        try:
            proc.start()
        except Exception as err:  # EOFError from a dead fork server, OSError…
            theirs.close()
            raise NoSyncWorkers(f"no refresh process ({type(err).__name__})") from None
        finally:
            ours.close()
        try:
            return _refresh_report(theirs)
        finally:
            theirs.close()
            proc.join(30)
            if proc.is_alive():  # pragma: no cover - it sent its report and hung
                proc.terminate()
                proc.join(5)


def _refresh_report(conn: Connection) -> RefreshReport:
    from kiosk.services.sync import RefreshReport

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            raise NoSyncWorkers("the refresh process stopped before its report") from None
        if message[0] == "log":
            logging.getLogger(message[1]).log(message[2], "%s", message[3])
            continue
        _, refreshed, failed, error = message
        if error:
            raise NoSyncWorkers(error)
        return RefreshReport(refreshed, failed)


def _refresh_main(
    emr_ids: list[str], open_store: OpenStore, open_source: OpenSource, clock: Clock,
    conn: Connection,
) -> None:
    """Refresh process main: ``SyncService.refresh`` here, its report to the caller."""
    import signal

    from kiosk.services.sync import SyncService

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = _Parent(conn)
    root = logging.getLogger()
    root.handlers[:] = [_ToParent(parent)]
    root.setLevel(logging.WARNING)
    refreshed: list[str] = []
    failed: list[str] = []
    error: str | None = None
    closers: list[Callable[[], None]] = []
    try:
        uow, close = open_store()
        closers.append(close)
        source = open_source()
        closers.append(getattr(source, "close", lambda: None))
        report = SyncService(source, uow, clock).refresh(emr_ids)
        refreshed, failed = report.refreshed, report.failed
    except _ParentGone:
        return
    except Exception as err:  # a bug: its type and where (the caller refreshes itself)
        error = f"refresh process failed ({type(err).__name__}{_where(err)})"
    finally:
        for close in reversed(closers):
            with contextlib.suppress(Exception):
                close()
    with contextlib.suppress(_ParentGone):
        parent.send(("done", refreshed, failed, error))
    conn.close()
