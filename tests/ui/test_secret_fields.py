"""Issue 15 item 1: credential and code fields give nothing to the next person at the
kiosk (R-ENT-1, R-OTP-7): no undo, no clipboard, no selection, no drops, no menu."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QMimeData, QPoint, Qt
from PySide6.QtGui import QDragEnterEvent, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from tests.ui.conftest import Kiosk

pytestmark = pytest.mark.ui

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def type_keys(widget: QWidget, text: str) -> None:
    """A physical keyboard: key events with text (keyClicks aborts on Cyrillic)."""
    widget.setFocus()
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown,
                                                     Qt.KeyboardModifier.NoModifier, ch))


def press(widget: QWidget, key: Qt.Key, mods: Qt.KeyboardModifier = CTRL) -> None:
    """A shortcut the way Qt delivers it: ShortcutOverride first, then the key press."""
    override = QKeyEvent(QEvent.Type.ShortcutOverride, key, mods)
    QApplication.sendEvent(widget, override)
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, key, mods))
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyRelease, key, mods))


def recover_attempts(field: QLineEdit) -> list[str]:
    """Everything a stranger may try on a field to get back what was in it; the field's
    text after each try."""
    seen = []
    for key, mods in ((Qt.Key.Key_Z, CTRL), (Qt.Key.Key_Z, CTRL | SHIFT),
                      (Qt.Key.Key_Y, CTRL), (Qt.Key.Key_Z, CTRL)):  # undo, redo, redo/yank
        press(field, key, mods)
        seen.append(field.text())
    for slot in (field.undo, field.redo, field.undo):  # as a context menu entry would
        slot()
        seen.append(field.text())
    return seen


def test_r_ent_1_undo_after_failed_sign_in_gives_nothing_back(kiosk: Kiosk) -> None:
    """R-ENT-1: a failed sign-in empties the password; the next person taps «Показать»,
    presses Ctrl+Z (and Ctrl+Shift+Z, Ctrl+Y): the field stays empty."""
    kiosk.window.start_sign_in()
    creds = kiosk.s.credentials
    type_keys(creds.login, "ivan@example.ru")
    type_keys(creds.password, "Неверный-1")
    creds.submit()
    kiosk.settle()
    assert "неверн" in creds.error.text().lower()
    assert creds.password.text() == ""
    creds.show_password.click()
    assert creds.password.echoMode() == QLineEdit.EchoMode.Normal
    assert recover_attempts(creds.password) == [""] * 7
    assert not creds.password.isUndoAvailable()
    # The same on the login field after a wipe (the screen a session leaves behind).
    creds.wipe()
    assert recover_attempts(creds.login) == [""] * 7


def test_r_otp_7_code_field_undo_gives_no_code_back(kiosk: Kiosk) -> None:
    """R-OTP-7: a wrong code is cleared; Ctrl+Z does not bring it (or the right one) back."""
    kiosk.sign_in_to_code()
    code = kiosk.s.code
    type_keys(code.code, "000000" if kiosk.env.sms.last_code() != "000000" else "111111")
    code.submit()
    kiosk.settle()
    assert code.error.text().startswith("Неверный код")
    assert recover_attempts(code.code) == [""] * 7
    # The keypad's «Сброс» clears without history too.
    type_keys(code.code, "123")
    kiosk.window.findChild(QWidget, "pad_clear").click()
    assert recover_attempts(code.code) == [""] * 7


def test_r_ent_1_credential_fields_never_reach_a_clipboard(kiosk: Kiosk) -> None:
    """R-ENT-1: copy, cut, Ctrl+K, select-all and the primary selection carry nothing
    out of a credential field; paste and drops bring nothing in."""
    kiosk.window.start_sign_in()
    creds = kiosk.s.credentials
    creds.show_password.click()  # shown: a plain QLineEdit would copy it now
    clipboard = QGuiApplication.clipboard()
    for field in (creds.login, creds.password):
        clipboard.setText("before")
        type_keys(field, "secret-7")
        for key in (Qt.Key.Key_A, Qt.Key.Key_C, Qt.Key.Key_X, Qt.Key.Key_K, Qt.Key.Key_Insert):
            press(field, key)
        press(field, Qt.Key.Key_Delete, SHIFT)  # cut, old style
        field.selectAll()
        field.copy()
        field.cut()
        field.setSelection(0, 6)  # a drag across the text
        assert not field.hasSelectedText()
        assert clipboard.text() == "before"
        if clipboard.supportsSelection():
            assert "secret" not in clipboard.text(clipboard.Mode.Selection)
        assert field.text() == "secret-7"
        field.clear()
        press(field, Qt.Key.Key_V)
        press(field, Qt.Key.Key_Insert, SHIFT)
        field.paste()
        assert field.text() == ""
        mime = QMimeData()
        mime.setText("dropped")
        drag = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime,
                               Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(field, drag)
        assert not drag.isAccepted()
        assert not field.acceptDrops()
        assert field.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu


def test_r_ent_1_every_credential_and_code_field_is_a_secret_field(kiosk: Kiosk) -> None:
    """R-ENT-1, R-KSK-6: login, password, SMS code, staff PIN and the staff lookup login
    are all secret fields (a screen added later must use one too)."""
    from kiosk.ui.secret_field import SecretField

    kiosk.window.screens.build_all()
    names = {"login", "password", "code", "pin", "staffLogin"}
    found = {f.objectName(): f for f in kiosk.window.findChildren(QLineEdit)
             if f.objectName() in names}
    assert set(found) == names
    assert all(isinstance(f, SecretField) for f in found.values())
