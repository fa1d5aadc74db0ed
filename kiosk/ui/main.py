"""Entry points that ``kiosk/cli.py`` calls: the kiosk, the demo, and the self-test
(the last two live in :mod:`kiosk.ui.demo` and are re-exported here).

Start-up order matters (PLATFORM.md): the Welcome screen is painted first, using Qt
only; the service graph (SQLAlchemy, requests) is imported and built in a worker
afterwards, so the patient never looks at a blank screen. Only Welcome is built before
that first paint; the other screens follow in idle time once the services are there
(``build_rest_later``).
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QMessageLogContext,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication

from kiosk.ui.context import UiContext
from kiosk.ui.window import KioskWindow

if TYPE_CHECKING:
    from kiosk.app import Services
    from kiosk.config import Config
    from kiosk.ui.demo import CODE, DemoPhone, SelfTestFailed, run_demo, self_test
    from kiosk.ui.refusal import RefusalScreen

__all__ = ["CODE", "DemoPhone", "SelfTestFailed", "application", "install_error_handlers",
           "refuse_to_start", "run_demo", "run_kiosk", "self_test", "show_refusal"]

log = logging.getLogger(__name__)

ServicesFactory = Callable[[], "Services"]


# ---------------------------------------------------------------- plumbing


def application() -> QApplication:
    """The one QApplication (created here, never at import time)."""
    os.environ.setdefault("LANG", "C.UTF-8")
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv[:1])
    app.setApplicationName("kiosk")
    app.setApplicationDisplayName("ЛКП")
    return app


def _qt_messages(kind: QtMsgType, _ctx: QMessageLogContext, text: str) -> None:
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }.get(kind, logging.WARNING)
    logging.getLogger("qt").log(level, "%s", text)


def install_error_handlers(window: KioskWindow, qt_messages: bool = True) -> None:
    """No traceback reaches the screen: log it, show a plain sentence (R-KSK-5).

    ``qt_messages=False`` leaves Qt's message handler alone (pytest-qt owns it in tests).
    """

    def hook(kind: type[BaseException], err: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error", exc_info=(kind, err, tb))
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        try:
            window.handle_error(RuntimeError("unexpected"))
        except Exception:  # the hook itself must never raise
            log.exception("could not show the error message")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        log.error("unexpected error in a thread",
                  exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    sys.excepthook = hook
    threading.excepthook = thread_hook
    if qt_messages:
        qInstallMessageHandler(_qt_messages)


def _make_context(config: Config, printer_target: str | None = None) -> UiContext:
    ctx = _context_for_welcome(config)
    _attach_printer(ctx, printer_target)
    return ctx


def _context_for_welcome(config: Config) -> UiContext:
    """What Welcome needs to paint: the settings and the language; no printer yet."""
    ctx = UiContext(config)
    ctx.languages.set(config.kiosk.language)
    return ctx


def _attach_printer(ctx: UiContext, printer_target: str | None = None) -> None:
    """Imported here: the kiosk attaches its printer after Welcome's first paint."""
    from kiosk.ui.printer import QtPrinter

    config = ctx.config
    ctx.printer = QtPrinter(config.print.printer if printer_target is None else printer_target,
                            config.print.paper)


#: How long a kiosk whose store could not be opened waits before it tries again (ms).
STORE_RETRY_MS = 30_000


def _start_services(ctx: UiContext, window: KioskWindow, factory: Callable[[], Services],
                    then: Callable[[], None] | None = None) -> None:
    """Build the services in a worker; ``then`` runs on the GUI thread once they are set,
    and the store is opened in a worker right after (:func:`_open_store`). Both are the
    kiosk's own tasks: a sign-out meanwhile (a language tapped) does not drop them."""
    def failed(err: object) -> None:
        _collect_again()
        log.error("the services could not be built: %s", err)
        ctx.cannot_start = True
        window.show_start_state()

    def built(services: Services) -> None:
        ctx.set_services(services)
        if then is not None:
            then()
        _open_store(ctx, window, services)

    ctx.runner.submit(factory, on_done=built, on_error=failed, kiosk=True)


def _open_store(ctx: UiContext, window: KioskWindow, services: Services) -> None:
    """Open the store in a worker (issue 18, ``ready_ms``): the graph is built without it,
    so a sign-in can start while SQLAlchemy loads; a sign-in that reaches the store
    first waits for this open. One that fails says on Welcome that the kiosk cannot
    work and takes no sign-in, as a graph that could not be built does, and is tried
    again ``STORE_RETRY_MS`` after; the kiosk works again once the store opens."""
    from kiosk.services.ports import StoreError  # not before Welcome's paint

    def failed(err: Exception) -> None:
        _collect_again()
        if ctx.cannot_start:  # still: once in the journal, not every STORE_RETRY_MS
            log.debug("the store still cannot be opened: %s", err)
        else:  # a StoreError is a plain sentence; anything else, where it came from
            log.error("the store could not be opened: %s", err,
                      exc_info=None if isinstance(err, StoreError) else err)
        ctx.cannot_start = True
        window.show_start_state()
        QTimer.singleShot(STORE_RETRY_MS, window, lambda: _open_store(ctx, window, services))

    def opened() -> None:
        _collect_again()
        if ctx.cannot_start:
            log.info("the store is open")
            ctx.cannot_start = False
            window.show_start_state()

    def attempt() -> Exception | None:
        """The open; a store that cannot be opened is an outcome here, logged once an
        outage by ``failed``, not by the runner with its traceback every retry."""
        try:
            services.open_store()
        except Exception as err:
            return err
        return None

    def done(err: Exception | None) -> None:
        if err is None:
            opened()
        else:
            failed(err)

    ctx.runner.submit(attempt, on_done=done, on_error=failed, kiosk=True)


def _collect_again() -> None:
    """The cycle collector back on after a start-up that ran without it (``kiosk run``),
    what start-up made set aside for good (``gc.freeze``): the kiosk's later collections
    need not walk the ~60,000 modules, classes and wrappers that live as long as it
    does. Not collected first: that walk is 25 ms on the GUI thread just as a patient
    may tap, to free a few hundred objects (~100 KB) that start-up left in cycles."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _finish(window: KioskWindow, ctx: UiContext) -> None:
    window.shutdown()
    if ctx.services is not None:
        try:
            ctx.services.close()
        except Exception:
            log.exception("closing the services failed")


# ---------------------------------------------------------------- the kiosk


def run_kiosk(config: Config, windowed: bool = False) -> int:
    """The production kiosk: Welcome first, then ``build_services(config)`` in a worker."""
    app = application()
    ctx = _context_for_welcome(config)
    window = KioskWindow(ctx, kiosk_mode=config.kiosk.fullscreen and not windowed)
    install_error_handlers(window)
    window.show_for_mode()
    app.processEvents()  # paint Welcome before anything heavy is imported (one call)
    _attach_printer(ctx)  # nothing can print before the services exist

    def build() -> Services:
        from kiosk.app import build_services

        return build_services(config)

    # The other screens, one per pass, once the services are built: built meanwhile,
    # they took the GIL from the services' imports and a sign-in could start ~0.36 s
    # later (issue 18, ready_ms). A screen asked for before it is built is built then.
    _start_services(ctx, window, build, then=window.build_rest_later)
    app.aboutToQuit.connect(lambda: _finish(window, ctx))
    return int(app.exec())


def show_refusal(problems: list[str], kiosk_mode: bool = True) -> RefusalScreen:
    """A production kiosk whose configuration fails :func:`kiosk.config.check_config`:
    every problem to the journal, a plain sentence on screen, no patient service."""
    from kiosk.ui.refusal import RefusalScreen

    for problem in problems:
        log.error("the kiosk will not serve patients: %s", problem)
    application()
    screen = RefusalScreen(problems, kiosk_mode)
    screen.show_for_mode()
    return screen


def refuse_to_start(problems: list[str], kiosk_mode: bool = True) -> int:
    """:func:`show_refusal` until the session ends; exit code 2, as for a bad config."""
    screen = show_refusal(problems, kiosk_mode)
    application().exec()
    del screen
    return 2


# ---------------------------------------------------------------- the demo, the self-test

#: Moved to :mod:`kiosk.ui.demo` so that the kiosk's start-up does not load them; still
#: importable from here.
_DEMO_NAMES = ("CODE", "DemoPhone", "run_demo", "SelfTestFailed", "self_test")


def __getattr__(name: str) -> object:
    if name in _DEMO_NAMES:
        from kiosk.ui import demo

        return getattr(demo, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

