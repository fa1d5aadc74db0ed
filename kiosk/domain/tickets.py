"""Support request numbers a patient can read out on the phone: ``К-4821-7``.

Four digits (more only when the short ones run out) and a Damm check digit, which
catches every single wrong digit and every swap of two neighbours, so an operator who
is told «К-4812-7» instead of «К-4821-7» knows at once that the number is misheard
(issue 16; a 16-hex-digit id could not be remembered). Uniqueness is the caller's:
:func:`new_number` is given the test for «already taken».
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

PREFIX = "К"  # Cyrillic Ka: «обращение»
SHORT = 4
#: How many random draws of one length are tried before a longer number is drawn.
TRIES_PER_LENGTH = 20

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
_FORMAT = re.compile(rf"^{PREFIX}-(\d{{{SHORT},}})-(\d)$")


def damm(digits: str) -> int:
    """The Damm check digit of ``digits`` (0 for a string that already ends with it)."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


def format_number(digits: str) -> str:
    return f"{PREFIX}-{digits}-{damm(digits)}"


def is_valid(number: str) -> bool:
    """Whether ``number`` is well formed and its check digit matches."""
    found = _FORMAT.match(number.strip().upper().replace("K", PREFIX))
    return found is not None and damm(found.group(1) + found.group(2)) == 0


def new_number(taken: Callable[[str], bool],
               draw: Callable[[int], int] = secrets.randbelow) -> str:
    """A number for which ``taken`` is false: four digits while they last, then five…"""
    length = SHORT
    while True:
        for _ in range(TRIES_PER_LENGTH):
            candidate = format_number(f"{draw(10 ** length):0{length}d}")
            if not taken(candidate):
                return candidate
        length += 1
