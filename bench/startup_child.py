"""One fresh process of the start-up benchmark: ``bare`` or ``kiosk``.

Both print ``PAINTED`` on stdout once their window's first paint has completed and exit
at once; the parent times spawn → that line. Both use the same tiny ``QApplication``
subclass to notice the paint (it runs after each event is delivered), so the harness
costs both sides the same. ``kiosk`` goes through the production entry point
(``kiosk.cli.main(["run"])`` → ``run_kiosk``) and stops at the painted Welcome screen,
before the service graph is built.
"""

from __future__ import annotations

import os
import sys


def _install(target_name: str) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    paint = QEvent.Type.Paint
    flush = (QEvent.Type.UpdateRequest, QEvent.Type.Expose)

    class App(QApplication):
        painted = False

        def notify(self, receiver, event):
            result = super().notify(receiver, event)
            kind = event.type()
            if kind == paint and type(receiver).__name__ == target_name:
                App.painted = True
            elif App.painted and kind in flush:
                sys.stdout.write("PAINTED\n")
                sys.stdout.flush()
                os._exit(0)
            return result

    App(sys.argv[:1])


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
    from kiosk.cli import main

    main(["run"])


if __name__ == "__main__":
    {"bare": bare, "kiosk": kiosk}[sys.argv[1]]()
    sys.exit(3)  # never painted
