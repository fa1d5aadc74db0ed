"""«Распечатать» on a screen that offers a slip (issue 16 items 4–5): the support
receipt on the support confirmation, the booking slip on «Запись к врачу».

The button prints at once, without a preview: a slip holds what the screen already
shows, and no personal data. The slip is built (and audited) and printed in one worker
call; while it runs the button says «Печатаем…» and cannot be pressed again; then a
line under it says to take the slip, or why it did not print — as the document
screen's printing does, in the words of :func:`kiosk.ui.messages.message_for`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from kiosk.ui.context import UiContext
from kiosk.ui.widgets import button, label

if TYPE_CHECKING:
    from kiosk.services.receipts import Slip

# Called on the GUI thread when the button is pressed; returns the worker's half, which
# builds the slip from what the screen captured then (services, session, a number).
MakeSlip = Callable[[], Callable[[], "Slip"]]


class SlipPrint(QObject):
    """A print button and the two lines under it (done, error). The screen lays them out.

    Signals: none.
    """

    def __init__(self, ctx: UiContext, text: str, done_text: str, not_found_text: str,
                 make: MakeSlip, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._text = text
        self._done_text = done_text
        self._not_found_text = not_found_text
        self._make = make
        self._running = False
        self.button: QPushButton = button(text, "", name)
        self.button.clicked.connect(self.start)
        self.done: QLabel = label("", name=f"{name}Done")
        self.error: QLabel = label("", "error", name=f"{name}Error")
        self.reset()

    def widgets(self) -> tuple[QWidget, ...]:
        return self.button, self.done, self.error

    def busy(self) -> bool:
        return self._running

    def start(self) -> None:
        if self._ctx.services is None or self.busy():
            return
        self.done.hide()
        self.error.hide()
        printer = self._ctx.printer
        if printer is None:
            from kiosk.services.errors import PrinterError

            self._failed(PrinterError("no printer configured"))
            return
        build = self._make()

        def work() -> None:  # in a worker: the audit writes, a real printer may block
            printer.print_slip(build())

        self._running = True
        self._show_state()
        self._ctx.call(work, on_done=self._printed, on_error=self._failed)

    def _show_state(self) -> None:
        self.button.setEnabled(not self._running)
        self.button.setText(self.tr("Печатаем…") if self._running else self._text)

    def _printed(self, _result: None) -> None:
        self._running = False
        self._show_state()
        self.done.setText(self._done_text)
        self.done.show()

    def _failed(self, err: Exception) -> None:
        from kiosk.services.errors import NotFound
        from kiosk.ui.messages import message_for

        self._running = False
        self._show_state()
        # NotFound: message_for would speak of a document.
        self.error.setText(self._not_found_text if isinstance(err, NotFound)
                           else message_for(err).text)
        self.error.show()

    def reset(self) -> None:
        """A fresh screen: nothing printed yet (the next request, the next patient)."""
        self._show_state()
        self.done.clear()
        self.error.clear()
        self.done.hide()
        self.error.hide()
