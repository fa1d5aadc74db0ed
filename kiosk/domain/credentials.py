"""Login and password input checks, before anything is sent anywhere (bad-input rules),
and the one normalisation of a login (issue 15 item 9).

Each login rule stands alone (issue 15 item 10): blank, too long, control or invisible
characters, markup, SQL punctuation, characters a portal login never has. A refusal
names its rule (``InvalidInput.rule``), so a test can prove each rule by itself; the
patient sees a plain sentence (the last four share one: what a login may contain).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

MAX_LEN = 256
# Portal logins are e-mail addresses, phone numbers or SNILS-style ids.
_LOGIN_CHARS = re.compile(r"^[A-Za-z0-9._@+\-]+$")
_CHARSET_MESSAGE = "Логин может содержать латинские буквы, цифры и знаки . _ @ + -"
#: Unicode categories no login has: controls, format (bidi overrides, zero-width),
#: surrogates, private use, unassigned, line and paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_MARKUP = frozenset("<>&")
_SQL = frozenset("'\";=`\\")


class InvalidInput(ValueError):
    """A plain-language reason the input was refused; safe to show the patient.

    ``rule``: which rule refused it (``blank``, ``length``, ``control``, ``markup``,
    ``sql``, ``charset``; empty for other inputs).
    """

    def __init__(self, message: str, rule: str = "") -> None:
        super().__init__(message)
        self.rule = rule


def _has_control_or_bidi(text: str) -> bool:
    return any(unicodedata.category(ch) in _INVISIBLE for ch in text)


#: The login rules in the order they are applied: (name, refuses, message). Each one is
#: complete by itself: removing any other rule does not change what it refuses.
LOGIN_RULES: tuple[tuple[str, Callable[[str], bool], str], ...] = (
    ("blank", lambda s: not s.strip(), "Введите логин."),
    ("length", lambda s: len(s.strip()) > MAX_LEN, "Логин слишком длинный."),
    ("control", _has_control_or_bidi, _CHARSET_MESSAGE),
    ("markup", lambda s: any(ch in _MARKUP for ch in s), _CHARSET_MESSAGE),
    ("sql", lambda s: any(ch in _SQL for ch in s) or "--" in s or "/*" in s,
     _CHARSET_MESSAGE),
    ("charset", lambda s: not _LOGIN_CHARS.match(s.strip()), _CHARSET_MESSAGE),
)


def validate_login(raw: str) -> str:
    """The login as typed, without surrounding spaces; ``InvalidInput`` (with its rule)
    when any rule refuses it. Nothing is sent anywhere before this passes."""
    for name, refuses, message in LOGIN_RULES:
        if refuses(raw):
            raise InvalidInput(message, name)
    return raw.strip()


_PHONE_SEPARATORS = re.compile(r"[-.]")


def normalize_login(login: str) -> str:
    """One spelling per portal account, the way the portal matches logins: an e-mail
    address in lower case, a Russian phone number in E.164 (``+7XXXXXXXXXX`` from
    ``+7…``, ``8…``, ``7…`` or ten digits), anything else (a SNILS, a user name) lower
    case without surrounding spaces. Sign-in, lockout and the staff lookup all key a
    login by this form (issue 15 item 9): ``+7 916…`` and ``8 916…`` are one login.
    """
    login = login.strip()
    if "@" in login:
        return login.lower()
    digits = _PHONE_SEPARATORS.sub("", login)
    if digits.startswith("+7") and len(digits) == 12 and digits[2:].isdigit():
        return digits
    if digits.isdigit():
        if len(digits) == 11 and digits[0] in "78" and digits[1] == "9":
            return "+7" + digits[1:]
        if len(digits) == 10 and digits[0] == "9":
            return "+7" + digits
    return login.lower()


def validate_password(raw: str) -> str:
    if not raw:
        raise InvalidInput("Введите пароль.")
    if len(raw) > MAX_LEN:
        raise InvalidInput("Пароль слишком длинный.")
    if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in raw):
        raise InvalidInput("Пароль содержит недопустимые символы.")
    return raw
