"""Service calls off the GUI thread (DESIGN.md, Threading; R-KSK-5).

Every service method may block on the network or the database, so screens never call
them directly: they hand a callable to :class:`TaskRunner`, which runs it on a
``QThreadPool`` and brings the result or the exception back to the GUI thread by a
queued signal. Callbacks therefore run on the GUI thread and may touch widgets; the
callable itself never may.

A *generation* counter makes sign-out safe: :meth:`TaskRunner.cancel_all` bumps it and
drops queued work, and a result that lands later from an older generation is thrown
away, so a slow answer can never paint a previous patient's data on the next screen.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]

#: Every runner made, so that tests can check none left work behind.
RUNNERS: weakref.WeakSet[TaskRunner] = weakref.WeakSet()


def live_runners() -> list[TaskRunner]:
    """Runners whose Qt side still exists (a parent may have deleted one)."""
    import shiboken6

    return [r for r in list(RUNNERS)
            if shiboken6.isValid(r) and shiboken6.isValid(r._pool)]


class TaskSignals(QObject):
    """Carries one task's outcome to the GUI thread.

    Signals:
        finished(object): the callable's return value.
        failed(object): the exception it raised.

    The object is created on the GUI thread and connected to its own slots with queued
    connections, so whatever thread emits, the slots run on the GUI thread.
    """

    finished = Signal(object)
    failed = Signal(object)

    def __init__(
        self, runner: TaskRunner, task_id: int, generation: int,
        on_done: Callback | None, on_error: Callback | None,
    ) -> None:
        super().__init__(runner)
        self._runner = runner
        self.task_id = task_id
        self.generation = generation
        self._on_done = on_done
        self._on_error = on_error
        self.finished.connect(self._deliver_done, Qt.ConnectionType.QueuedConnection)
        self.failed.connect(self._deliver_error, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _deliver_done(self, result: object) -> None:
        callback = self._on_done
        if self._runner.settle(self) and callback is not None:
            callback(result)

    @Slot(object)
    def _deliver_error(self, error: object) -> None:
        callback = self._on_error
        if self._runner.settle(self):
            if callback is not None:
                callback(error)
            else:
                self._runner.unhandled.emit(error)


class _Task(QRunnable):
    """Runs one callable on a pool thread; touches nothing but its signals."""

    def __init__(self, fn: Callable[..., object], args: tuple[object, ...],
                 signals: TaskSignals) -> None:
        super().__init__()
        # The runner keeps the Python object until the result is delivered, and uses it
        # with ``tryTake`` to drop queued work at sign-out.
        self.setAutoDelete(False)
        self._fn: Callable[..., object] | None = fn
        self._args: tuple[object, ...] = args
        self._signals = signals

    def run(self) -> None:
        fn, args = self._fn, self._args
        # Drop references at once: a password handed to sign-in must not outlive the call.
        self._fn, self._args = None, ()
        assert fn is not None
        try:
            result = fn(*args)
        except Exception as err:  # every failure goes back to the GUI thread as a value
            del args
            from kiosk.services.errors import KioskError  # light; no I/O modules

            if not isinstance(err, KioskError):
                log.error("background task failed", exc_info=err)
            self._signals.failed.emit(err)
            return
        del args
        self._signals.finished.emit(result)


class TaskRunner(QObject):
    """Submits callables to a private thread pool; results come back on the GUI thread.

    Signals:
        unhandled(object): a task failed and its submitter gave no error callback.
        busy_changed(bool): whether any task of the current generation is pending.
    """

    unhandled = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._pending: dict[int, TaskSignals] = {}
        self._tasks: dict[int, _Task] = {}
        self._next_id = 0
        self.generation = 0
        RUNNERS.add(self)

    # ------------------------------------------------------------------ API

    def submit(
        self, fn: Callable[..., object], *args: object,
        on_done: Callback | None = None, on_error: Callback | None = None,
    ) -> int:
        """Run ``fn(*args)`` on the pool; call ``on_done(result)`` or ``on_error(exc)`` later."""
        self._next_id += 1
        signals = TaskSignals(self, self._next_id, self.generation, on_done, on_error)
        was_idle = not self._current_pending()
        task = _Task(fn, args, signals)
        self._pending[self._next_id] = signals
        self._tasks[self._next_id] = task
        self._pool.start(task)
        if was_idle:
            self.busy_changed.emit(True)
        return self._next_id

    def cancel_all(self) -> None:
        """Sign-out: queued tasks never start; running ones finish into the void."""
        self.generation += 1
        for task_id, signals in list(self._pending.items()):
            signals._on_done = None
            signals._on_error = None
            if self._pool.tryTake(self._tasks[task_id]):
                # It never started and never will: forget it now.
                del self._pending[task_id]
                del self._tasks[task_id]
                signals.deleteLater()
            # A running task reports later; settle() then ignores its old generation.
        self.busy_changed.emit(False)

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def active_threads(self) -> int:
        return self._pool.activeThreadCount()

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until the pool is idle (shutdown and tests); results stay queued."""
        return bool(self._pool.waitForDone(msecs))

    def shutdown(self, msecs: int = 10_000) -> None:
        """Stop taking work, ignore every pending result, and join the pool threads."""
        self.cancel_all()
        self._pool.waitForDone(msecs)
        for signals in self._pending.values():
            signals.deleteLater()
        self._pending.clear()
        self._tasks.clear()

    # ------------------------------------------------------------------ internals

    def _current_pending(self) -> bool:
        return any(s.generation == self.generation for s in self._pending.values())

    def settle(self, signals: TaskSignals) -> bool:
        """Forget a reported task; True if its result is still wanted."""
        self._pending.pop(signals.task_id, None)
        self._tasks.pop(signals.task_id, None)
        signals.deleteLater()
        wanted = signals.generation == self.generation
        if wanted and not self._current_pending():
            self.busy_changed.emit(False)
        return wanted


def pump_until(predicate: Callable[[], bool], timeout_ms: int, interval_ms: int = 1,
               at_least_once: bool = False) -> bool:
    """Run a nested ``QEventLoop`` until ``predicate()`` holds; False on timeout.

    Never a ``processEvents()`` spin: with PySide6 6.12 on Python 3.11 every
    ``processEvents()`` call drops a reference to ``None``, and some ten thousand calls
    abort the process (``none_dealloc``). One event loop with a polling timer does not.
    ``at_least_once`` runs one pass of the loop even when the predicate already holds
    (so that results already queued are delivered). An exception raised by the
    predicate ends the wait and is raised here.
    """
    import time

    from PySide6.QtCore import QEventLoop, QTimer

    if not at_least_once and predicate():
        return True
    deadline = time.monotonic() + timeout_ms / 1000
    loop = QEventLoop()
    outcome: list[object] = []

    def check() -> None:
        try:
            if predicate():
                outcome.append(True)
            elif time.monotonic() > deadline:
                outcome.append(False)
        except Exception as err:  # the loop must end whatever the predicate does
            outcome.append(err)
        if outcome:
            loop.quit()

    poll = QTimer()
    poll.setInterval(max(0, interval_ms))
    poll.timeout.connect(check)
    poll.start()
    try:
        loop.exec()
    finally:
        poll.stop()
        poll.timeout.disconnect(check)
    result = outcome[0] if outcome else False
    if isinstance(result, BaseException):
        raise result
    return bool(result)


def wait_for_tasks(runner: TaskRunner, process: Callable[[], None] | None = None,
                   msecs: int = 10_000) -> None:
    """For tests: run the event loop until every result of the current generation has
    been delivered (callbacks that submit more work are waited for too).

    ``process`` is accepted for old callers and ignored: the wait is a ``QEventLoop``
    (see :func:`pump_until`), never a ``processEvents()`` loop. Queued tasks that a
    cancel dropped never report, so only tasks of the current generation are awaited.
    Raises ``TimeoutError`` after ``msecs``.
    """
    del process

    def idle() -> bool:
        return not runner._current_pending() and runner.active_threads == 0

    if not pump_until(idle, msecs, interval_ms=1, at_least_once=True):
        raise TimeoutError("background tasks did not finish")


def flush_events(msecs: int = 1000) -> None:
    """One pass of a ``QEventLoop``: posted events, queued results and ``deleteLater``.
    The safe replacement for a lone ``processEvents()`` (see :func:`pump_until`)."""
    pump_until(lambda: True, msecs, interval_ms=0, at_least_once=True)
