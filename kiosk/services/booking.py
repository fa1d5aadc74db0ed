"""«Запись к врачу»: the QR that hands the patient over to the portal (R-ACT-4)."""

from __future__ import annotations

from urllib.parse import urlsplit

BOOKING_HINT_RU = (
    "Наведите камеру телефона на QR-код, чтобы открыть запись к врачу на портале mos.ru."
)


class BadUrl(ValueError):
    pass


def qr_payload(url: str) -> str:
    """The configured URL as is: https, no query or fragment, so no personal data rides along."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise BadUrl("the booking URL must be an https address")
    if parts.query or parts.fragment or parts.username:
        raise BadUrl("the booking URL must not carry a query, fragment or credentials")
    return url


def short_address(url: str) -> str:
    """The address as a person types it: no scheme, no «www.», no trailing slash
    (``mos.ru/services/zapis-k-vrachu``) — for a patient without a smartphone (issue 16)."""
    parts = urlsplit(qr_payload(url))
    host = (parts.hostname or "").removeprefix("www.")
    return host + parts.path.rstrip("/")
