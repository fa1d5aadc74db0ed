"""The unhappy paths said plainly (issue 16, R-OTP-3/4, R-ACT-5): the last code attempt
says what a block means before it happens, the blocked screen leads to the support form
and says when sign-in reopens, and a support request gets a number a person can read out."""

from __future__ import annotations

import re

import pytest

from kiosk.domain.tickets import is_valid
from kiosk.services.ports import SupportTopic
from tests.ui.conftest import Kiosk

pytestmark = pytest.mark.ui


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_last_attempt_warns_what_a_block_means_R_OTP_3(kiosk: Kiosk) -> None:
    """R-OTP-3: after the fourth wrong code the screen says this is the last attempt and
    that a miss blocks sign-in for 24 hours; earlier misses only count down."""
    kiosk.sign_in_to_code()
    bad = wrong(kiosk.env.sms.last_code())
    for left in (4, 3, 2):
        kiosk.enter_code(bad)
        assert kiosk.s.code.error.text() == f"Неверный код. Осталось попыток: {left}"
    kiosk.enter_code(bad)
    text = kiosk.s.code.error.text()
    assert "последняя попытка" in text and "заблокирован на 24 ч" in text
    assert kiosk.name() == "code"


def test_blocked_screen_offers_support_and_reopening_time_R_OTP_4(kiosk: Kiosk, qtbot) -> None:
    """R-OTP-4: the blocked screen says when sign-in reopens (Moscow time), its default
    focus is «На главную», and «Написать в поддержку» opens the form on the access topic;
    the request's number is short, checked and shown on the confirmation."""
    kiosk.sign_in_to_code()
    bad = wrong(kiosk.env.sms.last_code())
    for _ in range(5):
        kiosk.enter_code(bad)
    assert kiosk.name() == "blocked"
    blocked = kiosk.s.blocked
    assert "28.11.2026 12:00" in blocked.until.text() and "московское" in blocked.until.text()
    assert blocked.ok.hasFocus()
    blocked.write.click()
    assert kiosk.name() == "support"
    support = kiosk.s.support
    assert support.topic() is SupportTopic.ACCESS
    support.text.setPlainText("Код вводил не я")
    support.send.click()
    kiosk.settle()
    [number] = kiosk.env.store.data.outbox
    assert re.fullmatch(r"К-\d{4}-\d", number) and is_valid(number)
    assert support.number.text() == number and support.number.isVisible()
    assert number in support.confirmation.text() and "ДИТ" in support.confirmation.text()
    support.done_button.click()
    assert kiosk.name() == "blocked"


def test_default_focus_is_the_forward_action_never_sign_out(kiosk: Kiosk) -> None:
    """Issue 16: Enter on a physical keyboard must not sign out or switch the card: each
    screen's default focus is its forward action, never a header button."""
    from PySide6.QtWidgets import QApplication

    def focused() -> str:
        widget = QApplication.focusWidget()
        assert widget is not None and not widget.property("header"), widget
        return widget.objectName()

    w = kiosk.window
    w.activateWindow()
    w.sign_out()
    assert focused() == "signIn"
    kiosk.sign_in_to_code()
    assert focused() == "code"
    kiosk.enter_code(kiosk.env.sms.last_code())
    kiosk.settle()
    assert kiosk.name() == "picker" and focused() == "openEmr"
    kiosk.open_emr("emr-2")
    assert kiosk.name() == "emr" and focused().startswith("list_")
    w.open_document("d-3")
    kiosk.settle()
    assert focused() == "printDocument"
    kiosk.s.document.back_button.click()
    assert focused().startswith("list_")
    kiosk.s.emr.help.click()
    assert focused() == "supportText"
