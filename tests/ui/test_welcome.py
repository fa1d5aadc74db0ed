"""The Welcome screen (R-ENT-6)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from tests.ui.conftest import Kiosk, visible_texts

pytestmark = pytest.mark.ui


def test_welcome_says_access_is_free_and_needs_no_consent_R_ENT_6(kiosk: Kiosk) -> None:
    """R-ENT-6: the Welcome screen says access is free and no new consent is needed,
    and nothing on the patient's path asks for payment or a consent."""
    assert kiosk.name() == "welcome"
    notice = kiosk.s.welcome.findChild(QLabel, "freeNotice")
    assert notice is not None
    assert notice.isVisibleTo(kiosk.window)
    assert "бесплатно" in notice.text()
    assert "согласие не нужно" in notice.text()
    kiosk.sign_in()
    texts = " ".join(visible_texts()).lower()
    for word in ("оплат", "стоимость", "подпишите согласие", "payment"):
        assert word not in texts
