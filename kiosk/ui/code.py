"""The SMS code (R-ENT-4, R-OTP-2..6): masked phone, numeric keypad, the 15:00
countdown, resend with its cooldown, attempts left; and the blocked screen.

The countdown reads the services' clock on each tick, so a test moves a fake clock
instead of sleeping; the service still has the last word on expiry when verifying.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRegularExpression, Qt, QTimer, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QWidget

from kiosk.services.errors import CodeExpired, CodeTypo, ResendRefused, WrongCode
from kiosk.ui.context import UiContext
from kiosk.ui.messages import message_for
from kiosk.ui.secret_field import SecretField
from kiosk.ui.texts import mmss, moscow
from kiosk.ui.widgets import button, header, init_screen, label, numeric_pad

if TYPE_CHECKING:
    from PySide6.QtGui import QHideEvent, QShowEvent

    from kiosk.services.signin import Attempt


class CodeScreen(QWidget):
    """Signals:
        signed_in(object): the code was right (the ``Session``).
        expired(): the code's time ran out on screen (back to credentials).
        cancel(): the patient gave up (sign-out to Welcome).
    """

    signed_in = Signal(object)
    expired = Signal()
    cancel = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._attempt: Attempt | None = None
        layout = init_screen(self, "code")
        self.cancel_button = button(self.tr("Отмена"), name="cancelCode")
        self.cancel_button.clicked.connect(self.cancel)
        layout.addLayout(header(self.tr("Код из СМС"), self.cancel_button))
        self.sent_to = label("", "subtitle", name="sentTo")
        layout.addWidget(self.sent_to)
        layout.addStretch(1)
        self.code = SecretField()
        self.code.setObjectName("code")
        self.code.setProperty("role", "code")
        self.code.setAccessibleName(self.tr("Код из СМС"))
        self.code.setMaxLength(6)
        self.code.setValidator(QRegularExpressionValidator(QRegularExpression("[0-9]{0,6}"),
                                                           self.code))
        self.code.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.code.returnPressed.connect(self.submit)
        self.code.setMaximumWidth(520)
        layout.addWidget(self.code, 0, Qt.AlignmentFlag.AlignHCenter)
        self.countdown = label("", name="countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.countdown)
        self.error = label("", "error", name="codeError")
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.error)
        layout.addLayout(numeric_pad(self.code, "pad_", "pad_erase", "pad_clear"))
        self.confirm = button(self.tr("Подтвердить"), "primary", "confirmCode")
        self.confirm.clicked.connect(self.submit)
        layout.addWidget(self.confirm)
        self.resend = button("", name="resend")
        self.resend.clicked.connect(self._resend)
        layout.addWidget(self.resend)
        layout.addStretch(2)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.refresh)

    # ------------------------------------------------------------------ state

    def start(self, attempt: Attempt) -> None:
        self._attempt = attempt
        # The number on a line of its own: after «на номер» at 200 % text it broke at a
        # hyphen («+7 *** ***-» / «**-67» read as two numbers); alone it fits 720 px.
        phone = attempt.masked_phone
        self.sent_to.setText(self.tr("Мы отправили код на номер %1").replace(" %1", "\n%1")
                             .replace("%1", phone))
        self.code.clear()
        self.error.setText(self._last_try_text() if attempt.attempts_left == 1 else "")
        self._set_busy(False)
        self.refresh()
        self._tick.start()
        self.code.setFocus()

    def stop(self) -> None:
        self._tick.stop()
        self._attempt = None

    def hideEvent(self, event: QHideEvent) -> None:
        self._tick.stop()
        super().hideEvent(event)

    def refresh(self) -> None:
        """One tick: the countdown, the resend button, expiry."""
        attempt = self._attempt
        if attempt is None or self._ctx.services is None:
            return
        now = self._ctx.svc.clock.now()
        left = (attempt.expires_at - now).total_seconds()
        if left <= 0:
            self.stop()
            self.expired.emit()
            return
        self.countdown.setText(self.tr("Код действует ещё %1").replace("%1", mmss(left)))
        wait = (attempt.resend_at - now).total_seconds()
        if attempt.resends_left <= 0:
            self.resend.setText(self.tr("Новый код больше отправить нельзя"))
            self.resend.setEnabled(False)
        elif wait > 0:
            self.resend.setText(self.tr("Отправить ещё раз (через %1)").replace("%1", mmss(wait)))
            self.resend.setEnabled(False)
        else:
            self.resend.setText(self.tr("Отправить ещё раз"))
            self.resend.setEnabled(self.confirm.isEnabled())
        self.resend.setAccessibleName(self.resend.text())

    # ------------------------------------------------------------------ actions

    def _set_busy(self, busy: bool) -> None:
        self.confirm.setEnabled(not busy)
        self.confirm.setText(self.tr("Проверяем…") if busy else self.tr("Подтвердить"))

    def submit(self) -> None:
        attempt = self._attempt
        if attempt is None or not self.confirm.isEnabled():
            return
        entered = self.code.text()
        self.code.clear()
        self._set_busy(True)
        self._ctx.call(self._ctx.svc.signin.verify, attempt, entered,
                       on_done=self._verified, on_error=self._failed)

    def _verified(self, session: object) -> None:
        self.stop()
        self.signed_in.emit(session)

    def _failed(self, err: object) -> None:
        self._set_busy(False)
        self.refresh()
        if isinstance(err, WrongCode) and err.attempts_left == 1:
            self.error.setText(self.tr("Неверный код.") + " " + self._last_try_text())
        elif isinstance(err, WrongCode):
            self.error.setText(self.tr("Неверный код. Осталось попыток: %1").replace(
                "%1", str(err.attempts_left)))
        elif isinstance(err, CodeTypo):
            self.error.setText(message_for(err).text)
        else:
            if isinstance(err, CodeExpired):
                self.stop()
            self._ctx.error.emit(err)
            return
        self.code.setFocus()

    def _last_try_text(self) -> str:
        """Said before the fifth code, not after it: what the block will mean (issue 16)."""
        hours = self._ctx.svc.signin.block_hours if self._ctx.services is not None else 24
        return self.tr(
            "Это последняя попытка. Если и этот код окажется неверным, вход в кабинет будет "
            "заблокирован на %1 ч — даже с правильным паролем, и раньше снять блокировку "
            "нельзя. Не уверены — запросите новый код.").replace("%1", str(hours))

    def _resend(self) -> None:
        attempt = self._attempt
        if attempt is None:
            return
        self.resend.setEnabled(False)
        self._ctx.call(self._ctx.svc.signin.resend, attempt,
                       on_done=self._resent, on_error=self._resend_failed)

    def _resent(self, attempt: Attempt) -> None:
        self._attempt = attempt
        self._ctx.state.attempt = attempt
        self.error.setText(self.tr("Новый код отправлен. Предыдущий код больше не действует."))
        self.refresh()

    def _resend_failed(self, err: object) -> None:
        if isinstance(err, ResendRefused):
            wait = None
            if err.retry_at is not None and self._ctx.services is not None:
                wait = (err.retry_at - self._ctx.svc.clock.now()).total_seconds()
            self.error.setText(message_for(err, now_seconds_to=wait).text)
            self.refresh()
        else:
            self._ctx.error.emit(err)


class BlockedScreen(QWidget):
    """R-OTP-3/4: sign-in is blocked; says until when, in Moscow time, and offers the
    support form (issue 16: «обратитесь в поддержку» with no way to do it).

    Signals:
        home(): back to Welcome.
        support(): the patient wants to write to support.
    """

    home = Signal()
    support = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = init_screen(self, "blocked")
        layout.addLayout(header(self.tr("Вход временно заблокирован")))
        self.until = label("", "subtitle", name="blockedUntil")
        layout.addWidget(self.until)
        layout.addWidget(label(self.tr(
            "Код из СМС был введён неверно 5 раз подряд. Так мы защищаем ваши медицинские "
            "данные. Блокировка снимется сама, разблокировать её раньше нельзя. Если код "
            "вводили не вы — напишите в поддержку."), name="blockedWhy"))
        layout.addStretch(1)
        self.ok = button(self.tr("На главную"), "primary", "blockedHome")
        self.ok.clicked.connect(self.home)
        layout.addWidget(self.ok)
        self.write = button(self.tr("Написать в поддержку"), name="blockedSupport")
        self.write.clicked.connect(self.support)
        layout.addWidget(self.write)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ok.setFocus()

    def show_until(self, until: object) -> None:
        from datetime import datetime

        assert isinstance(until, datetime)
        self.until.setText(self.tr("Вход будет доступен после %1 (время московское).")
                           .replace("%1", moscow(until)))
