"""Sign-in screens: wrong codes, lockout, expiry, upstream trouble, refusals."""

from __future__ import annotations

import pytest

from kiosk.services.ports import AccountLevel
from tests.fakes import FakeAccount
from tests.ui.conftest import Kiosk

pytestmark = pytest.mark.ui


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_wrong_code_shows_attempts_left_R_OTP_3(kiosk: Kiosk) -> None:
    """R-OTP-3: a wrong code says how many attempts are left."""
    kiosk.sign_in_to_code()
    kiosk.enter_code(wrong(kiosk.env.sms.last_code()))
    assert kiosk.name() == "code"
    assert kiosk.s.code.error.text() == "Неверный код. Осталось попыток: 4"


def test_typo_is_not_counted_R_OTP_6(kiosk: Kiosk) -> None:
    """R-OTP-6: five digits is a typo, not a wrong code."""
    kiosk.sign_in_to_code()
    kiosk.enter_code("12345")
    assert "6 цифр" in kiosk.s.code.error.text()
    kiosk.enter_code(wrong(kiosk.env.sms.last_code()))
    assert kiosk.s.code.error.text().endswith("4")


def test_five_wrong_codes_block_until_moscow_time_R_OTP_3_R_OTP_4(kiosk: Kiosk) -> None:
    """R-OTP-3/4: the fifth wrong code opens the blocked screen with Moscow date and time."""
    kiosk.sign_in_to_code()
    bad = wrong(kiosk.env.sms.last_code())
    for _ in range(5):
        kiosk.enter_code(bad)
    assert kiosk.name() == "blocked"
    # Blocked at 09:00 UTC on 27.11.2026 for 24 h → 28.11.2026 12:00 in Moscow.
    assert "28.11.2026 12:00" in kiosk.s.blocked.until.text()
    assert "московское" in kiosk.s.blocked.until.text()
    kiosk.s.blocked.ok.click()
    assert kiosk.name() == "welcome"
    kiosk.sign_in_to_code()  # a blocked account gets no new code
    assert kiosk.name() == "blocked"


def test_expired_code_returns_to_credentials_R_OTP_2(kiosk: Kiosk) -> None:
    """R-OTP-2: past 15 minutes the attempt ends; the patient starts from credentials."""
    kiosk.sign_in_to_code()
    kiosk.env.clock.advance(minutes=15, seconds=1)
    kiosk.enter_code(kiosk.env.sms.last_code())
    assert kiosk.name() == "credentials"
    assert "истекло" in kiosk.s.credentials.error.text()


def test_countdown_expiry_on_screen_R_OTP_2(kiosk: Kiosk) -> None:
    """R-OTP-2: the on-screen countdown reaching zero also goes back to credentials."""
    kiosk.sign_in_to_code()
    kiosk.env.clock.advance(minutes=14, seconds=30)
    kiosk.s.code.refresh()
    assert "0:30" in kiosk.s.code.countdown.text()
    kiosk.env.clock.advance(seconds=31)
    kiosk.s.code.refresh()
    assert kiosk.name() == "credentials"


def test_resend_cooldown_R_OTP_5(kiosk: Kiosk) -> None:
    """R-OTP-5: resend waits 60 s, then sends a new code that voids the old one."""
    kiosk.sign_in_to_code()
    code = kiosk.s.code
    assert not code.resend.isEnabled() and "1:00" in code.resend.text()
    first = kiosk.env.sms.last_code()
    kiosk.env.clock.advance(seconds=61)
    code.refresh()
    assert code.resend.isEnabled()
    code.resend.click()
    kiosk.settle()
    assert len(kiosk.env.sms.sent) == 2
    assert "Новый код отправлен" in code.error.text()
    if kiosk.env.sms.last_code() != first:
        kiosk.enter_code(first)
        assert kiosk.name() in {"code", "credentials"}


def test_portal_down_plain_message_R_KSK_5(kiosk: Kiosk) -> None:
    """R-KSK-5: portal down → a plain explanation and what to do, no traceback."""
    kiosk.env.portal.down = True
    kiosk.sign_in_to_code()
    assert kiosk.name() == "credentials"
    text = kiosk.s.credentials.error.text()
    assert "не отвечает" in text and "регистратур" in text
    assert "Traceback" not in text and "Unavailable" not in text


def test_sms_down_plain_message_R_KSK_5(kiosk: Kiosk) -> None:
    kiosk.env.sms.down = True
    kiosk.sign_in_to_code()
    assert "СМС" in kiosk.s.credentials.error.text()


def test_bad_credentials_and_bad_input(kiosk: Kiosk) -> None:
    """Bad input: refused with a plain message before anything is sent."""
    kiosk.sign_in_to_code(password="wrong")
    assert "Неверный логин или пароль" in kiosk.s.credentials.error.text()
    calls = kiosk.env.portal.calls
    kiosk.sign_in_to_code(login="<script>")
    assert "латинские буквы" in kiosk.s.credentials.error.text()
    assert kiosk.env.portal.calls == calls


def test_simplified_account_explains_how_to_raise_level_R_ENT_2(kiosk: Kiosk) -> None:
    """R-ENT-2: a plain explanation with a QR to the level help page."""
    kiosk.env.portal.accounts["simple@example.ru"] = FakeAccount(
        "pw", "subj-9", AccountLevel.SIMPLIFIED)
    kiosk.sign_in_to_code("simple@example.ru", "pw")
    overlay = kiosk.window.overlay
    assert overlay.isVisible() and "упрощённая" in overlay.text.text()
    assert overlay.qr.payload == kiosk.env.config.portal.level_help_url


def test_no_grants_explains_how_to_request_access_R_ENT_3(kiosk: Kiosk) -> None:
    """R-ENT-3: no grant → how to request access, with the access request QR."""
    kiosk.env.portal.accounts["nogrants@example.ru"] = FakeAccount("pw", "subj-8")
    kiosk.sign_in_to_code("nogrants@example.ru", "pw")
    overlay = kiosk.window.overlay
    assert "заявку на доступ" in overlay.text.text()
    assert overlay.qr.payload == kiosk.env.config.portal.access_request_url
