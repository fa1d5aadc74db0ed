"""One fresh process of the start-up benchmark: ``bare``, ``kiosk`` or ``ready``.

``bare`` and ``kiosk`` print ``PAINTED`` on stdout once their window's first paint has
completed and exit at once; the parent times spawn → that line. Both use the same tiny
``QApplication`` subclass to notice the paint (it runs after each event is delivered),
so the harness costs both sides the same. ``kiosk`` goes through the production entry
point (``kiosk.cli.main(["run"])`` → ``run_kiosk``) and stops at the painted Welcome
screen, before the service graph is built. ``ready`` goes on until the services are
built too (``ready_ms``, issue 18); ``tap`` then taps «Войти» at once.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _say_and_exit(line: str) -> Callable[[], None]:
    def done() -> None:
        _say(line)
        os._exit(0)

    return done


def _install(target_name: str, then: Callable[[], None] | None = None) -> None:
    """The process's ``QApplication``, calling ``then()`` once, when the first paint of a
    ``target_name`` widget has been flushed (the next update request or expose); by
    default, print ``PAINTED`` and exit."""
    then = then or _say_and_exit("PAINTED")
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    paint = QEvent.Type.Paint
    flush = (QEvent.Type.UpdateRequest, QEvent.Type.Expose)
    state = {"painted": False, "flushed": False}

    class App(QApplication):
        def notify(self, receiver, event):
            result = super().notify(receiver, event)
            if not state["flushed"]:
                kind = event.type()
                if kind == paint and type(receiver).__name__ == target_name:
                    state["painted"] = True
                elif state["painted"] and kind in flush:
                    state["flushed"] = True
                    then()
            return result

    App(sys.argv[:1])


def _after_set_services(then: Callable[[], None]) -> None:
    """``then()`` once the window has its services (``UiContext.set_services``)."""
    from kiosk.ui.context import UiContext

    original = UiContext.set_services

    def set_services(ctx: UiContext, services) -> None:  # type: ignore[no-untyped-def]
        original(ctx, services)
        then()

    UiContext.set_services = set_services  # type: ignore[method-assign]


def _run_kiosk() -> None:
    from kiosk.cli import main

    main(["run"])


def bare() -> None:
    _install("BareWindow")
    from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

    class BareWindow(QWidget):
        pass

    w = BareWindow()
    QVBoxLayout(w).addWidget(QLabel("Hello"))
    w.showFullScreen()
    app = QApplication.instance()
    assert app is not None
    app.exec()


def kiosk() -> None:
    _install("WelcomeScreen")
    _run_kiosk()


def ready() -> None:
    """``ready_ms`` (issue 18): the production entry until a sign-in can start: Welcome
    painted *and* the service graph built (``UiContext.set_services``, after which the
    window takes a login). Prints ``PAINTED`` and then ``READY`` as each happens."""
    state = {"flushed": False, "services": False}

    def done_if_both() -> None:
        if state["flushed"] and state["services"]:
            _say_and_exit("READY")()

    def flushed() -> None:
        state["flushed"] = True
        _say("PAINTED")
        done_if_both()

    def services() -> None:
        state["services"] = True
        done_if_both()

    _after_set_services(services)
    _install("WelcomeScreen", flushed)
    _run_kiosk()


def tap() -> None:
    """``ready``, then «Войти» tapped at that very moment: prints ``READY`` and, once the
    credentials screen's first paint is flushed, ``CREDENTIALS``. What a patient who
    walks up to a kiosk that has just started waits for: the store is still being
    opened in a worker while that screen is built (issue 18)."""
    from kiosk.ui.window import KioskWindow

    windows: list[KioskWindow] = []
    window_init = KioskWindow.__init__

    def remember(window: KioskWindow, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        window_init(window, *args, **kwargs)
        windows.append(window)

    def tapped() -> None:
        _say("READY")
        windows[0].start_sign_in()  # what Welcome's «Войти» calls

    KioskWindow.__init__ = remember  # type: ignore[method-assign]
    _after_set_services(tapped)
    _install("CredentialsScreen", _say_and_exit("CREDENTIALS"))
    _run_kiosk()


if __name__ == "__main__":
    {"bare": bare, "kiosk": kiosk, "ready": ready, "tap": tap}[sys.argv[1]]()
    sys.exit(3)  # never painted
