"""Service calls off the GUI thread (DESIGN.md, Threading; R-KSK-5).

Every service method may block on the network or the database, so screens never call
them directly: they hand a callable to :class:`TaskRunner`, which runs it on a
``QThreadPool`` and brings the result or the exception back to the GUI thread by a
queued signal. Callbacks therefore run on the GUI thread and may touch widgets; the
callable itself never may.

The seam is typed: ``submit(fn, *args, on_done=...)`` checks ``args`` against ``fn``'s
parameters and ``on_done`` against ``fn``'s return type (a ``TypeVarTuple``: PEP 612
allows no keyword-only ``on_done`` after a ``ParamSpec``'s ``*args``), so a screen's
callback names the type it receives instead of ``object`` and a cast.

A *generation* counter makes sign-out safe: :meth:`TaskRunner.cancel_all` bumps it and
drops queued work, and a result that lands later from an older generation is thrown
away, so a slow answer can never paint a previous patient's data on the next screen.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar, TypeVarTuple

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

#: What a failed task hands back: the exception its callable raised.
ErrorCallback = Callable[[Exception], None]

#: Every runner made, so that tests can check none left work behind.
RUNNERS: weakref.WeakSet[TaskRunner] = weakref.WeakSet()


def live_runners() -> list[TaskRunner]:
    """Runners whose Qt side still exists (a parent may have deleted one)."""
    import shiboken6

    return [r for r in list(RUNNERS)
            if shiboken6.isValid(r) and shiboken6.isValid(r._pool)]


class _Outcomes(QObject):
    """Carries every task's outcome to the GUI thread: one object per runner.

    Signals:
        finished(int, object): a task's id and its callable's return value.
        failed(int, object): a task's id and the exception it raised.

    Made on the GUI thread and connected to the runner with queued connections, so
    whatever thread emits, the slots run on the GUI thread. One long-lived object rather
    than one per task: a per-task ``QObject`` that a pool thread still referenced after
    the GUI thread had deleted it crashed the process now and then.
    """

    finished = Signal(int, object)
    failed = Signal(int, object)


class _Pending:
    """What the runner remembers of a submitted task until its outcome is delivered."""

    __slots__ = ("generation", "kiosk", "on_done", "on_error", "task")

    def __init__(self, generation: int, on_done: Callable[[Any], None] | None,
                 on_error: ErrorCallback | None, task: _Task, kiosk: bool = False) -> None:
        self.generation = generation
        self.on_done = on_done
        self.on_error = on_error
        self.task = task
        self.kiosk = kiosk


class _Task:
    """Runs one callable on a pool thread; touches nothing but the outcome signals.

    A plain callable handed to ``QThreadPool.start``, not a ``QRunnable`` subclass:
    PySide keeps a reference to every Python ``QRunnable`` it starts, auto-delete or not,
    so every finished task (and through it its callbacks, which capture the session:
    subject, grants with phone numbers, birth dates, EMR ids) stayed alive as long as
    the pool (issue 15 item 2, R-KSK-2). A callable is released once it has run.

    ``state`` goes queued → running, or queued → cancelled (sign-out came before it
    started: it then never runs); the runner's lock guards the change.
    """

    __slots__ = ("_args", "_fn", "_lock", "_outcomes", "state", "task_id")

    def __init__(self, task_id: int, fn: Callable[..., object], args: tuple[object, ...],
                 outcomes: _Outcomes, lock: threading.Lock) -> None:
        self.task_id = task_id
        self._fn: Callable[..., object] | None = fn
        self._args: tuple[object, ...] = args
        self._outcomes = outcomes
        self._lock = lock
        self.state = "queued"

    def cancel(self) -> bool:
        """Called with the lock held: True if the task had not started (it never will)."""
        if self.state != "queued":
            return False
        self.state = "cancelled"
        self._fn, self._args = None, ()
        return True

    def __call__(self) -> None:
        with self._lock:
            if self.state != "queued":
                return
            self.state = "running"
            fn, args = self._fn, self._args
            # Drop references at once: a password handed to sign-in must not outlive
            # the call.
            self._fn, self._args = None, ()
        assert fn is not None
        try:
            result = fn(*args)
        except Exception as err:  # every failure goes back to the GUI thread as a value
            del args
            from kiosk.services.errors import KioskError  # light; no I/O modules

            if not isinstance(err, KioskError):
                log.error("background task failed", exc_info=err)
            self._outcomes.failed.emit(self.task_id, err)
            return
        del args
        self._outcomes.finished.emit(self.task_id, result)


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
        # The pool first: children are deleted in creation order, and the pool's
        # destructor waits for running tasks, which still emit on ``_outcomes``.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._outcomes = _Outcomes(self)
        self._outcomes.finished.connect(self._deliver_done, Qt.ConnectionType.QueuedConnection)
        self._outcomes.failed.connect(self._deliver_error, Qt.ConnectionType.QueuedConnection)
        self._pending: dict[int, _Pending] = {}
        self._lock = threading.Lock()
        self._next_id = 0
        self.generation = 0
        RUNNERS.add(self)

    # ------------------------------------------------------------------ API

    def submit(
        self, fn: Callable[[*Ts], T], *args: *Ts,
        on_done: Callable[[T], None] | None = None, on_error: ErrorCallback | None = None,
        kiosk: bool = False,
    ) -> int:
        """Run ``fn(*args)`` on the pool; call ``on_done(result)`` or ``on_error(exc)`` later.

        ``kiosk=True``: the kiosk's own task (building its services, opening its store),
        not a patient's: a sign-out neither cancels it nor drops its outcome. A sign-out
        during start-up (a language tapped on Welcome) dropped the outcome of the
        services' build, and the kiosk said «Киоск запускается…» until restarted."""
        self._next_id += 1
        was_idle = not self._current_pending()
        task = _Task(self._next_id, fn, args, self._outcomes, self._lock)
        self._pending[self._next_id] = _Pending(self.generation, on_done, on_error, task, kiosk)
        self._pool.start(task)
        if was_idle:
            self.busy_changed.emit(True)
        return self._next_id

    def cancel_all(self) -> None:
        """Sign-out: queued tasks never start; running ones finish into the void. The
        kiosk's own tasks (``submit(kiosk=True)``) go on and report as before."""
        self.generation += 1
        for task_id, pending in list(self._pending.items()):
            if pending.kiosk:
                continue
            pending.on_done = None
            pending.on_error = None
            with self._lock:
                never_runs = pending.task.cancel()
            if never_runs:
                # It never started and never will: forget it now.
                del self._pending[task_id]
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
        for pending in self._pending.values():
            pending.kiosk = False  # the kiosk's own go too
        self.cancel_all()
        self._pool.waitForDone(msecs)
        self._pending.clear()

    # ------------------------------------------------------------------ internals

    def _current_pending(self) -> bool:
        return any(p.generation == self.generation for p in self._pending.values())

    @Slot(int, object)
    def _deliver_done(self, task_id: int, result: object) -> None:
        pending = self._settle(task_id)
        if pending is not None and pending.on_done is not None:
            pending.on_done(result)

    @Slot(int, object)
    def _deliver_error(self, task_id: int, error: Exception) -> None:
        pending = self._settle(task_id)
        if pending is None:
            return
        if pending.on_error is not None:
            pending.on_error(error)
        else:
            self.unhandled.emit(error)

    def _settle(self, task_id: int) -> _Pending | None:
        """Forget a reported task; return it if its result is still wanted."""
        pending = self._pending.pop(task_id, None)
        if pending is None:
            return None
        if pending.generation != self.generation:
            return pending if pending.kiosk else None
        if not self._current_pending():
            self.busy_changed.emit(False)
        return pending


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
