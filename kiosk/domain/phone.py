"""Phone numbers from grant requests: normalised and masked (R-ENT-4)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d")


class InvalidPhone(ValueError):
    pass


def normalize_ru_phone(raw: str) -> str:
    """``+7XXXXXXXXXX`` from the usual Russian spellings; anything else is refused.

    Only mobile-style ``+7 9xx`` numbers get SMS; ``+7 7xx`` is Kazakhstan.
    """
    digits = "".join(_DIGITS.findall(raw))
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10 or digits[0] != "9":
        raise InvalidPhone("not a Russian mobile number")
    return "+7" + digits


def mask_phone(phone: str) -> str:
    """``+7 *** ***-**-67``: enough for the user to recognise their own number."""
    digits = "".join(_DIGITS.findall(phone))
    return f"+7 *** ***-**-{digits[-2:]}" if len(digits) >= 2 else "+7 *** ***-**-**"
