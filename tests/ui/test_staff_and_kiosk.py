"""The receptionist's panel, kiosk mode, booking and support screens, QR codes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QRadioButton, QWidget

from kiosk.services.ports import Department, SupportTopic
from kiosk.ui.widgets import qr_matrix
from tests.ui.conftest import LOGIN, PIN, Kiosk, visible_texts

pytestmark = pytest.mark.ui


def unlock(kiosk: Kiosk, pin: str) -> None:
    staff = kiosk.s.staff
    staff.pin.setText(pin)
    staff.submit_pin()
    kiosk.settle()


def test_staff_pin_wrong_then_locked_R_KSK_6(kiosk: Kiosk) -> None:
    """R-KSK-6: wrong PINs count down; the fifth locks the panel for 15 minutes."""
    kiosk.window.open_staff()
    assert kiosk.name() == "staff"
    unlock(kiosk, "0000")
    assert kiosk.s.staff.pin_error.text() == "Неверный PIN. Осталось попыток: 4."
    for _ in range(4):
        unlock(kiosk, "0000")
    assert "заблокирована до 27.11.2026 12:15" in kiosk.s.staff.pin_error.text()
    assert not kiosk.s.staff.unlocked


def test_staff_panel_health_block_status_sync_no_medical_data_R_KSK_6(kiosk: Kiosk) -> None:
    """R-KSK-6, R-KSK-7: opening the panel signs the patient out; the panel shows health,
    block status and sync, never medical data; staff actions are audited."""
    kiosk.sign_in()
    kiosk.open_emr("emr-2")
    kiosk.env.sms.down = True
    kiosk.window.open_staff()
    assert kiosk.ctx.state.session is None
    unlock(kiosk, PIN)
    assert kiosk.s.staff.unlocked
    kiosk.settle()
    health = kiosk.s.staff.health.text()
    assert "✓ Портал mos.ru: работает" in health
    assert "✗ СМС-шлюз: НЕ ОТВЕЧАЕТ" in health
    assert "Принтер: работает" in health
    kiosk.s.staff.login.setText(LOGIN)
    kiosk.s.staff.lookup()
    kiosk.settle()
    assert "Не заблокирован" in kiosk.s.staff.block.text()
    kiosk.s.staff.start_sync()
    kiosk.settle()
    kiosk.settle()
    assert "Готово" in kiosk.s.staff.sync_result.text()
    texts = " ".join(visible_texts())
    for secret in ("Анна", "Смирнов", "Гемоглобин", "Общий анализ"):
        assert secret not in texts
    events = [r.event for r in kiosk.env.store.data.audit]
    assert "staff.unlocked" in events and "staff.block_lookup" in events
    assert "staff.sync_started" in events


def test_staff_shortcut_and_language_switch_R_KSK_8(kiosk: Kiosk, qtbot) -> None:
    """R-KSK-8: Ctrl+Alt+S opens the panel; English from the panel keeps it open."""
    kiosk.window.activateWindow()
    kiosk.window.open_staff()
    unlock(kiosk, PIN)
    kiosk.s.staff.en.click()
    kiosk.settle()
    assert kiosk.ctx.languages.current == "en"
    assert kiosk.name() == "staff" and kiosk.s.staff.unlocked
    assert kiosk.s.staff.close_button.text() == "Close"
    kiosk.s.staff.ru.click()
    kiosk.settle()
    assert kiosk.s.staff.close_button.text() == "Закрыть"
    kiosk.s.staff.close_button.click()
    assert kiosk.name() == "welcome"


def test_logo_long_press_is_the_staff_gesture_R_KSK_6(kiosk: Kiosk, qtbot) -> None:
    logo = kiosk.s.welcome.findChild(QWidget, "logo")
    logo.HOLD_MS = 10
    logo._hold.setInterval(50)
    qtbot.mousePress(logo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: kiosk.name() == "staff", timeout=2000)
    kiosk.s.staff.close_button.click()


def test_kiosk_mode_ignores_close_R_KSK_4(kiosk: Kiosk) -> None:
    """R-KSK-4: frameless, on top, and a close request does nothing."""
    kiosk.window.set_kiosk_mode(True)
    flags = kiosk.window.windowFlags()
    assert flags & Qt.WindowType.FramelessWindowHint
    event = QCloseEvent()
    kiosk.window.closeEvent(event)
    assert not event.isAccepted()
    assert kiosk.window.isVisible()
    kiosk.window.set_kiosk_mode(False)


def test_no_context_menus_on_fields_R_KSK_4(kiosk: Kiosk) -> None:
    from PySide6.QtWidgets import QLineEdit, QPlainTextEdit

    kiosk.window.screens.build_all()  # screens are built lazily; every one is checked
    fields = kiosk.window.findChildren(QLineEdit) + kiosk.window.findChildren(QPlainTextEdit)
    assert fields
    assert all(f.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu for f in fields)


def test_booking_qr_decodes_to_booking_url_R_ACT_4(kiosk: Kiosk, tmp_path: Path) -> None:
    """R-ACT-4: the QR holds the configured booking URL and nothing else."""
    kiosk.s.welcome.book.click()
    assert kiosk.name() == "booking"
    qr = kiosk.s.booking.qr
    url = kiosk.env.config.portal.booking_url
    assert qr.payload == url
    png = tmp_path / "qr.png"
    qr.grab().save(str(png))
    if shutil.which("zbarimg"):
        out = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True,
                             text=True, check=True).stdout.strip()
        assert out == url
    else:
        import qrcode

        ref = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        ref.add_data(url)
        ref.make(fit=True)
        assert qr_matrix(url) == [[bool(v) for v in r] for r in ref.get_matrix()]
    assert "Наведите камеру" in kiosk.s.booking.findChild(QWidget, "bookingHint").text()
    kiosk.s.booking.back_button.click()
    assert kiosk.name() == "welcome"


def test_support_routes_topic_and_confirms_R_ACT_5(kiosk: Kiosk) -> None:
    """R-ACT-5: records questions go to ДЗМ, the rest to ДИТ; outbox, confirmation, QR."""
    kiosk.sign_in()
    kiosk.open_emr("emr-1")
    kiosk.s.emr.help.click()
    support = kiosk.s.support
    assert kiosk.name() == "support"
    support.findChild(QRadioButton, f"topic_{SupportTopic.RECORDS.value}").setChecked(True)
    support.text.setFocus()
    for ch in "Где анализ":
        if ch == " ":
            support.keyboard.space_key.click()
        else:
            support.keyboard.key(ch.lower()).click() if ch.islower() else (
                support.keyboard.shift_key.click(), support.keyboard.key(ch.lower()).click())
    assert support.text.toPlainText() == "Где анализ"
    support.contact.setText("+7 916 000-00-00")
    support.send.click()
    kiosk.settle()
    msgs = list(kiosk.env.store.data.outbox.values())
    assert len(msgs) == 1 and msgs[0].department is Department.HEALTH
    assert msgs[0].text == "Где анализ"
    assert "ДЗМ" in support.confirmation.text()
    assert support.qr.payload == kiosk.env.config.portal.support_url
    support.done_button.click()
    assert kiosk.name() == "emr"


def test_support_empty_text_is_refused_plainly(kiosk: Kiosk) -> None:
    kiosk.s.welcome.help.click()
    kiosk.s.support.send.click()
    kiosk.settle()
    assert kiosk.s.support.error.text() == "Опишите, пожалуйста, вопрос."


def test_printer_missing_gives_plain_message_R_KSK_3(kiosk: Kiosk, tmp_path: Path) -> None:
    """R-KSK-3: a missing printer gets a plain message, nothing crashes."""
    from kiosk.ui.printer import QtPrinter

    kiosk.ctx.printer = QtPrinter(f"pdf:{tmp_path / 'nowhere'}")
    kiosk.sign_in()
    kiosk.open_emr("emr-1")
    kiosk.window.prepare_print(["d-1"])
    kiosk.settle()
    kiosk.s.preview.print_button.click()
    kiosk.settle()
    assert kiosk.window.overlay.isVisible()
    assert "Не удалось напечатать" in kiosk.window.overlay.text.text()
