"""Runs inside a real cage session, as cage's program (``tests/shipping/test_cage_session.py``).

The kiosk window is built the way :func:`kiosk.ui.main.run_kiosk` builds it (kiosk mode,
Welcome painted first, the other screens in idle time), on the port fakes of
``tests/ui`` so that sign-in and the staff PIN work without upstreams. It then goes
where people go (issue 15, items 3 and 11; R-KSK-4, R-KSK-8):

1. Welcome, as the next patient finds it;
2. every patient screen of the layout test (``tests/ui/test_layout.py``) in one session;
3. the staff panel, «Выйти из режима киоска», «Закрыть»;
4. Welcome again: kiosk mode must be back; then Welcome in English.

At each step it writes down what the compositor made of the window (size, frame
margins, window states, flags) and what a widget grab shows: its size, the texts the
layout test's rules find clipped, and the widgets the edge of the screen cuts (on
Welcome nothing may need scrolling). ``grim`` sees only the first frame with wlroots'
headless backend, so the pictures are widget grabs, saved as PNG next to the JSON
report for a person to look at.

Usage: ``python -m tests.shipping.cage_probe REPORT.json WORKDIR`` (``--check``: only
import everything, so a caller can tell whether this interpreter can run the probe).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QLabel, QLineEdit, QWidget

from kiosk.ui.context import UiContext
from kiosk.ui.main import application, install_error_handlers
from kiosk.ui.printer import QtPrinter
from kiosk.ui.tasks import flush_events, pump_until, wait_for_tasks
from kiosk.ui.window import KioskWindow
from tests.ui.conftest import PIN, Env, Kiosk, make_env
from tests.ui.test_layout import (
    Findings,
    _check,
    _clipped_by_parent,
    _drive_patient,
    _text_fits,
    _where,
)

#: How long the compositor may take to place the window after a change of mode.
SETTLE_MS = 10_000
TEXTS = (QLabel, QAbstractButton, QLineEdit)


def _rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def _on_screen(window: QWidget, widget: QWidget) -> QRect:
    """The part of ``widget`` a person sees: its rectangle in window coordinates, cut by
    the window and by the viewport of every scroll area it sits in."""
    seen = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    cur = widget.parentWidget()
    while cur is not None and cur is not window:
        if isinstance(cur, QAbstractScrollArea):
            port = cur.viewport()
            seen = seen.intersected(QRect(port.mapTo(window, port.rect().topLeft()),
                                          port.size()))
        cur = cur.parentWidget()
    return seen.intersected(window.rect())


def _findings(window: KioskWindow) -> tuple[list[str], list[str]]:
    """(texts the layout test's rules call clipped, texts not wholly on the screen)."""
    clipped: list[str] = []
    off_screen: list[str] = []
    for widget in window.current().findChildren(QWidget):
        if not widget.isVisible() or not isinstance(widget, TEXTS) or not widget.text():
            continue
        if _clipped_by_parent(widget) or not _text_fits(widget):
            clipped.append(_where(widget))
        seen = _on_screen(window, widget)
        if seen.size() != widget.size():
            off_screen.append(f"{_where(widget)} shows {seen.width()}x{seen.height()} "
                              f"of {widget.width()}x{widget.height()}")
    return clipped, off_screen


def _states(window: QWidget) -> list[str]:
    state = window.windowState()
    return [name for name, flag in (("fullscreen", Qt.WindowState.WindowFullScreen),
                                     ("maximized", Qt.WindowState.WindowMaximized),
                                     ("minimized", Qt.WindowState.WindowMinimized))
            if state & flag]


def _frameless(window: QWidget) -> bool:
    return bool(window.windowFlags() & Qt.WindowType.FramelessWindowHint)


def _settled(window: KioskWindow, framed: bool) -> bool:
    """The compositor has answered: the window is shown, in the mode asked for, and as
    large as the output (cage gives every window its whole output)."""
    handle = window.windowHandle()
    if handle is None or not handle.isExposed() or _frameless(window) is framed:
        return False
    return window.frameGeometry().size() == window.screen().geometry().size()


class _SessionKiosk(Kiosk):
    """``tests/ui``'s driver around the window this probe built (in kiosk mode)."""

    def __init__(self, env: Env, ctx: UiContext, window: KioskWindow) -> None:
        self.env, self.qtbot, self.ctx, self.window = env, None, ctx, window


class Probe:
    def __init__(self, report: Path, workdir: Path) -> None:
        self.report = report
        self.workdir = workdir
        self.steps: list[dict[str, object]] = []
        self.started = time.monotonic()

    def snapshot(self, step: str, window: KioskWindow) -> None:
        margins = window.windowHandle().frameMargins()
        grab = window.grab()
        grab.save(str(self.workdir / f"{len(self.steps)}-{step.replace(' ', '-')}.png"))
        image = grab.toImage()
        colours = {image.pixel(x, y) for x in range(0, image.width(), 37)
                   for y in range(0, image.height(), 29)}
        clipped, off_screen = _findings(window)
        self.steps.append({
            "step": step,
            "at_s": round(time.monotonic() - self.started, 2),
            "screen": window.current_name(),
            "output": _rect(window.screen().geometry()),
            "geometry": _rect(window.geometry()),
            "frame": _rect(window.frameGeometry()),
            "margins": [margins.left(), margins.top(), margins.right(), margins.bottom()],
            "frameless": _frameless(window),
            "states": _states(window),
            "kiosk_mode": window.kiosk_mode,
            "grab": [grab.width(), grab.height()],
            "colours": len(colours),
            "clipped": clipped,
            "off_screen": off_screen,
        })

    def write(self, **extra: object) -> None:
        self.report.write_text(json.dumps({**extra, "steps": self.steps}, ensure_ascii=False,
                                          indent=1), encoding="utf-8")


def _patient_screens(k: Kiosk) -> dict[str, object]:
    """Every patient screen the layout test visits, shown in this session at this
    output's size, checked by the layout test's own rules."""
    out = Findings()
    for name, show in _drive_patient(k):
        show()
        for _ in range(3):  # as the layout test: adaptive grids re-flow once per level
            flush_events()
        _check(k, name, f"[{k.window.width()}x{k.window.height()}]", False, out)
        out.screens.add(k.window.current_name())
    return {"screens": sorted(out.screens), "widgets": out.widgets, "clipped": out.clipped,
            "small": out.small, "contrast": out.contrast}


def run(report: Path, workdir: Path) -> int:
    started = time.monotonic()
    app = application()
    env = make_env(workdir)
    ctx = UiContext(env.config)
    ctx.languages.set(env.config.kiosk.language)
    window = KioskWindow(ctx, kiosk_mode=True)
    install_error_handlers(window)
    window.show_for_mode()  # as run_kiosk: Welcome first, then the rest
    app.processEvents()
    ctx.printer = QtPrinter(env.config.print.printer, env.config.print.paper)
    window.build_rest_later()
    ctx.set_services(env.services)
    probe = Probe(report, workdir)

    def wait(what: str, done: Callable[[], bool]) -> None:
        if not pump_until(done, SETTLE_MS, interval_ms=10):
            probe.snapshot(f"timed out: {what}", window)
            probe.write(platform=app.platformName(), error=f"timed out waiting for {what}")
            raise SystemExit(3)
        wait_for_tasks(ctx.runner)
        pump_until(lambda: False, 100, interval_ms=10)  # a late configure lands too

    wait("the first frame at the output's size", lambda: _settled(window, framed=False))
    ready_s = time.monotonic() - started
    probe.snapshot("welcome", window)

    patient = _patient_screens(_SessionKiosk(env, ctx, window))
    wait("the session's last screen", lambda: _settled(window, framed=False))
    probe.snapshot("patient session", window)

    window.open_staff()  # signs the patient out first
    staff = window.screens.staff
    staff.pin.setText(PIN)
    staff.submit_pin()
    wait("the staff panel", lambda: staff.unlocked)
    probe.snapshot("staff panel", window)

    staff.leave.click()  # «Выйти из режима киоска»
    wait("an ordinary window", lambda: _settled(window, framed=True))
    probe.snapshot("kiosk mode left", window)

    staff.close_button.click()  # «Закрыть»: kiosk mode comes back (item 3)
    wait("kiosk mode again", lambda: _settled(window, framed=False))
    probe.snapshot("welcome after the staff panel", window)

    window.screens.welcome.en.click()  # the longer texts must fit as well
    wait("Welcome in English", lambda: window.screens.welcome.en.isChecked()
         and _settled(window, framed=False))
    probe.snapshot("welcome in English", window)

    probe.write(platform=app.platformName(), ready_s=round(ready_s, 2), patient=patient)
    window.shutdown()
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        print(f"{sys.executable} {sys.version.split()[0]} can run the probe")
        sys.exit(0)
    sys.exit(run(Path(sys.argv[1]), Path(sys.argv[2])))
