"""One fresh process of the start-up benchmark: ``bare``, ``kiosk`` or ``ready``.

``bare`` and ``kiosk`` print ``PAINTED`` on stdout once their window's first paint has
been flushed and exit at once; the parent times spawn → that line. Both notice the paint
the same way (:func:`_watch_paint`: Python in two methods of two classes, nothing per
event of other objects), so the harness costs both sides the same. ``kiosk`` goes
through the production entry point (``kiosk.cli.main(["run"])`` → ``run_kiosk``) and
stops at the painted Welcome screen, before the service graph is built. ``ready`` goes
on until the services are built too (``ready_ms``, issue 18); ``tap`` then taps «Войти»
at once.
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


def _watch_paint(window: type) -> Callable[[type, Callable[[], None]], None]:
    """``watch(target, then)``: ``then()`` once, just after the first paint of a
    ``target`` widget inside a top-level widget of class ``window`` has been flushed.

    Python runs only in ``target``'s ``paintEvent`` and in ``window``'s ``event``.
    Qt paints a window's widgets and flushes them inside one event: the first time an
    expose of Qt's own window object (which Python does not see), later an update
    request to the top-level widget. ``then()`` is called when the next event the
    top-level widget receives returns: the update request itself, or for the first
    paint the next event Qt sends it (on the offscreen platform, the synthetic mouse
    enter, ~0.05 ms after the flush). A zero timer posted at the paint is the backstop
    should no such event come: it fired 13-20 ms late in the kiosk, once the services'
    thread held the GIL. ``target`` is a child on both sides, so both are timed by the
    same rule (a target that is the window itself would be seen at its own paint
    event, before its children paint).

    ``window`` is watched from now on (PySide remembers, per object, which methods
    Python does not override), ``target`` once ``watch`` is called. The harness before
    5 December 2026 overrode ``QApplication.notify``, which sees every event of every
    object: PySide made a Python wrapper for each receiver, and the first receiver of
    a class PySide does not expose made it create every lazy class of QtWidgets with
    their enums, ~20 ms that the kiosk's own start-up never spends.
    """
    from PySide6.QtCore import QTimer

    painted: list[bool] = [False]
    pending: list[Callable[[], None]] = []
    event = window.event

    def fire() -> None:
        if pending:
            pending.pop()()

    def watched_event(widget, any_event) -> bool:  # type: ignore[no-untyped-def]
        result = event(widget, any_event)
        if painted[0]:
            fire()
        return result

    def watch(target: type, then: Callable[[], None]) -> None:
        paint_event = target.paintEvent

        def watched_paint(widget, paint) -> None:  # type: ignore[no-untyped-def]
            paint_event(widget, paint)
            if not painted[0]:
                painted[0] = True
                QTimer.singleShot(0, fire)

        target.paintEvent = watched_paint  # type: ignore[method-assign]
        pending.append(then)

    window.event = watched_event  # type: ignore[method-assign]
    return watch


def _application() -> None:
    from PySide6.QtWidgets import QApplication

    QApplication(sys.argv[:1])


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


def _watch_welcome(then: Callable[[], None] | None = None) -> None:
    from kiosk.ui.welcome import WelcomeScreen
    from kiosk.ui.window import KioskWindow

    _watch_paint(KioskWindow)(WelcomeScreen, then or _say_and_exit("PAINTED"))


def bare() -> None:
    from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

    class BareWindow(QWidget):
        pass

    class BareLabel(QLabel):
        pass

    _application()
    _watch_paint(BareWindow)(BareLabel, _say_and_exit("PAINTED"))
    w = BareWindow()
    QVBoxLayout(w).addWidget(BareLabel("Hello"))
    w.showFullScreen()
    app = QApplication.instance()
    assert app is not None
    app.exec()


def kiosk() -> None:
    _application()
    _watch_welcome()
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
    _application()
    _watch_welcome(flushed)
    _run_kiosk()


def tap() -> None:
    """``ready``, then «Войти» tapped at that very moment: prints ``READY`` and, once the
    credentials screen's first paint is flushed, ``CREDENTIALS``. What a patient who
    walks up to a kiosk that has just started waits for: the store is still being
    opened in a worker while that screen is built (issue 18)."""
    from kiosk.ui.window import KioskWindow

    windows: list[KioskWindow] = []
    window_init = KioskWindow.__init__
    credentials = _say_and_exit("CREDENTIALS")

    def remember(window: KioskWindow, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        window_init(window, *args, **kwargs)
        windows.append(window)

    def tapped() -> None:
        _say("READY")
        from kiosk.ui.credentials import CredentialsScreen  # as «Войти» would: timed

        watch(CredentialsScreen, credentials)
        windows[0].start_sign_in()  # what Welcome's «Войти» calls

    KioskWindow.__init__ = remember  # type: ignore[method-assign]
    _after_set_services(tapped)
    _application()
    watch = _watch_paint(KioskWindow)
    _run_kiosk()


if __name__ == "__main__":
    {"bare": bare, "kiosk": kiosk, "ready": ready, "tap": tap}[sys.argv[1]]()
    sys.exit(3)  # never painted
