"""Login and password input checks, before anything is sent anywhere (bad-input rules)."""

from __future__ import annotations

import re
import unicodedata

MAX_LEN = 256
# Portal logins are e-mail addresses, phone numbers or SNILS-style ids.
_LOGIN_CHARS = re.compile(r"^[A-Za-z0-9._@+\-]+$")


class InvalidInput(ValueError):
    """A plain-language reason the input was refused; safe to show the patient."""


def _has_control_or_bidi(text: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in text)


def validate_login(raw: str) -> str:
    login = raw.strip()
    if not login:
        raise InvalidInput("Введите логин.")
    if len(login) > MAX_LEN:
        raise InvalidInput("Логин слишком длинный.")
    if _has_control_or_bidi(login) or not _LOGIN_CHARS.match(login):
        raise InvalidInput(
            "Логин может содержать латинские буквы, цифры и знаки . _ @ + -"
        )
    return login


def validate_password(raw: str) -> str:
    if not raw:
        raise InvalidInput("Введите пароль.")
    if len(raw) > MAX_LEN:
        raise InvalidInput("Пароль слишком длинный.")
    if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in raw):
        raise InvalidInput("Пароль содержит недопустимые символы.")
    return raw
