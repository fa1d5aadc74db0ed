"""Booking without a smartphone (issue 16, R-ACT-4): beside the QR, the portal's address
in a short form a patient can copy down."""

from __future__ import annotations

import pytest

from kiosk.services.booking import BadUrl, short_address
from tests.ui.conftest import Kiosk

pytestmark = pytest.mark.ui


def test_short_address_drops_scheme_www_and_trailing_slash() -> None:
    assert short_address("https://www.mos.ru/services/zapis-k-vrachu/") == \
        "mos.ru/services/zapis-k-vrachu"
    assert short_address("https://emias.info") == "emias.info"
    with pytest.raises(BadUrl):
        short_address("https://mos.ru/x?token=1")  # never shows what the QR may not hold


def test_booking_screen_shows_the_address_beside_the_qr_R_ACT_4(kiosk: Kiosk) -> None:
    kiosk.s.welcome.book.click()
    booking = kiosk.s.booking
    assert booking.address.isVisible()
    assert booking.address.text() == "mos.ru/services/zapis-k-vrachu"
    assert booking.qr.payload == kiosk.env.config.portal.booking_url
