"""Mid-session rules: stale data, grant changes, the child's birthday, switching, idle."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from tests.ui.conftest import Kiosk, clipboard_text, make_env, visible_texts

pytestmark = pytest.mark.ui


def test_emr_source_down_shows_data_as_of_R_SHOW_6(kiosk: Kiosk) -> None:
    """R-SHOW-6, R-KSK-5: the sign-in refresh fails → cached data with «Данные на …»."""
    kiosk.env.source.down = True
    kiosk.sign_in()
    kiosk.settle()
    kiosk.open_emr("emr-1")
    stale = kiosk.s.emr.stale
    assert stale.isVisibleTo(kiosk.window)
    # Last good sync 26.11.2026 18:15 UTC = 21:15 Moscow.
    assert stale.text().startswith("Данные на 26.11.2026 21:15")
    assert kiosk.s.emr.models  # the cached lists still show


def test_fresh_data_has_no_data_as_of_R_SYNC_2(kiosk: Kiosk) -> None:
    kiosk.sign_in()
    kiosk.settle()
    kiosk.open_emr("emr-1")
    assert not kiosk.s.emr.stale.isVisibleTo(kiosk.window)


def test_child_access_notice_within_30_days_R_ACC_1(kiosk: Kiosk) -> None:
    """R-ACC-1: the child's card warns that access ends on the 15th birthday."""
    kiosk.sign_in()
    kiosk.settle()
    notices = [w.text() for w in kiosk.s.picker.findChildren(QLabel, "accessEnds")]
    assert notices == ["Доступ к карте закончится 10.12.2026, когда ребёнку исполнится 15 лет"]


def test_no_notice_when_birthday_is_far(tmp_path, qtbot) -> None:
    env = make_env(tmp_path)
    env.clock.set(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    k = Kiosk(env, qtbot)
    try:
        k.sign_in()
        k.settle()
        assert not k.s.picker.findChildren(QLabel, "accessEnds")
    finally:
        k.window.shutdown()


def test_switch_emr_at_any_time_R_ACT_1_R_ENT_5(kiosk: Kiosk) -> None:
    """R-ENT-5, R-ACT-1: from one EMR back to the picker and into the other."""
    kiosk.sign_in()
    kiosk.open_emr("emr-1")
    assert kiosk.s.emr.title.text() == "Иван Петрович С."
    kiosk.s.emr.switch.click()
    kiosk.settle()
    assert kiosk.name() == "picker"
    kiosk.open_emr("emr-2")
    assert kiosk.s.emr.title.text() == "Анна Ивановна С."


def test_grant_revoked_mid_session_back_to_picker_R_ACC_2(kiosk: Kiosk) -> None:
    """R-ACC-2: a revoked grant closes that EMR with a message; back to the picker."""
    kiosk.sign_in()
    kiosk.open_emr("emr-2")
    grants = kiosk.env.registry.grants["subj-1"]
    kiosk.env.registry.grants["subj-1"] = [g for g in grants if g.emr_id != "emr-2"]
    kiosk.env.clock.advance(seconds=6)  # beyond grants_max_age: the registry is re-read
    kiosk.window.open_document("d-3")
    kiosk.settle()
    kiosk.settle()
    assert kiosk.name() == "picker"
    assert "закончился" in kiosk.s.picker.message.text()
    ids = [c.emr_id for c in kiosk.s.picker.findChildren(QWidget, "emrCard")]
    assert ids == ["emr-1"]


def test_fifteenth_birthday_mid_session_R_ACC_3(kiosk: Kiosk) -> None:
    """R-ACC-3: the child turns 15 while the EMR is open → back to the picker."""
    kiosk.sign_in()
    kiosk.open_emr("emr-2")
    kiosk.env.clock.set(datetime(2026, 12, 9, 21, 0, tzinfo=UTC))  # 10.12 00:00 Moscow
    kiosk.window.open_document("d-3")
    kiosk.settle()
    kiosk.settle()
    assert kiosk.name() == "picker"
    assert [c.emr_id for c in kiosk.s.picker.findChildren(QWidget, "emrCard")] == ["emr-1"]


def test_no_access_left_signs_out_R_ACC_2(kiosk: Kiosk) -> None:
    """R-ACC-2: when no grant is left at all the user is signed out with a message."""
    kiosk.sign_in()
    kiosk.open_emr("emr-1")
    kiosk.env.registry.grants["subj-1"] = []
    kiosk.env.clock.advance(seconds=6)
    kiosk.window.open_document("d-1")
    kiosk.settle()
    assert kiosk.name() == "welcome"
    assert kiosk.window.overlay.isVisible()
    assert "сеанс завершён" in kiosk.window.overlay.text.text()
    assert kiosk.ctx.state.session is None


def _touch(widget: QWidget) -> None:
    pos = QPointF(5, 5)
    QApplication.sendEvent(widget, QMouseEvent(
        QEvent.Type.MouseButtonPress, pos, widget.mapToGlobal(pos), Qt.MouseButton.LeftButton,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))


def test_idle_warning_touch_extends_R_KSK_1(kiosk: Kiosk) -> None:
    """R-KSK-1: the warning counts down; any touch extends the session."""
    kiosk.sign_in()
    kiosk.open_emr("emr-1")
    idle = kiosk.window.idle
    assert idle.active
    idle.trigger_warning()
    assert kiosk.window.overlay.isVisible()
    assert "0:30" in kiosk.window.overlay.text.text()
    _touch(kiosk.s.emr)
    assert not kiosk.window.overlay.isVisible()
    assert kiosk.name() == "emr" and idle.active and not idle.warning_shown


def test_idle_timeout_signs_out_and_wipes_R_KSK_1_R_KSK_2(tmp_path, qtbot) -> None:
    """R-KSK-1/2: with real (short) timers, no input → warning → sign-out; no patient
    string left in any widget, the clipboard is empty."""
    env = make_env(tmp_path, idle_timeout_s=1, idle_warning_s=1)
    k = Kiosk(env, qtbot)
    try:
        k.sign_in()
        k.open_emr("emr-2")
        k.window.open_document("d-3")
        k.settle()
        QApplication.clipboard().setText("Гемоглобин 135")
        assert any("Анна Ивановна" in t for t in visible_texts())
        with qtbot.waitSignal(k.window.idle.warning, timeout=3000):
            pass
        with qtbot.waitSignal(k.window.signed_out, timeout=4000):
            pass
        assert k.name() == "welcome"
        qtbot.waitUntil(lambda: not [t for t in visible_texts()
                                     if "Анна" in t or "Иван" in t or "Гемоглобин" in t])
        assert clipboard_text() == ""
        assert not k.window.idle.active  # Welcome has nothing to time out
    finally:
        k.window.shutdown()


def test_sign_out_ignores_late_results_R_KSK_2(kiosk: Kiosk) -> None:
    """R-KSK-2: a result landing after sign-out paints nothing."""
    kiosk.sign_in()
    kiosk.window.open_emr("emr-1")  # in flight
    kiosk.window.sign_out()
    kiosk.settle()
    assert kiosk.name() == "welcome"
    assert not [t for t in visible_texts() if "Иван" in t]


def test_document_header_names_its_kind_in_the_singular_R_SHOW_5(kiosk: Kiosk) -> None:
    """R-SHOW-5: an opened document shows its kind, date and time (Moscow) and source."""
    kiosk.sign_in()
    kiosk.open_emr("emr-2")
    kiosk.window.open_document("d-3")
    kiosk.settle()
    meta = kiosk.s.document.meta.text()
    assert meta.startswith("Лабораторное исследование · 01.10.2026 09:30")
    assert "ГП № 1" in meta
