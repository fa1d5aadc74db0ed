"""QR sign-in (RFC 8628) over loopback HTTP: the real portal client and services against
the simulator's device endpoint, token polling and approval page.

Time: the kiosk and the simulator share ``sim_clock``; the sleeper moves it instead of
sleeping, so "polling never faster than interval" is measured on the simulator's side
from the times it received the polls.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from kiosk.app import Services, build_services
from kiosk.config import load
from kiosk.services.errors import (
    DeviceCancelled,
    DeviceDenied,
    DeviceExpired,
    SimplifiedAccount,
    WrongCode,
)
from kiosk.services.ports import AuthorizationPending, Refused
from kiosk.sim.population import DEMO_PASSWORD
from kiosk.sim.server import CLIENT_ID, CLIENT_SECRET, SimServer
from kiosk.upstream.portal import OidcPortal
from tests.conftest import SimClock

TIMEOUT = (0.5, 2.0)


class Sleeper:
    """Moves the shared clock; ``on_wait(n)`` runs before the n-th wait returns."""

    def __init__(self, clock: SimClock, on_wait: Callable[[int], None] | None = None) -> None:
        self.clock = clock
        self.waits: list[float] = []
        self.on_wait = on_wait

    def sleep(self, seconds: float, cancel: threading.Event) -> bool:
        self.waits.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))
        if self.on_wait is not None:
            self.on_wait(len(self.waits))
        return cancel.is_set()


@pytest.fixture
def services(sim: SimServer, sim_clock: SimClock, tmp_path: Path) -> Iterator[Services]:
    env = {
        **sim.kiosk_env(),
        "KIOSK_UPSTREAM_READ_TIMEOUT_S": "5.0",
        "KIOSK_SECURITY_CODE_KEY": "ab" * 32,
        "KIOSK_STORE_URL": f"sqlite:///{tmp_path / 'cache.sqlite3'}",
    }
    sim.jwks()  # the RSA keys are made now, not inside a timed token request
    svc = build_services(load(None, env=env), clock=sim_clock)  # type: ignore[arg-type]
    try:
        yield svc
    finally:
        svc.close()


def last_code(sim: SimServer) -> str:
    match = re.search(r"\b(\d{6})\b", sim.sms_outbox()[-1]["text"])
    assert match
    return match.group(1)


def approve_on_page(sim: SimServer, user_code: str, login: str, password: str,
                    action: str = "approve") -> requests.Response:
    """What the patient's phone does: open the QR's page, sign in, approve."""
    page = requests.get(f"{sim.portal_url}/device", params={"user_code": user_code}, timeout=2)
    assert page.status_code == 200 and user_code in page.text
    return requests.post(
        f"{sim.portal_url}/device",
        data=urlencode({"user_code": user_code, "login": login, "password": password,
                        "action": action}),
        headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=2,
    )


def poll_gaps(sim: SimServer) -> list[float]:
    times = [t for t, _ in sim.device.polls]
    return [round((b - a).total_seconds()) for a, b in itertools.pairwise(times)]


def test_discovery_offers_the_grant_and_config_can_hide_it(sim: SimServer, tmp_path: Path,
                                                           services: Services) -> None:
    assert services.signin.device_offered()
    env = {**sim.kiosk_env(), "KIOSK_PORTAL_DEVICE_GRANT": "false",
           "KIOSK_STORE_URL": f"sqlite:///{tmp_path / 'off.sqlite3'}"}
    off = build_services(load(None, env=env))
    try:
        assert not off.signin.device_offered()
    finally:
        off.close()


def test_r_ent_4_approve_then_sms_code_then_session(
    services: Services, sim: SimServer, sim_clock: SimClock
) -> None:
    """Approval on the phone leads to the SMS code (R-ENT-4); only the code signs in."""
    pending = services.signin.start_device()
    assert pending.qr_uri.startswith(sim.portal_url + "/device?user_code=")

    def phone(n: int) -> None:
        if n == 3:
            assert approve_on_page(sim, pending.user_code, "anna", DEMO_PASSWORD).ok

    sleeper = Sleeper(sim_clock, phone)
    outbox_before = len(sim.sms_outbox())
    attempt = services.signin.wait_device(pending, threading.Event(), sleeper)
    assert [a for _, a in sim.device.polls] == ["authorization_pending"] * 2 + ["approved"]
    assert len(sim.sms_outbox()) == outbox_before + 1
    code = last_code(sim)
    with pytest.raises(WrongCode):
        services.signin.verify(attempt, f"{(int(code) + 1) % 1_000_000:06d}")
    session = services.signin.verify(attempt, code)
    assert session.subject == "u-anna"
    assert all(gap >= 5 for gap in poll_gaps(sim))


def test_deny_on_the_phone(services: Services, sim: SimServer, sim_clock: SimClock) -> None:
    pending = services.signin.start_device()
    outbox_before = len(sim.sms_outbox())

    def phone(n: int) -> None:
        if n == 2:
            assert approve_on_page(sim, pending.user_code, "", "", action="deny").ok

    with pytest.raises(DeviceDenied):
        services.signin.wait_device(pending, threading.Event(), Sleeper(sim_clock, phone))
    assert len(sim.sms_outbox()) == outbox_before


def test_expire_without_answer(services: Services, sim: SimServer, sim_clock: SimClock) -> None:
    sim.device.expires_in = 30
    pending = services.signin.start_device()
    with pytest.raises(DeviceExpired):
        services.signin.wait_device(pending, threading.Event(), Sleeper(sim_clock))
    assert len(sim.device.polls) == 5  # at 5, 10 ... 25 s; at 30 s the kiosk stops itself


def test_expired_token_from_the_portal(
    services: Services, sim: SimServer, sim_clock: SimClock
) -> None:
    """The kiosk's clock may lag the portal's: the portal's expired_token ends it too."""
    pending = services.signin.start_device()

    def portal(n: int) -> None:
        if n == 2:
            sim.device.expire(pending.user_code)

    with pytest.raises(DeviceExpired):
        services.signin.wait_device(pending, threading.Event(), Sleeper(sim_clock, portal))
    assert sim.device.polls[-1][1] == "expired_token"


def test_slow_down_adds_five_seconds_for_good(
    services: Services, sim: SimServer, sim_clock: SimClock
) -> None:
    """RFC 8628 §3.5: after slow_down the interval grows by 5 s; never faster than it."""
    sim.device.force_slow_down = 2
    pending = services.signin.start_device()

    def phone(n: int) -> None:
        if n == 4:
            sim.device.approve(pending.user_code, "anna")

    sleeper = Sleeper(sim_clock, phone)
    services.signin.wait_device(pending, threading.Event(), sleeper)
    assert sleeper.waits == [5, 10, 15, 15]
    answers = [a for _, a in sim.device.polls]
    assert answers == ["slow_down", "slow_down", "authorization_pending", "approved"]
    assert poll_gaps(sim) == [10, 15, 15]


def test_r_ent_2_simplified_account_refused_after_approval(
    services: Services, sim: SimServer, sim_clock: SimClock
) -> None:
    pending = services.signin.start_device()
    sim.device.approve(pending.user_code, "olga")
    outbox_before = len(sim.sms_outbox())
    with pytest.raises(SimplifiedAccount):
        services.signin.wait_device(pending, threading.Event(), Sleeper(sim_clock))
    assert len(sim.sms_outbox()) == outbox_before


def test_cancel_stops_polling(services: Services, sim: SimServer, sim_clock: SimClock) -> None:
    cancel = threading.Event()
    pending = services.signin.start_device()

    def kiosk(n: int) -> None:
        if n == 2:
            cancel.set()

    with pytest.raises(DeviceCancelled):
        services.signin.wait_device(pending, cancel, Sleeper(sim_clock, kiosk))
    assert len(sim.device.polls) == 1


def test_client_poll_answers_and_id_token_checked(sim: SimServer) -> None:
    """The ID token of the device grant goes through the password path's checks."""
    with OidcPortal(sim.portal_url, CLIENT_ID, CLIENT_SECRET, TIMEOUT) as portal:
        auth = portal.start_device()
        assert re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", auth.user_code)
        assert auth.device_code not in repr(auth)
        with pytest.raises(AuthorizationPending):
            portal.poll_device(auth.device_code)
        auth = portal.start_device()
        sim.device.approve(auth.user_code, "anna")
        sim.id_token_mode = "bad_signature"
        with pytest.raises(Refused) as err:
            portal.poll_device(auth.device_code)
        assert "ID token" in str(err.value)
        assert auth.device_code not in str(err.value)


def test_approval_page_wrong_password(sim: SimServer, services: Services) -> None:
    pending = services.signin.start_device()
    answer = approve_on_page(sim, pending.user_code, "anna", "wrong")
    assert answer.status_code == 400
    assert pending.user_code in sim.device.pending_user_codes()


def test_device_endpoint_off_the_issuer_host_is_not_offered(
    sim: SimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A foreign device endpoint would send the patient's phone elsewhere: hidden."""
    doc = sim.discovery()
    doc["device_authorization_endpoint"] = "http://evil.example/device"
    monkeypatch.setattr(sim, "discovery", lambda: doc)
    with OidcPortal(sim.portal_url, CLIENT_ID, CLIENT_SECRET, TIMEOUT) as portal:
        assert portal.device_offered() is False
