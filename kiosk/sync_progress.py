"""``kiosk sync``'s progress: a first sync of a clinic takes minutes to hours.

On a terminal a bar is redrawn every second (documents, rate and, when the server says
how many records wait, the share done and the time left); in the journal (not a
terminal) one line a minute. The figures come from the cache itself (documents cached
so far, counted by a reader beside the sync: SQLite WAL and PostgreSQL let it read
while the sync writes), so the sync's own code carries no progress hooks. Prints no
identifier of a person: counts only.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO


def format_duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_line(done: int, started_with: int, pending: int | None, elapsed: float,
                  width: int = 30) -> str:
    """One progress line: ``done`` documents cached now, ``started_with`` before the sync,
    ``pending`` records the server said were waiting (``None``: it did not say)."""
    new = max(0, done - started_with)
    rate = new / elapsed if elapsed > 0 else 0.0
    text = f"{done} documents cached, {new} new, {rate:.0f}/s, {format_duration(elapsed)}"
    if pending:
        share = min(1.0, new / pending)
        bar = "#" * int(share * width)
        left = (pending - new) / rate if rate > 0 and new < pending else 0.0
        text = (f"[{bar:<{width}}] {100 * share:3.0f} % {text}"
                + (f", ~{format_duration(left)} left" if new < pending else ""))
    return text


class SyncProgress:
    """Reports while a sync runs; ``count`` reads the cache, ``pending`` the server."""

    def __init__(self, count: Callable[[], int], pending: int | None,
                 out: TextIO | None = None, interval: float | None = None) -> None:
        self.count = count
        self.pending = pending
        self.out = out or sys.stdout
        self.tty = self.out.isatty()
        self.interval = interval if interval is not None else (1.0 if self.tty else 60.0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = time.monotonic()
        self._first = count()

    def __enter__(self) -> SyncProgress:
        self._thread = threading.Thread(target=self._run, name="sync-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.tty:
            self._emit(final=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._emit()

    def _emit(self, final: bool = False) -> None:
        try:
            done = self.count()
        except Exception:  # a busy store now and then: the next tick will do
            return
        line = progress_line(done, self._first, self.pending, time.monotonic() - self._start)
        if self.tty:
            self.out.write("\r" + line + ("\n" if final else ""))
        else:
            self.out.write("sync progress: " + line + "\n")
        self.out.flush()
