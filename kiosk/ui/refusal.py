"""The screen a misconfigured production kiosk shows instead of Welcome (issue 15 item 4).

A kiosk without its secrets (the code key, the staff PIN hash, the portal's client
secret) or with an upstream in plain HTTP must not serve patients: a random code key
per start forgets every block at a restart, and plain HTTP carries passwords in clear.
It does not exit either (a kiosk session would restart it in a loop, flashing the
desktop): it stays up, full screen, with one plain sentence for the patient and the
problem keys for the administrator; each problem is in the journal too.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.ui.style import style_sheet
from kiosk.ui.widgets import label


class RefusalScreen(QWidget):
    """Frameless and on top like the kiosk itself; a close request does nothing.

    Signals: none.
    """

    def __init__(self, problems: list[str], kiosk_mode: bool = True) -> None:
        super().__init__()
        self.setObjectName("refusal")
        flags = Qt.WindowType.Window
        if kiosk_mode:
            flags |= Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        self.setWindowFlags(flags)
        self.kiosk_mode = kiosk_mode
        self.setStyleSheet(style_sheet(False, False))
        box = QVBoxLayout(self)
        box.setContentsMargins(48, 48, 48, 48)
        box.addStretch(1)
        self.message = label(QCoreApplication.translate(
            "RefusalScreen",
            "Киоск сейчас не работает. Обратитесь, пожалуйста, в регистратуру."), "title",
            name="refusalMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.message)
        keys = sorted({p.split(":", 1)[0] for p in problems})
        self.details = label(QCoreApplication.translate(
            "RefusalScreen",
            "Для администратора: киоск не настроен для работы с пациентами (%1). "
            "Подробности — в системном журнале; проверка: kiosk check-config.")
            .replace("%1", ", ".join(keys)), "muted", name="refusalDetails")
        self.details.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.details)
        box.addStretch(1)

    def show_for_mode(self) -> None:
        if self.kiosk_mode:
            self.showFullScreen()
        else:
            self.show()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.kiosk_mode:
            event.ignore()
            return
        event.accept()
