"""Issue 15 item 3: kiosk mode comes back after the staff panel (R-KSK-4)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent

from tests.ui.conftest import PIN, Kiosk

pytestmark = pytest.mark.ui


def in_kiosk_mode(kiosk: Kiosk) -> bool:
    """What the next patient gets: frameless, on top, full screen, close refused."""
    w = kiosk.window
    event = QCloseEvent()
    w.closeEvent(event)
    return (bool(w.windowFlags() & Qt.WindowType.FramelessWindowHint)
            and bool(w.windowFlags() & Qt.WindowType.WindowStaysOnTopHint)
            and w.isFullScreen() and w.isVisible() and not event.isAccepted())


def leave_kiosk_from_panel(kiosk: Kiosk) -> None:
    kiosk.window.set_kiosk_mode(True)
    assert in_kiosk_mode(kiosk)
    kiosk.window.open_staff()
    staff = kiosk.s.staff
    staff.pin.setText(PIN)
    staff.submit_pin()
    kiosk.settle()
    assert staff.unlocked
    staff.leave.click()
    kiosk.settle()
    assert not kiosk.window.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert not kiosk.window.isFullScreen()


def close_panel(kiosk: Kiosk) -> None:
    kiosk.s.staff.close_button.click()


def panel_times_out(kiosk: Kiosk) -> None:
    kiosk.window.idle.trigger_warning()
    kiosk.window.idle.expire()


def language_then_close(kiosk: Kiosk) -> None:
    kiosk.s.staff.en.click()
    kiosk.settle()
    assert kiosk.name() == "staff"
    assert not kiosk.window.isFullScreen()  # the panel is still open: staff's choice holds
    kiosk.s.staff.close_button.click()


@pytest.mark.parametrize("end", [close_panel, panel_times_out, language_then_close],
                         ids=["closed", "timed_out", "language_then_closed"])
def test_r_ksk_4_kiosk_mode_restored_after_the_staff_panel(
        kiosk: Kiosk, end: Callable[[Kiosk], None]) -> None:
    """R-KSK-4: «Выйти из режима киоска» lasts only while the panel is open; when it is
    closed or times out, the next patient gets the frameless full-screen window that
    refuses to close."""
    leave_kiosk_from_panel(kiosk)
    end(kiosk)
    kiosk.settle()
    assert kiosk.name() == "welcome"
    assert in_kiosk_mode(kiosk)
    kiosk.window.set_kiosk_mode(False)


def test_r_ksk_4_a_patient_session_brings_kiosk_mode_back(kiosk: Kiosk) -> None:
    """R-KSK-4: a patient who starts signing in (from any way the panel was left) is in
    kiosk mode."""
    leave_kiosk_from_panel(kiosk)
    kiosk.window.start_sign_in()
    assert kiosk.name() == "credentials"
    assert in_kiosk_mode(kiosk)
    kiosk.window.set_kiosk_mode(False)
