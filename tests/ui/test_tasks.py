"""The task runner: results on the GUI thread, late results ignored after sign-out."""

from __future__ import annotations

import sys
import threading

import pytest

from kiosk.services.errors import WrongCode
from kiosk.ui.tasks import TaskRunner, flush_events, pump_until, wait_for_tasks

pytestmark = pytest.mark.ui


def test_result_arrives_on_gui_thread(qtbot) -> None:
    """DESIGN Threading / R-KSK-5: the call runs off the GUI thread, the callback on it."""
    runner = TaskRunner()
    seen: dict[str, object] = {}

    def work() -> str:
        seen["worker"] = threading.current_thread() is threading.main_thread()
        return "ok"

    def done(result: object) -> None:
        seen["result"] = result
        seen["callback"] = threading.current_thread() is threading.main_thread()

    runner.submit(work, on_done=done)
    wait_for_tasks(runner)
    assert seen == {"worker": False, "result": "ok", "callback": True}
    runner.shutdown()


def test_errors_come_back_as_values(qtbot) -> None:
    runner = TaskRunner()
    errors: list[object] = []

    def work() -> None:
        raise WrongCode(3)

    runner.submit(work, on_error=errors.append)
    wait_for_tasks(runner)
    assert isinstance(errors[0], WrongCode)
    runner.shutdown()


def test_cancel_ignores_late_results(qtbot) -> None:
    """R-KSK-2: a result that lands after sign-out paints nothing."""
    runner = TaskRunner(max_threads=1)
    started, gate = threading.Event(), threading.Event()
    got: list[object] = []

    def slow() -> str:
        started.set()
        gate.wait(5)
        return "slow"

    runner.submit(slow, on_done=got.append)
    runner.submit(lambda: "queued", on_done=got.append)
    assert started.wait(5)  # one task running, one queued behind it: both cancelled
    runner.cancel_all()
    gate.set()
    runner.submit(lambda: "fresh", on_done=got.append)
    wait_for_tasks(runner)
    assert got == ["fresh"]
    runner.shutdown()
    assert runner.pending == 0


def test_the_kiosks_own_tasks_outlive_a_sign_out(qtbot) -> None:
    """Building the services and opening the store (``kiosk=True``) report after a
    sign-out, running or queued; the patient's task beside them does not. ``shutdown``
    drops them too, and a queued one never starts."""
    runner = TaskRunner(max_threads=1)
    started, gate = threading.Event(), threading.Event()
    got: list[object] = []
    ran: list[str] = []

    def slow(name: str) -> str:
        started.set()
        gate.wait(5)
        return name

    runner.submit(slow, "services", on_done=got.append, kiosk=True)
    runner.submit(lambda: "patient", on_done=got.append)
    runner.submit(lambda: "store", on_done=got.append, kiosk=True)
    assert started.wait(5)
    runner.cancel_all()  # a sign-out: a language tapped on Welcome at start-up
    gate.set()
    assert pump_until(lambda: len(got) == 2, 5000)
    assert got == ["services", "store"]
    gate.clear()
    started.clear()
    runner.submit(slow, "late", on_done=got.append, kiosk=True)
    runner.submit(lambda: ran.append("queued"), kiosk=True)
    assert started.wait(5)
    gate.set()
    runner.shutdown()
    flush_events()
    assert got == ["services", "store"] and runner.pending == 0
    assert ran == []  # queued behind the running one: cancelled by the shutdown


def test_waits_run_an_event_loop_not_process_events(qtbot) -> None:
    """PySide6 6.12 on Python 3.11: each processEvents() drops a reference to None and
    ~10,000 calls abort the process. The waits must not lose references to None."""
    before = sys.getrefcount(None)
    runner = TaskRunner()
    for _ in range(300):
        flush_events()
        wait_for_tasks(runner)
    assert sys.getrefcount(None) > before - 100
    runner.shutdown()


def test_pump_until_times_out_and_raises_what_the_predicate_raised(qtbot) -> None:
    assert pump_until(lambda: False, 30) is False
    assert pump_until(lambda: True, 30) is True

    def broken() -> bool:
        raise ValueError("predicate")

    with pytest.raises(ValueError, match="predicate"):
        pump_until(broken, 1000)


def test_qt_binding_keeps_none_alive_over_long_uptime(qtbot) -> None:
    """A kiosk runs for days: every touch restarts the idle timer and every second updates
    a label. PySide6 6.12.0 on CPython 3.11 dropped a reference to None on each such void
    call and aborted after a few thousand; pyproject excludes it. This is the guard."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    timer = QTimer()
    before = sys.getrefcount(None)
    for _ in range(5000):
        label.setText("00:59")
        timer.start(1000)
        timer.stop()
    assert sys.getrefcount(None) > before - 100
