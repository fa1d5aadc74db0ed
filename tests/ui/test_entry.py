"""Entry points for kiosk/cli.py: the self-test, start-up imports, the error hook."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from kiosk.ui.main import DemoPhone, install_error_handlers, self_test
from tests.ui.conftest import LOGIN, PASSWORD, Kiosk, make_env

pytestmark = pytest.mark.ui


def test_self_test_walks_the_path_and_exits_0(tmp_path, qapp) -> None:
    """The `kiosk --self-test` walk: sign-in → EMR → document → print-to-PDF → 0."""
    env = make_env(tmp_path)
    outbox = env.sms.sent
    assert self_test(lambda: env.services, [(LOGIN, PASSWORD, "adult")],
                     lambda: list(outbox)) == 0


def test_self_test_fails_with_wrong_password(tmp_path, qapp) -> None:
    env = make_env(tmp_path)
    assert self_test(lambda: env.services, [(LOGIN, "nope", "")], lambda: list(env.sms.sent),
                     ) == 1


def test_start_up_imports_no_sql_or_http() -> None:
    """Welcome paints before SQLAlchemy or requests are imported (PLATFORM.md)."""
    code = ("import sys, kiosk.ui.main, kiosk.ui.window; "
            "bad = [m for m in ('sqlalchemy', 'requests', 'kiosk.app') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_excepthook_shows_plain_message_R_KSK_5(kiosk: Kiosk) -> None:
    """R-KSK-5: an unexpected exception is logged; the screen shows a plain sentence."""
    old_hook, old_thread = sys.excepthook, threading.excepthook
    try:
        install_error_handlers(kiosk.window, qt_messages=False)
        try:
            raise ZeroDivisionError("Traceback-like secret detail")
        except ZeroDivisionError:
            sys.excepthook(*sys.exc_info())
        text = kiosk.window.overlay.text.text()
        assert "Что-то пошло не так" in text
        assert "ZeroDivision" not in text and "secret" not in text
    finally:
        sys.excepthook, threading.excepthook = old_hook, old_thread


def test_demo_phone_lists_accounts_and_codes(kiosk: Kiosk) -> None:
    phone = DemoPhone(kiosk.window, [(LOGIN, PASSWORD, "Взрослый и ребёнок")],
                      lambda: list(kiosk.env.sms.sent))
    try:
        kiosk.sign_in_to_code()
        phone.poll()

        from kiosk.ui.tasks import wait_for_tasks

        wait_for_tasks(phone._runner)
        assert kiosk.env.sms.last_code() in phone.sms.text()
    finally:
        phone.stop()
        phone.deleteLater()


def test_demo_phone_tap_fills_credentials(kiosk: Kiosk, qtbot) -> None:
    """The demo visitor taps a test account: login and password land in the form."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFrame

    phone = DemoPhone(kiosk.window, [(LOGIN, PASSWORD, "Взрослый и ребёнок")],
                      lambda: list(kiosk.env.sms.sent))
    try:
        card = phone.findChild(QFrame, "demoAccount")
        assert card is not None
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
        creds = kiosk.s.credentials
        assert creds.login.text() == LOGIN
        assert creds.password.text() == PASSWORD
    finally:
        phone.stop()
        phone.deleteLater()
