"""Support request numbers (issue 16, R-ACT-5): short, human, unique, with a check digit."""

from __future__ import annotations

import itertools

from kiosk.domain.tickets import damm, format_number, is_valid, new_number


def test_number_is_short_and_checked() -> None:
    number = format_number("4821")
    assert number.startswith("К-4821-") and len(number) == 8 and is_valid(number)


def test_check_digit_catches_any_one_wrong_digit_and_any_swap() -> None:
    """A misheard digit or two swapped neighbours never pass as another valid number."""
    for digits in ("4821", "0000", "9071"):
        good = digits + str(damm(digits))
        for i, d in itertools.product(range(5), "0123456789"):
            typo = good[:i] + d + good[i + 1:]
            assert (damm(typo) == 0) == (typo == good)
        for i in range(4):
            swapped = good[:i] + good[i + 1] + good[i] + good[i + 2:]
            assert swapped == good or damm(swapped) != 0


def test_taken_numbers_are_skipped_and_longer_ones_drawn_when_short_run_out() -> None:
    """Unique: a taken number is never returned; with every 4-digit number taken the next
    is five digits."""
    draws = iter([1234, 1234, 5678])
    taken = {format_number("1234")}
    assert new_number(taken.__contains__, lambda _n: next(draws)) == format_number("5678")
    assert len(new_number(lambda n: len(n) == 8)) == 9
