"""The sync's collector pause (R-SYNC, docs/performance.md): it must never leave a
kiosk process with its cycle collector switched off, nor switch on one that was off."""

from __future__ import annotations

import gc
import threading

import pytest

from kiosk.upstream.gcpause import gc_paused


@pytest.fixture(autouse=True)
def _restore_gc():
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_pause_turns_the_collector_back_on_even_after_an_error() -> None:
    gc.enable()
    seen: list[bool] = []

    def failing_page() -> None:
        with gc_paused():
            seen.append(gc.isenabled())
            raise RuntimeError("page failed")

    with pytest.raises(RuntimeError):
        failing_page()
    assert seen == [False]
    assert gc.isenabled()


def test_overlapping_pauses_of_two_threads_end_with_the_last() -> None:
    gc.enable()
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=other)
    worker.start()
    inside.wait(5)
    with gc_paused():
        pass
    assert not gc.isenabled(), "the other thread's pause is still running"
    release.set()
    worker.join(5)
    assert gc.isenabled()


def test_a_process_that_turned_the_collector_off_keeps_it_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
