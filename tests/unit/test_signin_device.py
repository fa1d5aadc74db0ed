"""QR sign-in (RFC 8628) in the sign-in state machine: fakes, a fake clock, no sleeping.

After the phone approves, the account level (R-ENT-2), grants (R-ENT-3) and the SMS
code (R-ENT-4, R-OTP-*) follow exactly as after a password.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta

import pytest

from kiosk.domain.grants import Relation
from kiosk.services.audit import AuditLog
from kiosk.services.errors import (
    DeviceCancelled,
    DeviceDenied,
    DeviceExpired,
    NoGrants,
    ServiceUnavailable,
    SimplifiedAccount,
    WrongCode,
)
from kiosk.services.ports import (
    AccessDenied,
    AccountLevel,
    AuthorizationPending,
    ExpiredToken,
    SlowDown,
    Unavailable,
)
from kiosk.services.signin import Attempt, SignInService, SignInSettings
from tests.fakes import (
    FakeAccount,
    FakeClock,
    FakePortal,
    FakeRegistry,
    FakeSleeper,
    FakeSms,
    FakeStore,
    grant,
)

PENDING = AuthorizationPending("portal", "token: authorization_pending")


class World:
    def __init__(self, device_grant: bool = True) -> None:
        self.clock = FakeClock()
        self.store = FakeStore()
        self.portal = FakePortal()
        self.registry = FakeRegistry()
        self.sms = FakeSms()
        self.sleeper = FakeSleeper(self.clock)
        self.cancel = threading.Event()
        self.portal.accounts["ivanov"] = FakeAccount("Пароль-секрет-42", "sub-1")
        self.registry.grants["sub-1"] = [
            grant("emr-self", phone="+79161112233"),
            grant("emr-kid", Relation.CHILD, birth=date(2018, 4, 2), phone="+79169998877"),
        ]
        self.audit = AuditLog(self.store, self.clock, "k1")
        self.svc = SignInService(
            self.portal, self.registry, self.sms, self.store, self.clock, self.audit,
            SignInSettings(b"K" * 32, "k1", device_grant=device_grant),
        )

    def wait(self, *answers: Exception | str) -> Attempt:
        self.portal.device_answers = list(answers)
        pending = self.svc.start_device()
        return self.svc.wait_device(pending, self.cancel, self.sleeper)


@pytest.fixture
def w() -> World:
    return World()


def test_offered_only_when_portal_has_it_and_config_allows() -> None:
    """The option shows when discovery announces the grant and config leaves it on."""
    assert World().svc.device_offered() is True
    assert World(device_grant=False).svc.device_offered() is False
    off = World()
    off.portal.device = False
    assert off.svc.device_offered() is False
    down = World()
    down.portal.down = True
    assert down.svc.device_offered() is False


def test_r_ent_4_approval_leads_to_the_sms_code_not_a_session(w: World) -> None:
    """R-ENT-4: approval on the phone sends the SMS code; only the code opens a session."""
    attempt = w.wait(PENDING, PENDING, "sub-1")
    assert [p for p, _ in w.sms.sent] == ["+79161112233"]
    assert attempt.masked_phone == "+7 *** ***-**-33"
    with pytest.raises(WrongCode):
        w.svc.verify(attempt, f"{(int(w.sms.last_code()) + 1) % 1_000_000:06d}")
    session = w.svc.verify(attempt, w.sms.last_code())
    assert {g.emr_id for g in session.grants} == {"emr-self", "emr-kid"}


def test_polling_never_faster_than_interval_and_slow_down_adds_five(w: World) -> None:
    """RFC 8628 §3.5: wait ``interval`` before each poll; each slow_down adds 5 s for good."""
    w.wait(PENDING, SlowDown("portal", "slow_down"), PENDING, SlowDown("portal", "s"), "sub-1")
    assert w.sleeper.waits == [5, 5, 10, 10, 15]
    assert len(w.portal.device_polls) == 5


def test_r_ent_2_simplified_account_refused_after_approval(w: World) -> None:
    w.portal.accounts["ivanov"].level = AccountLevel.SIMPLIFIED
    with pytest.raises(SimplifiedAccount):
        w.wait("sub-1")
    assert w.sms.sent == []


def test_r_ent_3_no_grants_after_approval(w: World) -> None:
    w.registry.grants["sub-1"] = []
    with pytest.raises(NoGrants):
        w.wait("sub-1")
    assert w.sms.sent == []


def test_denied_on_the_phone(w: World) -> None:
    with pytest.raises(DeviceDenied):
        w.wait(PENDING, AccessDenied("portal", "access_denied"))
    assert w.sms.sent == []
    assert "signin.device_denied" in [r.event for r in w.store.data.audit]


def test_expired_token_from_the_portal(w: World) -> None:
    with pytest.raises(DeviceExpired):
        w.wait(PENDING, ExpiredToken("portal", "expired_token"))


def test_expiry_by_the_kiosk_clock_stops_polling(w: World) -> None:
    """A portal that keeps saying pending is not polled past ``expires_in``."""
    with pytest.raises(DeviceExpired):
        w.wait()  # pending for ever
    assert len(w.portal.device_polls) == 600 // 5 - 1
    assert sum(w.sleeper.waits) <= 600


def test_cancel_stops_before_the_next_poll(w: World) -> None:
    w.sleeper.cancel_after = 2
    with pytest.raises(DeviceCancelled):
        w.wait(PENDING, PENDING, "sub-1")
    assert len(w.portal.device_polls) == 2
    assert w.sms.sent == []


def test_portal_down_mid_poll_is_typed(w: World) -> None:
    with pytest.raises(ServiceUnavailable) as err:
        w.wait(PENDING, Unavailable("portal", "down"))
    assert err.value.service == "portal"


def test_device_code_never_logged_audited_or_in_repr(
    w: World, caplog: pytest.LogCaptureFixture
) -> None:
    """The device code is a bearer secret: memory only."""
    caplog.set_level(logging.DEBUG)
    pending = w.svc.start_device()
    w.portal.device_answers = [PENDING, "sub-1"]
    attempt = w.svc.wait_device(pending, w.cancel, w.sleeper)
    everything = repr(w.store.data) + caplog.text + repr(pending) + repr(attempt)
    assert "DEVICE-SECRET-1" not in everything
    assert pending.qr_uri.endswith("user_code=WDJB-MJHT")
    assert pending.expires_at == w.clock.now() - timedelta(seconds=10) + timedelta(minutes=10)
