"""The task runner: results on the GUI thread, late results ignored after sign-out."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.services.errors import WrongCode
from kiosk.ui.tasks import TaskRunner, wait_for_tasks

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
    wait_for_tasks(runner, QApplication.processEvents)
    assert seen == {"worker": False, "result": "ok", "callback": True}
    runner.shutdown()


def test_errors_come_back_as_values(qtbot) -> None:
    runner = TaskRunner()
    errors: list[object] = []

    def work() -> None:
        raise WrongCode(3)

    runner.submit(work, on_error=errors.append)
    wait_for_tasks(runner, QApplication.processEvents)
    assert isinstance(errors[0], WrongCode)
    runner.shutdown()


def test_cancel_ignores_late_results(qtbot) -> None:
    """R-KSK-2: a result that lands after sign-out paints nothing."""
    runner = TaskRunner(max_threads=1)
    gate = threading.Event()
    got: list[object] = []
    runner.submit(lambda: gate.wait(5) and "slow", on_done=got.append)
    runner.submit(lambda: "queued", on_done=got.append)
    time.sleep(0.05)
    runner.cancel_all()
    gate.set()
    runner.submit(lambda: "fresh", on_done=got.append)
    wait_for_tasks(runner, QApplication.processEvents)
    assert got == ["fresh"]
    runner.shutdown()
    assert runner.pending == 0
