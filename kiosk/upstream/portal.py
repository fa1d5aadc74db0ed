"""The city portal's identity provider: OpenID Connect, resource-owner password grant.

Why this flow: the kiosk is a confidential client at a clinic terminal; the patient
types the portal login and password into the kiosk, which hands them to the portal
once and keeps neither (R-ENT-1): they live in this call's locals and the request
body only, and no error message, log line or attribute of this object holds them.

PyJWT checks the ID token (signature against the provider's JWKS, issuer, audience,
expiry) because hand-rolled JWT checks are where OIDC clients usually go wrong; the
token response must carry an ID token, and an ID token for several audiences must name
this kiosk as its authorized party (``azp``, OIDC Core 3.1.3.7 points 3-5): a token
response without one, or a token minted for another client that merely lists us, would
otherwise let userinfo alone decide who signed in (issue 15 item 7). The
JWKS is fetched with our own session so that timeouts, the body cap and typed errors
apply to it too (PyJWT's ``PyJWKClient`` uses urllib with none of that).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from kiosk.services.ports import (
    AccountLevel,
    DeviceAuthorization,
    Malformed,
    PortalIdentity,
    Refused,
    WrongCredentials,
)
from kiosk.upstream import device
from kiosk.upstream.http import (
    HttpClient,
    HttpResponse,
    TimeoutSpec,
    require_str,
    same_origin,
)

if TYPE_CHECKING:
    import jwt

SERVICE = "portal"
#: The userinfo claim carrying the account level (simplified | standard | full).
LEVEL_CLAIM = "account_level"
ID_TOKEN_ALGORITHMS = ["RS256"]
#: Clock skew tolerated between the kiosk and the portal when checking exp/iat.
LEEWAY_SECONDS = 60
_ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")


def _pyjwt() -> ModuleType:
    """PyJWT, imported when an ID token is first checked (or at ``OidcPortal.prepare``):
    with ``cryptography`` it is ~70–90 ms of CPU that the kiosk's start does not need
    (issue 18, ``ready_ms``)."""
    import jwt

    return jwt


@dataclass(frozen=True, slots=True)
class _Discovery:
    issuer: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    device_authorization_endpoint: str | None = None  # RFC 8628: QR sign-in offered


class OidcPortal:
    """``Portal`` over OIDC. One instance per kiosk; calls are serialised by a lock."""

    def __init__(
        self, issuer_url: str, client_id: str, client_secret: str, timeout: TimeoutSpec
    ) -> None:
        self.issuer_url = issuer_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.http = HttpClient(SERVICE, timeout)
        self._lock = threading.Lock()
        self._discovery: _Discovery | None = None
        self._keys: dict[str, jwt.PyJWK] = {}

    def close(self) -> None:
        self.http.close()

    def prepare(self) -> None:
        """Import what a sign-in's requests need — the HTTP transport, and for checking
        an ID token ``_pyjwt`` — now, not in a sign-in's request: the kiosk calls this
        when a patient begins to sign in, while they type."""
        self.http.prepare()
        _pyjwt()

    def __enter__(self) -> OidcPortal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ Portal

    def ping(self) -> None:
        with self._lock:
            self._discovery = self._fetch_discovery()

    # RFC 8628 Device Authorization Grant (QR sign-in): kiosk/upstream/device.py.

    def device_offered(self) -> bool:
        with self._lock:
            return self._discover().device_authorization_endpoint is not None

    def start_device(self) -> DeviceAuthorization:
        with self._lock:
            return device.start(self, self._discover())

    def poll_device(self, device_code: str) -> PortalIdentity:
        """One poll. The lock is held for this request only, never across the wait."""
        with self._lock:
            config = self._discover()
            access_token, id_token = device.poll(self, config, device_code)
            return self._identity(config, access_token, id_token)

    def authenticate(self, login: str, password: str) -> PortalIdentity:
        with self._lock:
            config = self._discover()
            access_token, id_token = self._token(config, login, password)
            return self._identity(config, access_token, id_token)

    def _identity(self, config: _Discovery, access_token: str, id_token: str | None
                  ) -> PortalIdentity:
        """ID token check + userinfo: the same for the password and the device grant."""
        if not id_token:  # issue 15 item 7: userinfo alone never decides who signed in
            raise Refused(SERVICE, "token: no ID token (scope openid was asked for)")
        id_subject = self._verify_id_token(config, id_token)
        info = self.http.get_json(
            config.userinfo_endpoint,
            "userinfo",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        if not isinstance(info, dict):
            raise Malformed(SERVICE, "userinfo: not an object")
        subject = require_str(info.get("sub"), SERVICE, "userinfo.sub")
        if id_subject != subject:
            raise Refused(SERVICE, "userinfo subject differs from the ID token's")
        level = info.get(LEVEL_CLAIM)
        try:
            account_level = AccountLevel(level) if isinstance(level, str) else None
        except ValueError:
            account_level = None
        if account_level is None:
            raise Malformed(SERVICE, f"userinfo: missing or unknown {LEVEL_CLAIM}")
        return PortalIdentity(subject=subject, level=account_level)

    # ------------------------------------------------------------------ steps

    def _token(self, config: _Discovery, login: str, password: str) -> tuple[str, str]:
        # RFC 6749 §2.3.1: client id and secret are form-encoded before HTTP basic.
        auth = (quote(self.client_id, safe=""), quote(self._client_secret, safe=""))
        resp = self.http.request(
            "POST",
            config.token_endpoint,
            "token",
            data={"grant_type": "password", "username": login, "password": password,
                  "scope": "openid"},
            auth=auth,
            accept_statuses=frozenset({400, 401}),
        )
        if resp.status in (400, 401):
            error = ""
            if resp.is_json():
                try:
                    body = self.http.decode_json(resp, "token")
                except Malformed:
                    body = None
                if isinstance(body, dict) and isinstance(body.get("error"), str):
                    error = body["error"]
            if error in ("invalid_grant", "invalid_request"):
                raise WrongCredentials(SERVICE, "wrong login or password")
            shown = error if _ERROR_CODE.match(error) else "unknown"
            raise Refused(SERVICE, f"token: HTTP {resp.status} ({shown})")
        return self._token_answer(resp)

    def _token_answer(self, resp: HttpResponse) -> tuple[str, str]:
        """The tokens of a successful token response, whichever grant asked."""
        body = self.http.decode_json(resp, "token")
        if not isinstance(body, dict):
            raise Malformed(SERVICE, "token: not an object")
        access_token = require_str(body.get("access_token"), SERVICE, "token.access_token")
        token_type = body.get("token_type")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise Malformed(SERVICE, "token: token_type is not Bearer")
        id_token = body.get("id_token")
        if id_token is None or id_token == "":
            raise Refused(SERVICE, "token: no ID token (scope openid was asked for)")
        if not isinstance(id_token, str):
            raise Malformed(SERVICE, "token: id_token is not a string")
        return access_token, id_token

    def _verify_id_token(self, config: _Discovery, token: str) -> str:
        pyjwt = _pyjwt()
        try:
            header = pyjwt.get_unverified_header(token)
        except pyjwt.PyJWTError:
            raise Refused(SERVICE, "ID token unreadable") from None
        kid = header.get("kid") if isinstance(header.get("kid"), str) else ""
        if header.get("alg") not in ID_TOKEN_ALGORITHMS:
            raise Refused(SERVICE, "ID token algorithm not allowed")
        key = self._key(config, kid)
        try:
            claims: dict[str, Any] = pyjwt.decode(
                token,
                key.key,
                algorithms=ID_TOKEN_ALGORITHMS,
                audience=self.client_id,
                issuer=config.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except pyjwt.ExpiredSignatureError:
            raise Refused(SERVICE, "ID token expired") from None
        except pyjwt.PyJWTError as err:
            raise Refused(SERVICE, f"ID token rejected ({type(err).__name__})") from None
        aud, azp = claims.get("aud"), claims.get("azp")
        if isinstance(aud, list) and len(aud) > 1 and azp is None:
            raise Refused(SERVICE, "ID token for several audiences without azp")
        if azp is not None and azp != self.client_id:
            raise Refused(SERVICE, "ID token authorized for another client (azp)")
        return require_str(claims.get("sub"), SERVICE, "id_token.sub")

    def _key(self, config: _Discovery, kid: str) -> jwt.PyJWK:
        """The signing key by ``kid``; an unknown kid refetches once (key rotation)."""
        if kid not in self._keys:
            self._keys = self._fetch_jwks(config)
        key = self._keys.get(kid) or (self._keys.get("") if not kid else None)
        if key is None and not kid and len(self._keys) == 1:
            key = next(iter(self._keys.values()))
        if key is None:
            raise Refused(SERVICE, "ID token signed with an unknown key")
        return key

    def _fetch_jwks(self, config: _Discovery) -> dict[str, jwt.PyJWK]:
        pyjwt = _pyjwt()
        body = self.http.get_json(config.jwks_uri, "jwks")
        keys = body.get("keys") if isinstance(body, dict) else None
        if not isinstance(keys, list):
            raise Malformed(SERVICE, "jwks: no key list")
        out: dict[str, jwt.PyJWK] = {}
        for item in keys:
            if not isinstance(item, dict) or item.get("use", "sig") != "sig":
                continue
            try:
                jwk = pyjwt.PyJWK(item)
            except (pyjwt.PyJWTError, ValueError, TypeError, KeyError):
                continue  # a key type we cannot use; another key may do
            kid = item.get("kid")
            out[kid if isinstance(kid, str) else ""] = jwk
        if not out:
            raise Malformed(SERVICE, "jwks: no usable signing key")
        return out

    def _discover(self) -> _Discovery:
        if self._discovery is None:
            self._discovery = self._fetch_discovery()
        return self._discovery

    def _fetch_discovery(self) -> _Discovery:
        """The discovery document; every endpoint must be on the issuer's own host."""
        body = self.http.get_json(
            self.issuer_url + "/.well-known/openid-configuration", "discovery"
        )
        if not isinstance(body, dict):
            raise Malformed(SERVICE, "discovery: not an object")
        issuer = require_str(body.get("issuer"), SERVICE, "discovery.issuer")
        if issuer.rstrip("/") != self.issuer_url:
            raise Malformed(SERVICE, "discovery: issuer differs from the configured one")
        endpoints = {}
        for name in ("token_endpoint", "userinfo_endpoint", "jwks_uri"):
            url = require_str(body.get(name), SERVICE, f"discovery.{name}")
            if not same_origin(url, self.issuer_url):
                raise Malformed(SERVICE, f"discovery: {name} is not on the issuer's host")
            endpoints[name] = url
        # RFC 8628 is optional: absent or off the issuer's host, QR sign-in is not offered.
        device_url = body.get("device_authorization_endpoint")
        if isinstance(device_url, str) and same_origin(device_url, self.issuer_url):
            endpoints["device_authorization_endpoint"] = device_url
        return _Discovery(issuer=issuer, **endpoints)
