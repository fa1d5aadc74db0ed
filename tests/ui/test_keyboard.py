"""The on-screen keyboard types every printable ASCII character (issue 16, R-KSK-8,
R-ENT-1): a mos.ru password with symbols is typed on the keys alone and signs in, and a
support question keeps its comma and question mark."""

from __future__ import annotations

import string

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QRadioButton, QWidget

from kiosk.services.ports import SupportTopic
from kiosk.ui.keyboard import LETTERS, SYMBOLS, OnScreenKeyboard
from tests.fakes import FakeAccount
from tests.ui.conftest import Kiosk

pytestmark = pytest.mark.ui

SYMBOL_PASSWORD = "Kl!#$%*?,:()/9z"


def _script(ch: str) -> str:
    return "ru" if "а" <= ch.lower() <= "я" or ch.lower() == "ё" else "en"


def press(qtbot, key: QPushButton) -> None:
    qtbot.waitUntil(key.isVisible)  # a page's new keys are shown by the event loop
    assert key.isEnabled(), key.objectName()
    qtbot.mouseClick(key, Qt.MouseButton.LeftButton)


def type_keys(qtbot, kb: OnScreenKeyboard, text: str) -> None:
    """Press only on-screen keys, as a patient would: the language key for a letter of the
    other script, the page key when a character is not on the page shown, shift for one
    capital letter."""
    for ch in text:
        if ch == " ":
            press(qtbot, kb.space_key)
            continue
        if ch.isalpha():
            if kb.layout_name != _script(ch):
                press(qtbot, kb.layout_key)
            if kb.page != LETTERS:
                press(qtbot, kb.page_key)
            if kb.upper != ch.isupper():
                press(qtbot, kb.shift_key)
        elif ch not in kb.chars():
            press(qtbot, kb.page_key)
        assert ch.lower() in kb.chars(), f"no key for {ch!r}"
        press(qtbot, kb.key(ch))


def test_every_printable_ascii_character_has_a_key_R_KSK_8(qtbot) -> None:
    """Issue 16: letters, digits and all 32 ASCII symbols on the two pages, keys >= 44 px;
    shift and caps show their state and the letters show the case they will type."""
    kb = OnScreenKeyboard("en")
    qtbot.addWidget(kb)
    kb.resize(1000, 500)
    kb.show()
    reachable = set(kb.chars())
    press(qtbot, kb.page_key)
    assert kb.page == SYMBOLS
    reachable |= set(kb.chars())
    for ch in kb.chars():  # each key shows its character («&» is not a mnemonic)
        qtbot.waitUntil(kb.key(ch).isVisible)
        assert kb.key(ch).text().replace("&&", "&") == ch
    press(qtbot, kb.page_key)
    assert set(string.ascii_lowercase + string.digits + string.punctuation) <= reachable
    press(qtbot, kb.caps_key)
    assert kb.caps_key.isChecked() and kb.key("q").text() == "Q"
    press(qtbot, kb.key("q"))
    assert kb.key("w").text() == "W"  # caps stays on
    press(qtbot, kb.caps_key)
    press(qtbot, kb.shift_key)
    assert kb.shift_key.isChecked() and kb.key("e").text() == "E"
    press(qtbot, kb.key("e"))
    assert not kb.shift_key.isChecked() and kb.key("e").text() == "e"  # shift is one-shot
    for key in kb.findChildren(QPushButton):
        if key.isVisible():
            assert key.width() >= 44 and key.height() >= 44, key.objectName()


def test_password_with_symbols_typed_on_screen_signs_in_R_ENT_1(kiosk: Kiosk, qtbot) -> None:
    """R-ENT-1, issue 16: a password holding ``!#$%*?,:()/`` typed on the on-screen keys
    only (login too, Enter on the keyboard) gets the SMS code, and the code signs in."""
    kiosk.env.portal.accounts["petrov@example.ru"] = FakeAccount(SYMBOL_PASSWORD, "subj-1")
    kiosk.window.start_sign_in()
    creds = kiosk.s.credentials
    kb = creds.keyboard
    type_keys(qtbot, kb, "petrov@example.ru")
    assert creds.login.text() == "petrov@example.ru"
    press(qtbot, kb.enter_key)  # Enter in the login moves to the password
    assert creds.password.hasFocus()
    type_keys(qtbot, kb, SYMBOL_PASSWORD)
    assert creds.password.text() == SYMBOL_PASSWORD
    press(qtbot, kb.enter_key)
    kiosk.settle()
    assert kiosk.name() == "code", creds.error.text()
    for digit in kiosk.env.sms.last_code():
        press(qtbot, kiosk.s.code.findChild(QWidget, f"pad_{digit}"))
    press(qtbot, kiosk.s.code.confirm)
    kiosk.settle()
    assert kiosk.name() == "picker"


def test_support_question_with_comma_and_question_mark_R_ACT_5(kiosk: Kiosk, qtbot) -> None:
    """R-ACT-5, issue 16: a Russian question with a comma and a question mark typed on the
    on-screen keys reaches the outbox as typed."""
    question = "Где анализ, который сдан вчера?"
    kiosk.s.welcome.help.click()
    support = kiosk.s.support
    support.findChild(QRadioButton, f"topic_{SupportTopic.RECORDS.value}").setChecked(True)
    support.text.setFocus()
    type_keys(qtbot, support.keyboard, question)
    assert support.text.toPlainText() == question
    support.contact.setFocus()
    type_keys(qtbot, support.keyboard, "+7 916 000-00-00")
    press(qtbot, support.send)
    kiosk.settle()
    msgs = list(kiosk.env.store.data.outbox.values())
    assert [m.text for m in msgs] == [question]
    assert msgs[0].contact == "+7 916 000-00-00"
