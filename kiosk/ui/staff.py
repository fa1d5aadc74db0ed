"""The receptionist's panel (R-KSK-6), behind the staff PIN.

Kiosk health, a user's block status by login (no unblocking: the order sets 24 h),
start a sync, language and text size, leave kiosk mode. It never shows medical data or
codes: the window signs any patient out before the panel opens. Every action is
audited through ``StaffService.record``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QFrame,
    QLineEdit,
    QScrollArea,
    QStackedWidget,
    QWidget,
)

from kiosk.services.errors import PinLocked
from kiosk.ui.context import UiContext
from kiosk.ui.dragscroll import drag_to_scroll
from kiosk.ui.keyboard import OnScreenKeyboard
from kiosk.ui.messages import message_for
from kiosk.ui.secret_field import SecretField
from kiosk.ui.texts import moscow
from kiosk.ui.widgets import (
    AdaptiveGrid,
    button,
    header,
    init_screen,
    label,
    numeric_pad,
)

if TYPE_CHECKING:
    from kiosk.services.staff import Health
    from kiosk.services.sync import SyncReport

CHECK_ORDER = ("portal", "sms", "registry", "emr", "store", "printer")


class StaffScreen(QWidget):
    """Signals:
        closed(): leave the panel (back to Welcome).
        language(str): ``"ru"`` or ``"en"``.
        large_text(bool): text size.
        leave_kiosk(): switch the window out of kiosk mode.
    """

    closed = Signal()
    language = Signal(str)
    large_text = Signal(bool)
    leave_kiosk = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        # The header stays put; each page scrolls on its own (one scroll area, not a
        # panel's inside the screen's: two scroll bars left 560 px of a 720 px screen).
        layout = init_screen(self, "staff", scroll=False)
        self.close_button = button(self.tr("Закрыть"), name="closeStaff")
        self.close_button.clicked.connect(self._close)
        layout.addLayout(header(self.tr("Панель администратора"), self.close_button))
        self.pages = QStackedWidget()
        layout.addWidget(self.pages, 1)
        self._build_pin()
        self._build_panel()

    # ------------------------------------------------------------------ PIN

    def _build_pin(self) -> None:
        page = QWidget()
        page.setObjectName("screen")
        box = init_screen(page, "staffPin")
        box.addWidget(label(self.tr("Введите PIN администратора"), "subtitle"))
        self.pin = SecretField()
        self.pin.setObjectName("pin")
        self.pin.setProperty("role", "code")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(32)
        self.pin.setAccessibleName(self.tr("PIN администратора"))
        self.pin.returnPressed.connect(self.submit_pin)
        self.pin.setMaximumWidth(520)
        box.addWidget(self.pin, 0, Qt.AlignmentFlag.AlignHCenter)
        self.pin_error = label("", "error", name="pinError")
        self.pin_error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.pin_error)
        box.addLayout(numeric_pad(self.pin, "pin_", "pin_erase", stretch=3))
        self.unlock = button(self.tr("Войти"), "primary", "unlockStaff")
        self.unlock.clicked.connect(self.submit_pin)
        box.addWidget(self.unlock)
        box.addStretch(1)
        self.pages.addWidget(page)

    def submit_pin(self) -> None:
        if self._ctx.services is None or not self.unlock.isEnabled():
            return
        pin = self.pin.text()
        self.pin.clear()
        self.unlock.setEnabled(False)
        self._ctx.call(self._ctx.svc.staff.unlock, pin, on_done=self._unlocked,
                       on_error=self._pin_failed)

    def _unlocked(self, _result: object) -> None:
        self.unlock.setEnabled(True)
        self.pin_error.setText("")
        self.show_panel()

    def _pin_failed(self, err: object) -> None:
        self.unlock.setEnabled(not isinstance(err, PinLocked))
        assert isinstance(err, BaseException)
        self.pin_error.setText(message_for(err).text)

    # ------------------------------------------------------------------ panel

    def _build_panel(self) -> None:
        page = QWidget()
        page.setObjectName("screen")
        scroll = QScrollArea()  # staff may scroll up and down, never sideways (issue 16)
        scroll.setObjectName("staffScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(page)
        drag_to_scroll(scroll)
        box = init_screen(page, "staffPanel", scroll=False)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(label(self.tr("Состояние киоска"), "subtitle"))
        self.health = label(self.tr("Проверяем…"), name="health")
        box.addWidget(self.health)
        # Button rows are AdaptiveGrids: side by side where they fit, stacked at 200 % text
        # on a portrait or 1280×720 screen (they made the panel scroll sideways).
        actions = AdaptiveGrid(2, 14)
        self.recheck = button(self.tr("Проверить ещё раз"), name="recheck")
        self.recheck.clicked.connect(self.refresh_health)
        self.sync = button(self.tr("Синхронизировать"), name="startSync")
        self.sync.clicked.connect(self.start_sync)
        actions.add(self.recheck)
        actions.add(self.sync)
        box.addWidget(actions)
        self.sync_result = label("", "muted", name="syncResult")
        box.addWidget(self.sync_result)
        box.addWidget(label(self.tr("Блокировка пользователя по логину"), "subtitle"))
        lookup = AdaptiveGrid(2, 14)
        self.login = SecretField()
        self.login.setObjectName("staffLogin")
        self.login.setAccessibleName(self.tr("Логин пользователя"))
        self.login.returnPressed.connect(self.lookup)
        self.check = button(self.tr("Проверить"), name="checkBlock")
        self.check.clicked.connect(self.lookup)
        lookup.add(self.login)
        lookup.add(self.check)
        box.addWidget(lookup)
        self.block = label("", name="blockStatus")
        box.addWidget(self.block)
        self.keyboard = OnScreenKeyboard("en")
        self.keyboard.set_targets(self.login)
        self.keyboard.enter_pressed.connect(self.lookup)
        box.addWidget(self.keyboard)
        settings = AdaptiveGrid(3, 14)
        self.ru = button("Русский", name="staffRu")
        self.ru.clicked.connect(lambda: self._audited("language", self.language, "ru"))
        self.en = button("English", name="staffEn")
        self.en.clicked.connect(lambda: self._audited("language", self.language, "en"))
        self.large = button(self.tr("Крупный текст"), name="staffLarge")
        self.large.setCheckable(True)
        self.large.setChecked(self._ctx.large_text)
        self.large.toggled.connect(lambda on: self._audited("text_size", self.large_text, on))
        for b in (self.ru, self.en, self.large):
            settings.add(b)
        box.addWidget(settings)
        # Short on the button (it fits 720 px at 200 % text), whole for speech.
        self.leave = button(self.tr("Выйти из киоска"), name="leaveKiosk",
                            accessible=self.tr("Выйти из режима киоска"))
        self.leave.clicked.connect(lambda: self._audited("leave_kiosk_mode", self.leave_kiosk))
        box.addWidget(self.leave)
        box.addStretch(1)
        self.pages.addWidget(scroll)

    def show_pin(self) -> None:
        self.pages.setCurrentIndex(0)
        self.pin.clear()
        self.pin_error.setText("")
        self.unlock.setEnabled(True)
        self.pin.setFocus()

    def show_panel(self) -> None:
        self.pages.setCurrentIndex(1)
        self.refresh_health()

    @property
    def unlocked(self) -> bool:
        return self.pages.currentIndex() == 1

    def _audited(self, action: str, signal: SignalInstance, *args: object) -> None:
        self._ctx.call(self._ctx.svc.staff.record, action)
        signal.emit(*args)

    def refresh_health(self) -> None:
        self.health.setText(self.tr("Проверяем…"))
        printer = self._ctx.printer
        available = getattr(printer, "available", None)

        def work() -> tuple[Health, bool | None]:
            health = self._svc_health()
            return health, (available() if available is not None else None)

        self._ctx.call(work, on_done=self._show_health, on_error=self._health_failed)

    def _svc_health(self) -> Health:
        return self._ctx.svc.staff.health()

    def _show_health(self, result: tuple[Health, bool | None]) -> None:
        health, printer_ok = result
        names = {
            "portal": self.tr("Портал mos.ru"), "sms": self.tr("СМС-шлюз"),
            "registry": self.tr("Реестр доступа к картам"), "emr": self.tr("Сервис ЭМК"),
            "store": self.tr("Хранилище киоска"), "printer": self.tr("Принтер"),
        }
        checks = dict(health.checks)
        if printer_ok is not None:
            checks["printer"] = printer_ok
        lines = []
        for key in CHECK_ORDER:
            if key in checks:
                state = self.tr("работает") if checks[key] else self.tr("НЕ ОТВЕЧАЕТ")
                lines.append(f"{'✓' if checks[key] else '✗'} {names[key]}: {state}")
        last = health.last_sync
        lines.append(self.tr("Последняя синхронизация: %1").replace("%1", moscow(last))
                     if isinstance(last, datetime) else self.tr("Синхронизации ещё не было"))
        lines.append(self.tr("Обращений ждут отправки: %1").replace(
            "%1", str(health.outbox_pending)))
        self.health.setText("\n".join(lines))

    def _health_failed(self, err: object) -> None:
        assert isinstance(err, BaseException)
        self.health.setText(message_for(err).text)

    def start_sync(self) -> None:
        self.sync.setEnabled(False)
        self.sync_result.setText(self.tr("Синхронизация идёт…"))
        svc = self._ctx.svc

        def work() -> SyncReport:
            svc.staff.record("sync_started")
            return svc.sync.run()

        self._ctx.call(work, on_done=self._synced, on_error=self._sync_failed)

    def _synced(self, report: SyncReport) -> None:
        self.sync.setEnabled(True)
        if report.skipped:
            text = self.tr("Синхронизация уже идёт в другом процессе.")
        elif report.error:
            text = self.tr("Синхронизация остановилась: сервис ЭМК недоступен.")
        else:
            text = self.tr("Готово: пакетов %1, документов %2, отклонено %3.") \
                .replace("%1", str(report.batches)) \
                .replace("%2", str(report.documents)) \
                .replace("%3", str(report.rejected))
        self.sync_result.setText(text)
        self.refresh_health()

    def _sync_failed(self, err: object) -> None:
        self.sync.setEnabled(True)
        assert isinstance(err, BaseException)
        self.sync_result.setText(message_for(err).text)

    def lookup(self) -> None:
        login = self.login.text()
        self._ctx.call(self._ctx.svc.staff.block_status, login, on_done=self._show_block,
                       on_error=self._block_failed)

    def _show_block(self, status: object) -> None:
        until = getattr(status, "blocked_until", None)
        if not getattr(status, "known", False):
            text = self.tr("Этот пользователь на киоске не входил: блокировки нет.")
        elif until is not None:
            text = self.tr("Вход заблокирован до %1 (время московское). Снять блокировку "
                           "раньше нельзя.").replace("%1", moscow(until))
        else:
            text = self.tr("Не заблокирован. Неверных кодов подряд: %1.").replace(
                "%1", str(getattr(status, "wrong_codes", 0)))
        self.block.setText(text)

    def _block_failed(self, err: object) -> None:
        assert isinstance(err, BaseException)
        self.block.setText(message_for(err).text)

    def _close(self) -> None:
        self.login.clear()
        self.block.setText("")
        self.closed.emit()
