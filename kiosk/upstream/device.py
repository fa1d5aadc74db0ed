"""RFC 8628 Device Authorization Grant against the portal: QR sign-in from a phone.

Why: typing a portal password on public glass is both the slowest step of the path and
the easiest to watch over a shoulder, and RFC 9700 deprecates the password grant. With
this grant the kiosk shows a QR; the patient approves on their own phone, where the
portal authenticates them however it likes; the kiosk polls the token endpoint.

The two requests live here so that :mod:`kiosk.upstream.portal` keeps one small hook
per call; the ID token and userinfo after approval go through the portal's own
``_identity``, the code the password path uses.

The device code is a bearer secret until it lapses: it appears in request bodies only,
never in an error message (errors name the RFC error code, nothing else).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from kiosk.services.ports import (
    AccessDenied,
    AuthorizationPending,
    DeviceAuthorization,
    ExpiredToken,
    Malformed,
    Refused,
    SlowDown,
)
from kiosk.upstream.http import require_str

if TYPE_CHECKING:
    from kiosk.upstream.portal import OidcPortal, _Discovery

SERVICE = "portal"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
#: RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default."
DEFAULT_INTERVAL = 5
#: Bounds on what a server may ask: a QR that lives a day, or a poll every hour, is a bug.
MAX_EXPIRES_IN = 3600
MAX_INTERVAL = 60
_ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")
#: A user code is shown to the patient in large type: short, printable, no markup.
_USER_CODE = re.compile(r"^[A-Za-z0-9 -]{4,16}$")

_POLL_ERRORS: dict[str, type[Refused]] = {
    "authorization_pending": AuthorizationPending,
    "slow_down": SlowDown,
    "access_denied": AccessDenied,
    "expired_token": ExpiredToken,
}


def _auth(portal: OidcPortal) -> tuple[str, str]:
    # RFC 6749 §2.3.1: client id and secret are form-encoded before HTTP basic.
    return quote(portal.client_id, safe=""), quote(portal._client_secret, safe="")


def _web_uri(value: object, what: str) -> str:
    uri = require_str(value, SERVICE, what)
    if urlsplit(uri).scheme not in ("https", "http") or len(uri) > 512:
        raise Malformed(SERVICE, f"{what}: not a web address")
    return uri


def _bounded_int(value: object, default: int | None, low: int, high: int, what: str) -> int:
    if value is None and default is not None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value:
        raise Malformed(SERVICE, f"{what}: not a positive integer")
    return min(value, high)


def start(portal: OidcPortal, config: _Discovery) -> DeviceAuthorization:
    """RFC 8628 §3.1-3.2: ask for a device code and the user code shown beside the QR."""
    endpoint = config.device_authorization_endpoint
    if endpoint is None:
        raise Refused(SERVICE, "device authorization not offered")
    resp = portal.http.request(
        "POST", endpoint, "device authorization", data={"scope": "openid"}, auth=_auth(portal)
    )
    body = portal.http.decode_json(resp, "device authorization")
    if not isinstance(body, dict):
        raise Malformed(SERVICE, "device authorization: not an object")
    user_code = require_str(body.get("user_code"), SERVICE, "device.user_code")
    if not _USER_CODE.match(user_code):
        raise Malformed(SERVICE, "device.user_code: unexpected characters")
    complete = body.get("verification_uri_complete")
    return DeviceAuthorization(
        device_code=require_str(body.get("device_code"), SERVICE, "device.device_code"),
        user_code=user_code,
        verification_uri=_web_uri(body.get("verification_uri"), "device.verification_uri"),
        verification_uri_complete=None if complete is None
        else _web_uri(complete, "device.verification_uri_complete"),
        expires_in=_bounded_int(body.get("expires_in"), None, 1, MAX_EXPIRES_IN,
                                "device.expires_in"),
        interval=_bounded_int(body.get("interval"), DEFAULT_INTERVAL, 1, MAX_INTERVAL,
                              "device.interval"),
    )


def poll(portal: OidcPortal, config: _Discovery, device_code: str) -> tuple[str, str | None]:
    """RFC 8628 §3.4-3.5: one token request; (access token, ID token) once approved.

    The waiting answers raise the typed errors of :mod:`kiosk.services.ports`; the
    caller owns the pace (the interval, ``slow_down``) and the cancelling.
    """
    resp = portal.http.request(
        "POST",
        config.token_endpoint,
        "token",
        data={"grant_type": GRANT_TYPE, "device_code": device_code, "client_id":
              portal.client_id},
        auth=_auth(portal),
        accept_statuses=frozenset({400, 401}),
    )
    if resp.status in (400, 401):
        error = ""
        if resp.is_json():
            try:
                body = portal.http.decode_json(resp, "token")
            except Malformed:
                body = None
            if isinstance(body, dict) and isinstance(body.get("error"), str):
                error = body["error"]
        kind = _POLL_ERRORS.get(error)
        if kind is not None:
            raise kind(SERVICE, f"token: {error}")
        shown = error if _ERROR_CODE.match(error) else "unknown"
        raise Refused(SERVICE, f"token: HTTP {resp.status} ({shown})")
    return portal._token_answer(resp)
