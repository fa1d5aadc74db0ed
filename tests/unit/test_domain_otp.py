"""Code generation, hashing and format (R-OTP-1, R-OTP-6)."""

from __future__ import annotations

import pytest

from kiosk.domain import otp


def test_r_otp_1_six_digits_from_csprng() -> None:
    """R-OTP-1: six ASCII digits, and not the same code every time."""
    codes = {otp.generate_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isascii() and c.isdigit() for c in codes)
    assert len(codes) > 150


def test_r_otp_1_stored_only_as_keyed_hash() -> None:
    """R-OTP-1: the hash depends on the key, and the code is not in it."""
    h1 = otp.hash_code(b"k" * 32, "sub", "n1", "123456")
    h2 = otp.hash_code(b"x" * 32, "sub", "n1", "123456")
    assert h1 != h2 and "123456" not in h1
    assert otp.code_matches(b"k" * 32, "sub", "n1", "123456", h1)
    assert not otp.code_matches(b"k" * 32, "sub", "n1", "123457", h1)


@pytest.mark.parametrize(
    "entered", ["12345", "1234567", "12 456", "abcdef", "１２３４５６", "١٢٣٤٥٦", "", " 123456"]
)
def test_r_otp_6_malformed_codes(entered: str) -> None:
    """R-OTP-6: letters, spaces, 5 or 7 digits, full-width or Arabic digits are typos."""
    assert not otp.is_well_formed(entered)


def test_r_otp_6_well_formed() -> None:
    assert otp.is_well_formed("012345")
