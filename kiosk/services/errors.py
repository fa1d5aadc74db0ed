"""Typed outcomes the UI turns into plain messages. None of them carries a secret."""

from __future__ import annotations

from datetime import datetime

from kiosk.domain.credentials import InvalidInput
from kiosk.domain.otp import SendRefusal

__all__ = [
    "AccessEnded",
    "AccountBlocked",
    "BadCredentials",
    "CodeExpired",
    "CodeTypo",
    "DeviceCancelled",
    "DeviceDenied",
    "DeviceExpired",
    "InvalidInput",
    "KioskError",
    "NoAccessLeft",
    "NoGrants",
    "NotFound",
    "PinLocked",
    "PinWrong",
    "PrinterError",
    "ResendRefused",
    "ServiceUnavailable",
    "SimplifiedAccount",
    "WrongCode",
]


class KioskError(Exception):
    """Base of every error a screen may show. ``str()`` is for logs, not for patients."""


class ServiceUnavailable(KioskError):
    """An upstream (``portal``, ``registry``, ``sms``, ``emr``) or the store is down."""

    def __init__(self, service: str) -> None:
        super().__init__(f"{service} unavailable")
        self.service = service


class BadCredentials(KioskError):
    """The portal refused the login and password."""


class SimplifiedAccount(KioskError):
    """R-ENT-2: the account's level is too low; the patient must raise it on the portal."""


class NoGrants(KioskError):
    """R-ENT-3: the user holds no valid grant; the patient must request access."""


class AccountBlocked(KioskError):
    """R-OTP-3/4: too many wrong codes; sign-in is blocked until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__("account blocked")
        self.until = until


class CodeTypo(KioskError):
    """R-OTP-6: not six ASCII digits; not counted."""


class WrongCode(KioskError):
    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"wrong code, {attempts_left} left")
        self.attempts_left = attempts_left


class CodeExpired(KioskError):
    """R-OTP-2: the code's 15 minutes passed (or a newer code replaced it); start again."""


class DeviceDenied(KioskError):
    """QR sign-in: the patient refused the sign-in on the phone (``access_denied``)."""


class DeviceExpired(KioskError):
    """QR sign-in: the QR code's time ran out before approval (``expired_token``)."""


class DeviceCancelled(KioskError):
    """QR sign-in: cancelled on the kiosk (the button, idle timeout, sign-out)."""


class ResendRefused(KioskError):
    def __init__(self, reason: SendRefusal, retry_at: datetime | None) -> None:
        super().__init__(f"resend refused: {reason}")
        self.reason = reason
        self.retry_at = retry_at


class AccessEnded(KioskError):
    """R-ACC-2/3: this EMR is no longer granted; back to the picker."""

    def __init__(self, emr_id: str) -> None:
        super().__init__("access to this record ended")
        self.emr_id = emr_id


class NoAccessLeft(KioskError):
    """R-ACC-2: no grant is left at all; the user is signed out."""


class NotFound(KioskError):
    """The document is not in the cache (or not visible under the order's rules)."""


class PinWrong(KioskError):
    def __init__(self, attempts_left: int) -> None:
        super().__init__("wrong staff PIN")
        self.attempts_left = attempts_left


class PinLocked(KioskError):
    def __init__(self, until: datetime) -> None:
        super().__init__("staff panel locked")
        self.until = until


class PrinterError(KioskError):
    """No printer, or it failed; the patient gets a plain message."""
