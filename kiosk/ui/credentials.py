"""Credentials (R-ENT-1): login and password with the on-screen keyboard.

The password field is emptied the moment the call is handed to the worker, and the
worker drops its reference when the call returns: nothing keeps the password.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QWidget

from kiosk.ui.context import UiContext
from kiosk.ui.keyboard import OnScreenKeyboard
from kiosk.ui.messages import Next, message_for
from kiosk.ui.secret_field import SecretField
from kiosk.ui.widgets import button, header, init_screen, label

if TYPE_CHECKING:
    from PySide6.QtGui import QShowEvent


class CredentialsScreen(QWidget):
    """Signals:
        attempt_started(object): the portal and grant checks passed, a code was sent
            (the ``Attempt``).
        back(): the patient left for Welcome.
    """

    attempt_started = Signal(object)
    back = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        layout = init_screen(self, "credentials")
        self.back_button = button(self.tr("Назад"), name="back")
        self.back_button.clicked.connect(self.back)
        layout.addLayout(header(self.tr("Вход через mos.ru"), self.back_button))
        layout.addWidget(label(self.tr(
            "Введите логин и пароль, которые вы используете на портале mos.ru. "
            "Логин — это электронная почта, телефон или СНИЛС."), "muted"))
        form = QGridLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        self.login = SecretField()
        self.login.setObjectName("login")
        self.login.setAccessibleName(self.tr("Логин"))
        self.login.setMaxLength(256)
        self.password = SecretField()
        self.password.setObjectName("password")
        self.password.setAccessibleName(self.tr("Пароль"))
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(256)
        self.show_password = button(self.tr("Показать"), name="showPassword")
        self.show_password.setCheckable(True)
        self.show_password.toggled.connect(self._toggle_echo)
        form.addWidget(label(self.tr("Логин")), 0, 0)
        form.addWidget(self.login, 0, 1, 1, 2)
        form.addWidget(label(self.tr("Пароль")), 1, 0)
        form.addWidget(self.password, 1, 1)
        form.addWidget(self.show_password, 1, 2)
        form.setColumnStretch(1, 1)
        layout.addLayout(form)
        self.error = label("", "error", name="credentialsError")
        self.error.hide()
        layout.addWidget(self.error)
        self.next = button(self.tr("Получить код по СМС"), "primary", "submitCredentials")
        self.next.clicked.connect(self.submit)
        layout.addWidget(self.next)
        # Right under the fields, not at the bottom: in portrait the keys would otherwise
        # sit ~1,000 px below what they type into (issue 16).
        self.keyboard = OnScreenKeyboard("en")
        self.keyboard.set_targets(self.login, self.password)
        self.keyboard.enter_pressed.connect(self._enter)
        layout.addWidget(self.keyboard)
        layout.addStretch(1)
        self.login.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submit)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        (self.password if self.login.text() else self.login).setFocus()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _toggle_echo(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.password.setEchoMode(mode)
        self.show_password.setText(self.tr("Скрыть") if shown else self.tr("Показать"))

    def _enter(self) -> None:
        if self.keyboard.target is self.login:
            self.password.setFocus()
        else:
            self.submit()

    def submit(self) -> None:
        if not self.next.isEnabled():
            return
        if self._ctx.services is None:
            self.show_error(QCoreApplication.translate(
                "CredentialsScreen", "Киоск ещё запускается. Подождите несколько секунд."))
            return
        login, password = self.login.text(), self.password.text()
        self.password.clear()  # R-ENT-1: the field does not keep it
        self.show_error("")
        self.set_busy(True)
        self._ctx.call(self._ctx.svc.signin.start, login, password,
                       on_done=self._started, on_error=self._failed)
        del password

    def set_busy(self, busy: bool) -> None:
        self.next.setEnabled(not busy)
        self.next.setText(self.tr("Проверяем…") if busy else self.tr("Получить код по СМС"))

    def _started(self, attempt: object) -> None:
        self.set_busy(False)
        self.attempt_started.emit(attempt)

    def _failed(self, err: object) -> None:
        self.set_busy(False)
        assert isinstance(err, BaseException)
        cfg = self._ctx.config.portal
        msg = message_for(err, cfg.level_help_url, cfg.access_request_url)
        if msg.next is Next.STAY and not msg.qr_url:
            self.show_error(msg.text)
            self.password.setFocus()
        else:
            self._ctx.error.emit(err)

    def wipe(self) -> None:
        self.login.clear()
        self.password.clear()
        self.show_error("")
