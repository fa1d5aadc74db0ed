"""«Запись к врачу» (R-ACT-4): the portal's booking page as a QR code, one sentence, the
address in a short form a patient without a smartphone can copy or type at home, and
«Распечатать»: the same on a slip to take away (issue 16 item 5,
:func:`kiosk.services.receipts.booking_slip`).

The QR holds the configured URL only (checked by ``qr_payload``): no personal data, on
screen or on paper.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from kiosk.services.booking import qr_payload, short_address
from kiosk.ui.context import UiContext
from kiosk.ui.slips import SlipPrint
from kiosk.ui.widgets import QrWidget, button, header, init_screen, label

if TYPE_CHECKING:
    from kiosk.services.receipts import Slip


class BookingScreen(QWidget):
    """Signals:
        back(): return to where the patient came from.
    """

    back = Signal()

    def __init__(self, ctx: UiContext, booking_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        layout = init_screen(self, "booking")
        self.back_button = button(self.tr("Назад"), name="back")
        self.back_button.clicked.connect(self.back)
        layout.addLayout(header(self.tr("Запись к врачу"), self.back_button))
        layout.addStretch(1)
        self.qr = QrWidget(qr_payload(booking_url), side=420)
        self.qr.setObjectName("bookingQr")
        layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        hint = label(self.tr(
            "Наведите камеру телефона на QR-код, чтобы открыть запись к врачу на портале "
            "mos.ru."), "subtitle", name="bookingHint")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(hint)
        no_phone = label(self.tr("Нет смартфона? Откройте этот адрес на компьютере:"),
                         name="bookingNoPhone")
        no_phone.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(no_phone)
        self.address = label(short_address(booking_url), "subtitle", name="bookingAddress")
        self.address.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.address)
        layout.addStretch(2)
        self.slip = SlipPrint(
            ctx, self.tr("Распечатать"),
            self.tr("Памятка напечатана: заберите её из принтера."),
            self.tr("Памятку напечатать не удалось. Запишите адрес с экрана."),
            self._make_slip, "printSlip", self)
        self.slip.button.setProperty("role", "primary")  # the screen's one forward action
        self.slip.button.setAccessibleName(self.tr("Распечатать памятку о записи к врачу"))
        for widget in (self.slip.done, self.slip.error):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(widget)
        layout.addWidget(self.slip.button)

    def _make_slip(self) -> Callable[[], Slip]:
        receipts, session = self._ctx.svc.receipts, self._ctx.state.session
        return lambda: receipts.booking_slip(session)
