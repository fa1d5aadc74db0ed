"""The portal client against a real OpenID provider: Canaille (from pytest-iam) on loopback.

Canaille runs in this process on a wsgiref server bound to 127.0.0.1; a small reverse
proxy in front of it (also 127.0.0.1) is the issuer the kiosk is configured with, so
that a test can make the provider slow, or add an ID token to Canaille's real token
response (Canaille issues none for the password grant) — real, expired or badly signed.

Canaille serves only the registered OIDC claims: the kiosk's ``account_level`` claim
cannot be configured (an extra USERINFO_MAPPING key is dropped by its settings model).
Stock Canaille therefore proves discovery, token, userinfo and fail-closed on the
missing claim; one test registers the claim in Canaille's own claim list (three class
attributes, restored afterwards) to prove the full PortalIdentity (R-ENT-1, R-ENT-2).
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import json
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.services.ports import (
    AccountLevel,
    Malformed,
    PortalIdentity,
    Refused,
    Timeout,
    Unavailable,
    WrongCredentials,
)
from kiosk.upstream.portal import LEVEL_CLAIM, OidcPortal

pytestmark = pytest.mark.peers

canaille = pytest.importorskip("canaille", reason="pytest-iam (Canaille) is not installed")

CLIENT_ID, CLIENT_SECRET = "kiosk", "kiosk-secret"
LOGIN, PASSWORD = "anna", "demo1234"
TIMEOUT = (1.0, 3.0)

TokenHook = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Proxy:
    """Reverse proxy in front of Canaille: ``delay`` seconds of silence, ``on_token``
    rewrites the token endpoint's JSON answer."""

    upstream_port: int = 0
    delay: float = 0.0
    on_token: TokenHook | None = None
    released: threading.Event = field(default_factory=threading.Event)


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _forward(self) -> None:
            if proxy.delay and proxy.released.wait(proxy.delay):
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("connection", "keep-alive")}
            conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=10)
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                status, ctype = resp.status, resp.getheader("Content-Type", "")
            finally:
                conn.close()
            if self.path.startswith("/oauth/token") and status == 200 and proxy.on_token:
                data = json.dumps(proxy.on_token(json.loads(data))).encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _forward

    return Handler


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class Provider:
    issuer: str
    proxy: Proxy
    app: Any
    private_key: rsa.RSAPrivateKey
    kid: str


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    from canaille import create_app
    from canaille.app import models
    from canaille.backends import Backend
    from joserfc.jwk import JWKRegistry

    proxy = Proxy()
    front = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    front.daemon_threads = True
    issuer = f"http://127.0.0.1:{front.server_port}"
    key = JWKRegistry.generate_key("RSA", 2048)
    key.ensure_kid()
    saved_env = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain HTTP on loopback
    app = create_app(
        config={
            "TESTING": True, "ENV_FILE": None, "SECRET_KEY": str(uuid.uuid4()),
            "WTF_CSRF_ENABLED": False, "PREFERRED_URL_SCHEME": "http",
            "SERVER_NAME": issuer.removeprefix("http://"),
            "CANAILLE": {"DATABASE": "memory", "JAVASCRIPT": False,
                         "ACL": {"DEFAULT": {"PERMISSIONS": ["use_oidc"]}}},
            "CANAILLE_OIDC": {"ACTIVE_JWKS": [key.as_dict(private=True)]},
        },
        env_file=None, env_prefix="KIOSK_PEERS_IAM_",
    )
    back: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    proxy.upstream_port = back.server_port
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (back, front)]
    for t in threads:
        t.start()
    try:
        with app.app_context():
            backend = Backend.instance
            backend.save(models.User(user_name=LOGIN, password=PASSWORD, family_name="Смирнова",
                                     given_name="Анна", title="standard"))
            backend.save(models.User(user_name="olga", password=PASSWORD, family_name="Ким",
                                     title="simplified"))
            client = models.Client(
                client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client_name="kiosk",
                client_id_issued_at=dt.datetime.now(dt.UTC), grant_types=["password"],
                response_types=["token"], scope=["openid"],
                redirect_uris=["http://127.0.0.1/unused"],
                token_endpoint_auth_method="client_secret_basic",
                id_token_signed_response_alg="RS256",
            )
            backend.save(client)
            client.audience = [client]
            backend.save(client)
        private = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key.as_dict(private=True)))
        assert isinstance(private, rsa.RSAPrivateKey)
        yield Provider(issuer, proxy, app, private, str(key.kid))
    finally:
        proxy.released.set()
        front.shutdown()
        back.shutdown()
        for t in threads:
            t.join(10)
        front.server_close()
        back.server_close()
        if saved_env is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = saved_env


@pytest.fixture
def proxy(provider: Provider) -> Iterator[Proxy]:
    yield provider.proxy
    provider.proxy.delay, provider.proxy.on_token = 0.0, None
    provider.proxy.released.set()  # a request still held by `delay` ends unanswered
    provider.proxy.released = threading.Event()


@pytest.fixture
def portal(provider: Provider) -> Iterator[OidcPortal]:
    with OidcPortal(provider.issuer, CLIENT_ID, CLIENT_SECRET, TIMEOUT) as p:
        yield p


@pytest.fixture
def level_claim(provider: Provider, monkeypatch: pytest.MonkeyPatch) -> None:
    """Register ``account_level`` in Canaille's claim list, mapped from the user's title."""
    from canaille.oidc.userinfo import UserInfo

    monkeypatch.setattr(UserInfo, "REGISTERED_CLAIMS", [*UserInfo.REGISTERED_CLAIMS, LEVEL_CLAIM])
    mapping = dict(UserInfo.SCOPES_CLAIMS_MAPPING)
    mapping["openid"] = [*mapping["openid"], LEVEL_CLAIM]
    monkeypatch.setattr(UserInfo, "SCOPES_CLAIMS_MAPPING", mapping)
    monkeypatch.setitem(provider.app.config["CANAILLE_OIDC"]["USERINFO_MAPPING"],
                        LEVEL_CLAIM.upper(), "{{ user.title or '' }}")


def _sign(claims: dict[str, Any], key: rsa.RSAPrivateKey, kid: str) -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


# ---------------------------------------------------------------- the proofs


def test_discovery_is_on_the_issuer(portal: OidcPortal, provider: Provider):
    portal.ping()
    config = portal._discover()
    assert config.issuer == provider.issuer
    assert config.token_endpoint.startswith(provider.issuer + "/")


def _as_id_token(body: dict[str, Any]) -> dict[str, Any]:
    """Canaille's own RS256 JWT (its access token: iss, aud, sub, iat, exp) as ID token:
    Canaille issues none for the password grant."""
    return {**body, "id_token": body["access_token"]}


def test_good_login_without_id_token_is_refused_R_ENT_1(portal: OidcPortal, proxy: Proxy):
    """Stock Canaille's password grant answers without an ID token: the kiosk fails closed
    (issue 15 item 7: userinfo alone never decides who signed in)."""
    seen: list[dict[str, Any]] = []

    def spy(body: dict[str, Any]) -> dict[str, Any]:
        seen.append(body)
        return body

    proxy.on_token = spy
    with pytest.raises(Refused, match="no ID token"):
        portal.authenticate(LOGIN, PASSWORD)
    assert "id_token" not in seen[0] and seen[0]["token_type"].lower() == "bearer"


def test_good_login_with_id_token_reaches_userinfo_R_ENT_1(portal: OidcPortal, proxy: Proxy):
    """With an ID token, userinfo is asked with the Bearer token, and the kiosk fails
    closed because stock Canaille does not serve the level claim."""
    proxy.on_token = _as_id_token
    with pytest.raises(Malformed, match=LEVEL_CLAIM):
        portal.authenticate(LOGIN, PASSWORD)


@pytest.mark.usefixtures("level_claim")
def test_good_login_gives_the_identity_R_ENT_1_R_ENT_2(portal: OidcPortal, proxy: Proxy):
    proxy.on_token = _as_id_token
    assert portal.authenticate(LOGIN, PASSWORD) == PortalIdentity(LOGIN, AccountLevel.STANDARD)
    olga = portal.authenticate("olga", PASSWORD)
    assert olga.level is AccountLevel.SIMPLIFIED  # the services refuse it (R-ENT-2)


@pytest.mark.parametrize(("login", "password"), [(LOGIN, "wrong-password"),
                                                 ("nobody", PASSWORD)])
def test_wrong_credentials_are_typed_R_ENT_1(portal: OidcPortal, login: str, password: str):
    with pytest.raises(WrongCredentials) as info:
        portal.authenticate(login, password)
    assert password not in str(info.value) and login not in str(info.value)


def test_wrong_client_secret_is_refused_not_wrong_credentials(provider: Provider):
    with (OidcPortal(provider.issuer, CLIENT_ID, "not-the-secret", TIMEOUT) as portal,
          pytest.raises(Refused) as info):
        portal.authenticate(LOGIN, PASSWORD)
    assert not isinstance(info.value, WrongCredentials)
    assert "invalid_client" in str(info.value)


@pytest.mark.usefixtures("level_claim")
def test_real_id_token_is_verified_against_the_real_jwks(portal: OidcPortal, proxy: Proxy):
    """Canaille's own RS256 JWT (its access token: iss, aud, sub, iat, exp) as ID token."""

    def add(body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "id_token": body["access_token"]}

    proxy.on_token = add
    assert portal.authenticate(LOGIN, PASSWORD).subject == LOGIN


def _tamper(mode: str, provider: Provider) -> TokenHook:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def hook(body: dict[str, Any]) -> dict[str, Any]:
        real = body["access_token"]
        claims = _claims_of(real)
        if mode == "expired":
            now = int(dt.datetime.now(dt.UTC).timestamp())
            token = _sign({**claims, "iat": now - 7200, "exp": now - 3600},
                          provider.private_key, provider.kid)
        elif mode == "altered_signature":
            head, payload, sig = real.split(".")
            raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
            raw[len(raw) // 2] ^= 0x01
            token = ".".join((head, payload,
                              base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()))
        elif mode == "stranger_key":
            token = _sign(claims, stranger, provider.kid)
        elif mode == "other_subject":
            token = _sign({**claims, "sub": "olga"}, provider.private_key, provider.kid)
        elif mode == "several_audiences":  # for us too, but no authorized party named
            token = _sign({**claims, "aud": [CLIENT_ID, "another-client"]},
                          provider.private_key, provider.kid)
        elif mode == "other_azp":
            token = _sign({**claims, "aud": [CLIENT_ID, "another-client"],
                           "azp": "another-client"}, provider.private_key, provider.kid)
        else:  # wrong audience
            token = _sign({**claims, "aud": ["another-client"]}, provider.private_key,
                          provider.kid)
        return {**body, "id_token": token}

    return hook


@pytest.mark.usefixtures("level_claim")
@pytest.mark.parametrize(("mode", "reason"), [
    ("expired", "expired"),
    ("altered_signature", "rejected"),
    ("stranger_key", "rejected"),
    ("wrong_audience", "rejected"),
    ("other_subject", "subject"),
    ("several_audiences", "azp"),
    ("other_azp", "azp"),
])
def test_bad_id_tokens_are_refused(portal: OidcPortal, proxy: Proxy, provider: Provider,
                                   mode: str, reason: str):
    proxy.on_token = _tamper(mode, provider)
    with pytest.raises(Refused, match=reason):
        portal.authenticate(LOGIN, PASSWORD)


def test_provider_down_is_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nothing listens on the port now (closed above).
    with OidcPortal(f"http://127.0.0.1:{port}", CLIENT_ID, CLIENT_SECRET, TIMEOUT) as portal:
        with pytest.raises(Unavailable):
            portal.ping()
        with pytest.raises(Unavailable):
            portal.authenticate(LOGIN, PASSWORD)


def test_slow_provider_is_a_timeout(provider: Provider, proxy: Proxy):
    proxy.delay = 5.0
    with (OidcPortal(provider.issuer, CLIENT_ID, CLIENT_SECRET, (0.5, 0.5)) as portal,
          pytest.raises(Timeout)):
        portal.authenticate(LOGIN, PASSWORD)
