"""The kiosk opens its store after the service graph is set (issue 18, ``ready_ms``): a
sign-in can start meanwhile. A store that cannot be opened says so on Welcome and takes
no sign-in, as a graph that cannot be built does; it is tried again, through sign-outs,
and the kiosk works again once it opens. Neither the build nor the open is lost to a
sign-out during start-up."""

from __future__ import annotations

import threading

import pytest

from kiosk.services.ports import StoreError
from kiosk.ui import main
from kiosk.ui.context import UiContext
from kiosk.ui.tasks import flush_events
from kiosk.ui.window import KioskWindow
from tests.ui.conftest import Env, Kiosk

pytestmark = pytest.mark.ui

CANNOT = "Киоск сейчас не может начать работу"


def test_a_sign_in_starts_while_the_store_opens(kiosk: Kiosk, qtbot) -> None:
    started, gate = threading.Event(), threading.Event()

    def open_store() -> None:
        started.set()
        assert gate.wait(10)

    kiosk.env.services.open_store = open_store
    main._open_store(kiosk.ctx, kiosk.window, kiosk.env.services)
    assert started.wait(10)
    kiosk.window.start_sign_in()  # the store is still opening
    assert kiosk.name() == "credentials"
    gate.set()
    kiosk.settle()
    assert kiosk.s.welcome.status.isHidden()  # nothing said against the kiosk


def test_a_store_that_cannot_open_says_so_takes_no_sign_in_and_is_tried_again(
    kiosk: Kiosk, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main, "STORE_RETRY_MS", 10)
    database_up = False
    attempts: list[bool] = []

    def open_store() -> None:
        attempts.append(database_up)
        if not database_up:
            raise StoreError("The database cannot be reached.")

    inside, release = threading.Event(), threading.Event()
    release.set()

    def held_open_store() -> None:
        if not release.is_set():
            inside.set()
            assert release.wait(10)
        open_store()

    kiosk.env.services.open_store = held_open_store
    main._open_store(kiosk.ctx, kiosk.window, kiosk.env.services)
    qtbot.waitUntil(lambda: len(attempts) >= 2, timeout=10_000)  # tried again
    status = kiosk.s.welcome.status
    assert not status.isHidden() and CANNOT in status.text()
    kiosk.window.start_sign_in()
    assert kiosk.name() == "welcome"  # no login typed into a kiosk that cannot check it
    release.clear()
    qtbot.waitUntil(inside.is_set, timeout=10_000)  # an attempt is running...
    kiosk.s.welcome.en.click()  # ...when a sign-out rebuilds Welcome: the retries go on
    seen = len(attempts)
    release.set()
    qtbot.waitUntil(lambda: len(attempts) >= seen + 2, timeout=10_000)
    status = kiosk.s.welcome.status
    assert not status.isHidden() and "cannot start" in status.text()
    database_up = True
    qtbot.waitUntil(status.isHidden, timeout=10_000)
    qtbot.wait(60)  # several retry periods: none comes once it is open
    assert attempts.count(True) == 1 and attempts[-1] is True
    kiosk.window.start_sign_in()
    assert kiosk.name() == "credentials"
    kiosk.window.set_language("ru")


def test_a_sign_out_during_start_up_loses_neither_the_services_nor_the_store(
    env: Env, qtbot
) -> None:
    """A language tapped on Welcome while the services are built cancelled the build's
    outcome, and the kiosk said «Киоск запускается…» until it was restarted."""
    gate = threading.Event()
    opened: list[bool] = []
    env.services.open_store = lambda: opened.append(True)

    def build():  # type: ignore[no-untyped-def]
        assert gate.wait(10)
        return env.services

    ctx = UiContext(env.config)
    window = KioskWindow(ctx, kiosk_mode=False)
    window.show()
    try:
        main._start_services(ctx, window, build)
        window.screens.welcome.en.click()  # sign-out while the build runs
        gate.set()
        qtbot.waitUntil(lambda: opened == [True], timeout=10_000)
        assert ctx.services is env.services
        assert window.screens.welcome.status.isHidden()
        window.start_sign_in()
        assert window.current_name() == "credentials"
    finally:
        window.set_language("ru")
        window.shutdown()
        window.hide()
        window.deleteLater()
        flush_events()
