"""Format characters leave names and titles before masking (R-SHOW-1)."""

from __future__ import annotations

import unicodedata

from kiosk.domain.narrative import FORMAT_RANGES, strip_format_chars


def listed() -> set[int]:
    return {c for a, b in FORMAT_RANGES for c in range(a, b + 1)}


def test_every_format_character_of_this_pythons_unicode_is_listed() -> None:
    """The hard-coded ranges hold every Cf character this Python knows; what they hold
    beyond it is unassigned here (a later Unicode's format characters)."""
    known = {c for c in range(0x80, 0x110000) if unicodedata.category(chr(c)) == "Cf"}
    assert known <= listed()
    assert all(unicodedata.category(chr(c)) == "Cn" for c in listed() - known)


def test_format_characters_are_stripped_and_others_kept_r_show_1() -> None:
    mixed = "\u200bРим\u00adская\u202e \u2066Елена\u2069 \U000e0041"
    assert strip_format_chars(mixed) == "Римская Елена "
    assert strip_format_chars("Иван Петрович") == "Иван Петрович"
    assert strip_format_chars("plain ascii") == "plain ascii"
