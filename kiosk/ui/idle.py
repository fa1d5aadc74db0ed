"""The idle timeout (R-KSK-1): after ``idle_timeout_s`` without input a warning counts
down ``idle_warning_s``; any touch or key extends the session; then sign-out.

Driven by QTimers whose intervals come from the config, so tests use short intervals
or call :meth:`IdleWatcher.trigger_warning` / :meth:`IdleWatcher.expire` directly
instead of sleeping. An application-wide event filter sees every input event.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

INPUT_EVENTS = frozenset({
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.KeyPress,
    QEvent.Type.Wheel,
    QEvent.Type.TabletPress,
})


class IdleWatcher(QObject):
    """Signals:
        warning(int): the countdown started or ticked; seconds left before sign-out.
        extended(): input arrived during the warning; the session goes on.
        timed_out(): no input through the warning; sign out now.
    """

    warning = Signal(int)
    extended = Signal()
    timed_out = Signal()

    def __init__(self, timeout_s: float, warning_s: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._warning_s = max(1, int(warning_s))
        self._left = 0
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(max(1, int(timeout_s * 1000)))
        self._idle.timeout.connect(self.trigger_warning)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._count)
        self._installed = False

    @property
    def active(self) -> bool:
        return self._idle.isActive() or self._tick.isActive()

    @property
    def warning_shown(self) -> bool:
        return self._tick.isActive()

    def start(self) -> None:
        """Watch from now (a screen with data or input is showing)."""
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self._tick.stop()
        self._idle.start()

    def stop(self) -> None:
        self._idle.stop()
        self._tick.stop()
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def poke(self) -> None:
        """Input arrived: restart the idle period, close the warning if it is up."""
        if not self._installed:
            return
        if self._tick.isActive():
            self._tick.stop()
            self.extended.emit()
        self._idle.start()

    def trigger_warning(self) -> None:
        self._idle.stop()
        self._left = self._warning_s
        self._tick.start()
        self.warning.emit(self._left)

    def _count(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self.expire()
        else:
            self.warning.emit(self._left)

    def expire(self) -> None:
        self.stop()
        self.timed_out.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS and watched.isWidgetType():
            self.poke()
        return False
