"""The kiosk opens its store after the service graph is set (issue 18, ``ready_ms``): a
sign-in can start meanwhile. A store that cannot be opened says so on Welcome, as a
graph that cannot be built does, is tried again, and the message goes once it opens."""

from __future__ import annotations

import pytest

from kiosk.services.ports import StoreError
from kiosk.ui import main
from tests.ui.conftest import Kiosk

pytestmark = pytest.mark.ui

CANNOT = "Киоск сейчас не может начать работу"


def test_a_sign_in_starts_while_the_store_opens(kiosk: Kiosk) -> None:
    opened: list[bool] = []
    kiosk.env.services.open_store = lambda: opened.append(True)
    main._open_store(kiosk.ctx, kiosk.window, kiosk.env.services)
    kiosk.window.start_sign_in()  # the graph is set: no «Киоск запускается…» wait
    assert kiosk.name() == "credentials"
    kiosk.settle()
    assert opened == [True]
    assert kiosk.s.welcome.status.isHidden()  # nothing said against the kiosk


def test_a_store_that_cannot_open_says_so_and_is_tried_again(
    kiosk: Kiosk, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main, "STORE_RETRY_MS", 10)
    database_up = False
    attempts: list[bool] = []

    def open_store() -> None:
        attempts.append(database_up)
        if not database_up:
            raise StoreError("connection refused")

    kiosk.env.services.open_store = open_store
    main._open_store(kiosk.ctx, kiosk.window, kiosk.env.services)
    status = kiosk.s.welcome.status
    qtbot.waitUntil(lambda: len(attempts) >= 3, timeout=10_000)  # tried again, and again
    assert not status.isHidden() and CANNOT in status.text()
    database_up = True
    qtbot.waitUntil(status.isHidden, timeout=10_000)
    kiosk.settle()
    assert attempts[-1] is True and attempts.count(True) == 1  # no retry once open
