"""«Войти по QR-коду с телефона» (RFC 8628): the QR the phone opens, the user code in
large type with its expiry, and a cancel button.

Why: the password typed on public glass is the slowest and the most watched step.
Here the patient approves on their own phone; the kiosk waits. The wait (polling the
portal) runs in a worker and ends on its cancel event, which cancel, idle timeout and
sign-out set (``stop``); the QR and the code are wiped at the same moment. The device
code stays inside the service's ``DeviceSignIn``: never on screen, in a log or a file.
After approval the code screen follows as after a password (R-ENT-4).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from kiosk.services.errors import DeviceCancelled, DeviceDenied, DeviceExpired
from kiosk.ui.context import UiContext
from kiosk.ui.texts import mmss
from kiosk.ui.widgets import QrWidget, button, header, init_screen, label

if TYPE_CHECKING:
    from kiosk.services.signin import DeviceSignIn


class DeviceScreen(QWidget):
    """Signals:
        attempt_started(object): the phone approved and a code was sent (the ``Attempt``).
        cancel(): the patient gave up (sign-out to Welcome).
    """

    attempt_started = Signal(object)
    cancel = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._pending: DeviceSignIn | None = None
        self._stop = threading.Event()
        layout = init_screen(self, "device")
        self.cancel_button = button(self.tr("Отмена"), name="cancelDevice")
        self.cancel_button.clicked.connect(self.cancel)
        layout.addLayout(header(self.tr("Вход по QR-коду"), self.cancel_button))
        layout.addWidget(label(self.tr(
            "Наведите камеру телефона на QR-код и войдите на портал mos.ru на телефоне. "
            "Проверьте, что код на телефоне совпадает с кодом ниже, и одобрите вход."),
            "subtitle", name="deviceHint"))
        layout.addStretch(1)
        self.qr = QrWidget(side=380)
        self.qr.setObjectName("deviceQr")
        layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        self.user_code = label("", "big", name="userCode")
        self.user_code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.user_code.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout.addWidget(self.user_code)
        self.expiry = label("", "muted", name="deviceExpiry")
        self.expiry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.expiry)
        self.error = label("", "error", name="deviceError")
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.error)
        self.again = button(self.tr("Показать новый QR-код"), "primary", "deviceAgain")
        self.again.clicked.connect(self.start)
        self.again.hide()
        layout.addWidget(self.again)
        layout.addWidget(label(self.tr(
            "После одобрения на ваш телефон придёт СМС с кодом: его нужно будет ввести "
            "здесь."), "muted", name="deviceThen"))
        layout.addStretch(2)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.refresh)

    # ------------------------------------------------------------------ state

    @property
    def polling(self) -> bool:
        """Whether a wait for the phone is under way (its worker may still be ending)."""
        return self._pending is not None and not self._stop.is_set()

    def start(self) -> None:
        """Ask the portal for a new QR; the old wait, if any, is cancelled first."""
        self.stop()
        self._stop = threading.Event()
        self.error.setText("")
        self.again.hide()
        self.user_code.setText(self.tr("Готовим QR-код…"))
        stop = self._stop
        self._ctx.call(self._ctx.svc.signin.start_device,
                       on_done=lambda p: self._ready(p, stop), on_error=self._failed)

    def _ready(self, pending: object, stop: threading.Event) -> None:
        from kiosk.services.signin import DeviceSignIn

        assert isinstance(pending, DeviceSignIn)
        if stop.is_set() or stop is not self._stop:
            return  # cancelled while the portal answered: nothing to show
        self._pending = pending
        self.qr.set_payload(pending.qr_uri)
        self.user_code.setText(pending.user_code)
        self.user_code.setAccessibleName(self.tr("Код для телефона"))
        self.refresh()
        self._tick.start()
        svc = self._ctx.svc
        self._ctx.call(svc.signin.wait_device, pending, stop, svc.sleeper,
                       on_done=self._approved, on_error=self._failed)

    def refresh(self) -> None:
        pending = self._pending
        if pending is None or self._ctx.services is None:
            return
        left = (pending.expires_at - self._ctx.svc.clock.now()).total_seconds()
        self.expiry.setText(self.tr("Код действует ещё %1").replace("%1", mmss(left)))

    def _approved(self, attempt: object) -> None:
        self.stop()
        self.attempt_started.emit(attempt)

    def _failed(self, err: object) -> None:
        if isinstance(err, DeviceCancelled):
            return
        self.stop()
        if isinstance(err, DeviceDenied):
            self.error.setText(self.tr("Вход отклонён на телефоне."))
        elif isinstance(err, DeviceExpired):
            self.error.setText(self.tr("Время QR-кода истекло."))
        else:
            self._ctx.error.emit(err)
            return
        self.again.show()

    def stop(self) -> None:
        """Cancel the wait and wipe the QR and the code (cancel, idle, sign-out)."""
        self._stop.set()
        self._tick.stop()
        self._pending = None
        self.qr.set_payload("")
        self.user_code.setText("")
        self.user_code.setAccessibleName("")
        self.expiry.setText("")
