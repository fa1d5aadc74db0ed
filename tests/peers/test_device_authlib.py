"""QR sign-in (RFC 8628) against a real peer: an OpenID provider built on Authlib's own
``DeviceAuthorizationEndpoint`` and ``DeviceCodeGrant`` (Flask), served on loopback.

Authlib implements the grant's protocol (the endpoint's answer, the token endpoint's
``authorization_pending`` / ``slow_down`` / ``access_denied`` / ``expired_token``); the
few lines here are what Authlib leaves to a provider: storage, the user's decision, the
slow-down policy, discovery, JWKS, userinfo and the ID token (Authlib's OpenID
extensions do not cover this grant, so the token response gets one signed here).

Time is real on this path: the provider is not ours to fake. Its interval is 1 s and
its codes live a few seconds, so each test takes seconds, and the provider measures
the gaps between polls itself.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.app import Services, build_services
from kiosk.config import load
from kiosk.services.errors import DeviceDenied, DeviceExpired, WrongCode
from kiosk.services.ports import AccountLevel
from kiosk.sim.server import SimServer
from kiosk.upstream.portal import LEVEL_CLAIM

pytestmark = pytest.mark.peers

flask = pytest.importorskip("flask", reason="Flask (for the Authlib provider) is not installed")
rfc8628 = pytest.importorskip("authlib.oauth2.rfc8628", reason="Authlib is not installed")

from authlib.integrations.flask_oauth2 import AuthorizationServer  # noqa: E402
from authlib.oauth2.rfc6749 import ClientMixin  # noqa: E402
from jwt.algorithms import RSAAlgorithm  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

CLIENT_ID, CLIENT_SECRET = "kiosk", "kiosk-secret"
SUBJECT = "u-anna"  # the simulator's registry and SMS know this subject's grants
INTERVAL = 1


class _Client(ClientMixin):
    def get_client_id(self) -> str:
        return CLIENT_ID

    def get_default_redirect_uri(self) -> str:
        return ""

    def get_allowed_scope(self, scope: str) -> str:
        return scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return client_secret == CLIENT_SECRET

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic"

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == rfc8628.DEVICE_CODE_GRANT_TYPE


@dataclass
class Provider:
    """The provider's state that tests read and steer."""

    base: str = ""
    expires_in: int = 30
    slow_downs: int = 0  # answer slow_down to the next N polls
    credentials: dict[str, rfc8628.DeviceCredentialDict] = field(default_factory=dict)
    decisions: dict[str, tuple[str, bool]] = field(default_factory=dict)  # user_code →
    polls: list[float] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def pending_code(self) -> str:
        return next(iter(self.credentials.values()))["user_code"]


def _app(p: Provider) -> Any:
    app = flask.Flask("authlib-device-peer")
    server = AuthorizationServer(app, query_client=lambda cid: _Client() if cid == CLIENT_ID
                                 else None,
                                 save_token=lambda token, request: p.tokens.__setitem__(
                                     token["access_token"], request.user))

    class Endpoint(rfc8628.DeviceAuthorizationEndpoint):
        CLIENT_AUTH_METHODS = ["client_secret_basic"]  # noqa: RUF012 - Authlib's API
        INTERVAL = INTERVAL

        def __init__(self, srv: Any) -> None:
            super().__init__(srv)
            self.EXPIRES_IN = p.expires_in

        def get_verification_uri(self) -> str:
            return p.base + "/device"

        def save_device_credential(self, client_id: str, scope: str, data: dict) -> None:
            p.credentials[data["device_code"]] = rfc8628.DeviceCredentialDict(
                client_id=client_id, scope=scope, expires_at=time.time() + p.expires_in,
                **data)

    class Grant(rfc8628.DeviceCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]  # noqa: RUF012

        def query_device_credential(self, device_code: str) -> Any:
            p.polls.append(time.monotonic())
            return p.credentials.get(device_code)

        def query_user_grant(self, user_code: str) -> Any:
            return p.decisions.get(user_code)

        def should_slow_down(self, credential: Any) -> bool:
            if p.slow_downs:
                p.slow_downs -= 1
                return True
            return False

        def create_token_response(self) -> Any:
            status, token, headers = super().create_token_response()
            now = int(time.time())
            token["id_token"] = jwt.encode(
                {"iss": p.base, "sub": self.request.user, "aud": CLIENT_ID, "iat": now,
                 "exp": now + 300},
                p.key, algorithm="RS256", headers={"kid": "k1"})
            return status, token, headers

    server.register_endpoint(Endpoint)
    server.register_grant(Grant)

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Any:
        return {"issuer": p.base, "token_endpoint": p.base + "/token",
                "userinfo_endpoint": p.base + "/userinfo", "jwks_uri": p.base + "/jwks",
                "device_authorization_endpoint": p.base + "/device_authorization",
                "grant_types_supported": [rfc8628.DEVICE_CODE_GRANT_TYPE]}

    @app.get("/jwks")
    def jwks() -> Any:
        jwk = RSAAlgorithm.to_jwk(p.key.public_key(), as_dict=True)
        jwk.update({"kid": "k1", "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    @app.post("/device_authorization")
    def device_authorization() -> Any:
        return server.create_endpoint_response("device_authorization")

    @app.post("/token")
    def token() -> Any:
        return server.create_token_response()

    @app.get("/userinfo")
    def userinfo() -> Any:
        auth = flask.request.headers.get("Authorization", "")
        subject = p.tokens.get(auth.removeprefix("Bearer "))
        if subject is None:
            return {"error": "invalid_token"}, 401
        return {"sub": subject, LEVEL_CLAIM: AccountLevel.STANDARD.value}

    return app


@pytest.fixture
def provider() -> Iterator[Provider]:
    p = Provider()
    httpd = make_server("127.0.0.1", 0, _app(p), threaded=True)
    p.base = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, name="authlib-peer", daemon=True)
    thread.start()
    try:
        yield p
    finally:
        httpd.shutdown()
        thread.join(5)


@pytest.fixture
def services(provider: Provider, sim: SimServer, tmp_path: Path) -> Iterator[Services]:
    """The kiosk with Authlib as its portal and the simulator for the rest."""
    env = {
        **sim.kiosk_env(),
        "KIOSK_PORTAL_ISSUER": provider.base,
        "KIOSK_PORTAL_CLIENT_ID": CLIENT_ID,
        "KIOSK_PORTAL_CLIENT_SECRET": CLIENT_SECRET,
        "KIOSK_SECURITY_CODE_KEY": "cd" * 32,
        "KIOSK_STORE_URL": f"sqlite:///{tmp_path / 'cache.sqlite3'}",
    }
    svc = build_services(load(None, env=env))
    try:
        yield svc
    finally:
        svc.close()


class Recording:
    """The kiosk's real wait (``Event.wait``) that also runs the phone's part."""

    def __init__(self, on_wait: Any = None) -> None:
        self.waits: list[float] = []
        self.on_wait = on_wait

    def sleep(self, seconds: float, cancel: threading.Event) -> bool:
        self.waits.append(seconds)
        if self.on_wait is not None:
            self.on_wait(len(self.waits))
        return cancel.wait(seconds)


def gaps(p: Provider) -> list[float]:
    return [b - a for a, b in zip(p.polls, p.polls[1:], strict=False)]


def last_code(sim: SimServer) -> str:
    match = re.search(r"\b(\d{6})\b", sim.sms_outbox()[-1]["text"])
    assert match
    return match.group(1)


def test_approve_then_sms_code_R_ENT_4(services: Services, provider: Provider,
                                      sim: SimServer) -> None:
    """Approval at the peer, then the SMS code; polling never faster than the interval."""
    assert services.signin.device_offered()
    pending = services.signin.start_device()
    assert pending.qr_uri == f"{provider.base}/device?user_code={pending.user_code}"

    def phone(n: int) -> None:
        if n == 3:
            provider.decisions[pending.user_code] = (SUBJECT, True)

    sent = len(sim.sms_outbox())
    attempt = services.signin.wait_device(pending, threading.Event(), Recording(phone))
    assert len(provider.polls) == 3
    assert all(g >= INTERVAL * 0.95 for g in gaps(provider))
    assert len(sim.sms_outbox()) == sent + 1
    code = last_code(sim)
    with pytest.raises(WrongCode):
        services.signin.verify(attempt, f"{(int(code) + 1) % 1_000_000:06d}")
    assert services.signin.verify(attempt, code).subject == SUBJECT


def test_deny(services: Services, provider: Provider, sim: SimServer) -> None:
    pending = services.signin.start_device()
    provider.decisions[pending.user_code] = (SUBJECT, False)
    sent = len(sim.sms_outbox())
    with pytest.raises(DeviceDenied):
        services.signin.wait_device(pending, threading.Event(), Recording())
    assert len(sim.sms_outbox()) == sent


def test_expire(services: Services, provider: Provider) -> None:
    provider.expires_in = 2
    pending = services.signin.start_device()
    with pytest.raises(DeviceExpired):
        services.signin.wait_device(pending, threading.Event(), Recording())
    assert len(provider.polls) <= 2


def test_slow_down_adds_five_seconds(services: Services, provider: Provider) -> None:
    """Authlib's slow_down: the kiosk waits interval + 5 s from then on."""
    provider.slow_downs = 1
    pending = services.signin.start_device()

    def phone(n: int) -> None:
        if n == 2:
            provider.decisions[pending.user_code] = (SUBJECT, True)

    sleeper = Recording(phone)
    services.signin.wait_device(pending, threading.Event(), sleeper)
    assert sleeper.waits == [INTERVAL, INTERVAL + 5]
    assert gaps(provider)[0] >= (INTERVAL + 5) * 0.95
